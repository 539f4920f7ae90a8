// Package lake runs SQL on a CloudTrail Lake event data store (StartQuery,
// polling DescribeQuery, paging GetQueryResults).
package lake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/trailsleuth/trailsleuth/internal/remote"
)

// Client runs queries on CloudTrail Lake.
type Client struct {
	API *cloudtrail.Client
	// DeliveryS3Uri optionally saves results to S3 as well.
	DeliveryS3Uri string
	// Poll is the first wait between DescribeQuery calls; it doubles up to
	// MaxPoll (defaults 1s and 5s).
	Poll, MaxPoll time.Duration
}

// StoreID is the event data store id a query's FROM names: the last part of
// its ARN (arn:aws:cloudtrail:region:account:eventdatastore/ID), or the
// value itself when it is not an ARN.
func StoreID(arnOrID string) string {
	if i := strings.LastIndex(arnOrID, "eventdatastore/"); i >= 0 {
		return arnOrID[i+len("eventdatastore/"):]
	}
	return arnOrID
}

// QueryError is a query CloudTrail Lake did not finish.
type QueryError struct {
	QueryID, Status, Message string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("cloudtrail lake query %s %s: %s", e.QueryID, e.Status, e.Message)
}

// Run starts sql, waits for it and reads every result row. Lake bills the
// bytes scanned with no minimum.
func (c *Client) Run(ctx context.Context, sql string) (*remote.Result, error) {
	in := &cloudtrail.StartQueryInput{QueryStatement: aws.String(sql)}
	if c.DeliveryS3Uri != "" {
		in.DeliveryS3Uri = aws.String(c.DeliveryS3Uri)
	}
	out, err := c.API.StartQuery(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("starting the cloudtrail lake query: %w", err)
	}
	id := aws.ToString(out.QueryId)
	d, err := c.wait(ctx, id)
	if err != nil {
		return nil, err
	}
	res := &remote.Result{QueryID: id}
	if st := d.QueryStatistics; st != nil {
		res.Stats.BytesScanned = aws.ToInt64(st.BytesScanned)
	}
	if err := c.read(ctx, id, res); err != nil {
		return nil, err
	}
	res.Stats.BytesBilled = res.Stats.BytesScanned
	res.Stats.CostUSD = remote.CostOf(res.Stats.BytesBilled)
	return res, nil
}

// wait polls DescribeQuery until the query leaves QUEUED and RUNNING.
func (c *Client) wait(ctx context.Context, id string) (*cloudtrail.DescribeQueryOutput, error) {
	var d *cloudtrail.DescribeQueryOutput
	err := remote.Poll(ctx, c.Poll, c.MaxPoll, func() (bool, error) {
		var err error
		d, err = c.API.DescribeQuery(ctx, &cloudtrail.DescribeQueryInput{QueryId: aws.String(id)})
		if err != nil {
			return false, fmt.Errorf("cloudtrail lake query %s: %w", id, err)
		}
		switch d.QueryStatus {
		case types.QueryStatusFinished:
			return true, nil
		case types.QueryStatusFailed, types.QueryStatusCancelled, types.QueryStatusTimedOut:
			return false, &QueryError{QueryID: id, Status: string(d.QueryStatus), Message: aws.ToString(d.ErrorMessage)}
		case types.QueryStatusQueued, types.QueryStatusRunning:
			return false, nil
		}
		return false, fmt.Errorf("cloudtrail lake query %s: unknown status %q", id, d.QueryStatus)
	}, func() { c.cancel(ctx, id) })
	return d, err
}

// cancel stops a query whose caller gave up, so it stops scanning.
func (c *Client) cancel(ctx context.Context, id string) {
	cctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	_, _ = c.API.CancelQuery(cctx, &cloudtrail.CancelQueryInput{QueryId: aws.String(id)}) // best effort
}

// read pages through the results. Each row is a list of one-entry maps,
// column name → value, in SELECT order; a NULL value's entry may be absent,
// so columns are collected by name across all rows.
func (c *Client) read(ctx context.Context, id string, res *remote.Result) error {
	pos := map[string]int{}
	var token *string
	for {
		out, err := c.API.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: aws.String(id), NextToken: token})
		if err != nil {
			return fmt.Errorf("reading cloudtrail lake query %s results: %w", id, err)
		}
		if msg := aws.ToString(out.ErrorMessage); msg != "" {
			return &QueryError{QueryID: id, Status: string(out.QueryStatus), Message: msg}
		}
		for _, r := range out.QueryResultRows {
			row := make([]*string, len(res.Columns))
			for _, cell := range r {
				for k, v := range cell {
					i, ok := pos[k]
					if !ok {
						i = len(res.Columns)
						pos[k] = i
						res.Columns = append(res.Columns, k)
					}
					for len(row) <= i {
						row = append(row, nil)
					}
					row[i] = aws.String(v)
				}
			}
			res.Rows = append(res.Rows, row)
		}
		token = out.NextToken
		if aws.ToString(token) == "" {
			break
		}
	}
	// Rows read before a column first appeared are shorter; pad them.
	for i, row := range res.Rows {
		for len(row) < len(res.Columns) {
			row = append(row, nil)
		}
		res.Rows[i] = row
	}
	return nil
}
