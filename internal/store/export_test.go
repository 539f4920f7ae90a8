package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// TestExportSlicesKeepOrder checks that exporting in time slices (what
// keeps a large export's sorts in bounded memory) writes exactly what one
// sort writes: every event once, ties at a cut in one slice, events
// without a time last.
func TestExportSlicesKeepOrder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTemp(t)
	// 500 events over 60 distinct seconds (many ties), every 97th without
	// a time, inserted out of order.
	evs := make([]event.Event, 500)
	for i := range evs {
		id := fmt.Sprintf("id-%04d", i)
		evs[i] = event.Event{EventID: id, EventName: "ListBuckets", Raw: `{ "eventID": "` + id + `" }`,
			Provenance: event.Provenance{SourceID: 1, Index: int64(i)}}
		if i%2 == 0 {
			evs[i].EventName = "GetObject"
		}
		if i%97 != 0 {
			evs[i].EventTime = time.Date(2024, 1, 1, 0, 0, (i*7919)%60, 0, time.UTC)
		}
	}
	appendEvents(t, st, 1, evs...)
	for _, tc := range []struct {
		name, where string
		want        int64
	}{
		{"all", "", 500},
		{"filtered", "event_name = 'GetObject'", 250},
		{"none", "event_name = 'nothing'", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			export := func(slice int64) (typed, raw []byte) {
				st.exportSlice = slice
				defer func() { st.exportSlice = 0 }()
				path := filepath.Join(dir, "typed.jsonl")
				n, err := st.Export(ctx, "jsonl", path, tc.where)
				if err != nil || n != tc.want {
					t.Fatalf("Export(slice %d) = %d, %v; want %d events", slice, n, err, tc.want)
				}
				if typed, err = os.ReadFile(path); err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if n, err := st.ExportRaw(ctx, &buf, tc.where); err != nil || n != tc.want {
					t.Fatalf("ExportRaw(slice %d) = %d, %v; want %d events", slice, n, err, tc.want)
				}
				return typed, buf.Bytes()
			}
			oneTyped, oneRaw := export(1 << 40)
			for _, slice := range []int64{7, 50, 499} {
				typed, raw := export(slice)
				if !bytes.Equal(typed, oneTyped) {
					t.Errorf("typed export in slices of %d differs from one sort", slice)
				}
				if !bytes.Equal(raw, oneRaw) {
					t.Errorf("raw export in slices of %d differs from one sort", slice)
				}
			}
			// One sort's order is the contract: time, then id, no time last.
			var prevTime, prevID string
			prevNull := false
			for i, line := range bytes.Split(bytes.TrimSuffix(oneTyped, []byte("\n")), []byte("\n")) {
				if len(line) == 0 {
					continue
				}
				var row struct {
					ID   string  `json:"event_id"`
					Time *string `json:"event_time"`
				}
				if err := json.Unmarshal(line, &row); err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
				switch {
				case row.Time == nil:
					if prevNull && row.ID < prevID {
						t.Errorf("line %d: events without a time not in id order", i)
					}
					prevNull = true
				case prevNull:
					t.Errorf("line %d: a timed event after an event without a time", i)
				case *row.Time < prevTime || (*row.Time == prevTime && row.ID < prevID):
					t.Errorf("line %d: %s %s after %s %s", i, *row.Time, row.ID, prevTime, prevID)
				default:
					prevTime = *row.Time
				}
				prevID = row.ID
			}
			if n, err := st.Export(ctx, "parquet", filepath.Join(dir, "e.parquet"), tc.where); err != nil || n != tc.want {
				t.Errorf("Export(parquet) = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
}
