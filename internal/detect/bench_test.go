package detect

import (
	"context"
	"flag"
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

var benchEvents = flag.Int("hunt-events", 50000, "events in BenchmarkHunt's ctgen corpus")

// BenchmarkHunt times a hunt with the built-in pack over a ctgen corpus
// with its attack scenario (built and ingested once; -hunt-events sets its
// size): impl=run is Run, impl=per-rule the rules one by one over the whole
// table (the reference). benchstat -col /impl gives the ratio. cpu-s/op is
// the process's user and system CPU time, steadier than wall time on a
// shared machine.
func BenchmarkHunt(b *testing.B) {
	bin := testenv.Ctgen(b)
	events := *benchEvents
	dir := b.TempDir()
	corpus := filepath.Join(dir, "corpus")
	gen := exec.Command(bin, "-out", corpus, "-events", strconv.Itoa(events), "-accounts", "3", "-days", "1", "-seed", "5", "-attack")
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("ctgen: %v\n%s", err, out)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "case.duckdb"))
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
		run  func() (*Result, error)
	}{
		{"run", func() (*Result, error) { return Run(ctx, st.DB(), pack, RunOptions{}) }},
		{"per-rule", func() (*Result, error) { return runPerRule(ctx, st.DB(), pack, RunOptions{}) }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				res, err := impl.run()
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

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
