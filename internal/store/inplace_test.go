package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// inPlaceCase writes three input files (gzip, zstd, plain), records them
// as sources and appends their events as kept in place, with one copied
// event between them. It returns the store, the events and the files.
func inPlaceCase(t *testing.T) (*Store, []event.Event, []string) {
	t.Helper()
	st := openTemp(t)
	dir := t.TempDir()
	// The compression ingest would record for each file (sources.compression).
	recorded := map[string]string{"a.json.gz": "gzip", "b.json.zst": "zstd", "c.jsonl": ""}
	compress := map[string]func([]byte) []byte{
		"a.json.gz": func(b []byte) []byte {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(b) //nolint:errcheck // a bytes.Buffer
			zw.Close()
			return buf.Bytes()
		},
		"b.json.zst": func(b []byte) []byte {
			enc, _ := zstd.NewWriter(nil)
			return enc.EncodeAll(b, nil)
		},
		"c.jsonl": func(b []byte) []byte { return b },
	}
	var evs []event.Event
	var srcs []Source
	var paths []string
	for i, name := range []string{"a.json.gz", "b.json.zst", "c.jsonl"} {
		id := int64(i + 1)
		var content bytes.Buffer
		content.WriteString(`{"Records":[`)
		for j := range 40 {
			if j > 0 {
				content.WriteString(",\n  ")
			}
			raw := fmt.Sprintf(`{"eventID":"%s-%02d","note":"caf\u00e9 %s"}`, name, j, strings.Repeat("z", j*7))
			evs = append(evs, event.Event{EventID: fmt.Sprintf("%s-%02d", name, j), EventName: "GetObject", Raw: raw,
				Provenance: event.Provenance{SourceID: id, Index: int64(j), Offset: int64(content.Len()), InPlace: true}})
			content.WriteString(raw)
		}
		content.WriteString("]}")
		data := compress[name](content.Bytes())
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		srcs = append(srcs, Source{ID: id, Run: 1, Path: path, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Compression: recorded[name], Status: "ingested", Events: 40})
		paths = append(paths, path)
		// An event that is not kept in place goes to a block of the segment.
		evs = append(evs, event.Event{EventID: fmt.Sprintf("copied-%d", i), EventName: "GetObject", Raw: `{"eventID":"copied"}`,
			Provenance: event.Provenance{SourceID: id, Index: 99}})
	}
	appendEvents(t, st, 1, evs...)
	if err := st.AddSources(context.Background(), srcs); err != nil {
		t.Fatal(err)
	}
	return st, evs, paths
}

// TestInPlaceOriginals: events kept in place come back byte for byte from
// their input files; audit verify reads and checks every file; a file that
// is missing, changed or grown makes reading its events fail with an error
// naming it, while the other files' events still read.
func TestInPlaceOriginals(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"intact", nil, ""},
		{"moved", func(t *testing.T, path string) {
			if err := os.Rename(path, path+".moved"); err != nil {
				t.Fatal(err)
			}
		}, "cannot be opened"},
		{"byte changed", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			b[len(b)/2] ^= 1
			os.WriteFile(path, b, 0o644) //nolint:errcheck // read back below
		}, "SHA-256"},
		{"grown", func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("\n"))
			f.Close()
		}, "bytes, the case recorded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, evs, paths := inPlaceCase(t)
			var kinds int
			if err := st.DB().QueryRow(`SELECT count(DISTINCT codec) FROM raw_blocks`).Scan(&kinds); err != nil || kinds != 2 {
				t.Fatalf("raw_blocks has %d codecs, want zstd and source (%v)", kinds, err)
			}
			if tc.damage == nil {
				checkRaw(t, st, evs)
				c, err := st.VerifyBlocks(ctx)
				if err != nil || len(c.Problems) != 0 || c.InPlaceFiles != 3 || c.Blocks != 1 {
					t.Errorf("intact: %+v, %v", c, err)
				}
				return
			}
			tc.damage(t, paths[1])
			// The other files' events still read.
			var raw string
			if err := st.DB().QueryRow(`SELECT raw FROM events WHERE event_id = 'a.json.gz-03'`).Scan(&raw); err != nil || raw != evs[3].Raw {
				t.Errorf("an event of an undamaged file: %q, %v", raw, err)
			}
			err := st.DB().QueryRow(`SELECT raw FROM events WHERE event_id = 'b.json.zst-05'`).Scan(&raw)
			if err == nil || !strings.Contains(err.Error(), ErrDamagedBlock.Error()) || !strings.Contains(err.Error(), paths[1]) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("reading an event of the damaged file: %v; want an error naming %s and %q", err, paths[1], tc.want)
			}
			c, err := st.VerifyBlocks(ctx)
			if err != nil || len(c.Problems) != 1 || !strings.Contains(c.Problems[0], paths[1]) || !strings.Contains(c.Problems[0], tc.want) {
				t.Errorf("verify: %+v, %v", c, err)
			}
		})
	}
}

// TestInPlaceRolledBack: rolling back an unfinished ingest removes its
// in-place blocks with the rest of its rows.
func TestInPlaceRolledBack(t *testing.T) {
	ctx := context.Background()
	st, _, _ := inPlaceCase(t)
	if _, err := st.DB().Exec(`INSERT INTO ingest_runs (run_id, started_at) VALUES (1, now())`); err != nil {
		t.Fatal(err)
	}
	if _, err := rollBack(ctx, st.DB()); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"raw_blocks", "source_blocks", "event_rows"} {
		var n int
		if err := st.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows after the roll-back, %v", table, n, err)
		}
	}
}

// TestMigrateV9SourceBlocks: a version 8 case is read as it is by a
// read-only open (its folder unchanged, raw and audit verify working with
// source_blocks empty in memory), and a write open adds source_blocks, after
// which events kept in place can be appended.
func TestMigrateV9SourceBlocks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "case.duckdb")
	caseAtVersion(t, path, 8)
	old, err := open(ctx, path, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	evs := rawEvents(1500)
	appendEvents(t, old, 1, evs...)
	old.Close()

	files := snapshot(t, dir)
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(ro.Notes(), "; "); !strings.Contains(notes, "version 8: read as it is") {
		t.Errorf("read-only open of a version 8 case: notes %q", notes)
	}
	checkRaw(t, ro, evs)
	if c, err := ro.VerifyBlocks(ctx); err != nil || len(c.Problems) != 0 || c.Blocks < 2 || c.InPlaceFiles != 0 {
		t.Errorf("verify of a version 8 case: %+v, %v", c, err)
	}
	ro.Close()
	if after := snapshot(t, dir); !maps.Equal(files, after) {
		t.Errorf("a read-only open changed the case's folder:\nbefore %v\nafter  %v", files, after)
	}

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.versionIn(ctx, true); err != nil || v != SchemaVersion {
		t.Fatalf("version after a write open: %d, %v", v, err)
	}
	checkRaw(t, st, evs)
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM source_blocks`).Scan(&n); err != nil || n != 0 {
		t.Errorf("source_blocks after migration: %d rows, %v", n, err)
	}
}
