package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestAuditTrail: every command that touches the case leaves a chained
// entry with its inputs and outputs; an edited entry is caught.
func TestAuditTrail(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	if r := run(t, "--db", db, "-q", "ingest", example); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	rep := filepath.Join(dir, "r.json")
	if r := run(t, "--db", db, "investigate", "--no-hunt", "--format", "json", "--out", rep); r.code != 0 {
		t.Fatalf("investigate: %+v", r)
	}
	if r := run(t, "--db", db, "query", "SELECT count(*) FROM events", "--format", "csv"); r.code != 0 {
		t.Fatalf("query: %+v", r)
	}
	r := run(t, "--db", db, "audit", "--format", "json")
	if r.code != 0 {
		t.Fatalf("audit: %+v", r)
	}
	var entries []struct {
		Seq         int64  `json:"seq"`
		Kind        string `json:"kind"`
		CommandLine string `json:"command_line"`
		Inputs      []struct{ Path, SHA256 string }
		Outputs     []struct{ Path, SHA256 string }
		Hash        string `json:"hash"`
	}
	if err := json.Unmarshal([]byte(r.out), &entries); err != nil {
		t.Fatalf("audit json: %v\n%s", err, r.out)
	}
	kinds := []string{}
	for _, e := range entries {
		name := ""
		for _, c := range []string{"ingest", "investigate", "query"} {
			if strings.Contains(e.CommandLine, " "+c+" ") {
				name = c
			}
		}
		kinds = append(kinds, e.Kind+" "+name)
	}
	want := []string{"write", "write ingest", "read investigate", "read query"}
	if len(kinds) != len(want) {
		t.Fatalf("entries %q, want %d: creation, ingest, investigate, query", kinds, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(kinds[i], want[i]) {
			t.Errorf("entry %d is %q, want %q", i+1, kinds[i], want[i])
		}
	}
	if n := len(entries[1].Inputs); n != 740 {
		t.Errorf("ingest entry lists %d inputs, want the example's 740 files", n)
	}
	rb, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if out := entries[2].Outputs; len(out) != 1 || out[0].Path != rep || out[0].SHA256 != sha256Hex(rb) {
		t.Errorf("investigate outputs %+v, want %s with the report's hash", out, rep)
	}
	// The report is tied to the ingest entry (the last write), not to reads.
	var report struct {
		Evidence struct {
			CaseState struct {
				AuditSeq  int64  `json:"audit_seq"`
				AuditHash string `json:"audit_hash"`
			} `json:"case_state"`
		} `json:"evidence"`
	}
	json.Unmarshal(rb, &report)
	if cs := report.Evidence.CaseState; cs.AuditSeq != 2 || cs.AuditHash != entries[1].Hash {
		t.Errorf("report case_state %+v, want entry 2 %s", cs, entries[1].Hash)
	}
	if r := run(t, "--db", db, "audit", "verify"); r.code != 0 || !strings.Contains(r.out, "audit log intact") ||
		!regexp.MustCompile(`original events intact: \d+ blocks .* every SHA-256 verified`).MatchString(r.out) {
		t.Fatalf("verify of an intact log: %+v", r)
	}
	// A changed byte in the segment file is named by block.
	seg, err := os.ReadFile(store.SegmentPath(db))
	if err != nil {
		t.Fatal(err)
	}
	damaged := slices.Clone(seg)
	damaged[len(damaged)-10] ^= 0xff
	os.WriteFile(store.SegmentPath(db), damaged, 0o644)
	if r := run(t, "--db", db, "audit", "verify"); r.code != ExitError || !regexp.MustCompile(`original events: block \d+: SHA-256`).MatchString(r.out) {
		t.Errorf("verify of a damaged segment: %+v", r)
	}
	// Bytes an interrupted ingest left after the last block are counted,
	// and are no damage.
	os.WriteFile(store.SegmentPath(db), append(slices.Clone(seg), "left over"...), 0o644)
	if r := run(t, "--db", db, "audit", "verify"); r.code != 0 || !strings.Contains(r.out, "9 B of the segment file belong to no block") {
		t.Errorf("verify with bytes after the last block: %+v", r)
	}
	os.WriteFile(store.SegmentPath(db), seg, 0o644)
	if r := run(t, "--db", db, "query", "--write", "UPDATE audit_log SET command_line = 'trailsleuth ingest /elsewhere' WHERE seq = 2"); r.code != 0 {
		t.Fatalf("tamper: %+v", r)
	}
	r = run(t, "--db", db, "audit", "verify")
	if r.code != ExitError || !strings.Contains(r.out, "entry 2: entry was modified") {
		t.Errorf("verify after an edit: %+v", r)
	}
}

// TestInvestigateReproducible: the same question on the same case gives
// byte-identical JSON but for generated_at, whatever the local time zone.
func TestInvestigateReproducible(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	if r := run(t, "--db", db, "-q", "ingest", example); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	args := []string{"--db", db, "investigate", "--format", "json"}
	first := run(t, args...)
	local := time.Local
	time.Local = time.FixedZone("UTC+9", 9*3600) // output must not follow the local zone
	t.Cleanup(func() { time.Local = local })
	second := run(t, args...)
	if first.code != 0 || second.code != 0 {
		t.Fatalf("investigate: %d %s / %d %s", first.code, first.errOut, second.code, second.errOut)
	}
	gen := regexp.MustCompile(`"generated_at": "[^"]*"`)
	a, b := gen.ReplaceAllString(first.out, ""), gen.ReplaceAllString(second.out, "")
	if a != b {
		al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("reports differ at line %d:\n%s\n%s", i+1, al[i], bl[i])
			}
		}
		t.Fatalf("reports differ in length: %d vs %d lines", len(al), len(bl))
	}
	if first.out == second.out {
		t.Log("generated_at equal too (same second)")
	}
	if strings.Contains(first.out, "+09:00") || strings.Contains(second.out, "+09:00") {
		t.Error("a time was written in the local zone")
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestAuditVerifyNamesWAL: a case copied with the write-ahead log its last
// process left (changes not yet in the file) is whole only with it; audit
// verify says so, and says nothing of the kind without one.
func TestAuditVerifyNamesWAL(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", filepath.Join(testenv.RepoRoot(t), "examples", "incident")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	// A change DuckDB keeps in the write-ahead log until a checkpoint;
	// the files are copied while the case is open, as after a kill.
	if _, err := st.DB().Exec("CREATE TABLE scratch AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	withWAL, without := filepath.Join(t.TempDir(), "case.duckdb"), filepath.Join(t.TempDir(), "case.duckdb")
	// A case is the DuckDB file and its segment file of original events.
	for _, c := range []struct{ from, to string }{{db, withWAL}, {db + ".wal", withWAL + ".wal"}, {db, without},
		{store.SegmentPath(db), store.SegmentPath(withWAL)}, {store.SegmentPath(db), store.SegmentPath(without)}} {
		b, err := os.ReadFile(c.from)
		if err != nil {
			t.Fatalf("the case has no write-ahead log to copy: %v", err)
		}
		if err := os.WriteFile(c.to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	for _, c := range []struct {
		db   string
		warn bool
	}{{withWAL, true}, {without, false}} {
		r := run(t, "--db", c.db, "audit", "verify")
		if r.code != 0 {
			t.Fatalf("audit verify %s: %+v", c.db, r)
		}
		if got := strings.Contains(r.errOut, ".wal is beside the case"); got != c.warn {
			t.Errorf("audit verify %s: warned %v, want %v: %s", c.db, got, c.warn, r.errOut)
		}
	}
}
