package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// rawEvents are n events whose raw text varies in size and content: many
// blocks, one event larger than a block's byte bound, non-ASCII text and
// escapes kept as written.
func rawEvents(n int) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		id := fmt.Sprintf("ev-%05d", i)
		raw := fmt.Sprintf(`{"eventID":"%s", "note":"caf\u00e9 \\u00e9 %s"}`, id, strings.Repeat("x", i%700))
		if i == n/2 {
			raw = `{"eventID":"` + id + `","big":"` + strings.Repeat("y", blockBytes+10) + `"}`
		}
		evs[i] = event.Event{EventID: id, EventName: "GetObject", Raw: raw, Provenance: event.Provenance{SourceID: 1, Index: int64(i)}}
	}
	return evs
}

// readRaw returns event_id → raw as the case returns it.
func readRaw(t *testing.T, st *Store) map[string]string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT event_id, raw FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			t.Fatal(err)
		}
		got[id] = raw
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func checkRaw(t *testing.T, st *Store, evs []event.Event) {
	t.Helper()
	got := readRaw(t, st)
	if len(got) != len(evs) {
		t.Errorf("%d events read back, want %d", len(got), len(evs))
	}
	for _, ev := range evs {
		if got[ev.EventID] != ev.Raw {
			t.Errorf("%s: raw %.80q…, want %.80q…", ev.EventID, got[ev.EventID], ev.Raw)
		}
	}
}

// TestRawBlocksRoundTrip: raw comes back byte for byte from blocks written
// by several appenders at once, in a case read as written, read-only, and
// through the in-memory layer.
func TestRawBlocksRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.duckdb")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	evs := rawEvents(5000)
	done := make(chan struct{})
	for half := range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			appendEvents(t, st, 1, evs[half*2500:(half+1)*2500]...)
		}()
	}
	<-done
	<-done
	checkRaw(t, st, evs)
	var blocks, events int64
	if err := st.DB().QueryRow(`SELECT count(*), sum(events) FROM raw_blocks`).Scan(&blocks, &events); err != nil {
		t.Fatal(err)
	}
	if events != int64(len(evs)) || blocks < 6 {
		t.Errorf("raw_blocks: %d blocks holding %d events; want ≥ 6 blocks and %d events", blocks, events, len(evs))
	}
	st.Close()
	for name, open := range map[string]func(context.Context, string) (*Store, error){
		"read-only": OpenReadOnly, "read-through": Options{}.OpenReadThrough,
	} {
		t.Run(name, func(t *testing.T) {
			st, err := open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			checkRaw(t, st, evs)
		})
	}
}

// TestDamagedBlockIsReported: a block whose bytes were changed, cut or
// removed makes reading raw fail with an error that names the block; no
// text is returned in its place.
func TestDamagedBlockIsReported(t *testing.T) {
	ctx := context.Background()
	// block2 returns where block 2 is in the segment file.
	block2 := func(t *testing.T, st *Store) (off, n int64) {
		if err := st.DB().QueryRow(`SELECT file_offset, data_length FROM raw_blocks WHERE block_id = 2`).Scan(&off, &n); err != nil {
			t.Fatal(err)
		}
		return off, n
	}
	sql := func(q string) func(*testing.T, *Store) {
		return func(t *testing.T, st *Store) {
			if _, err := st.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		damage func(*testing.T, *Store)
		want   string
		whole  bool // every block is gone, not only block 2
	}{
		{"byte changed", func(t *testing.T, st *Store) {
			off, _ := block2(t, st)
			f, err := os.OpenFile(st.seg.path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b := make([]byte, 1)
			f.ReadAt(b, off+200)
			b[0] ^= 0xff
			if _, err := f.WriteAt(b, off+200); err != nil {
				t.Fatal(err)
			}
		}, "block 2", false},
		{"file cut short", func(t *testing.T, st *Store) {
			off, _ := block2(t, st)
			if err := os.Truncate(st.seg.path, off+50); err != nil {
				t.Fatal(err)
			}
		}, "the file ends before byte", false},
		{"segment file gone", func(t *testing.T, st *Store) {
			if err := os.Remove(st.seg.path); err != nil {
				t.Fatal(err)
			}
		}, "case.duckdb.raw", true},
		{"size changed", sql(`UPDATE raw_blocks SET raw_bytes = raw_bytes + 1 WHERE block_id = 2`), "block 2", false},
		{"removed", sql(`DELETE FROM raw_blocks WHERE block_id = 2`), "block 2: damaged block of original events: it is missing", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openTemp(t)
			evs := rawEvents(3000)
			appendEvents(t, st, 1, evs...)
			tc.damage(t, st)
			// Events of other blocks still read.
			var first string
			if err := st.DB().QueryRow(`SELECT raw FROM events WHERE event_id = 'ev-00000'`).Scan(&first); !tc.whole && (err != nil || first != evs[0].Raw) {
				t.Errorf("an event of an undamaged block: %v", err)
			}
			rows, err := st.DB().QueryContext(ctx, `SELECT raw FROM events`)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ErrDamagedBlock.Error()) {
				t.Errorf("reading every raw: %v; want an error naming %q as a %v", err, tc.want, ErrDamagedBlock)
			}
			var n int64
			if err := st.DB().QueryRow(`SELECT count(*) FROM events`).Scan(&n); err != nil || n != int64(len(evs)) {
				t.Errorf("count without raw: %d, %v", n, err)
			}
		})
	}
	if !errors.Is(fmt.Errorf("x: %w", ErrDamagedBlock), ErrDamagedBlock) {
		t.Fatal("ErrDamagedBlock does not wrap")
	}
}

