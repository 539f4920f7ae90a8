// Package athena runs SQL on Amazon Athena (StartQueryExecution, polling
// GetQueryExecution, paging GetQueryResults) and prints the CREATE TABLE
// statement AWS documents for a CloudTrail bucket.
package athena

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/trailsleuth/trailsleuth/internal/remote"
)

// Client runs queries in one database and workgroup.
type Client struct {
	API       *sdk.Client
	Database  string
	Catalog   string // default: the workgroup's (AwsDataCatalog)
	Workgroup string // default: "primary"
	// Output is the s3:// folder for results; empty uses the workgroup's.
	Output string
	// Poll is the first wait between GetQueryExecution calls; it doubles
	// up to MaxPoll (defaults 500ms and 5s).
	Poll, MaxPoll time.Duration
}

const (
	mb         = 1 << 20
	minBilled  = 10 * mb // Athena bills at least 10 MB per query
	pageLength = 1000    // GetQueryResults' maximum
)

// Billed is what Athena charges for bytes scanned: rounded up to the
// megabyte, at least 10 MB.
func Billed(scanned int64) int64 {
	b := (scanned + mb - 1) / mb * mb
	return max(b, minBilled)
}

// QueryError is a query Athena did not finish.
type QueryError struct {
	QueryID, State, Reason string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("athena query %s %s: %s", e.QueryID, e.State, e.Reason)
}

// Run starts sql, waits for it and reads every result row.
func (c *Client) Run(ctx context.Context, sql string) (*remote.Result, error) {
	in := &sdk.StartQueryExecutionInput{
		QueryString:           aws.String(sql),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(c.Database)},
	}
	if c.Catalog != "" {
		in.QueryExecutionContext.Catalog = aws.String(c.Catalog)
	}
	if c.Workgroup != "" {
		in.WorkGroup = aws.String(c.Workgroup)
	}
	if c.Output != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(c.Output)}
	}
	out, err := c.API.StartQueryExecution(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("starting the athena query: %w", err)
	}
	id := aws.ToString(out.QueryExecutionId)
	qe, err := c.wait(ctx, id)
	if err != nil {
		return nil, err
	}
	res := &remote.Result{QueryID: id}
	if st := qe.Statistics; st != nil {
		res.Stats.BytesScanned = aws.ToInt64(st.DataScannedInBytes)
	}
	res.Stats.BytesBilled = Billed(res.Stats.BytesScanned)
	res.Stats.CostUSD = remote.CostOf(res.Stats.BytesBilled)
	if err := c.read(ctx, id, res); err != nil {
		return nil, err
	}
	return res, nil
}

// wait polls until the query leaves QUEUED and RUNNING.
func (c *Client) wait(ctx context.Context, id string) (*types.QueryExecution, error) {
	first := c.Poll
	if first <= 0 {
		first = 500 * time.Millisecond
	}
	var qe *types.QueryExecution
	err := remote.Poll(ctx, first, c.MaxPoll, func() (bool, error) {
		out, err := c.API.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			return false, fmt.Errorf("athena query %s: %w", id, err)
		}
		qe = out.QueryExecution
		if qe == nil || qe.Status == nil {
			return false, fmt.Errorf("athena query %s: GetQueryExecution returned no status", id)
		}
		switch qe.Status.State {
		case types.QueryExecutionStateSucceeded:
			return true, nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			reason := aws.ToString(qe.Status.StateChangeReason)
			if ae := qe.Status.AthenaError; ae != nil && reason == "" {
				reason = aws.ToString(ae.ErrorMessage)
			}
			return false, &QueryError{QueryID: id, State: string(qe.Status.State), Reason: reason}
		case types.QueryExecutionStateQueued, types.QueryExecutionStateRunning:
			return false, nil
		}
		return false, fmt.Errorf("athena query %s: unknown state %q", id, qe.Status.State)
	}, func() { c.stop(ctx, id) })
	return qe, err
}

// stop stops a query whose caller gave up.
func (c *Client) stop(ctx context.Context, id string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _ = c.API.StopQueryExecution(sctx, &sdk.StopQueryExecutionInput{QueryExecutionId: aws.String(id)}) // best effort
}

// read pages through the results. The first row of the first page is the
// header (the column names) for a SELECT; it is dropped when it is one.
func (c *Client) read(ctx context.Context, id string, res *remote.Result) error {
	var token *string
	for page := 0; ; page++ {
		out, err := c.API.GetQueryResults(ctx, &sdk.GetQueryResultsInput{
			QueryExecutionId: aws.String(id), NextToken: token, MaxResults: aws.Int32(pageLength),
		})
		if err != nil {
			return fmt.Errorf("reading athena query %s results: %w", id, err)
		}
		rs := out.ResultSet
		if rs == nil {
			return errors.New("athena query " + id + ": GetQueryResults returned no result set")
		}
		rows := rs.Rows
		if page == 0 {
			if md := rs.ResultSetMetadata; md != nil {
				for _, ci := range md.ColumnInfo {
					res.Columns = append(res.Columns, aws.ToString(ci.Name))
				}
			}
			if len(rows) > 0 && isHeader(rows[0], res.Columns) {
				rows = rows[1:]
			}
		}
		for _, r := range rows {
			vals := make([]*string, len(r.Data))
			for i, d := range r.Data {
				vals[i] = d.VarCharValue
			}
			res.Rows = append(res.Rows, vals)
		}
		token = out.NextToken
		if aws.ToString(token) == "" {
			return nil
		}
	}
}

func isHeader(r types.Row, cols []string) bool {
	if len(cols) == 0 || len(r.Data) != len(cols) {
		return false
	}
	for i, d := range r.Data {
		if aws.ToString(d.VarCharValue) != cols[i] {
			return false
		}
	}
	return true
}
