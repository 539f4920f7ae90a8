package store

import (
	"context"
	"strconv"
	"strings"
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
