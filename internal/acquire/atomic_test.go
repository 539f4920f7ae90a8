package acquire

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
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
