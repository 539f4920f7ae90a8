package ingest

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBig writes n events as one Records object (or JSON lines), gzipped,
// and returns the file's SHA-256.
func writeBig(t *testing.T, path string, n int, lines bool, huge int) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	zw := gzip.NewWriter(f)
	bw := bufio.NewWriter(zw)
	if !lines {
		bw.WriteString(`{"Records":[`)
	}
	pad := strings.Repeat("x", 512)
	for i := 0; i < n; i++ {
		if i > 0 && !lines {
			bw.WriteString(",")
		}
		note := pad
		if i == huge {
			note = strings.Repeat("y", 64<<10)
		}
		fmt.Fprintf(bw, `{"eventVersion":"1.09","eventID":"00000000-0000-4000-8000-%012d","eventTime":"2025-03-11T02:%02d:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","requestParameters":{"bucketName":"b","key":"k%d","note":"%s"}}`, i, i/60%60, i%60, i, note)
		if lines {
			bw.WriteString("\n")
		}
	}
	if !lines {
		bw.WriteString(`]}`)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// TestStreamingLargeFiles forces the streaming path (files above the
// whole-file bound, a record above the record bound) and checks that no
// event is lost and the hash covers the whole file.
func TestStreamingLargeFiles(t *testing.T) {
	dir := t.TempDir()
	for _, lines := range []bool{false, true} {
		name := "records.json.gz"
		if lines {
			name = "lines.jsonl.gz"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			const n = 20000
			sum := writeBig(t, path, n, lines, 777)
			fr := newFileReader()
			fr.wholeLimit = 64 << 10
			fr.dec.maxRecord = 32 << 10
			fr.dec.maxObject = 32 << 10
			res, evs := readFixture(t, fr, path)
			if len(evs) != n-1 {
				t.Errorf("events = %d, want %d", len(evs), n-1)
			}
			if res.errors[ReasonTooLarge] != 1 || len(res.errors) != 1 {
				t.Errorf("errors = %v, want one record_too_large", res.errors)
			}
			if res.source.SHA256 != sum {
				t.Errorf("sha256 = %s, want %s", res.source.SHA256, sum)
			}
			if got := evs[n-2].Provenance.Index; got != n-1 {
				t.Errorf("last position = %d, want %d (the skipped record keeps its place)", got, n-1)
			}
		})
	}
}
