package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where the numbers were taken.
type machine struct {
	NumCPU       int    `json:"nproc"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	CPUModel     string `json:"cpu_model"`
	MemTotal     string `json:"mem_total"`
	Kernel       string `json:"kernel"`
	GoVersion    string `json:"go_version"`
	GitCommit    string `json:"git_commit"`
	DuckDB       string `json:"duckdb_version"`
	LoadAvgStart string `json:"loadavg_start"`
	LoadAvgEnd   string `json:"loadavg_end"`
}

func describeMachine(ctx context.Context, root string) machine {
	m := machine{
		NumCPU:       runtime.NumCPU(),
		GOMAXPROCS:   runtime.GOMAXPROCS(0),
		CPUModel:     procField("/proc/cpuinfo", "model name"),
		MemTotal:     memTotal(),
		GoVersion:    runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		DuckDB:       duckdbVersion(ctx),
		LoadAvgStart: loadAvg(),
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output(); err == nil {
		m.GitCommit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			m.GitCommit += "+dirty"
		}
	}
	return m
}

// procField returns the value of the first "key : value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// memTotal is the machine's memory in GiB, from /proc/meminfo (kB).
func memTotal() string {
	var kb int64
	if _, err := fmt.Sscanf(procField("/proc/meminfo", "MemTotal"), "%d kB", &kb); err != nil || kb == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// row is one line of the results table; nil fields do not apply.
type row struct {
	Step             string   `json:"step"`
	Seconds          float64  `json:"seconds"`
	EventsPerSec     *float64 `json:"events_per_second,omitempty"`
	CompressedMBps   *float64 `json:"compressed_mb_per_second,omitempty"`
	UncompressedMBps *float64 `json:"uncompressed_mb_per_second,omitempty"`
	PeakRSSMiB       *float64 `json:"peak_rss_mib,omitempty"`
	CPUSeconds       *float64 `json:"cpu_seconds,omitempty"`
	RatioToFloor     *float64 `json:"ratio_to_floor,omitempty"`
}

func ptr(v float64) *float64 { return &v }

// buildTable takes the median time of each step over the runs and the
// largest peak RSS.
func buildTable(res *results, o *options) []row {
	n := float64(res.Spec.Events)
	comp, uncomp := float64(res.Corpus.Compressed), float64(res.Corpus.Uncompressed)
	collect := func(f func(*runResult) *procResult) (wall, cpu, rss float64) {
		var ws, cs []float64
		for _, r := range res.Runs {
			p := f(r)
			ws, cs = append(ws, p.Wall), append(cs, p.cpu())
			rss = max(rss, p.rssMiB())
		}
		return median(ws), median(cs), rss
	}
	floorWall, _, _ := collect(func(r *runResult) *procResult { return r.FloorProc })
	step := func(name string, f func(*runResult) *procResult, events bool) row {
		wall, cpu, rss := collect(f)
		r := row{Step: name, Seconds: wall, PeakRSSMiB: ptr(rss), CPUSeconds: ptr(cpu)}
		if wall > 0 {
			r.CompressedMBps = ptr(comp / 1e6 / wall)
			r.RatioToFloor = ptr(wall / floorWall)
			if events {
				r.EventsPerSec = ptr(n / wall)
				r.UncompressedMBps = ptr(uncomp / 1e6 / wall)
			}
		}
		return r
	}
	rows := []row{
		step(fmt.Sprintf("decompression floor (klauspost gzip, %d goroutines, output discarded)", o.floorWorkers),
			func(r *runResult) *procResult { return r.FloorProc }, true),
		step("trailsleuth ingest, fresh case db",
			func(r *runResult) *procResult { return r.IngestProc }, true),
		step("trailsleuth re-ingest, same files (0 new events)",
			func(r *runResult) *procResult { return r.ReingestProc }, false),
	}
	if !o.skipDuckDB {
		rows = append(rows, step("DuckDB read_json → CREATE TABLE (12 columns), fresh db",
			func(r *runResult) *procResult { return r.LoadProc }, true))
	}
	if !o.skipStorage {
		for i, v := range storeVariants {
			rows = append(rows, step("DuckDB alone storing the case's rows from Parquet (CREATE TABLE AS + CHECKPOINT, fresh db): "+v.name,
				func(r *runResult) *procResult { return r.StoreProc[i] }, true))
		}
	}
	if !o.skipInvestigate && len(res.Runs) > 0 {
		for i, inv := range res.Runs[0].Investigations {
			name := "trailsleuth investigate --key <leaked key> (detections on its events)"
			if inv.Mode == "triage" {
				name = "trailsleuth investigate, triage (whole-case hunt, then attribution)"
			}
			rows = append(rows, step(fmt.Sprintf("%s: event precision %.3f, recall %.3f", name, inv.EventPrecision, inv.EventRecall),
				func(r *runResult) *procResult { return r.Investigations[i].Proc }, false))
		}
	}
	var cli, inproc []float64
	var cliRSS int64
	for _, r := range res.Runs {
		cli = append(cli, r.QueryCLI...)
		inproc = append(inproc, r.QueryInProc...)
		cliRSS = max(cliRSS, r.QueryCLIRSS)
	}
	rows = append(rows,
		row{Step: fmt.Sprintf("query by access key, CLI subprocess (median of %d)", len(cli)), Seconds: median(cli), PeakRSSMiB: ptr(float64(cliRSS) / 1024)},
		row{Step: fmt.Sprintf("query by access key, in-process read-only (median of %d)", len(inproc)), Seconds: median(inproc)},
	)
	return rows
}

func renderMarkdown(res *results, o *options) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	c := res.Corpus
	s := res.Spec
	p("## trailsleuth ingest benchmark\n\n")
	p("Corpus: %d events (ctgen -accounts %d -days %d -seed %d -attack), %d files, %.1f MB gzip, %.1f MB JSON (ratio %.1f×), largest file %.1f MB JSON; %s.\n",
		s.Events, s.Accounts, s.Days, s.Seed, c.Files, float64(c.Compressed)/1e6, float64(c.Uncompressed)/1e6,
		float64(c.Uncompressed)/float64(max(c.Compressed, 1)), float64(c.MaxFile)/1e6,
		map[bool]string{true: "reused from " + c.Path, false: "generated into " + c.Path}[c.Reused])
	if len(res.Runs) > 1 {
		p("Runs: %d; seconds and CPU are medians, peak RSS the largest.\n", len(res.Runs))
	}
	p("\n| step | seconds | events/s | compressed MB/s | uncompressed MB/s | peak RSS MiB | CPU s (user+sys) | × floor |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range res.Table {
		p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Step, fmtSeconds(r.Seconds),
			fmtOpt(r.EventsPerSec, "%.0f"), fmtOpt(r.CompressedMBps, "%.1f"), fmtOpt(r.UncompressedMBps, "%.1f"),
			fmtOpt(r.PeakRSSMiB, "%.0f"), fmtOpt(r.CPUSeconds, "%.2f"), fmtOpt(r.RatioToFloor, "%.2f×"))
	}
	last := res.Runs[len(res.Runs)-1]
	p("\nMB = 10⁶ bytes. Every step but the in-process query is a separate process: seconds are its wall time (process start and database open included), peak RSS its ru_maxrss. ")
	p("The corpus was read once before the first step, so every step reads from the page cache. ")
	p("trailsleuth's own `seconds` for the last ingest: %.2f (re-ingest %.2f). ", last.Ingest.Seconds, last.Reingest.Seconds)
	if last.Load != nil {
		p("DuckDB read_json (%s, threads %d, memory_limit %s, defaults otherwise; trailsleuth sets memory_limit 512MB, preserve_insertion_order=false and, while appending, threads 1): CREATE TABLE + CHECKPOINT took %.2f s of the step. ",
			last.Load.DuckDBVersion, last.Load.Threads, last.Load.MemoryLimit, last.Load.Seconds)
	}
	if len(last.Store) > 0 {
		p("The storage rows load the case's own events, exported with `trailsleuth export --format parquet` (not timed), with DuckDB's defaults (threads %d, memory_limit %s): the least a DuckDB table of these columns costs to fill, decompression and parsing aside. ",
			last.Store[0].Threads, last.Store[0].MemoryLimit)
	}
	p("Case (database and segment file; ingest --originals %s): %.1f MiB, %.2f× the gzip input", o.originals, float64(last.DBBytes)/(1<<20), float64(last.DBBytes)/float64(res.Corpus.Compressed))
	if last.LoadDBBytes > 0 {
		p("; read_json database: %.1f MiB", float64(last.LoadDBBytes)/(1<<20))
	}
	p(".\n\nQuery: `%s`\n\n", res.Query)
	p("Checks:\n")
	for _, ch := range res.Checks {
		p("- ✓ %s\n", ch)
	}
	for _, w := range res.Warnings {
		p("- ✗ %s\n", w)
	}
	m := res.Machine
	p("\nMachine: %d CPUs (GOMAXPROCS %d), %s, %s RAM, Linux %s, %s, DuckDB %s, load average %s at start, %s at end.\n",
		m.NumCPU, m.GOMAXPROCS, m.CPUModel, m.MemTotal, m.Kernel, m.GoVersion, m.DuckDB, m.LoadAvgStart, m.LoadAvgEnd)
	p("Commit: %s\n\nCommand: `%s`\n", m.GitCommit, res.Command)
	return b.String()
}

func fmtSeconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.4f", s)
	}
	return fmt.Sprintf("%.2f", s)
}

func fmtOpt(v *float64, format string) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf(format, *v)
}