// TestMigrateV6MovesRaw: a version 6 case, its events and conflicting
// copies in the raw column, is migrated to blocks with every byte kept,
// including after rows were deleted (gaps in rowids).
func TestMigrateV6MovesRaw(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.duckdb")
	db := rawDB(t, path)
	for i := range 6 {
		exec(t, db, migrations[i], "INSERT INTO schema_version VALUES ("+itoa(int64(i+1))+", now())")
	}
	evs := rawEvents(2600)
	exec(t, db, `INSERT INTO ingest_runs (run_id, started_at, finished_at) VALUES (1, now(), now())`)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if _, err := tx.Exec(`INSERT INTO events (event_id, event_id_synthetic, is_insight, raw, source_id, source_position, source_offset, run_id)
			VALUES (?, false, false, ?, 1, ?, 0, 1)`, ev.EventID, ev.Raw, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `INSERT INTO event_conflicts SELECT *, 1, 'test' FROM events WHERE event_id = 'ev-00007'`,
		`DELETE FROM events WHERE event_id IN ('ev-00100', 'ev-01500')`)
	db.Close()
	kept := append(append(append([]event.Event(nil), evs[:100]...), evs[101:1500]...), evs[1501:]...)

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkRaw(t, st, kept)
	var conflict string
	if err := st.DB().QueryRow(`SELECT raw FROM event_conflicts`).Scan(&conflict); err != nil || conflict != evs[7].Raw {
		t.Errorf("event_conflicts raw: %v", err)
	}
	var v int
	if err := st.DB().QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("schema version %d, %v", v, err)
	}
}

