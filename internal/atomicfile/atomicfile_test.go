package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestWrite: a complete write replaces the file; a failed one leaves the
// previous file as it was and no temporary file.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.json")
	if err := Write(p, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "good"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := Write(p, 0o644, func(w io.Writer) error {
		io.WriteString(w, "half a rep") //nolint:errcheck // the failure is the point
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "good" {
		t.Errorf("previous file became %q", b)
	}
	if n := names(t, dir); len(n) != 1 {
		t.Errorf("left %v", n)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
}

// TestCreateAbort: until Commit, only a temporary file named as unfinished
// exists; Abort removes it and Abort after Commit changes nothing.
func TestCreateAbort(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	f, err := Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("a,b\n") //nolint:errcheck // checked through the file
	n := names(t, dir)
	if len(n) != 1 || !IsPartial(n[0]) {
		t.Fatalf("while writing: %v", n)
	}
	f.Abort()
	if n := names(t, dir); len(n) != 0 {
		t.Errorf("after Abort: %v", n)
	}
	f, _ = Create(p, 0o600)
	f.WriteString("a,b\n") //nolint:errcheck // checked through the file
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if b, _ := os.ReadFile(p); string(b) != "a,b\n" {
		t.Errorf("committed %q", b)
	}
	if err := f.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
}

func TestReserve(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "case.parquet")
	os.WriteFile(p, []byte("previous"), 0o644) //nolint:errcheck // checked below
	tmp, finish, err := Reserve(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tmp, []byte("half"), 0o644) //nolint:errcheck // a writer by name
	finish(false)                            //nolint:errcheck // no error when not ok
	if b, _ := os.ReadFile(p); string(b) != "previous" || len(names(t, dir)) != 1 {
		t.Errorf("failed write: %q, %v", b, names(t, dir))
	}
	tmp, finish, _ = Reserve(p, 0o644)
	os.WriteFile(tmp, []byte("new"), 0o644) //nolint:errcheck // a writer by name
	if err := finish(true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" || len(names(t, dir)) != 1 {
		t.Errorf("complete write: %q, %v", b, names(t, dir))
	}
}

func TestIsPartial(t *testing.T) {
	for name, want := range map[string]bool{
		"a.json.gz" + PartialMarker + "123": true,
		"a.json.gz" + PartialMarker:         false,
		PartialMarker + "12":                false,
		"notes" + PartialMarker + "x.txt":   false,
		"a.json.gz":                         false,
	} {
		if IsPartial(name) != want {
			t.Errorf("IsPartial(%q) = %v", name, !want)
		}
	}
}
