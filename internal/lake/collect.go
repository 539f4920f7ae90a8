package lake

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
)

// CollectOptions say which query to run and where to write its rows.
type CollectOptions struct {
	EventDataStore string // ARN or ID, recorded in the manifest
	SQL            string
	Out            string
	Now            func() time.Time
}

// CollectResult is what a Lake collection did.
type CollectResult struct {
	QueryID      string `json:"query_id"`
	Status       string `json:"status"`
	Path         string `json:"path,omitempty"`
	Rows         int64  `json:"rows"`
	Pages        int    `json:"pages"`
	BytesScanned int64  `json:"bytes_scanned"`
}

// Collect runs a Lake query on c and writes each row as one JSON object per
// line (acquire.LakeRowJSON) under Out/lake/, recorded in the manifest.
// c.Watch sees the query's progress.
func Collect(ctx context.Context, c *Client, opts CollectOptions) (*CollectResult, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	mw, err := acquire.NewManifestWriter(opts.Out)
	if err != nil {
		return nil, err
	}
	res, err := collect(ctx, c, opts, mw)
	if cerr := mw.Close(); err == nil && cerr != nil {
		err = cerr
	}
	// Unfinished files of an earlier, killed run can go.
	if _, rerr := acquire.RemovePartials(opts.Out); rerr != nil && err == nil {
		err = rerr
	}
	return res, err
}

// collection is one run of Collect: the query's file and manifest record.
type collection struct {
	opts CollectOptions
	mw   *acquire.ManifestWriter
	file *acquire.QueryFile
	res  CollectResult
}

// collect starts the query, waits for it and writes its rows. A query that
// failed is recorded in the manifest, without a file; one the caller gave
// up on between polls is not (there was no answer to record).
func collect(ctx context.Context, c *Client, opts CollectOptions, mw *acquire.ManifestWriter) (*CollectResult, error) {
	col := &collection{opts: opts, mw: mw, file: acquire.NewQueryFile(opts.Out, "lake", opts.Now().UTC())}
	p, err := c.Start(ctx, opts.SQL)
	col.update(p)
	if err != nil {
		return &col.res, err
	}
	err = c.Wait(ctx, &p)
	col.update(p)
	switch {
	case err == nil:
	case err == ctx.Err(): // ctx's own error: given up between polls
		return &col.res, err
	default:
		return &col.res, col.record(0, "", err)
	}
	size, sum, err := col.file.Write(func(bw *bufio.Writer) error {
		return c.Results(ctx, &p, func(pg Page) error {
			col.update(pg.Progress)
			return col.writeRows(bw, pg.Rows)
		})
	})
	return &col.res, col.record(size, sum, err)
}

// update takes the query's progress into the result; rows are counted as
// they are written.
func (col *collection) update(p Progress) {
	col.res.QueryID, col.res.Status, col.res.BytesScanned, col.res.Pages = p.QueryID, p.Status, p.BytesScanned, p.Pages
}

func (col *collection) writeRows(bw *bufio.Writer, rows [][]map[string]string) error {
	for _, row := range rows {
		b, err := acquire.LakeRowJSON(row)
		if err != nil {
			return fmt.Errorf("row %d: %w", col.res.Rows+1, err)
		}
		if _, err := bw.Write(append(b, '\n')); err != nil {
			return err
		}
		col.res.Rows++
	}
	return nil
}

// record writes the query's manifest entry (failed when err is not nil) and
// returns err, or the manifest's error.
func (col *collection) record(size int64, sum string, err error) error {
	r := &col.res
	q := &acquire.ManifestQuery{EventDataStore: col.opts.EventDataStore, SQL: col.opts.SQL,
		QueryID: r.QueryID, Requests: r.Pages, Records: r.Rows}
	e := acquire.ManifestEntry{Source: acquire.SourceLake, Path: col.file.Rel, Size: size, SHA256: sum,
		FetchedAt: acquire.Timestamp(col.opts.Now()), Status: acquire.StatusOK, Query: q}
	if err != nil {
		e.Status, e.Error = acquire.StatusFailed, err.Error()
	}
	r.Path = col.file.Rel
	if merr := col.mw.Write(e); merr != nil && err == nil {
		err = merr
	}
	return err
}
