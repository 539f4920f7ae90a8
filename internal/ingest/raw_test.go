package ingest

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// TestRawRoundTripEveryShape checks that the original text of every event
// comes back from the case byte for byte, whatever the shape of the file
// it came in: each file is decoded on its own, as ingest's reader decodes
// it, and what the case returns for each event (raw, now read out of
// compressed blocks) must be the very bytes the decoder kept.
func TestRawRoundTripEveryShape(t *testing.T) {
	ctx := context.Background()
	dirs := []string{filepath.Join("testdata", "formats"), filepath.Join("testdata", "hostile")}
	files, _, err := acquire.Walk(ctx, dirs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // path, position → raw as decoded
	formats := map[string]bool{}
	for _, f := range files {
		fr := newFileReader()
		res := &fileResult{errors: map[Reason]int64{}}
		path, _ := filepath.Abs(f.Path)
		fr.read(ctx, f, nil, res, func(ev *event.Event) {
			want[fmt.Sprint(path, " ", ev.Provenance.Index)] = strings.Clone(ev.Raw)
		})
		formats[res.source.Format] = true
	}
	for _, f := range []string{FormatRecords, FormatLookupEvents, FormatArray, FormatLines, FormatObjects} {
		if !formats[f] {
			t.Errorf("no file of format %s among the fixtures", f)
		}
	}

	st := openStore(t)
	ingestPaths(t, st, dirs...)
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
	if n := count(t, st, "SELECT count(*) FROM raw_blocks"); n == 0 {
		t.Error("no raw_blocks rows: raw is not stored in blocks")
	}
	t.Logf("%d events of %d decoded, formats %v", seen, len(want), slices.Sorted(maps.Keys(formats)))
}
