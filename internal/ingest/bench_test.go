package ingest

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// BenchmarkDecode decodes the example incident's log files (real CloudTrail
// shapes, 13k events) from memory: the per-event cost of splitting, shape
// checks and normalising, without the database.
func BenchmarkDecode(b *testing.B) {
	root := filepath.Join(testenv.RepoRoot(b), "examples", "incident")
	var files [][]byte
	var size int64
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error { //nolint:errcheck // fixtures
		if err != nil || d.IsDir() || strings.Contains(p, "Digest") {
			return err
		}
		f, _ := os.Open(p)
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(zr)
		files = append(files, data)
		size += int64(len(data))
		return nil
	})
	var n int64
	d := newDecoder(func(*event.Event) { n++ }, func(Reason, int64, string) {})
	br := bufio.NewReaderSize(nil, 1<<20)
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		for _, data := range files {
			d.reset()
			br.Reset(bytes.NewReader(data))
			if err := d.decode(br); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
