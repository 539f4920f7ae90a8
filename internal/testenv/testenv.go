// Package testenv locates the material tests share: the repository root and
// the ../shared folder of real datasets beside it.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RepoRoot returns the folder holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// Shared returns ../shared/<elem...> beside the repository, skipping the
// test with a clear message when it is absent (it is not redistributable,
// so it is never copied into the repository).
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	root := os.Getenv("TRAILSLEUTH_SHARED")
	if root == "" {
		root = filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared material %s not found (set TRAILSLEUTH_SHARED to the shared/ folder): %v", p, err)
	}
	return p
}

// Ctgen builds ../shared/tools/ctgen, the CloudTrail corpus generator, and
// returns the binary's path; the test is skipped when ctgen is absent.
func Ctgen(t testing.TB) string {
	t.Helper()
	src := Shared(t, "tools", "ctgen")
	bin := filepath.Join(t.TempDir(), "ctgen")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building ctgen: %v\n%s", err, out)
	}
	return bin
}
