package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// EventAppender writes events in DuckDB's columnar batches, which is what
// makes ingest fast: row-by-row INSERTs are two orders of magnitude slower.
// It is not safe for concurrent use.
type EventAppender struct {
	conn  *sql.Conn
	app   *duckdb.Appender
	run   int64
	row   []driver.Value
	count int64
	ctx   context.Context
	// blocks packs the original events (rawblocks.go) into the store's
	// segment file and raw_blocks rows, appended through blockApp.
	blocks   *blockWriter
	blockApp *duckdb.Appender
	// src is the open block of events kept in place in their input file
	// (Provenance.InPlace); srcApp appends source_blocks.
	src    sourceBlock
	srcApp *duckdb.Appender
	st     *Store
	// s3 and flow append S3 access and flow log records (logs.go).
	s3, flow *logAppender
}

// NewEventAppender opens an appender for run's events.
func (s *Store) NewEventAppender(ctx context.Context, run int64) (*EventAppender, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to case database: %w", err)
	}
	if err := s.seg.checkEnd(ctx, s.db); err != nil {
		conn.Close()
		return nil, err
	}
	a := &EventAppender{conn: conn, run: run, row: make([]driver.Value, 0, 53), ctx: ctx, st: s}
	if a.blocks, err = newBlockWriter(); err != nil {
		conn.Close()
		return nil, err
	}
	err = rawConn(ctx, conn, func(dc driver.Conn) error {
		app, err := duckdb.NewAppenderFromConn(dc, "", "event_rows")
		a.app = app
		if err != nil {
			return err
		}
		a.blockApp, err = duckdb.NewAppenderFromConn(dc, "", "raw_blocks")
		return err
	})
	if err != nil {
		if a.app != nil {
			a.app.Close()
		}
		conn.Close()
		return nil, fmt.Errorf("opening events appender: %w", err)
	}
	return a, nil
}

