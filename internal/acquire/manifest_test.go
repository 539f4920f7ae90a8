package acquire

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestManifestResumeAfterCut(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ManifestName)
	// Two runs' lines, a later one superseding the first, then a line cut
	// short by a killed run, and a line that is JSON but no entry.
	content := `{"source":"s3","bucket":"b","key":"k1","path":"k1","size":1,"sha256":"aa","fetched_at":"2025-03-11T00:00:00Z","status":"failed","error":"NoSuchKey"}
{"source":"s3","bucket":"b","key":"k2","path":"k2","size":2,"sha256":"bb","fetched_at":"2025-03-11T00:00:00Z","status":"ok"}
{"source":"s3","bucket":"b","key":"k1","path":"k1","size":1,"sha256":"cc","fetched_at":"2025-03-12T00:00:00Z","status":"ok"}
{}
{"source":"s3","bucket":"b","key":"k3","pa`
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := NewManifestWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ManifestEntry{Source: SourceLake, Path: "lake/x.jsonl", SHA256: "dd", Status: StatusOK, Query: &ManifestQuery{SQL: "SELECT 1"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(p)
	var lines *ManifestLinesError
	if !errors.As(err, &lines) || !slices.Equal(lines.Lines, []int{4, 5}) {
		t.Fatalf("err = %v, want damaged lines 4 and 5", err)
	}
	if len(m) != 3 || m["k1"].SHA256 != "cc" || m["k2"].Status != StatusOK || m["lake/x.jsonl"].Query.SQL != "SELECT 1" {
		t.Errorf("entries: %+v", m)
	}
	if m, err := ReadManifest(filepath.Join(dir, "none.jsonl")); err != nil || len(m) != 0 {
		t.Errorf("missing manifest: %v %v", m, err)
	}
}
