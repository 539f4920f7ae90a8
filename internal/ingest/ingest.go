// Package ingest decodes CloudTrail sources of every shape into events and
// loads them into the case database, counting every record it could not
// store by reason, so that each event read is either stored or accounted for.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// Options tune an ingest.
type Options struct {
	// Workers decode files in parallel; 0 means one per CPU.
	Workers int
	// Progress, if set, is called about every ProgressEvery with totals so far.
	Progress      func(Progress)
	ProgressEvery time.Duration
	ToolVersion   string
	CommandLine   string
	// Logger receives a debug line per file and a warning per damaged
	// file; nil discards them.
	Logger *slog.Logger
	// MaxInflateRatio and MaxInflateBytes bound what one compressed file
	// may expand to (see limits.go): 0 means the default, negative no limit.
	MaxInflateRatio float64
	MaxInflateBytes int64
}

func (o Options) inflateLimit() inflateLimit {
	l := inflateLimit{ratio: o.MaxInflateRatio, bytes: o.MaxInflateBytes}
	if l.ratio == 0 {
		l.ratio = DefaultMaxInflateRatio
	}
	if l.bytes == 0 {
		l.bytes = DefaultMaxInflateBytes
	}
	return l
}

// Progress is a snapshot of a running ingest.
type Progress struct {
	FilesDone, FilesTotal int64
	BytesDone, BytesTotal int64
	Events                int64
	Elapsed               time.Duration
}

// SkippedFile is an input that held nothing to ingest, and why.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason Reason `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Summary is what an ingest did. Its JSON form is `trailsleuth ingest --json`.
type Summary struct {
	RunID        int64 `json:"run_id"`
	Files        int64 `json:"files"`         // files read (fully or in part)
	FilesSkipped int64 `json:"files_skipped"` // files with nothing to ingest
	DigestFiles  int64 `json:"digest_files"`  // CloudTrail-Digest files recorded
	Unchanged    int64 `json:"files_unchanged"`
	Bytes        int64 `json:"bytes"`       // bytes read from disk
	EventsRead   int64 `json:"events_read"` // event records in the inputs (decoded, or counted in an unchanged file)
	Events       int64 `json:"events"`      // new events in the case
	Duplicates   int64 `json:"duplicates"`  // records already in the case
	Lost         int64 `json:"records_lost"`
	// LogRecords counts the S3 server access log and VPC flow log records
	// read, by format (they go to s3_access and flow_logs, not events).
	LogRecords map[string]int64 `json:"log_records,omitempty"`
	// LogDuplicates counts log records read from a file already in the
	// case (a large file is hashed while read) and removed again.
	LogDuplicates int64 `json:"log_records_duplicate,omitempty"`
	// CutShort counts files whose reading stopped early (truncated,
	// damaged, a decompression limit): their reason is counted once in
	// errors, and the records after the damage, unknown in number, are not
	// in records_lost.
	CutShort int64            `json:"files_cut_short,omitempty"`
	Errors   map[Reason]int64 `json:"errors"`
	Skipped  []SkippedFile    `json:"skipped_files,omitempty"`
	Seconds  float64          `json:"seconds"`
	// RolledBack counts the events of earlier, interrupted ingests that
	// were removed before this one so that their files are read again.
	RolledBack int64 `json:"interrupted_events_rolled_back,omitempty"`
}

// Empty reports whether the run found nothing in its files: no event read,
// none already in the case, no digest file and no access or flow log record.
func (s *Summary) Empty() bool {
	return s.EventsRead == 0 && s.Unchanged == 0 && s.DigestFiles == 0 && len(s.LogRecords) == 0
}

