package detect

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

// BenchmarkHunt times a hunt with the built-in pack over a 50,000-event
// ctgen corpus with its attack scenario (built and ingested once).
func BenchmarkHunt(b *testing.B) {
	bin := testenv.Ctgen(b)
	const events = 50000
	dir := b.TempDir()
	corpus := filepath.Join(dir, "corpus")
	gen := exec.Command(bin, "-out", corpus, "-events", "50000", "-accounts", "3", "-days", "1", "-seed", "5", "-attack")
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
	if sum.Events != events {
		b.Fatalf("ingested %d events, want %d", sum.Events, events)
	}
	pack, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := Run(ctx, st.DB(), pack, RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Errors) > 0 {
			b.Fatalf("rule errors: %v", res.Errors)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
