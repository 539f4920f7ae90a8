package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// TestRawRoundTripEveryShape checks that the original text of every event
// comes back from the case byte for byte, whatever the shape of the file
// it came in and however the case keeps it: each file is decoded on its
// own, as ingest's reader decodes it, and what the case returns for each
// event (raw, read out of compressed blocks or out of the input file
// itself) must be the very bytes the decoder kept.
func TestRawRoundTripEveryShape(t *testing.T) {
	ctx := context.Background()
	dirs := []string{filepath.Join("testdata", "formats"), filepath.Join("testdata", "hostile"), filepath.Join("testdata", "inplace")}
	files, _, err := acquire.Walk(ctx, dirs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		originals string
		codecs    []string // the codecs raw_blocks must hold
	}{
		{OriginalsCopy, []string{"zstd"}},
		// Lookup-events output and invalid UTF-8 are copied in either mode.
		{OriginalsInPlace, []string{"source", "zstd"}},
	} {
		t.Run(tc.originals, func(t *testing.T) {
			want := decodedRaw(t, files, tc.originals == OriginalsInPlace)
			st := openStore(t)
			fs, walkErrs, err := acquire.Walk(ctx, dirs)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Run(ctx, st, fs, walkErrs, Options{Workers: 2, Originals: tc.originals}); err != nil {
				t.Fatal(err)
			}
			checkStoredRaw(t, st, want)
			var codecs []string
			rows, err := st.DB().Query(`SELECT DISTINCT codec FROM raw_blocks ORDER BY codec`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var c string
				rows.Scan(&c) //nolint:errcheck // compared below
				codecs = append(codecs, c)
			}
			rows.Close()
			if !slices.Equal(codecs, tc.codecs) {
				t.Errorf("raw_blocks codecs %v, want %v", codecs, tc.codecs)
			}
		})
	}
}

// decodedRaw decodes each file on its own and returns each event's raw by
// path and position. With inPlace, every event the decoder marks as kept
// in place must be the file's decompressed bytes at its offset.
func decodedRaw(t *testing.T, files []acquire.File, inPlace bool) map[string]string {
	ctx := context.Background()
	want := map[string]string{} // path, position → raw as decoded
	formats := map[string]bool{}
	var marked int
	for _, f := range files {
		fr := newFileReader()
		fr.inPlace = inPlace
		res := &fileResult{errors: map[Reason]int64{}}
		path, _ := filepath.Abs(f.Path)
		var content []byte
		fr.read(ctx, f, nil, res, func(ev *event.Event) {
			want[fmt.Sprint(path, " ", ev.Provenance.Index)] = strings.Clone(ev.Raw)
			if !ev.Provenance.InPlace {
				return
			}
			if !inPlace {
				t.Errorf("%s: event %d marked in place in copy mode", path, ev.Provenance.Index)
			}
			if content == nil {
				content = decompressedFile(t, path)
			}
			marked++
			off, end := ev.Provenance.Offset, ev.Provenance.Offset+int64(len(ev.Raw))
			if end > int64(len(content)) || string(content[off:end]) != ev.Raw {
				t.Errorf("%s: event %d is not the file's bytes at offset %d", path, ev.Provenance.Index, off)
			}
		})
		formats[res.source.Format] = true
	}
	for _, f := range []string{FormatRecords, FormatLookupEvents, FormatArray, FormatLines, FormatObjects} {
		if !formats[f] {
			t.Errorf("no file of format %s among the fixtures", f)
		}
	}
	if inPlace && marked == 0 {
		t.Error("no event was marked as kept in place")
	}
	t.Logf("%d events decoded (%d in place), formats %v", len(want), marked, slices.Sorted(maps.Keys(formats)))
	return want
}

// decompressedFile is the whole decompressed content of path.
func decompressedFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fr := newFileReader()
	fr.limit = inflateLimit{ratio: -1, bytes: -1}
	r, closeR, err := fr.decompress(bytes.NewReader(data), &store.Source{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer closeR()
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// checkStoredRaw compares raw of every stored event and conflict with what
// the decoder kept.
func checkStoredRaw(t *testing.T, st *store.Store, want map[string]string) {
	t.Helper()
	rows, err := st.DB().Query(`SELECT s.path, e.source_position, e.raw FROM events e JOIN sources s USING (source_id)
		UNION ALL SELECT s.path, c.source_position, c.raw FROM event_conflicts c JOIN sources s USING (source_id)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var path, raw string
		var pos int64
		if err := rows.Scan(&path, &pos, &raw); err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprint(path, " ", pos)
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("%s: stored, but the decoder gave no event there", k)
		case w != raw:
			t.Errorf("%s: raw is not the bytes read:\n got %q\nwant %q", k, raw, w)
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Duplicates within the fixtures are dropped by design; every other
	// decoded event must be there.
	if seen == 0 || seen > len(want) {
		t.Errorf("%d events stored, %d decoded", seen, len(want))
	}
}
