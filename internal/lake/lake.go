// Package lake runs SQL on a CloudTrail Lake event data store (StartQuery,
// polling DescribeQuery, paging GetQueryResults). Its one client serves
// both `collect lake` (Collect, which saves the rows as evidence) and the
// remote engine (Run, a remote.Runner).
package lake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/remote"
)

// API is the part of the CloudTrail API a query uses (*cloudtrail.Client).
type API interface {
	StartQuery(context.Context, *cloudtrail.StartQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.StartQueryOutput, error)
	DescribeQuery(context.Context, *cloudtrail.DescribeQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.DescribeQueryOutput, error)
	GetQueryResults(context.Context, *cloudtrail.GetQueryResultsInput, ...func(*cloudtrail.Options)) (*cloudtrail.GetQueryResultsOutput, error)
	CancelQuery(context.Context, *cloudtrail.CancelQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.CancelQueryOutput, error)
}

// Client runs queries on CloudTrail Lake.
type Client struct {
	API API
	// DeliveryS3Uri optionally saves results to S3 as well.
	DeliveryS3Uri string
	// Poll is the first wait between DescribeQuery calls; it doubles up to
	// MaxPoll (defaults 1s and 5s).
	Poll, MaxPoll time.Duration
	// Watch, if set, is told how far the query has got after every
	// DescribeQuery and every page of results (collect lake shows it).
	Watch func(Progress)
}

// Progress is how far a query has got.
type Progress struct {
	QueryID string
	// Status and BytesScanned are as DescribeQuery last reported them.
	Status       string
	BytesScanned int64
	Pages        int   // GetQueryResults pages read
	Rows         int64 // rows of the pages handed over
}

