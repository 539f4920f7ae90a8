package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// copyTree copies the regular files under from to to, keeping the layout.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOriginalsInPlace: ingest --originals in-place says where the events
// are read from, export --raw gives the same bytes as a copying case, the
// case has no segment file, and audit verify names an input file that was
// moved away (exit 1) and is intact again once it is back.
func TestOriginalsInPlace(t *testing.T) {
	evidence := filepath.Join(t.TempDir(), "evidence")
	copyTree(t, filepath.Join(testenv.RepoRoot(t), "examples", "incident"), evidence)
	dir := t.TempDir()
	copied, inPlace := filepath.Join(dir, "copy.duckdb"), filepath.Join(dir, "inplace.duckdb")
	if r := run(t, "--db", copied, "-q", "ingest", evidence); r.code != 0 {
		t.Fatalf("ingest (copy): %+v", r)
	}
	r := run(t, "--db", inPlace, "ingest", "--originals", "in-place", evidence)
	if r.code != 0 || !strings.Contains(r.out, "read from their") || !strings.Contains(r.out, "input files in place") {
		t.Fatalf("ingest --originals in-place: %+v", r)
	}
	if _, err := os.Stat(inPlace + ".raw"); err == nil {
		t.Error("a case keeping every event in place has a segment file")
	}
	export := func(db string) string {
		out := filepath.Join(t.TempDir(), "raw.jsonl")
		if r := run(t, "--db", db, "-q", "export", "--raw", "--format", "jsonl", "--out", out); r.code != 0 {
			t.Fatalf("export --raw %s: %+v", db, r)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if a, b := export(copied), export(inPlace); a != b || len(a) == 0 {
		t.Errorf("export --raw differs between the two modes (%d and %d bytes)", len(a), len(b))
	}
	if r := run(t, "--db", inPlace, "audit", "verify"); r.code != 0 || !strings.Contains(r.out, "original events kept in place") {
		t.Errorf("audit verify, intact: %+v", r)
	}
	// The report says so too, valid against its schema.
	out := filepath.Join(t.TempDir(), "report.json")
	if r := run(t, "--db", inPlace, "-q", "investigate", "--format", "json", "--out", out); r.code > 4 {
		t.Fatalf("investigate: %+v", r)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if probs, err := report.Validate(b); err != nil || len(probs) > 0 {
		t.Errorf("the report of an in-place case does not validate: %v %v", probs, err)
	}
	if !strings.Contains(string(b), `"originals_in_place"`) {
		t.Error("the report of an in-place case does not say its originals are read in place")
	}
	// summary tells whoever opens the case later where its originals are.
	for db, want := range map[string]bool{inPlace: true, copied: false} {
		r := run(t, "--db", db, "-q", "summary")
		if r.code != 0 || strings.Contains(r.out, "input files in place") != want {
			t.Errorf("summary of %s: want the in-place line %v:\n%s%s", db, want, r.out, r.errOut)
		}
	}
	var moved string
	filepath.WalkDir(evidence, func(p string, d os.DirEntry, err error) error { //nolint:errcheck // a file is found or the test fails below
		if moved == "" && err == nil && !d.IsDir() && strings.HasSuffix(p, ".json.gz") {
			moved = p
		}
		return nil
	})
	if moved == "" {
		t.Fatal("no .json.gz file in the example")
	}
	if err := os.Rename(moved, moved+".away"); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "--db", inPlace, "audit", "verify"); r.code != 1 || !strings.Contains(r.out, moved) || !strings.Contains(r.out, "MISSING") {
		t.Errorf("audit verify with %s moved away: %+v", moved, r)
	}
	if r := run(t, "--db", inPlace, "-q", "export", "--raw", "--format", "jsonl", "--out", filepath.Join(dir, "x.jsonl")); r.code == 0 || !strings.Contains(r.errOut, moved) {
		t.Errorf("export --raw with %s moved away: %+v", moved, r)
	}
	if err := os.Rename(moved+".away", moved); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "--db", inPlace, "audit", "verify"); r.code != 0 {
		t.Errorf("audit verify with the file back: %+v", r)
	}
	if r := run(t, "--db", filepath.Join(dir, "bad.duckdb"), "ingest", "--originals", "elsewhere", evidence); r.code != 2 || !strings.Contains(r.errOut, "in-place") {
		t.Errorf("ingest --originals elsewhere: %+v", r)
	}
}