func ns(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func nb(b *bool) driver.Value {
	if b == nil {
		return nil
	}
	return *b
}

func nt(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t
}

// Append adds one event. The order of values follows event_rows
// (schema_v7.sql).
func (a *EventAppender) Append(ev *event.Event) error {
	block, off, n, err := a.place(ev)
	if err != nil {
		return err
	}
	id := &ev.Identity
	r := append(a.row[:0],
		ev.EventID, ev.SyntheticID, nt(ev.EventTime), ns(ev.EventVersion), ns(ev.EventName),
		ns(ev.EventSource), ns(ev.AWSRegion), ns(ev.SourceIP), ns(ev.UserAgent), ns(ev.ErrorCode),
		ns(ev.ErrorMessage), nb(ev.ReadOnly), ns(ev.EventType), ns(ev.EventCategory), nb(ev.ManagementEvent),
		ns(ev.RecipientAccountID), ns(ev.SharedEventID), ns(ev.RequestID), ns(ev.VPCEndpointID), ns(ev.APIVersion),
		ns(id.Type), ns(id.PrincipalID), ns(id.ARN), ns(id.AccountID), ns(id.AccessKeyID),
		ns(id.UserName), ns(id.InvokedBy), ns(id.SessionIssuerType), ns(id.SessionIssuerARN), ns(id.SessionIssuerUserName),
		ns(id.SessionIssuerAccountID), nb(id.MFAAuthenticated), nt(id.SessionCreationDate), ns(id.SourceIdentity), ns(id.WebIDFederationProvider),
		ns(id.SAMLProvider), ns(id.OnBehalfOfUserID), ns(id.CredentialID),
		ns(ev.RequestParameters), ns(ev.ResponseElements), ns(ev.AdditionalEventData), ns(ev.Resources), ns(ev.TLSDetails),
		ns(ev.ServiceEventDetails), ev.Insight, block, int32(off), int32(n),
		ev.Provenance.SourceID, ev.Provenance.Index, ev.Provenance.Offset, a.run,
		nb(ev.SessionCredentialFromConsole), // schema v4 adds it last
	)
	a.row = r
	if err := a.app.AppendRow(r...); err != nil {
		return fmt.Errorf("appending event %s: %w", ev.EventID, err)
	}
	if a.blocks.full() {
		if err := a.sealBlock(); err != nil {
			return err
		}
	}
	a.count++
	if a.count%checkpointEvery == 0 {
		return a.checkpoint()
	}
	return nil
}

// place returns the block, offset and length that raw_block, raw_offset
// and raw_length record for ev: where it lies in its input file when it
// may be kept there, else where it goes in the open block.
func (a *EventAppender) place(ev *event.Event) (block int64, off, n int, err error) {
	p := ev.Provenance
	if p.InPlace && p.Offset >= 0 && p.Offset+int64(len(ev.Raw)) <= maxInPlaceEnd {
		if a.src.id == 0 || a.src.source != p.SourceID {
			if err := a.sealSource(); err != nil {
				return 0, 0, 0, err
			}
			if a.src.id, err = a.st.blockIDs.take(a.ctx, a.st.db); err != nil {
				return 0, 0, 0, err
			}
			a.src.source = p.SourceID
		}
		a.src.events++
		a.src.end = max(a.src.end, p.Offset+int64(len(ev.Raw)))
		return a.src.id, int(p.Offset), len(ev.Raw), nil
	}
	if a.blocks.id == 0 {
		if a.blocks.id, err = a.st.blockIDs.take(a.ctx, a.st.db); err != nil {
			return 0, 0, 0, err
		}
	}
	off, n = a.blocks.add(ev.Raw)
	return a.blocks.id, off, n, nil
}

// maxInPlaceEnd bounds what reading one event kept in place inflates: an
// event that ends further into its file is copied. CloudTrail's own files
// hold a few MB; the bound keeps a read's memory near the blocks'.
const maxInPlaceEnd = 64 << 20

// sourceBlock is a block of events kept in place in one input file.
type sourceBlock struct {
	id, source int64
	events     int
	end        int64 // where its last event ends in the decompressed file
}

// sealSource records the open in-place block, if any, in raw_blocks and
// source_blocks.
func (a *EventAppender) sealSource() error {
	b := a.src
	if b.id == 0 {
		return nil
	}
	a.src = sourceBlock{}
	if err := a.blockApp.AppendRow(b.id, int32(a.run), int32(b.events), b.end, codecSource, int64(0), int64(0), ""); err != nil {
		return fmt.Errorf("appending block %d of original events: %w", b.id, err)
	}
	if a.srcApp == nil { // opened when first needed: most ingests copy
		err := rawConn(a.ctx, a.conn, func(dc driver.Conn) error {
			var err error
			a.srcApp, err = duckdb.NewAppenderFromConn(dc, "", "source_blocks")
			return err
		})
		if err != nil {
			return fmt.Errorf("opening the source_blocks appender: %w", err)
		}
	}
	if err := a.srcApp.AppendRow(b.id, b.source); err != nil {
		return fmt.Errorf("appending block %d of original events: %w", b.id, err)
	}
	return nil
}

// checkpointEvery bounds the buffer pool: appended row groups stay there
// until a checkpoint writes them to the file.
const checkpointEvery = 100_000

// sealBlock compresses the open block and appends it to raw_blocks.
func (a *EventAppender) sealBlock() error {
	return a.blocks.seal(func(id int64, events, rawBytes int, data []byte) error {
		off, err := a.st.seg.append(data)
		if err != nil {
			return err
		}
		if err := a.blockApp.AppendRow(id, int32(a.run), int32(events), int64(rawBytes), codecZstd, off, int64(len(data)), blockSum(data)); err != nil {
			return fmt.Errorf("appending block %d of original events: %w", id, err)
		}
		return nil
	})
}

func (a *EventAppender) checkpoint() error {
	if err := a.Flush(); err != nil {
		return err
	}
	if _, err := a.conn.ExecContext(context.Background(), "CHECKPOINT"); err != nil {
		// Another connection's transaction is open; its own next
		// checkpoint, or the next here, will do.
		return nil
	}
	return nil
}

// Flush writes buffered rows to the table. The open block is sealed
// first, and blocks are written before the rows pointing into them.
func (a *EventAppender) Flush() error {
	if err := a.sealBlock(); err != nil {
		return err
	}
	if err := a.sealSource(); err != nil {
		return err
	}
	if err := a.st.seg.sync(); err != nil {
		return err
	}
	if err := a.blockApp.Flush(); err != nil {
		return fmt.Errorf("flushing blocks of original events: %w", err)
	}
	if a.srcApp != nil {
		if err := a.srcApp.Flush(); err != nil {
			return fmt.Errorf("flushing blocks of original events: %w", err)
		}
	}
	if err := a.app.Flush(); err != nil {
		return fmt.Errorf("flushing events: %w", err)
	}
	return nil
}

// Close flushes and releases the appender.
func (a *EventAppender) Close() error {
	err := a.closeLogs()
	if ferr := a.Flush(); err == nil { // blocks before the rows pointing into them
		err = ferr
	}
	if cerr := a.blockApp.Close(); err == nil {
		err = cerr
	}
	if a.srcApp != nil {
		if cerr := a.srcApp.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := a.app.Close(); err == nil {
		err = cerr
	}
	if cerr := a.conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("closing events appender: %w", err)
	}
	return nil
}

// Count is how many events were appended.
func (a *EventAppender) Count() int64 { return a.count }

// BulkLoad readies DuckDB for a long run of appends and returns the function
// that undoes it. Appends run on the appending goroutines, not on DuckDB's
// worker threads; with those set to one, its checkpoints stop competing with
// decoding for the cores. Measured on 2 cores, one run each: 818,794 ctgen
// events 18.9 s and 1.82 GB peak RSS against 22.6 s and 1.60 GB; 5 M events
// 117.8 s / 1.89 GB against 126.7 s / 2.15 GB (docs/performance.md).
func (s *Store) BulkLoad(ctx context.Context) (restore func(context.Context) error, err error) {
	var threads int64
	if err := s.db.QueryRowContext(ctx, `SELECT current_setting('threads')`).Scan(&threads); err != nil {
		return nil, fmt.Errorf("reading DuckDB's thread count: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `SET threads = 1`); err != nil {
		return nil, fmt.Errorf("configuring DuckDB for ingest: %w", err)
	}
	return func(ctx context.Context) error {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`SET threads = %d`, threads)); err != nil {
			return fmt.Errorf("restoring DuckDB's thread count: %w", err)
		}
		return nil
	}, nil
}
