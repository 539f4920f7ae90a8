package testenv

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is the one -update flag of every test binary: golden files (and
// the docs tests generate) are rewritten from the output, for review in
// the diff.
var update = flag.Bool("update", false, "rewrite golden files and generated docs from the tests' output (review the diff)")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// Golden compares got with the golden file at path. With -update it
// rewrites the file (and its folder) instead. A difference is reported as
// a line diff (go-cmp), want as "-" and got as "+".
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n"))
	t.Errorf("%s differs from the output (-want +got; run the test with -update and review the diff):\n%s", path, diff)
}
