// Command bench measures trailsleuth's ingest against the least work any
// ingest of the same files has to do, on the same machine in the same run.
//
//	go run ./bench [-events N] [-accounts 8 -days 7 -seed 42] [-runs R] [-skip-duckdb] [-out FILE] [-keep-db]
//	make bench BENCHFLAGS='-events 1000000'
//	go run ./bench -calibrate [-events 1000000] [-datasets DIR] [-out FILE]
//
// It generates (or reuses) a CloudTrail corpus with ../shared/tools/ctgen,
// builds trailsleuth, and measures in this order, each run:
//
//  1. the decompression floor: every .json.gz decompressed with
//     klauspost/compress/gzip on 2 goroutines, output discarded;
//  2. trailsleuth ingest into a fresh case database (subprocess: wall time,
//     peak RSS), checked to store exactly the corpus's events;
//  3. the same ingest again, checked to add nothing;
//  4. a count(*) by access key through the CLI and in-process;
//  5. DuckDB's own read_json loader into a fresh database (subprocess).
//
// It prints a markdown table and writes bench/out/results.json.
//
// With -calibrate it measures the rule pack instead (calibrate.go): the hit
// count of every rule on a ctgen corpus without -attack (1 M events unless
// -events says otherwise) and on each dataset in ../shared/datasets.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

const modulePath = "github.com/trailsleuth/trailsleuth"

type options struct {
	spec            corpusSpec
	corpus          string
	runs            int
	skipDuckDB      bool
	skipStorage     bool
	out             string
	keepDB          bool
	ctgenDir        string
	skipInvestigate bool
	floorWorkers    int
	queryRuns       int
	datasets        string
	originals       string // ingest --originals
}

// modes are the flags that make this process do something else than the
// benchmark: calibrate, or one measured step for its parent.
type modes struct {
	internalFloor, internalLoad, calibrate bool
	internalStore                          int // variant; -1 for none
	maxObject                              int64
}

func main() {
	var o options
	m := modes{internalStore: -1}
	defineFlags(&o, &m)
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if runInternal(ctx, &o, &m) {
		return
	}
	if flag.NArg() != 0 {
		fatalf("unexpected arguments: %s", strings.Join(flag.Args(), " "))
	}
	if o.spec.Events <= 0 || o.runs <= 0 || o.queryRuns <= 0 || o.floorWorkers <= 0 {
		fatalf("-events, -runs, -query-runs and -floor-workers must be positive")
	}
	if m.calibrate {
		// Calibration wants a larger background than the benchmark by default.
		eventsSet := false
		flag.Visit(func(f *flag.Flag) { eventsSet = eventsSet || f.Name == "events" })
		if !eventsSet {
			o.spec.Events = 1_000_000
		}
		if err := calibrate(ctx, &o); err != nil {
			fatalf("FAILED: %v", err)
		}
		return
	}
	o.spec.Attack = true
	if err := run(ctx, &o); err != nil {
		fatalf("FAILED: %v", err)
	}
}