// Run ingests files into st. It first rolls back what earlier, interrupted
// runs left (store.RollBackInterrupted), so runs on one case database must not overlap:
// DuckDB's file lock ensures that across processes, callers within one.
func Run(ctx context.Context, st *store.Store, files []acquire.File, walkErrs []acquire.WalkError, opts Options) (*Summary, error) {
	start := time.Now()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rolledBack, err := st.RollBackInterrupted(ctx)
	if err != nil {
		return nil, err
	}
	run, err := st.BeginRun(ctx, opts.ToolVersion, opts.CommandLine)
	if err != nil {
		return nil, err
	}
	baseID, err := st.NextSourceID(ctx)
	if err != nil {
		return nil, err
	}
	known, err := st.StoredSources(ctx)
	if err != nil {
		return nil, err
	}
	sum := &Summary{RunID: run, Errors: map[Reason]int64{}, RolledBack: rolledBack}
	// Paths that could not be examined (an unreadable folder) are sources
	// too: the case records every input it was given, read or not.
	var unread []store.Source
	for i, we := range walkErrs {
		sum.Errors[ReasonReadError]++
		sum.FilesSkipped++
		sum.Skipped = append(sum.Skipped, SkippedFile{Path: we.Path, Reason: ReasonReadError, Detail: we.Err.Error()})
		p := we.Path
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		unread = append(unread, store.Source{ID: baseID + int64(len(files)+i), Run: run, Path: p, Status: statusSkipped,
			SkipReason: string(ReasonReadError), ErrorDetail: we.Err.Error(), Errors: map[string]int64{string(ReasonReadError): 1}})
	}
	var bytesTotal int64
	for _, f := range files {
		bytesTotal += f.Size
	}

	var (
		filesDone, bytesDone, eventsRead, appended atomic.Int64
		errMu                                      sync.Mutex
		writeErr                                   error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		errMu.Lock()
		if writeErr == nil {
			writeErr = err
		}
		errMu.Unlock()
		cancel()
	}

	var stopProgress chan struct{}
	if opts.Progress != nil {
		stopProgress = make(chan struct{})
		every := opts.ProgressEvery
		if every <= 0 {
			every = 200 * time.Millisecond
		}
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					opts.Progress(Progress{filesDone.Load(), int64(len(files)), bytesDone.Load(), bytesTotal, eventsRead.Load(), time.Since(start)})
				}
			}
		}()
	}

	restore, err := st.BulkLoad(ctx)
	if err != nil {
		return nil, err
	}
	// Each worker decodes and appends on its own connection: DuckDB appends
	// from several connections in parallel, and no event crosses goroutines.
	jobs := make(chan int)
	results := make([]fileResult, len(files))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app, err := st.NewEventAppender(ctx, run)
			if err != nil {
				fail(err)
				for range jobs {
				}
				return
			}
			defer func() {
				appended.Add(app.Count())
				if err := app.Close(); err != nil {
					fail(err)
				}
			}()
			fr := newFileReader()
			fr.limit = opts.inflateLimit()
			failed := false
			appendLog := func(err error) {
				if err != nil && !failed {
					failed = true
					fail(err)
				}
			}
			for i := range jobs {
				f := files[i]
				res := &results[i]
				res.source.ID = baseID + int64(i)
				if failed || ctx.Err() != nil {
					res.source.Status = statusNotRead
					continue
				}
				fr.dec.emitS3 = func(r *accesslog.S3Access) {
					if !failed {
						r.SourceID = res.source.ID
						appendLog(app.AppendS3Access(r))
					}
				}
				fr.dec.emitFlow = func(r *accesslog.Flow) {
					if !failed {
						r.SourceID = res.source.ID
						appendLog(app.AppendFlow(r))
					}
				}
				fr.read(ctx, f, known, res, func(ev *event.Event) {
					if failed {
						return
					}
					ev.Provenance.SourceID = res.source.ID
					if err := app.Append(ev); err != nil {
						failed = true
						fail(err)
						return
					}
					eventsRead.Add(1)
				})
				filesDone.Add(1)
				bytesDone.Add(f.Size)
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := restore(context.WithoutCancel(ctx)); err != nil {
		fail(err)
	}
	if stopProgress != nil {
		close(stopProgress)
		opts.Progress(Progress{filesDone.Load(), int64(len(files)), bytesDone.Load(), bytesTotal, eventsRead.Load(), time.Since(start)})
	}
	if writeErr != nil {
		return nil, fmt.Errorf("writing events to the case database: %w", writeErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ingest interrupted: %w", err)
	}

	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for i := range results {
		src := &results[i].source
		attrs := []any{"path", src.Path, "status", src.Status, "format", src.Format, "events", src.Events}
		switch src.Status {
		case statusPartial, statusFailed:
			log.Warn("file damaged", append(attrs, "detail", src.ErrorDetail)...)
		case statusSkipped:
			log.Info("file skipped", append(attrs, "reason", src.SkipReason, "detail", src.ErrorDetail)...)
		default:
			log.Debug("file read", attrs...)
		}
	}

	// Book-keeping: sources, record errors, totals.
	var sources []store.Source
	var recErrs []store.RecordError
	for i := range results {
		r := &results[i]
		sum.Bytes += files[i].Size
		logs := IsLogFormat(r.source.Format)
		if logs {
			if sum.LogRecords == nil {
				sum.LogRecords = map[string]int64{}
			}
			sum.LogRecords[r.source.Format] += r.source.Events
		} else {
			sum.EventsRead += r.source.Events
		}
		for k, v := range r.errors {
			sum.Errors[k] += v
		}
		sum.Lost += lost(r.errors)
		if r.cutShort {
			// The reason that stopped the file is not a record.
			sum.Lost--
			sum.CutShort++
		}
		switch r.source.Status {
		case statusUnchanged:
			sum.Unchanged++
			sum.FilesSkipped++
			if !logs {
				sum.Duplicates += r.source.Events
			}
			sum.Skipped = append(sum.Skipped, SkippedFile{Path: r.source.Path, Reason: SkipAlreadyStored, Detail: r.source.ErrorDetail})
			continue
		case statusSkipped:
			sum.FilesSkipped++
			sum.Skipped = append(sum.Skipped, SkippedFile{Path: r.source.Path, Reason: Reason(r.source.SkipReason), Detail: r.source.ErrorDetail})
		case statusDigest:
			sum.DigestFiles++
		default:
			sum.Files++
		}
		r.source.Run = run
		r.source.Errors = map[string]int64{}
		for k, v := range r.errors {
			r.source.Errors[string(k)] = v
		}
		sources = append(sources, r.source)
		recErrs = append(recErrs, r.details...)
	}
	if err := st.AddSources(ctx, append(sources, unread...)); err != nil {
		return nil, err
	}
	if err := st.AddRecordErrors(ctx, recErrs); err != nil {
		return nil, err
	}
	logDups, logDupFiles, err := st.DedupLogs(ctx, run)
	if err != nil {
		return nil, err
	}
	sum.LogDuplicates = logDups
	sum.Files -= logDupFiles
	sum.Unchanged += logDupFiles
	sum.FilesSkipped += logDupFiles
	dd, err := st.Dedup(ctx, run)
	if err != nil {
		return nil, err
	}
	if dd.Reused > 0 {
		sum.Errors[ReasonEventIDReused] = dd.Reused
	}
	if dd.SetAside > 0 {
		sum.Errors[ReasonConflictingCopy] = dd.SetAside
	}
	sum.Duplicates += dd.Removed
	sum.Events = appended.Load() - dd.Removed - dd.SetAside
	sum.Seconds = time.Since(start).Seconds()
	runRec := store.Run{ID: run, Files: sum.Files, FilesSkipped: sum.FilesSkipped, Events: sum.Events, Duplicates: sum.Duplicates, Errors: map[string]int64{}}
	for k, v := range sum.Errors {
		runRec.Errors[string(k)] = v
	}
	if err := st.FinishRun(ctx, runRec); err != nil {
		return nil, err
	}
	return sum, nil
}

// ErrNothingIngested is returned (with the summary) when inputs were given
// but not one event could be stored.
var ErrNothingIngested = errors.New("no events could be ingested")
