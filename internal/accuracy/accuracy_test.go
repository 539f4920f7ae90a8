package accuracy

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/scenario"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

var (
	writeDoc = flag.Bool("doc", false, "write the results into docs/accuracy.md (make accuracy)")
	keep     = flag.String("keep", "", "keep each scenario's logs, truth, case and reports in `dir`/<scenario> to look at")
	only     = flag.String("run-scenario", "", "play only the scenarios whose name contains this")
)

// TestAccuracy plays every scenario of the catalog, investigates it in
// triage and from its indicator, and holds each run to issue 14's bar.
func TestAccuracy(t *testing.T) {
	ctx := context.Background()
	enr, err := WriteEnrichment(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	specs := scenario.Catalog()
	results := make([][]Score, len(specs))
	truths := make([]*scenario.Truth, len(specs))
	// Each scenario is a subtest; they run two at a time (go test's
	// default parallelism on two cores): ingest waits on the disk more
	// than on the processor.
	t.Run("scenarios", func(t *testing.T) {
		for i, s := range specs {
			seed := uint64(1001 + i)
			if *only != "" && !strings.Contains(s.Name, *only) {
				continue
			}
			t.Run(s.Name, func(t *testing.T) {
				t.Parallel()
				truths[i], results[i] = playAndScore(t, ctx, s, seed, enr)
			})
		}
	})
	var scores []Score
	for _, r := range results {
		scores = append(scores, r...)
	}
	table := Table(scores)
	t.Log("\n" + table)
	if *writeDoc {
		fmt.Print(table)
		doc := filepath.Join(testenv.RepoRoot(t), "docs", "accuracy.md")
		gen := "### Scenarios\n\n" + Scenarios(specs, truths) + "\n### Results\n\n" + table + "\n### Where the runs miss the bar\n\n" + Failures(scores)
		if err := WriteDoc(doc, gen); err != nil {
			t.Fatal(err)
		}
	}
}

// playAndScore generates one scenario, ingests it into a fresh case and
// scores the investigations, reporting every miss of the bar.
func playAndScore(t *testing.T, ctx context.Context, s scenario.Spec, seed uint64, enr Enrichment) (*scenario.Truth, []Score) {
	dir := t.TempDir()
	if *keep != "" {
		dir = filepath.Join(*keep, s.Name)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	dataset := ""
	switch s.Background {
	case scenario.BackgroundCtgen:
		runCtgen(t, dir, seed)
	case scenario.BackgroundDataset:
		dataset = testenv.Shared(t, "datasets", s.Dataset)
	}
	truth, err := scenario.Generate(dir, s, seed, dataset)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "case.duckdb")
	if err := Ingest(ctx, db, dir); err != nil {
		t.Fatal(err)
	}
	modes := []string{ModeTriage}
	if truth.Indicator != nil {
		modes = append(modes, ModeIndicator)
	}
	var scores []Score
	for _, m := range modes {
		c, err := Investigate(ctx, db, m, truth, enr)
		if err != nil {
			t.Fatal(err)
		}
		sc := Evaluate(truth, m, c)
		scores = append(scores, sc)
		for _, f := range sc.Failures {
			t.Errorf("%s: %s", m, f)
		}
	}
	return truth, scores
}

// runCtgen writes a small ctgen corpus (no attack) into dir/AWSLogs/...
func runCtgen(t *testing.T, dir string, seed uint64) {
	t.Helper()
	bin := testenv.Ctgen(t)
	cmd := exec.Command(bin, "-out", dir, "-events", "6000", "-accounts", "1", "-days", "6", "-regions", "us-east-1", "-seed", fmt.Sprint(seed), "-workers", "2")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ctgen: %v\n%s", err, out)
	}
}
