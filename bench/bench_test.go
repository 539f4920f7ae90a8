package main

// Micro-benchmarks for benchstat, on a small corpus generated on demand:
//
//	go test -run '^$' -bench . -count 10 ./bench/ | tee new.txt
//	benchstat old.txt new.txt
//	go test -run '^$' -bench Ingest ./bench/ -args -corpus-events 100000
//
// The corpus is generated once per test binary, on the first benchmark
// that needs it. They skip when ctgen's source is not beside the repository
// (set BENCH_CTGEN to its folder otherwise). The Test functions here are pure
// and fast, so `go test ./...` stays quick.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

var corpusEvents = flag.Int64("corpus-events", 20_000, "events in the benchmarks' corpus")

// shared is the benchmarks' corpus, generated on first use and removed by
// TestMain: a benchmark function runs several times (once per b.N tried and
// per -count), which must not regenerate it each time.
var shared struct {
	once       sync.Once
	tmp        string
	logs       string
	compressed int64
	skip       string
	err        error
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared.tmp != "" {
		os.RemoveAll(shared.tmp)
	}
	os.Exit(code)
}

// smallCorpus builds ctgen and generates a corpus into a temporary folder;
// it returns the AWSLogs folder, the event count and the compressed size.
func smallCorpus(b *testing.B) (logs string, events, compressed int64) {
	b.Helper()
	shared.once.Do(func() {
		src := os.Getenv("BENCH_CTGEN")
		if src == "" {
			src = filepath.Join("..", "..", "shared", "tools", "ctgen")
		}
		if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
			shared.skip = fmt.Sprintf("ctgen source not found at %s (set BENCH_CTGEN): %v", src, err)
			return
		}
		src, _ = filepath.Abs(src)
		if shared.tmp, shared.err = os.MkdirTemp("", "trailsleuth-bench-"); shared.err != nil {
			return
		}
		bin := filepath.Join(shared.tmp, "ctgen")
		if shared.err = buildCtgen(src, bin); shared.err != nil {
			return
		}
		spec := corpusSpec{Events: *corpusEvents, Accounts: 2, Days: 1, Seed: 42, Attack: true}
		dir := filepath.Join(shared.tmp, "corpus")
		if _, shared.err = ensureCorpus(bin, dir, spec, true, b.Logf); shared.err != nil {
			return
		}
		shared.logs = filepath.Join(dir, "AWSLogs")
		_, shared.compressed, shared.err = listGz(shared.logs)
	})
	if shared.skip != "" {
		b.Skip(shared.skip)
	}
	if shared.err != nil {
		b.Fatal(shared.err)
	}
	return shared.logs, *corpusEvents, shared.compressed
}

// BenchmarkDecompressFloor is the least work an ingest of the corpus does:
// every file decompressed on 2 goroutines, output discarded.
func BenchmarkDecompressFloor(b *testing.B) {
	logs, events, compressed := smallCorpus(b)
	b.SetBytes(compressed)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := decompressFloor(logs, 2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIngest is trailsleuth's ingest of the corpus into a fresh case
// database, through the library: walk, open, ingest, close.
func BenchmarkIngest(b *testing.B) {
	logs, events, compressed := smallCorpus(b)
	ctx := context.Background()
	dbPath := filepath.Join(b.TempDir(), "case.duckdb")
	b.SetBytes(compressed)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		removeDB(dbPath)
		b.StartTimer()
		files, walkErrs, err := acquire.Walk(ctx, []string{logs})
		if err != nil {
			b.Fatal(err)
		}
		st, err := store.Open(ctx, dbPath)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := ingest.Run(ctx, st, files, walkErrs, ingest.Options{})
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
		if sum.Events != events {
			b.Fatalf("ingest stored %d events, ctgen wrote %d", sum.Events, events)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFirstCount(t *testing.T) {
	n, err := firstCount([]byte("[\n{\"count_star()\":51}\n]\n"))
	if err != nil || n != 51 {
		t.Fatalf("firstCount = %d, %v", n, err)
	}
	if _, err := firstCount([]byte(`[]`)); err == nil {
		t.Fatal("firstCount of no rows: want an error")
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"-events": "-events", "100000": "100000", "a b": "'a b'", "it's": `'it'\''s'`, "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