// Page is one page of a query's results.
type Page struct {
	// Rows are the page's rows, each a list of one-entry maps (column name
	// → value, in SELECT order; a NULL value's entry may be absent).
	Rows [][]map[string]string
	// Progress is the query's, this page counted in Pages (not yet in Rows).
	Progress Progress
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

// ErrQueryFailed is in the chain of every QueryError.
var ErrQueryFailed = errors.New("CloudTrail Lake query did not finish")

// QueryError is a query CloudTrail Lake ended other than FINISHED.
type QueryError struct {
	QueryID, Status, Message string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("query %s ended %s: %s: %v", e.QueryID, e.Status, e.Message, ErrQueryFailed)
}

// Unwrap lets errors.Is(err, ErrQueryFailed) tell a failed query from an
// API or network error.
func (e *QueryError) Unwrap() error { return ErrQueryFailed }

// Query runs sql to the end (Start, Wait, then Results), handing each page
// of its results to yield in order. The Progress returned is how far the
// query got, on error too.
func (c *Client) Query(ctx context.Context, sql string, yield func(Page) error) (Progress, error) {
	p, err := c.Start(ctx, sql)
	if err != nil {
		return p, err
	}
	if err := c.Wait(ctx, &p); err != nil {
		return p, err
	}
	return p, c.Results(ctx, &p, yield)
}

// Start starts sql; the Progress returned has its query id.
func (c *Client) Start(ctx context.Context, sql string) (Progress, error) {
	in := &cloudtrail.StartQueryInput{QueryStatement: aws.String(sql)}
	if c.DeliveryS3Uri != "" {
		in.DeliveryS3Uri = aws.String(c.DeliveryS3Uri)
	}
	out, err := c.API.StartQuery(ctx, in)
	if err != nil {
		return Progress{}, fmt.Errorf("StartQuery: %w", acquire.APIErr(err))
	}
	return Progress{QueryID: aws.ToString(out.QueryId)}, nil
}

// Wait polls DescribeQuery, backing off, until the query leaves QUEUED and
// RUNNING: nil when it FINISHED, a *QueryError when it ended otherwise.
// When the caller gives up (ctx ends) between polls, the query is cancelled
// and ctx's error itself returned.
func (c *Client) Wait(ctx context.Context, p *Progress) error {
	return remote.Poll(ctx, c.Poll, c.MaxPoll, func() (bool, error) {
		d, err := c.API.DescribeQuery(ctx, &cloudtrail.DescribeQueryInput{QueryId: aws.String(p.QueryID)})
		if err != nil {
			return false, fmt.Errorf("DescribeQuery %s: %w", p.QueryID, acquire.APIErr(err))
		}
		p.Status = string(d.QueryStatus)
		if st := d.QueryStatistics; st != nil {
			p.BytesScanned = aws.ToInt64(st.BytesScanned)
		}
		c.watch(*p)
		switch d.QueryStatus {
		case types.QueryStatusQueued, types.QueryStatusRunning:
			return false, nil
		case types.QueryStatusFinished:
			return true, nil
		}
		return false, &QueryError{QueryID: p.QueryID, Status: p.Status, Message: aws.ToString(d.ErrorMessage)}
	}, func() { c.cancel(ctx, p.QueryID) })
}

// cancel stops a query whose caller gave up, so it stops scanning (and
// billing), with a context of its own since the caller's has ended.
func (c *Client) cancel(ctx context.Context, id string) {
	cctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	_, _ = c.API.CancelQuery(cctx, &cloudtrail.CancelQueryInput{QueryId: aws.String(id)}) // best effort
}

// Results pages through the results of a finished query, handing each page
// to yield; an error from yield stops the paging and is returned as it is.
func (c *Client) Results(ctx context.Context, p *Progress, yield func(Page) error) error {
	in := &cloudtrail.GetQueryResultsInput{QueryId: aws.String(p.QueryID)}
	for {
		out, err := c.API.GetQueryResults(ctx, in)
		if err != nil {
			return fmt.Errorf("GetQueryResults %s: %w", p.QueryID, acquire.APIErr(err))
		}
		if msg := aws.ToString(out.ErrorMessage); msg != "" {
			return &QueryError{QueryID: p.QueryID, Status: string(out.QueryStatus), Message: msg}
		}
		p.Pages++
		if err := yield(Page{Rows: out.QueryResultRows, Progress: *p}); err != nil {
			return err
		}
		p.Rows += int64(len(out.QueryResultRows))
		c.watch(*p)
		if aws.ToString(out.NextToken) == "" {
			return nil
		}
		in.NextToken = out.NextToken
	}
}

func (c *Client) watch(p Progress) {
	if c.Watch != nil {
		c.Watch(p)
	}
}

// Run starts sql, waits for it and reads every result row, for the remote
// engine. Lake bills the bytes scanned with no minimum.
func (c *Client) Run(ctx context.Context, sql string) (*remote.Result, error) {
	var t table
	p, err := c.Query(ctx, sql, func(pg Page) error { t.add(pg.Rows); return nil })
	if err != nil {
		return nil, err
	}
	res := &remote.Result{QueryID: p.QueryID, Columns: t.columns, Rows: t.rows()}
	res.Stats.BytesScanned = p.BytesScanned
	res.Stats.BytesBilled = res.Stats.BytesScanned
	res.Stats.CostUSD = remote.CostOf(res.Stats.BytesBilled)
	return res, nil
}

// table gathers result rows into columns. A NULL value's entry may be
// absent from a row, so columns are collected by name across all rows.
type table struct {
	columns []string
	pos     map[string]int
	cells   [][]*string
}

func (t *table) add(rows [][]map[string]string) {
	if t.pos == nil {
		t.pos = map[string]int{}
	}
	for _, r := range rows {
		row := make([]*string, len(t.columns))
		for _, cell := range r {
			for k, v := range cell {
				i, ok := t.pos[k]
				if !ok {
					i = len(t.columns)
					t.pos[k] = i
					t.columns = append(t.columns, k)
				}
				for len(row) <= i {
					row = append(row, nil)
				}
				row[i] = aws.String(v)
			}
		}
		t.cells = append(t.cells, row)
	}
}

// rows returns the rows, those read before a column first appeared padded
// to the full width.
func (t *table) rows() [][]*string {
	for i, row := range t.cells {
		for len(row) < len(t.columns) {
			row = append(row, nil)
		}
		t.cells[i] = row
	}
	return t.cells
}
