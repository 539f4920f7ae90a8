package detect

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

var (
	benchEvents = flag.Int("hunt-events", 200000, "events in BenchmarkHunt's ctgen corpus")
	benchDB     = flag.String("hunt-db", "", "case database for BenchmarkHunt instead of a generated corpus")
	// benchDir holds the generated case across -count repetitions (one
	// process); TestMain removes it.
	benchDir string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkHunt times a hunt with the built-in pack over a ctgen corpus
// with its attack scenario (built and ingested once; -hunt-events sets its
// size, -hunt-db names an existing case instead): impl=run is Run,
// impl=per-rule the rules one by one over the whole table (the reference),
// each with a quarter, half and all of the pack (rules=N: every fourth,
// every second, every rule) to show how the time grows with the rules.
// benchstat -col /impl -row /rules gives the ratios. cpu-s/op is the
// process's user and system CPU time, steadier than wall time on a shared
// machine.
func BenchmarkHunt(b *testing.B) {
	ctx := context.Background()
	st, events := benchCase(b)
	pack, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		b.Fatal(err)
	}
	// Warm DuckDB's buffers and the page cache before timing either.
	if _, err := runPerRule(ctx, st.DB(), pack, RunOptions{}); err != nil {
		b.Fatal(err)
	}
	impls := []struct {
		name string
		run  func(context.Context, *sql.DB, *Pack, RunOptions) (*Result, error)
	}{
		{"run", Run},
		{"per-rule", runPerRule},
	}
	for _, every := range []int{4, 2, 1} {
		sub := &Pack{}
		for i, r := range pack.Rules {
			if i%every == 0 {
				sub.Rules = append(sub.Rules, r)
			}
		}
		for _, impl := range impls {
			b.Run(fmt.Sprintf("rules=%d/impl=%s", len(sub.Rules), impl.name), func(b *testing.B) {
				cpu0 := cpuTime()
				for b.Loop() {
					res, err := impl.run(ctx, st.DB(), sub, RunOptions{})
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Errors) > 0 {
						b.Fatalf("rule errors: %v", res.Errors)
					}
				}
				b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// benchCase opens -hunt-db, or a case of -hunt-events generated events
// (made once per process).
func benchCase(b *testing.B) (*store.Store, int64) {
	path := *benchDB
	if path == "" {
		if benchDir == "" {
			dir, err := os.MkdirTemp("", "trailsleuth-bench-hunt-")
			if err != nil {
				b.Fatal(err)
			}
			benchDir = dir
			generateCase(b, filepath.Join(dir, "case.duckdb"), *benchEvents)
		}
		path = filepath.Join(benchDir, "case.duckdb")
	}
	st, err := store.OpenReadOnly(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var n int64
	if err := st.DB().QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return st, n
}

// generateCase ingests a ctgen corpus of the given size, with its attack,
// into a case database at path.
func generateCase(b *testing.B, path string, events int) {
	ctx := context.Background()
	corpus := filepath.Join(filepath.Dir(path), "corpus")
	gen := exec.Command(testenv.Ctgen(b), "-out", corpus, "-events", strconv.Itoa(events), "-accounts", "3", "-days", "1", "-seed", "5", "-attack")
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("ctgen: %v\n%s", err, out)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	files, walkErrs, err := acquire.Walk(ctx, []string{corpus})
	if err != nil {
		b.Fatal(err)
	}
	sum, err := ingest.Run(ctx, st, files, walkErrs, ingest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if sum.Events != int64(events) {
		b.Fatalf("ingested %d events, want %d", sum.Events, events)
	}
	if err := os.RemoveAll(corpus); err != nil {
		b.Fatal(err)
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
