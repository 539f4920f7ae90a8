// Package ingest decodes CloudTrail sources of every shape into events and
// loads them into the case database, counting every record it could not
// store by reason, so that each event read is either stored or accounted for.
package ingest

import (
	"cmp"
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
	// Originals says how the case keeps the original events: OriginalsCopy
	// (the default) or OriginalsInPlace.
	Originals string
}

// How a case keeps the original events (ingest --originals).
const (
	// OriginalsCopy keeps a compressed copy of every event in the case's
	// segment file: the case stands on its own.
	OriginalsCopy = "copy"
	// OriginalsInPlace records where each event lies in its input file,
	// whose SHA-256 the case holds, and reads it from there: the case is
	// about half the size and ingest does less, but the inputs must stay
	// where they were ingested from, unchanged. Events of a file too large
	// to read whole (wholeFileLimit), of lookup-events output (the event
	// is an escaped string there) and events whose invalid UTF-8 was
	// replaced are copied all the same.
	OriginalsInPlace = "in-place"
)

// CheckOriginals refuses a value of --originals that is neither.
func CheckOriginals(v string) error {
	switch v {
	case "", OriginalsCopy, OriginalsInPlace:
		return nil
	}
	return fmt.Errorf("unknown --originals %q: use %s or %s", v, OriginalsCopy, OriginalsInPlace)
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
	// Originals is how the run kept the original events (--originals);
	// with in-place, InPlaceEvents of the new events are read from their
	// InPlaceFiles input files, and the rest were copied.
	Originals     string `json:"originals"`
	InPlaceEvents int64  `json:"events_in_place,omitempty"`
	InPlaceFiles  int64  `json:"files_in_place,omitempty"`
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
	if err := CheckOriginals(opts.Originals); err != nil {
		return nil, err
	}
	r, err := begin(ctx, st, files, walkErrs, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	stopProgress := r.startProgress()
	restore, err := st.BulkLoad(ctx)
	if err != nil {
		stopProgress()
		return nil, err
	}
	r.decodeAll(ctx)
	if err := restore(context.WithoutCancel(ctx)); err != nil {
		r.fail(err)
	}
	stopProgress()
	if err := r.stopped(ctx); err != nil {
		return nil, err
	}
	r.logFiles()
	return r.finish(ctx)
}

// ingestRun is one ingest under way: its inputs, the run it is recorded as,
// the counters its workers share and the first error that stops it.
type ingestRun struct {
	st      *store.Store
	opts    Options
	files   []acquire.File
	start   time.Time
	workers int
	run     int64
	// baseID is the source ID of files[0]; files[i] is baseID+i and the
	// unread paths follow the files.
	baseID     int64
	known      map[string]store.StoredSource
	bytesTotal int64
	sum        *Summary
	unread     []store.Source
	results    []fileResult

	filesDone, bytesDone, eventsRead, appended atomic.Int64

	cancel   context.CancelFunc
	errMu    sync.Mutex
	writeErr error
}

// begin rolls back interrupted runs, records this one and reads what the
// case already holds, before any file is opened.
func begin(ctx context.Context, st *store.Store, files []acquire.File, walkErrs []acquire.WalkError, opts Options) (*ingestRun, error) {
	r := &ingestRun{st: st, opts: opts, files: files, start: time.Now(), workers: opts.Workers}
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	rolledBack, err := st.RollBackInterrupted(ctx)
	if err != nil {
		return nil, err
	}
	if r.run, err = st.BeginRun(ctx, opts.ToolVersion, opts.CommandLine); err != nil {
		return nil, err
	}
	if r.baseID, err = st.NextSourceID(ctx); err != nil {
		return nil, err
	}
	if r.known, err = st.StoredSources(ctx); err != nil {
		return nil, err
	}
	r.sum = &Summary{RunID: r.run, Errors: map[Reason]int64{}, RolledBack: rolledBack}
	r.addUnread(walkErrs)
	for _, f := range files {
		r.bytesTotal += f.Size
	}
	r.results = make([]fileResult, len(files))
	return r, nil
}

// addUnread counts the paths that could not be examined (an unreadable
// folder): they are sources too, as the case records every input it was
// given, read or not.
func (r *ingestRun) addUnread(walkErrs []acquire.WalkError) {
	for i, we := range walkErrs {
		r.sum.Errors[ReasonReadError]++
		r.sum.FilesSkipped++
		r.sum.Skipped = append(r.sum.Skipped, SkippedFile{Path: we.Path, Reason: ReasonReadError, Detail: we.Err.Error()})
		p := we.Path
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		r.unread = append(r.unread, store.Source{ID: r.baseID + int64(len(r.files)+i), Run: r.run, Path: p, Status: statusSkipped,
			SkipReason: string(ReasonReadError), ErrorDetail: we.Err.Error(), Errors: map[string]int64{string(ReasonReadError): 1}})
	}
}

// fail keeps the first error that stops the run and cancels the rest.
func (r *ingestRun) fail(err error) {
	r.errMu.Lock()
	if r.writeErr == nil {
		r.writeErr = err
	}
	r.errMu.Unlock()
	r.cancel()
}

// progress is a snapshot of the counters so far.
func (r *ingestRun) progress() Progress {
	return Progress{r.filesDone.Load(), int64(len(r.files)), r.bytesDone.Load(), r.bytesTotal, r.eventsRead.Load(), time.Since(r.start)}
}

// startProgress reports progress every opts.ProgressEvery until the
// returned stop is called, which reports the final totals once more.
func (r *ingestRun) startProgress() (stop func()) {
	if r.opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	every := r.opts.ProgressEvery
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.opts.Progress(r.progress())
			}
		}
	}()
	return func() {
		close(done)
		r.opts.Progress(r.progress())
	}
}