func defineFlags(o *options, m *modes) {
	flag.Int64Var(&o.spec.Events, "events", 5_000_000, "events in the corpus (ctgen writes exactly this many)")
	flag.IntVar(&o.spec.Accounts, "accounts", 8, "ctgen -accounts")
	flag.IntVar(&o.spec.Days, "days", 7, "ctgen -days")
	flag.Uint64Var(&o.spec.Seed, "seed", 42, "ctgen -seed")
	flag.StringVar(&o.corpus, "corpus", "", "corpus `folder`, reused if it has a .complete marker for the same flags (default bench/out/corpus-<events>[-a<accounts>-d<days>-s<seed>])")
	flag.IntVar(&o.runs, "runs", 1, "measure everything this many times; the table shows medians")
	flag.BoolVar(&o.skipDuckDB, "skip-duckdb", false, "skip the DuckDB read_json comparison")
	flag.BoolVar(&o.skipInvestigate, "skip-investigate", false, "skip the investigate step (from the leaked key and in triage, scored against ctgen's truth)")
	flag.BoolVar(&o.skipStorage, "skip-storage", false, "skip the DuckDB storage step (the case's rows exported to Parquet, then loaded by DuckDB alone)")
	flag.StringVar(&o.out, "out", "", "also write the markdown results to `file`")
	flag.BoolVar(&o.keepDB, "keep-db", false, "keep the case database and the read_json database in bench/out")
	flag.StringVar(&o.ctgenDir, "ctgen", "", "ctgen source `folder` (default ../shared/tools/ctgen beside the repository)")
	flag.IntVar(&o.floorWorkers, "floor-workers", 2, "goroutines for the decompression floor")
	flag.StringVar(&o.originals, "originals", "copy", "trailsleuth ingest --originals: copy, or in-place (the case reads the original events from the corpus files)")
	flag.IntVar(&o.queryRuns, "query-runs", 5, "times each query is run (the median is reported)")
	flag.BoolVar(&m.calibrate, "calibrate", false, "count every rule's hits on a ctgen background corpus and the shared datasets instead of measuring ingest")
	flag.StringVar(&o.datasets, "datasets", "", "datasets `folder` for -calibrate (default ../shared/datasets beside the repository)")
	flag.BoolVar(&m.internalFloor, "internal-floor", false, "internal: decompress DIR and print JSON")
	flag.BoolVar(&m.internalLoad, "internal-duckdb-load", false, "internal: load DIR into DB with read_json and print JSON")
	flag.IntVar(&m.internalStore, "internal-duckdb-store", -1, "internal: load variant N of PARQUET into DB and print JSON")
	flag.Int64Var(&m.maxObject, "max-object-size", 16<<20, "internal: read_json maximum_object_size")
}

