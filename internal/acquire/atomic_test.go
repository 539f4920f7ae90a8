package acquire

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func TestWriteAtomic(t *testing.T) {
	cut := errors.New("connection reset")
	for _, tc := range []struct {
		name     string
		fill     func(dir string) func(io.Writer) error
		wantErr  error
		wantFile string // the name holding the bytes afterwards, "" for none
	}{
		{"complete", func(string) func(io.Writer) error {
			return func(w io.Writer) error { _, err := io.WriteString(w, "abc"); return err }
		}, nil, "x.jsonl"},
		{"interrupted: nothing under the final name", func(string) func(io.Writer) error {
			return func(w io.Writer) error { io.WriteString(w, "ab"); return cut }
		}, cut, ""},
		{"kept as incomplete", func(dir string) func(io.Writer) error {
			return func(w io.Writer) error {
				io.WriteString(w, "ab")
				return &keepAsError{path: filepath.Join(dir, "x.incomplete.jsonl"), err: cut}
			}
		}, cut, "x.incomplete.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := writeAtomic(filepath.Join(dir, "x.jsonl"), tc.fill(dir))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v", err)
			}
			entries, _ := os.ReadDir(dir)
			if tc.wantFile == "" {
				if len(entries) != 0 {
					t.Errorf("left %v", entries)
				}
				return
			}
			if len(entries) != 1 || entries[0].Name() != tc.wantFile {
				t.Fatalf("files %v, want only %s", entries, tc.wantFile)
			}
			got, _ := hashFile(filepath.Join(dir, tc.wantFile))
			if got != w {
				t.Errorf("returned %+v, file %+v", w, got)
			}
			if info, _ := entries[0].Info(); info.Mode().Perm()&0o222 != 0 {
				t.Errorf("mode %v: evidence must be read-only", info.Mode())
			}
		})
	}
	n, err := RemovePartials(filepath.Join(t.TempDir(), "missing"))
	if n != 0 || err != nil {
		t.Errorf("RemovePartials on a missing folder: %d %v", n, err)
	}
}

// TestPartialsKeptUntilTheSourceAnswers (issue 16, item 12): collect s3
// with a bucket that does not answer deletes nothing; once it answers, only
// files named exactly as the atomic writer names them are removed.
func TestPartialsKeptUntilTheSourceAnswers(t *testing.T) {
	srv := testenv.S3Server(t, nil)
	seedTrail(t, srv)
	out := t.TempDir()
	partial := filepath.Join(out, "a.json.gz"+atomicfile.PartialMarker+"123")
	mine := filepath.Join(out, "notes"+atomicfile.PartialMarker+"draft.txt")
	for _, p := range []string{partial, mine} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := S3Options{Bucket: "no-such-bucket", Out: out, Since: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC),
		Until: time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC), PublicKeys: func(r string) PublicKeyClient { return fakeKeys{r} }}
	if _, err := CollectS3(context.Background(), srv.Client, opts); err == nil {
		t.Fatal("a missing bucket collected")
	}
	for _, p := range []string{partial, mine} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("removed before the bucket answered: %v", err)
		}
	}
	opts.Bucket = trailBucket
	if _, err := CollectS3(context.Background(), srv.Client, opts); err != nil && !errors.Is(err, ErrIncomplete) {
		t.Fatal(err)
	}
	if _, err := os.Stat(partial); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the unfinished file was kept: %v", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file that only contains the marker was removed: %v", err)
	}
}