// decodeAll hands the files to the workers and waits for them. Each worker
// decodes and appends on its own connection: DuckDB appends from several
// connections in parallel, and no event crosses goroutines.
func (r *ingestRun) decodeAll(ctx context.Context) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < r.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx, jobs)
		}()
	}
	for i := range r.files {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// work is one worker: it opens an appender and reads the files it is given
// until the jobs run out.
func (r *ingestRun) work(ctx context.Context, jobs <-chan int) {
	app, err := r.st.NewEventAppender(ctx, r.run)
	if err != nil {
		r.fail(err)
		for range jobs { // drained so that decodeAll does not block
		}
		return
	}
	defer func() {
		r.appended.Add(app.Count())
		if err := app.Close(); err != nil {
			r.fail(err)
		}
	}()
	w := &worker{run: r, app: app, fr: newFileReader()}
	w.fr.limit = r.opts.inflateLimit()
	w.fr.inPlace = r.opts.Originals == OriginalsInPlace
	for i := range jobs {
		w.readFile(ctx, i)
	}
}

// worker is the state of one decoding goroutine.
type worker struct {
	run *ingestRun
	app *store.EventAppender
	fr  *fileReader
	// failed: an append of this worker failed; it reads no more.
	failed bool
}

// appended notes the result of an append: the first failure stops this
// worker and the run. It reports whether the append succeeded.
func (w *worker) appended(err error) bool {
	if err != nil && !w.failed {
		w.failed = true
		w.run.fail(err)
	}
	return err == nil
}

// readFile decodes files[i] into results[i], appending its events and log
// records under its source ID.
func (w *worker) readFile(ctx context.Context, i int) {
	r := w.run
	f := r.files[i]
	res := &r.results[i]
	res.source.ID = r.baseID + int64(i)
	if w.failed || ctx.Err() != nil {
		res.source.Status = statusNotRead
		return
	}
	w.fr.dec.emitS3 = func(rec *accesslog.S3Access) {
		if !w.failed {
			rec.SourceID = res.source.ID
			w.appended(w.app.AppendS3Access(rec))
		}
	}
	w.fr.dec.emitFlow = func(rec *accesslog.Flow) {
		if !w.failed {
			rec.SourceID = res.source.ID
			w.appended(w.app.AppendFlow(rec))
		}
	}
	w.fr.read(ctx, f, r.known, res, func(ev *event.Event) {
		if w.failed {
			return
		}
		ev.Provenance.SourceID = res.source.ID
		if w.appended(w.app.Append(ev)) {
			r.eventsRead.Add(1)
		}
	})
	r.filesDone.Add(1)
	r.bytesDone.Add(f.Size)
}

// stopped is the error that ended the decoding early, if any.
func (r *ingestRun) stopped(ctx context.Context) error {
	if r.writeErr != nil {
		return fmt.Errorf("writing events to the case database: %w", r.writeErr)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ingest interrupted: %w", err)
	}
	return nil
}

// logFiles logs a line per file: damaged files warn, skipped ones inform.
func (r *ingestRun) logFiles() {
	log := r.opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for i := range r.results {
		src := &r.results[i].source
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
}

// finish stores the sources and their record errors, removes duplicates
// and closes the run record with the totals.
func (r *ingestRun) finish(ctx context.Context) (*Summary, error) {
	sources, recErrs := r.tally()
	if err := r.st.AddSources(ctx, append(sources, r.unread...)); err != nil {
		return nil, err
	}
	if err := r.st.AddRecordErrors(ctx, recErrs); err != nil {
		return nil, err
	}
	if err := r.dedup(ctx); err != nil {
		return nil, err
	}
	sum := r.sum
	sum.Originals = cmp.Or(r.opts.Originals, OriginalsCopy)
	if sum.Originals == OriginalsInPlace {
		t, err := r.st.InPlace(ctx, r.run)
		if err != nil {
			return nil, err
		}
		if t != nil {
			sum.InPlaceEvents, sum.InPlaceFiles = t.Events, t.Files
		}
	}
	sum.Seconds = time.Since(r.start).Seconds()
	runRec := store.Run{ID: r.run, Files: sum.Files, FilesSkipped: sum.FilesSkipped, Events: sum.Events, Duplicates: sum.Duplicates, Errors: map[string]int64{}}
	for k, v := range sum.Errors {
		runRec.Errors[string(k)] = v
	}
	if err := r.st.FinishRun(ctx, runRec); err != nil {
		return nil, err
	}
	return sum, nil
}

// tally adds each file's result to the summary and returns the sources to
// store (all but unchanged files) with their record errors.
func (r *ingestRun) tally() ([]store.Source, []store.RecordError) {
	var sources []store.Source
	var recErrs []store.RecordError
	for i := range r.results {
		res := &r.results[i]
		r.sum.Bytes += r.files[i].Size
		if !r.sum.count(res) {
			continue
		}
		res.source.Run = r.run
		res.source.Errors = map[string]int64{}
		for k, v := range res.errors {
			res.source.Errors[string(k)] = v
		}
		sources = append(sources, res.source)
		recErrs = append(recErrs, res.details...)
	}
	return sources, recErrs
}

// count adds one file's records, errors and status to the summary. It
// reports false for an unchanged file, which is not stored as a source again.
func (s *Summary) count(res *fileResult) bool {
	logs := IsLogFormat(res.source.Format)
	if logs {
		if s.LogRecords == nil {
			s.LogRecords = map[string]int64{}
		}
		s.LogRecords[res.source.Format] += res.source.Events
	} else {
		s.EventsRead += res.source.Events
	}
	for k, v := range res.errors {
		s.Errors[k] += v
	}
	s.Lost += lost(res.errors)
	if res.cutShort {
		// The reason that stopped the file is not a record.
		s.Lost--
		s.CutShort++
	}
	switch res.source.Status {
	case statusUnchanged:
		s.Unchanged++
		s.FilesSkipped++
		if !logs {
			s.Duplicates += res.source.Events
		}
		s.Skipped = append(s.Skipped, SkippedFile{Path: res.source.Path, Reason: SkipAlreadyStored, Detail: res.source.ErrorDetail})
		return false
	case statusSkipped:
		s.FilesSkipped++
		s.Skipped = append(s.Skipped, SkippedFile{Path: res.source.Path, Reason: Reason(res.source.SkipReason), Detail: res.source.ErrorDetail})
	case statusDigest:
		s.DigestFiles++
	default:
		s.Files++
	}
	return true
}

// dedup removes the log records and events of this run already in the
// case, and counts them and the conflicting copies in the summary.
func (r *ingestRun) dedup(ctx context.Context) error {
	sum := r.sum
	logDups, logDupFiles, err := r.st.DedupLogs(ctx, r.run)
	if err != nil {
		return err
	}
	sum.LogDuplicates = logDups
	sum.Files -= logDupFiles
	sum.Unchanged += logDupFiles
	sum.FilesSkipped += logDupFiles
	dd, err := r.st.Dedup(ctx, r.run)
	if err != nil {
		return err
	}
	if dd.Reused > 0 {
		sum.Errors[ReasonEventIDReused] = dd.Reused
	}
	if dd.SetAside > 0 {
		sum.Errors[ReasonConflictingCopy] = dd.SetAside
	}
	sum.Duplicates += dd.Removed
	sum.Events = r.appended.Load() - dd.Removed - dd.SetAside
	return nil
}

// ErrNothingIngested is returned (with the summary) when inputs were given
// but not one event could be stored.
var ErrNothingIngested = errors.New("no events could be ingested")
