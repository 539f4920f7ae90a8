package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestAuditChain: entries chain; any edit or deletion inside the chain is
// reported at the entry where it shows.
func TestAuditChain(t *testing.T) {
	tests := []struct {
		name   string
		tamper string // SQL run on the case after four appends
		want   []string
	}{
		{"intact", "", nil},
		{"edited command line", `UPDATE audit_log SET command_line = 'trailsleuth ingest elsewhere' WHERE seq = 3`, []string{"3: entry was modified"}},
		{"edited input hash", `UPDATE audit_log SET inputs = replace(inputs, 'aa', 'bb') WHERE seq = 2`, []string{"2: entry was modified"}},
		{"edited time", `UPDATE audit_log SET at_time = at_time + INTERVAL 1 SECOND WHERE seq = 4`, []string{"4: entry was modified"}},
		{"deleted entry", `DELETE FROM audit_log WHERE seq = 3`, []string{"4: entries 3 to 3 are missing", "4: previous-entry hash"}},
		{"rehashed edit", `UPDATE audit_log SET note = 'x', hash = 'ff' WHERE seq = 2`, []string{"2: entry was modified", "3: previous-entry hash"}},
		// audit_log has no key since version 8: a copied row must show.
		{"repeated entry", `INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = 3`, []string{"3: entry 3 appears again", "3: previous-entry hash"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := openTemp(t)
			for i, e := range []AuditEntry{
				{Kind: AuditWrite, ToolVersion: "test", CommandLine: "trailsleuth ingest logs/", Inputs: []AuditFile{{"logs/a.json.gz", strings.Repeat("aa", 32)}}},
				{Kind: AuditRead, ToolVersion: "test", CommandLine: "trailsleuth investigate", Outputs: []AuditFile{{"r.json", strings.Repeat("cd", 32)}}},
				{Kind: AuditRead, ToolVersion: "test", CommandLine: "trailsleuth hunt"},
			} {
				got, err := st.AppendAudit(ctx, e)
				if err != nil {
					t.Fatal(err)
				}
				if got.Seq != int64(i+2) || got.PrevHash == "" || len(got.Hash) != 64 {
					t.Fatalf("appended %+v", got)
				}
			}
			if tt.tamper != "" {
				if _, err := st.DB().ExecContext(ctx, tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			n, probs, err := st.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range probs {
				got = append(got, itoa(p.Seq)+": "+p.Problem)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d entries, problems %q, want %q", n, got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestCaseState: reads do not move the case state; writes do.
func TestCaseState(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	seq0, h0, err := st.CaseState(ctx)
	if err != nil || seq0 != 1 || h0 == "" {
		t.Fatalf("initial state %d %q %v (the creation entry)", seq0, h0, err)
	}
	st.AppendAudit(ctx, AuditEntry{Kind: AuditRead, CommandLine: "hunt"})
	if seq, h, _ := st.CaseState(ctx); seq != seq0 || h != h0 {
		t.Errorf("a read moved the case state to %d", seq)
	}
	w, _ := st.AppendAudit(ctx, AuditEntry{Kind: AuditWrite, CommandLine: "ingest"})
	if seq, h, _ := st.CaseState(ctx); seq != w.Seq || h != w.Hash {
		t.Errorf("case state %d after a write, want %d", seq, w.Seq)
	}
}

// TestAuditFirstEntryTime: the entry that starts a new case's log has its
// time, as every later one (it was written as 0001-01-01).
func TestAuditFirstEntryTime(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	entries, err := st.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("a new case has no audit entry")
	}
	if first := entries[0]; first.Time.Year() < 2000 {
		t.Errorf("first entry (%s) at %s, want the time it was written", first.Note, first.Time)
	}
}

// TestAuditConcurrentAppends: appends from many goroutines on one store
// give one unbroken chain. audit_log has no key (schema_v8.sql), so two
// transactions that read the same last entry would both write the next
// number; AppendAudit takes them one at a time.
func TestAuditConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				if _, err := st.AppendAudit(ctx, AuditEntry{Kind: AuditRead, CommandLine: fmt.Sprintf("hunt %d.%d", g, i)}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, probs, err := st.VerifyAudit(ctx)
	if err != nil || len(probs) > 0 || n != 41 {
		t.Errorf("%d entries (want 41), %d problems (first: %v), %v", n, len(probs), probs[:min(len(probs), 2)], err)
	}
}

// TestMigrateV8AuditWithoutKey: a version 7 case, whose audit_log is keyed
// on seq, is read as it is by a read-only open (the file unchanged), and a
// write open rebuilds audit_log without the key, every entry and the chain
// kept.
func TestMigrateV8AuditWithoutKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "case.duckdb")
	caseAtVersion(t, path, 7)
	st, err := open(ctx, path, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []AuditEntry{
		{Kind: AuditWrite, CommandLine: "trailsleuth ingest AWSLogs", Inputs: bigInputs(500)},
		{Kind: AuditRead, CommandLine: "trailsleuth hunt"},
	} {
		if _, err := st.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	before, err := st.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The last entries stay in the write-ahead log, as a read command
	// leaves its entry: reading must not fold them into the file.
	st.SkipCheckpointOnClose(ctx)
	st.Close()
	keys := func(st *Store) int {
		var n int
		if err := st.DB().QueryRow(`SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'audit_log' AND constraint_type = 'PRIMARY KEY'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	files := snapshot(t, dir)
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(ro.Notes(), "; "); !strings.Contains(notes, "version 7: read as it is") {
		t.Errorf("read-only open of a version 7 case: notes %q", notes)
	}
	if got, err := ro.Audit(ctx); err != nil || len(got) != len(before) {
		t.Errorf("read-only: %d entries, want %d (%v)", len(got), len(before), err)
	}
	ro.Close()
	if _, err := (Options{}).OpenCurrent(ctx, path); !errors.Is(err, ErrOldSchema) {
		t.Errorf("OpenCurrent of a version 7 case: %v, want ErrOldSchema", err)
	}
	if _, err := os.Stat(path + ".wal"); err != nil {
		t.Errorf("the version 7 case has no write-ahead log to keep: %v", err)
	}
	if !sameSnapshot(files, snapshot(t, dir)) {
		t.Error("a read-only open, or a refused OpenCurrent, changed the version 7 case")
	}

	rw, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if n := keys(rw); n != 0 {
		t.Errorf("audit_log keeps %d primary key after migration", n)
	}
	after, err := rw.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d entries after migration, want %d", len(after), len(before))
	}
	for i := range before {
		if after[i].Hash != before[i].Hash || len(after[i].Inputs) != len(before[i].Inputs) {
			t.Errorf("entry %d changed by the migration", before[i].Seq)
		}
	}
	if _, err := rw.AppendAudit(ctx, AuditEntry{Kind: AuditRead, CommandLine: "trailsleuth query"}); err != nil {
		t.Fatal(err)
	}
	if n, probs, err := rw.VerifyAudit(ctx); err != nil || len(probs) > 0 || n != len(before)+1 {
		t.Errorf("after migration: %d entries, problems %v, %v", n, probs, err)
	}
}

// bigInputs is an ingest's input list of n files, as its audit entry
// records them (12 MB for the 48,384 files of the 5 M bench corpus).
func bigInputs(n int) []AuditFile {
	fs := make([]AuditFile, n)
	for i := range fs {
		fs[i] = AuditFile{fmt.Sprintf("AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/%02d/123456789012_CloudTrail_us-east-1_20260101T0000Z_%016x.json.gz", i%28+1, i*7919),
			fmt.Sprintf("%064x", i*104729)}
	}
	return fs
}

// caseAtVersion makes a case at path as a build with schema version v
// (7 or later) wrote it: the migrations up to v, in the storage format a
// new case gets.
func caseAtVersion(tb testing.TB, path string, v int) {
	tb.Helper()
	ctx := context.Background()
	s, err := open(ctx, path+"?storage_compatibility_version="+storageVersion, path, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if err := s.migrateTo(ctx, 0, v, true); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAuditAppend: what a read command pays to record itself (open
// the case for writing, append, close) after one ingest of 48,384 files,
// in a case of schema 7 (audit_log keyed on seq) and of the current one.
// The key made DuckDB read the ingest entry's 12 MB back at every commit.
func BenchmarkAuditAppend(b *testing.B) {
	ctx := context.Background()
	for _, v := range []int{7, SchemaVersion} {
		b.Run(fmt.Sprintf("schema%d", v), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "case.duckdb")
			caseAtVersion(b, path, v)
			s, err := open(ctx, path, path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.AppendAudit(ctx, AuditEntry{Kind: AuditWrite, CommandLine: "trailsleuth ingest AWSLogs", Inputs: bigInputs(48384)}); err != nil {
				b.Fatal(err)
			}
			s.Close()
			b.ResetTimer()
			for b.Loop() {
				s, err := open(ctx, path, path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				s.SkipCheckpointOnClose(ctx)
				if _, err := s.AppendAudit(ctx, AuditEntry{Kind: AuditRead, CommandLine: "trailsleuth query"}); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}