// runInternal runs the internal mode m asks for, if any, and says whether
// it did. The internal modes are the measured steps, each run by the
// parent in a process of its own so that its peak RSS is its own; they
// print their result as JSON.
func runInternal(ctx context.Context, o *options, m *modes) bool {
	internal := func(usage string, args int, what string, step func() (any, error)) {
		if flag.NArg() != args {
			fatalf("usage: bench %s", usage)
		}
		res, err := step()
		if err != nil {
			fatalf("%s: %v", what, err)
		}
		json.NewEncoder(os.Stdout).Encode(res) //nolint:errcheck // read by the parent
	}
	switch {
	case m.internalFloor:
		internal("-internal-floor DIR", 1, "decompression floor", func() (any, error) {
			return decompressFloor(flag.Arg(0), o.floorWorkers)
		})
	case m.internalLoad:
		internal("-internal-duckdb-load DIR DB", 2, "DuckDB load", func() (any, error) {
			return duckdbLoad(ctx, flag.Arg(0), flag.Arg(1), m.maxObject)
		})
	case m.internalStore >= 0:
		internal("-internal-duckdb-store N PARQUET DB", 2, "DuckDB storage step", func() (any, error) {
			return duckdbStore(ctx, m.internalStore, flag.Arg(0), flag.Arg(1))
		})
	default:
		return false
	}
	return true
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
	os.Exit(1)
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// procResult is one measured subprocess.
type procResult struct {
	Wall      float64 `json:"wall_seconds"`
	User      float64 `json:"user_seconds"`
	Sys       float64 `json:"sys_seconds"`
	MaxRSSKiB int64   `json:"max_rss_kib"`
	stdout    []byte
}

func (p *procResult) cpu() float64    { return p.User + p.Sys }
func (p *procResult) rssMiB() float64 { return float64(p.MaxRSSKiB) / 1024 }

// runProc runs a command and measures its wall time, CPU time and peak RSS.
func runProc(ctx context.Context, dir, name string, args ...string) (*procResult, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w\n%s%s", filepath.Base(name), strings.Join(args, " "), err, errOut.Bytes(), tail(out.Bytes(), 2000))
	}
	if errOut.Len() > 0 {
		os.Stderr.Write(errOut.Bytes()) //nolint:errcheck // diagnostics only
	}
	p := &procResult{Wall: wall, stdout: out.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.MaxRSSKiB = ru.Maxrss // KiB on Linux
		p.User = time.Duration(ru.Utime.Nano()).Seconds()
		p.Sys = time.Duration(ru.Stime.Nano()).Seconds()
	}
	return p, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// runResult is everything one run measured.
type runResult struct {
	Floor        *floorResult    `json:"floor"`
	FloorProc    *procResult     `json:"floor_process"`
	Ingest       *ingest.Summary `json:"ingest"`
	IngestProc   *procResult     `json:"ingest_process"`
	Reingest     *ingest.Summary `json:"reingest"`
	ReingestProc *procResult     `json:"reingest_process"`
	DBBytes      int64           `json:"case_db_bytes"`
	QueryCLI     []float64       `json:"query_cli_seconds"`
	QueryCLIRSS  int64           `json:"query_cli_max_rss_kib"`
	QueryInProc  []float64       `json:"query_in_process_seconds"`
	QueryCount   int64           `json:"query_count"`
	Load         *loadResult     `json:"duckdb_load,omitempty"`
	LoadProc     *procResult     `json:"duckdb_load_process,omitempty"`
	LoadDBBytes  int64           `json:"duckdb_db_bytes,omitempty"`
	Store        []*loadResult   `json:"duckdb_store,omitempty"`
	StoreProc    []*procResult   `json:"duckdb_store_process,omitempty"`
	// Investigations: from the leaked key and in triage, timed and scored
	// against ctgen's truth.
	Investigations []*investigation `json:"investigations,omitempty"`
}

type results struct {
	StartedAt   time.Time    `json:"started_at"`
	Command     string       `json:"command"`
	Machine     machine      `json:"machine"`
	Spec        corpusSpec   `json:"corpus_spec"`
	Corpus      corpusInfo   `json:"corpus"`
	Query       string       `json:"query"`
	QueryRuns   int          `json:"query_runs"`
	LeakedKeyID string       `json:"leaked_access_key_id"`
	Runs        []*runResult `json:"runs"`
	Table       []row        `json:"table"`
	Checks      []string     `json:"checks"`
	Warnings    []string     `json:"warnings,omitempty"`
}

type corpusInfo struct {
	Path         string `json:"path"`
	Reused       bool   `json:"reused"`
	Files        int    `json:"files"`
	Compressed   int64  `json:"compressed_bytes"`
	Uncompressed int64  `json:"uncompressed_bytes"`
	MaxFile      int64  `json:"max_file_uncompressed_bytes"`
}

// benchRun is one benchmark: where things are, the corpus and its truth,
// and the results as they are measured.
type benchRun struct {
	o                  *options
	root, outDir, self string
	binDir, tsBin      string
	caseDB, loadDB     string
	defaultCorpus      bool // no -corpus: the corpus folder is ours to replace
	logsDir            string
	files              []corpusFile
	compressed         int64
	tr                 *truth
	attackWithKey      int // attack events made with the leaked key, per the truth
	res                *results
}

// run measures o.runs times and writes the results.
func run(ctx context.Context, o *options) error {
	b, err := newBenchRun(ctx, o)
	if err != nil {
		return err
	}
	if err := b.prepare(); err != nil {
		return err
	}
	for r := 0; r < o.runs; r++ {
		rr := &runResult{}
		b.res.Runs = append(b.res.Runs, rr)
		if err := b.measure(ctx, rr, fmt.Sprintf("run %d/%d", r+1, o.runs)); err != nil {
			return err
		}
	}
	if !o.keepDB {
		removeDB(b.caseDB)
	}
	b.addChecks()
	return b.write()
}

// newBenchRun settles the paths (the default corpus folder is named after
// its flags) and starts the results.
func newBenchRun(ctx context.Context, o *options) (*benchRun, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	b := &benchRun{o: o, root: root, outDir: filepath.Join(root, "bench", "out")}
	b.binDir = filepath.Join(b.outDir, "bin")
	if err := os.MkdirAll(b.binDir, 0o755); err != nil {
		return nil, err
	}
	if o.ctgenDir == "" {
		o.ctgenDir = filepath.Join(filepath.Dir(root), "shared", "tools", "ctgen")
	}
	if b.defaultCorpus = o.corpus == ""; b.defaultCorpus {
		o.corpus = filepath.Join(b.outDir, defaultCorpusName(o.spec))
	}
	if o.corpus, err = filepath.Abs(o.corpus); err != nil {
		return nil, err
	}
	if b.self, err = os.Executable(); err != nil {
		return nil, err
	}
	b.tsBin = filepath.Join(b.binDir, "trailsleuth")
	b.caseDB = filepath.Join(b.outDir, "bench.duckdb")
	b.loadDB = filepath.Join(b.outDir, "readjson.duckdb")
	b.logsDir = filepath.Join(o.corpus, "AWSLogs")
	b.res = &results{StartedAt: time.Now().UTC(), Command: commandLine(), Spec: o.spec, QueryRuns: o.queryRuns}
	b.res.Machine = describeMachine(ctx, root)
	return b, nil
}

// defaultCorpusName names the corpus by its size, and its other flags
// when they are not the defaults.
func defaultCorpusName(spec corpusSpec) string {
	name := fmt.Sprintf("corpus-%d", spec.Events)
	if spec.Accounts != 8 || spec.Days != 7 || spec.Seed != 42 {
		name += fmt.Sprintf("-a%d-d%d-s%d", spec.Accounts, spec.Days, spec.Seed)
	}
	return name
}

// prepare builds ctgen and trailsleuth, generates or reuses the corpus,
// reads its truth and warms the page cache with it.
func (b *benchRun) prepare() error {
	o, res := b.o, b.res
	ctgenBin := filepath.Join(b.binDir, "ctgen")
	logf("building ctgen and trailsleuth into %s", b.binDir)
	if err := buildCtgen(o.ctgenDir, ctgenBin); err != nil {
		return err
	}
	if err := buildTrailsleuth(b.root, b.tsBin); err != nil {
		return err
	}
	reused, err := ensureCorpus(ctgenBin, o.corpus, o.spec, b.defaultCorpus, logf)
	if err != nil {
		return err
	}
	res.Corpus = corpusInfo{Path: o.corpus, Reused: reused}
	if b.tr, err = readTruth(filepath.Join(o.corpus, "truth.json")); err != nil {
		return err
	}
	res.LeakedKeyID = b.tr.LeakedAccessKeyID
	for _, e := range b.tr.Events {
		if e.AccessKeyID == b.tr.LeakedAccessKeyID {
			b.attackWithKey++
		}
	}
	res.Query = fmt.Sprintf("SELECT count(*) FROM events WHERE access_key_id = %s", sqlquote.String(b.tr.LeakedAccessKeyID))
	if b.files, b.compressed, err = listGz(b.logsDir); err != nil {
		return err
	}
	res.Corpus.Files, res.Corpus.Compressed = len(b.files), b.compressed
	logf("corpus %s: %d files, %.1f MB gzip (%s); warming the page cache", o.corpus, len(b.files), float64(b.compressed)/1e6,
		map[bool]string{true: "reused", false: "generated"}[reused])
	return warmCache(b.files)
}

// measure is one run: every step in order, each checked.
func (b *benchRun) measure(ctx context.Context, rr *runResult, tag string) error {
	o := b.o
	steps := []func(context.Context, *runResult, string) error{b.floorStep, b.ingestStep, b.reingestStep, b.queryStep}
	if !o.skipInvestigate {
		// Scored against the truth: the figures are only worth their accuracy.
		steps = append(steps, func(ctx context.Context, rr *runResult, tag string) (err error) {
			rr.Investigations, err = investigateStep(ctx, b.root, b.tsBin, b.caseDB, b.outDir, b.tr, logf, tag)
			return err
		})
	}
	if !o.skipDuckDB {
		steps = append(steps, b.duckdbLoadStep)
	}
	if !o.skipStorage {
		steps = append(steps, b.storeStep)
	}
	for _, step := range steps {
		if err := step(ctx, rr, tag); err != nil {
			return err
		}
	}
	return nil
}

// floorStep (a) decompresses every file in a subprocess: the least work
// any ingest has to do.
func (b *benchRun) floorStep(ctx context.Context, rr *runResult, tag string) error {
	logf("%s: decompression floor (%d goroutines)", tag, b.o.floorWorkers)
	p, err := runProc(ctx, b.root, b.self, "-internal-floor", "-floor-workers", strconv.Itoa(b.o.floorWorkers), b.logsDir)
	if err != nil {
		return err
	}
	rr.FloorProc = p
	if err := json.Unmarshal(p.stdout, &rr.Floor); err != nil {
		return fmt.Errorf("floor output: %w", err)
	}
	if rr.Floor.Files != len(b.files) || rr.Floor.Compressed != b.compressed {
		return fmt.Errorf("floor read %d files (%d bytes), expected %d (%d)", rr.Floor.Files, rr.Floor.Compressed, len(b.files), b.compressed)
	}
	b.res.Corpus.Uncompressed, b.res.Corpus.MaxFile = rr.Floor.Uncompressed, rr.Floor.MaxUncompressed
	logf("%s: floor %.2fs", tag, p.Wall)
	return nil
}

// ingestStep (b) ingests into a fresh case database, which must then hold
// exactly the corpus's events.
func (b *benchRun) ingestStep(ctx context.Context, rr *runResult, tag string) error {
	n := b.o.spec.Events
	removeDB(b.caseDB)
	logf("%s: trailsleuth ingest", tag)
	var err error
	rr.Ingest, rr.IngestProc, err = runIngest(ctx, b.root, b.tsBin, b.caseDB, b.logsDir, "--originals", b.o.originals)
	if err != nil {
		return err
	}
	s := rr.Ingest
	logf("%s: ingest %.2fs, %d events", tag, rr.IngestProc.Wall, s.Events)
	if s.Events != n || s.EventsRead != n {
		return fmt.Errorf("trailsleuth ingest stored %d new events (%d read) from %d files; ctgen wrote exactly %d: %s",
			s.Events, s.EventsRead, s.Files, n, mustJSON(s))
	}
	if s.Files != int64(len(b.files)) || s.Lost != 0 || len(s.Errors) != 0 || s.FilesSkipped != 0 {
		b.res.Warnings = appendOnce(b.res.Warnings, fmt.Sprintf("ingest: %d files read of %d, %d skipped, %d records lost, errors %v",
			s.Files, len(b.files), s.FilesSkipped, s.Lost, s.Errors))
	}
	for _, f := range store.CaseFiles(b.caseDB) {
		if st, err := os.Stat(f); err == nil {
			rr.DBBytes += st.Size()
		}
	}
	return nil
}

// reingestStep (c) ingests the same files again, which must add nothing.
func (b *benchRun) reingestStep(ctx context.Context, rr *runResult, tag string) error {
	logf("%s: trailsleuth re-ingest", tag)
	var err error
	rr.Reingest, rr.ReingestProc, err = runIngest(ctx, b.root, b.tsBin, b.caseDB, b.logsDir, "--originals", b.o.originals)
	if err != nil {
		return err
	}
	if rr.Reingest.Events != 0 {
		return fmt.Errorf("re-ingesting the same files added %d events, want 0: %s", rr.Reingest.Events, mustJSON(rr.Reingest))
	}
	logf("%s: re-ingest %.2fs", tag, rr.ReingestProc.Wall)
	return nil
}

// queryStep (d) times the query by the leaked key through the CLI and
// in-process; both must agree and count at least the truth's events.
func (b *benchRun) queryStep(ctx context.Context, rr *runResult, tag string) error {
	o, q := b.o, b.res.Query
	logf("%s: query ×%d (CLI, then in-process)", tag, o.queryRuns)
	for i := 0; i < o.queryRuns; i++ {
		p, err := runProc(ctx, b.root, b.tsBin, "--db", b.caseDB, "-q", "query", "--format", "json", q)
		if err != nil {
			return err
		}
		c, err := firstCount(p.stdout)
		if err != nil {
			return err
		}
		rr.QueryCLI = append(rr.QueryCLI, p.Wall)
		rr.QueryCLIRSS = max(rr.QueryCLIRSS, p.MaxRSSKiB)
		rr.QueryCount = c
	}
	secs, c, err := queryInProcess(ctx, b.caseDB, q, o.queryRuns)
	if err != nil {
		return fmt.Errorf("in-process query: %w", err)
	}
	rr.QueryInProc = secs
	if c != rr.QueryCount {
		return fmt.Errorf("in-process query counted %d, the CLI %d", c, rr.QueryCount)
	}
	if rr.QueryCount < int64(b.attackWithKey) {
		return fmt.Errorf("%d events with the leaked key %s, but ctgen's truth lists %d attack events with it", rr.QueryCount, b.tr.LeakedAccessKeyID, b.attackWithKey)
	}
	return nil
}

// duckdbLoadStep (e) loads the corpus with DuckDB's own read_json into a
// fresh database.
func (b *benchRun) duckdbLoadStep(ctx context.Context, rr *runResult, tag string) error {
	o, n := b.o, b.o.spec.Events
	maxObj := max(int64(16<<20), nextPow2(rr.Floor.MaxUncompressed+1))
	logf("%s: DuckDB read_json load (maximum_object_size %d)", tag, maxObj)
	p, err := runProc(ctx, b.root, b.self, "-internal-duckdb-load", "-max-object-size", strconv.FormatInt(maxObj, 10), o.corpus, b.loadDB)
	if err != nil {
		return err
	}
	rr.LoadProc = p
	if err := json.Unmarshal(p.stdout, &rr.Load); err != nil {
		return fmt.Errorf("DuckDB load output: %w", err)
	}
	if st, err := os.Stat(b.loadDB); err == nil {
		rr.LoadDBBytes = st.Size()
	}
	if !o.keepDB {
		removeDB(b.loadDB)
	}
	logf("%s: read_json %.2fs, %d rows", tag, p.Wall, rr.Load.Rows)
	if rr.Load.Rows != n {
		b.res.Warnings = appendOnce(b.res.Warnings, fmt.Sprintf("DuckDB read_json loaded %d rows, ctgen wrote %d", rr.Load.Rows, n))
	}
	return nil
}

// storeStep (f) has DuckDB alone store the case's own rows.
func (b *benchRun) storeStep(ctx context.Context, rr *runResult, tag string) error {
	n := b.o.spec.Events
	if err := storageStep(ctx, b.root, b.self, b.tsBin, b.caseDB, b.outDir, rr, tag); err != nil {
		return err
	}
	for i, l := range rr.Store {
		if l.Rows != n {
			b.res.Warnings = appendOnce(b.res.Warnings, fmt.Sprintf("DuckDB storage step (%s) loaded %d rows, ctgen wrote %d", storeVariants[i].name, l.Rows, n))
		}
	}
	return nil
}

// addChecks states what the last run verified.
func (b *benchRun) addChecks() {
	o, res, n := b.o, b.res, b.o.spec.Events
	last := res.Runs[len(res.Runs)-1]
	res.Checks = append(res.Checks,
		fmt.Sprintf("ingest stored %d of %d events in every run", n, n),
		fmt.Sprintf("re-ingest added 0 events (%d duplicates, %d files unchanged)", last.Reingest.Duplicates, last.Reingest.Unchanged),
		fmt.Sprintf("%d events with the leaked key %s (%d of them attack events per truth.json); CLI and in-process agree", last.QueryCount, b.tr.LeakedAccessKeyID, b.attackWithKey),
	)
	for _, inv := range last.Investigations {
		res.Checks = append(res.Checks, fmt.Sprintf("investigate (%s): %d actions, event precision %.3f, recall %.3f; attacker keys %d/%d (other keys named: %d), addresses %d/%d (other addresses named: %d)",
			inv.Mode, inv.Actions, inv.EventPrecision, inv.EventRecall, inv.KeysFound, inv.KeysTruth, len(inv.ExtraKeys),
			inv.AddressesFound, inv.AddressesTruth, len(inv.ExtraAddresses)))
	}
	if !o.skipDuckDB && last.Load.Rows == n {
		res.Checks = append(res.Checks, fmt.Sprintf("read_json loaded %d rows", n))
	}
}

// write prints the markdown table (and writes it to -out) and writes
// results.json; warnings make the run fail after everything is written.
func (b *benchRun) write() error {
	o, res := b.o, b.res
	res.Machine.LoadAvgEnd = loadAvg()
	res.Table = buildTable(res, o)
	md := renderMarkdown(res, o)
	fmt.Print(md)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	jsonPath := filepath.Join(b.outDir, "results.json")
	if err := os.WriteFile(jsonPath, append(js, '\n'), 0o644); err != nil {
		return err
	}
	logf("wrote %s", jsonPath)
	if len(res.Warnings) > 0 {
		return errors.New(strings.Join(res.Warnings, "; "))
	}
	return nil
}

// storageStep exports the case's events to Parquet (not timed) and times
// DuckDB loading each storeVariants column set from it, each in a fresh
// process and database.
func storageStep(ctx context.Context, root, self, tsBin, caseDB, outDir string, rr *runResult, tag string) error {
	parquet := filepath.Join(outDir, "events.parquet")
	defer os.Remove(parquet)
	logf("%s: exporting the case's events to Parquet for the storage step", tag)
	if _, err := runProc(ctx, root, tsBin, "--db", caseDB, "-q", "export", "--format", "parquet", "--out", parquet); err != nil {
		return err
	}
	for i, v := range storeVariants {
		logf("%s: DuckDB storing %s", tag, v.name)
		p, err := runProc(ctx, root, self, "-internal-duckdb-store", strconv.Itoa(i), parquet, filepath.Join(outDir, "store.duckdb"))
		if err != nil {
			return err
		}
		var l loadResult
		if err := json.Unmarshal(p.stdout, &l); err != nil {
			return fmt.Errorf("storage step output: %w", err)
		}
		rr.Store, rr.StoreProc = append(rr.Store, &l), append(rr.StoreProc, p)
		logf("%s: %s %.2fs", tag, v.name, p.Wall)
	}
	return nil
}

// runIngest runs trailsleuth ingest on dir with the extra flags given.
func runIngest(ctx context.Context, root, bin, db, dir string, flags ...string) (*ingest.Summary, *procResult, error) {
	args := append(append([]string{"--db", db, "-q", "ingest", "--json"}, flags...), dir)
	p, err := runProc(ctx, root, bin, args...)
	if err != nil {
		return nil, nil, err
	}
	var s ingest.Summary
	if err := json.Unmarshal(p.stdout, &s); err != nil {
		return nil, nil, fmt.Errorf("ingest --json output: %w\n%s", err, tail(p.stdout, 2000))
	}
	// A re-ingest lists every file as already stored: keep results.json small.
	if len(s.Skipped) > 10 {
		s.Skipped = s.Skipped[:10]
	}
	return &s, p, nil
}

// firstCount reads the single number of `query --format json` output.
func firstCount(out []byte) (int64, error) {
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var rows []map[string]json.Number
	if err := dec.Decode(&rows); err != nil || len(rows) != 1 || len(rows[0]) != 1 {
		return 0, fmt.Errorf("unexpected query output %q (%v)", tail(out, 500), err)
	}
	for _, v := range rows[0] {
		return v.Int64()
	}
	panic("unreachable")
}

func nextPow2(v int64) int64 {
	p := int64(1)
	for p < v {
		p <<= 1
	}
	return p
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// repoRoot finds the trailsleuth module root from the working directory.
func repoRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the trailsleuth module: run from the repository (go run ./bench)")
	}
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if !bytes.Contains(b, []byte("module "+modulePath+"\n")) {
		return "", fmt.Errorf("%s is not the %s module: run from the trailsleuth repository", gomod, modulePath)
	}
	return filepath.Dir(gomod), nil
}

// commandLine is how to repeat this run.
func commandLine() string {
	parts := []string{"go", "run", "./bench"}
	for _, a := range os.Args[1:] {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ',' || r == ':' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