// TestStaleSegmentSetAside: a segment file left by a deleted case is
// renamed, not appended to and not deleted, when a new case is created.
func TestStaleSegmentSetAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "case.duckdb")
	if err := os.WriteFile(SegmentPath(path), []byte(segmentMagic+"old"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs := rawEvents(10)
	appendEvents(t, st, 1, evs...)
	checkRaw(t, st, evs)
	old, _ := filepath.Glob(SegmentPath(path) + ".orphaned-*")
	if len(old) != 1 {
		t.Fatalf("set-aside files: %v", old)
	}
	if b, _ := os.ReadFile(old[0]); string(b) != segmentMagic+"old" {
		t.Errorf("the old segment changed: %q", b)
	}
}

// BenchmarkRawRead reads raw back from blocks: every event's text (a
// keyword rule's scan) and one event's (a report's evidence line).
// go test -run '^$' -bench BenchmarkRawRead -count 10 ./internal/store/
func BenchmarkRawRead(b *testing.B) {
	st, err := Open(context.Background(), filepath.Join(b.TempDir(), "case.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	evs := rawEvents(20_000)
	var size int64
	for _, ev := range evs {
		size += int64(len(ev.Raw))
	}
	appendEvents(b, st, 1, evs...)
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			var n int64
			if err := st.DB().QueryRow(`SELECT sum(strlen(raw)) FROM events`).Scan(&n); err != nil || n != size {
				b.Fatalf("%d bytes, %v; want %d", n, err, size)
			}
		}
	})
	b.Run("one", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			var raw string
			if err := st.DB().QueryRow(`SELECT raw FROM events WHERE event_id = ?`, evs[i*7919%len(evs)].EventID).Scan(&raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAppendRefusesShortSegment: with the segment file gone (or another,
// shorter one in its place) a new appender refuses to write: its blocks
// would land where the case says older ones are.
func TestAppendRefusesShortSegment(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.duckdb")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, 1, rawEvents(100)...)
	st.Close()
	if err := os.WriteFile(SegmentPath(path), []byte(segmentMagic), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.NewEventAppender(ctx, 2); !errors.Is(err, ErrDamagedBlock) || !strings.Contains(err.Error(), "case.duckdb.raw") {
		t.Errorf("NewEventAppender = %v; want a refusal naming the segment file", err)
	}
}

// TestVerifyBlocks: every block is read and checked; a changed byte is
// named by block, a missing segment file once; bytes no block covers (a
// rolled-back ingest's blocks, a tail an interrupted one left) are counted,
// and are no damage.
func TestVerifyBlocks(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	appendEvents(t, st, 1, rawEvents(3000)...)
	c, err := st.VerifyBlocks(ctx)
	if err != nil || c.Blocks < 3 || c.Bytes == 0 || len(c.Problems) != 0 || c.Unused != 0 {
		t.Fatalf("intact: %+v, %v", c, err)
	}
	var second, secondLen int64
	if err := st.DB().QueryRow(`SELECT block_id, data_length FROM raw_blocks ORDER BY file_offset LIMIT 1 OFFSET 1`).Scan(&second, &secondLen); err != nil {
		t.Fatal(err)
	}
	// The second block's row made to claim a byte of the first block, then
	// put back.
	shift := func(d int) {
		if _, err := st.DB().Exec(`UPDATE raw_blocks SET file_offset = file_offset + ? WHERE block_id = ?`, d, second); err != nil {
			t.Fatal(err)
		}
	}
	shift(-1)
	if c3, err := st.VerifyBlocks(ctx); err != nil || len(c3.Problems) != 1 || !strings.Contains(c3.Problems[0], "inside the block before it") {
		t.Errorf("overlapping blocks: %+v, %v", c3, err)
	}
	shift(+1)
	// The second block goes, with its events, as a roll-back removes a
	// run's; and an interrupted ingest left bytes at the end.
	for _, q := range []string{`DELETE FROM event_rows WHERE raw_block = ?`, `DELETE FROM raw_blocks WHERE block_id = ?`} {
		if _, err := st.DB().Exec(q, second); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(st.seg.path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("half a block")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if c2, err := st.VerifyBlocks(ctx); err != nil || len(c2.Problems) != 0 || c2.Blocks != c.Blocks-1 || c2.Unused != secondLen+int64(len("half a block")) {
		t.Errorf("a block rolled back and a tail: %+v, %v; want %d unused bytes", c2, err, secondLen+int64(len("half a block")))
	}
	var lastEnd int64
	if err := st.DB().QueryRow(`SELECT max(file_offset + data_length) FROM raw_blocks`).Scan(&lastEnd); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(st.seg.path)
	if err != nil {
		t.Fatal(err)
	}
	b[lastEnd-5] ^= 1 // inside the last block
	if err := os.WriteFile(st.seg.path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := st.VerifyBlocks(ctx); err != nil || len(c.Problems) != 1 || !strings.Contains(c.Problems[0], "SHA-256") {
		t.Errorf("one changed byte: %+v, %v", c, err)
	}
	os.Remove(st.seg.path)
	if c, err := st.VerifyBlocks(ctx); err != nil || len(c.Problems) != 1 || !strings.Contains(c.Problems[0], "not there") {
		t.Errorf("no segment file: %+v, %v", c, err)
	}
}
