package store

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
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
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO events (event_id, event_id_synthetic, event_time, event_name, is_insight, raw, source_id, source_position, source_offset, run_id)
		SELECT 'id-' || lpad(i::VARCHAR, 4, '0'), false,
		       CASE WHEN i % 97 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((i * 7919) % 60) END,
		       CASE WHEN i % 2 = 0 THEN 'GetObject' ELSE 'ListBuckets' END,
		       false,
		       '{ "eventID": "id-' || lpad(i::VARCHAR, 4, '0') || '" }', 1, i, 0, 1
		FROM range(500) t(i)`); err != nil {
		t.Fatal(err)
	}
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
