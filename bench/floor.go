package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// corpusFile is one delivery file of the corpus.
type corpusFile struct {
	Path string
	Size int64
}

// listGz returns the .json.gz files under root, sorted by path, and their
// total size.
func listGz(root string) ([]corpusFile, int64, error) {
	var files []corpusFile
	var total int64
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json.gz") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, corpusFile{path, info.Size()})
		total += info.Size()
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, total, err
}

// floorResult is what decompressing the corpus took.
type floorResult struct {
	Seconds         float64 `json:"seconds"` // walk + read + decompress
	Files           int     `json:"files"`
	Compressed      int64   `json:"compressed_bytes"`
	Uncompressed    int64   `json:"uncompressed_bytes"`
	MaxUncompressed int64   `json:"max_file_uncompressed_bytes"`
	Workers         int     `json:"workers"`
}

// decompressFloor walks root and decompresses every .json.gz file with
// klauspost/compress/gzip (the decoder trailsleuth uses) on workers
// goroutines, discarding the output: the least work any ingest of these
// files has to do. Each file is read whole into a reused buffer first, as
// trailsleuth's ingest does for files of this size.
func decompressFloor(root string, workers int) (*floorResult, error) {
	if workers < 1 {
		workers = 1
	}
	start := time.Now()
	files, total, err := listGz(root)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .json.gz files under %s", root)
	}
	res := &floorResult{Files: len(files), Compressed: total, Workers: workers}
	jobs := make(chan int)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var (
				buf          []byte
				gz           *gzip.Reader
				out, maxFile int64
				err          error
			)
			for i := range jobs {
				if err != nil {
					continue
				}
				buf, err = readFileInto(files[i].Path, buf[:0])
				if err != nil {
					continue
				}
				br := bytes.NewReader(buf)
				if gz == nil {
					gz, err = gzip.NewReader(br)
				} else {
					err = gz.Reset(br)
				}
				if err != nil {
					err = fmt.Errorf("%s: %w", files[i].Path, err)
					continue
				}
				var n int64
				n, err = io.Copy(io.Discard, gz)
				if err != nil {
					err = fmt.Errorf("%s: %w", files[i].Path, err)
					continue
				}
				out += n
				maxFile = max(maxFile, n)
			}
			mu.Lock()
			res.Uncompressed += out
			res.MaxUncompressed = max(res.MaxUncompressed, maxFile)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}()
	}
	for i := range files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// readFileInto reads the file at path into buf, growing it as needed.
func readFileInto(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && int64(cap(buf)) < info.Size()+1 {
		buf = make([]byte, 0, info.Size()+bytes.MinRead)
	}
	b := bytes.NewBuffer(buf)
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}

// warmCache reads every file once so that the first measured step does not
// pay for disk reads the later ones would not.
func warmCache(files []corpusFile) error {
	var buf []byte
	var err error
	for _, f := range files {
		if buf, err = readFileInto(f.Path, buf[:0]); err != nil {
			return err
		}
	}
	return nil
}
