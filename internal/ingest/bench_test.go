package ingest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/store"
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

// BenchmarkReadCorpus reads a corpus folder (TRAILSLEUTH_BENCH_CORPUS,
// e.g. bench/out/corpus-1000000-a8-d3-s81) the way ingest reads it — 2
// goroutines, each file hashed, decompressed, split and normalised — but
// hands the events to nothing: what ingest would cost if storing them were
// free. The floor sub-benchmark only decompresses, on 2 goroutines too, so
// the ratio of the two, from one run, says how much of ingest's time is
// decoding rather than the database (docs/performance.md).
func BenchmarkReadCorpus(b *testing.B) {
	dir := os.Getenv("TRAILSLEUTH_BENCH_CORPUS")
	if dir == "" {
		b.Skip("TRAILSLEUTH_BENCH_CORPUS names no corpus folder")
	}
	files, _, err := acquire.Walk(context.Background(), []string{dir})
	if err != nil {
		b.Fatal(err)
	}
	each := func(b *testing.B, fn func(f acquire.File, fr *fileReader) int64) {
		var events atomic.Int64
		for range b.N {
			var next atomic.Int64
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fr := newFileReader()
					fr.limit = inflateLimit{ratio: -1, bytes: -1}
					for i := next.Add(1) - 1; i < int64(len(files)); i = next.Add(1) - 1 {
						events.Add(fn(files[i], fr))
					}
				}()
			}
			wg.Wait()
		}
		b.ReportMetric(float64(events.Load())/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("floor", func(b *testing.B) {
		each(b, func(f acquire.File, fr *fileReader) int64 {
			data, err := os.ReadFile(f.Path)
			if err != nil {
				b.Fatal(err)
			}
			r, done, err := fr.decompress(bytes.NewReader(data), &store.Source{})
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, r) //nolint:errcheck // the floor only
			done()
			return 0
		})
	})
	b.Run("decode", func(b *testing.B) {
		each(b, func(f acquire.File, fr *fileReader) int64 {
			res := &fileResult{errors: map[Reason]int64{}}
			var n int64
			fr.read(context.Background(), f, nil, res, func(*event.Event) { n++ })
			return n
		})
	})
}
