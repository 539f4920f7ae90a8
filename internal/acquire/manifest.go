package acquire

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Names of the files a collector writes beside the evidence. Ingest sees
// them as JSON without CloudTrail events and skips them.
const (
	ManifestName   = "manifest.jsonl"
	PublicKeysName = "public-keys.json"
)

// Manifest sources and statuses.
const (
	SourceS3           = "s3"
	SourceLookupEvents = "lookup-events"
	SourceLake         = "lake"

	StatusOK     = "ok"
	StatusFailed = "failed"
)

// ManifestEntry is one line of manifest.jsonl: an object fetched (or that
// failed) with what is needed to show later that the local copy is the
// one AWS served. Times are RFC 3339 UTC.
type ManifestEntry struct {
	Source       string            `json:"source"`
	Bucket       string            `json:"bucket,omitempty"`
	Key          string            `json:"key,omitempty"`
	Path         string            `json:"path"` // relative to the folder, slash-separated
	Size         int64             `json:"size"`
	ETag         string            `json:"etag,omitempty"`
	VersionID    string            `json:"version_id,omitempty"`
	LastModified string            `json:"last_modified,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"` // S3 user metadata, lower-case keys without x-amz-meta-
	SHA256       string            `json:"sha256"`
	FetchedAt    string            `json:"fetched_at"`
	Status       string            `json:"status"`
	Error        string            `json:"error,omitempty"`
	Query        *ManifestQuery    `json:"query,omitempty"`
}

// ManifestQuery describes the API request behind a lookup-events or lake file.
type ManifestQuery struct {
	Region         string   `json:"region,omitempty"`
	Attributes     []string `json:"attributes,omitempty"` // Key=Value
	Since          string   `json:"since,omitempty"`
	Until          string   `json:"until,omitempty"`
	EventDataStore string   `json:"event_data_store,omitempty"`
	SQL            string   `json:"sql,omitempty"`
	QueryID        string   `json:"query_id,omitempty"`
	Requests       int      `json:"requests,omitempty"` // API pages fetched
	Records        int64    `json:"records,omitempty"`  // lines written
}

// ID is what identifies an entry across runs: the S3 key, or the path for
// sources without one.
func (e ManifestEntry) ID() string {
	if e.Key != "" {
		return e.Key
	}
	return e.Path
}

// Timestamp formats t the way the manifest stores times.
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ReadManifest reads a manifest.jsonl into entries by ID (S3 key, else
// path); a later line for the same ID supersedes an earlier one. A missing
// file is an empty manifest. Damaged lines (an interrupted append) are
// passed over and reported as a *ManifestLinesError together with the
// entries read, so a verifier never trusts a damaged manifest silently and
// a resumed collection can still use the rest.
func ReadManifest(path string) (map[string]ManifestEntry, error) {
	entries := map[string]ManifestEntry{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return entries, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening manifest: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var bad []int
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var e ManifestEntry
		if err := json.Unmarshal(line, &e); err != nil || e.ID() == "" {
			bad = append(bad, n)
			continue
		}
		entries[e.ID()] = e
	}
	if err := sc.Err(); err != nil {
		return entries, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(bad) > 0 {
		return entries, &ManifestLinesError{Path: path, Lines: bad}
	}
	return entries, nil
}

// ManifestLinesError lists manifest lines that are not entries.
type ManifestLinesError struct {
	Path  string
	Lines []int
}

func (e *ManifestLinesError) Error() string {
	return fmt.Sprintf("%s: %d damaged lines (first: line %d)", e.Path, len(e.Lines), e.Lines[0])
}

// ManifestWriter appends entries to DIR/manifest.jsonl; safe for
// concurrent use.
type ManifestWriter struct {
	mu sync.Mutex
	f  *os.File
}

// NewManifestWriter opens DIR/manifest.jsonl for appending, creating DIR
// and the file as needed.
func NewManifestWriter(dir string) (*ManifestWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	p := filepath.Join(dir, ManifestName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening manifest: %w", err)
	}
	if err := terminateLastLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &ManifestWriter{f: f}, nil
}

// terminateLastLine ends a manifest cut short inside a line (a killed
// run) with a newline, so the next entry starts on a line of its own.
func terminateLastLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, st.Size()-1); err != nil && err != io.EOF {
		return err
	}
	if b[0] != '\n' {
		_, err = f.Write([]byte("\n"))
	}
	return err
}

// Write appends one entry as one line, in a single write so concurrent
// writers never interleave.
func (w *ManifestWriter) Write(e ManifestEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding manifest entry: %w", err)
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	return nil
}

// Close flushes the manifest to disk.
func (w *ManifestWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	serr := w.f.Sync()
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("closing manifest: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("syncing manifest: %w", serr)
	}
	return nil
}
