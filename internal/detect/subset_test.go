package detect

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

// TestRunOnSubsets: the investigated events are copied with their original
// text only when a rule of the pack reads it (reading it costs a block per
// event), and the hunt over the copy finds what the same rules find over
// the same events in a table of their own, raw included.
func TestRunOnSubsets(t *testing.T) {
	ctx := context.Background()
	builtin, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyword := "title: keyword\nid: 00000000-0000-0000-0000-0000000000aa\nlogsource: {product: aws, service: cloudtrail}\n" +
		"detection:\n  keywords: ['aws-cli']\n  condition: keywords\nlevel: high\n"
	if err := os.WriteFile(filepath.Join(dir, "keyword.yml"), []byte(keyword), 0o644); err != nil {
		t.Fatal(err)
	}
	withKeyword, err := Load(LoadOptions{Builtin: rules.FS, Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	st := caseDB(t, filepath.Join(testenv.RepoRoot(t), "examples", "incident"))
	db := st.DB()
	subsets := []Subset{{Where: "event_source = ?", Args: []any{"iam.amazonaws.com"}}, {Where: "error_code IS NOT NULL"}}
	for _, q := range []string{
		"ATTACH IF NOT EXISTS ':memory:' AS part",
		"CREATE OR REPLACE TABLE part.events AS SELECT * FROM events WHERE event_source = 'iam.amazonaws.com' OR error_code IS NOT NULL",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		pack    *Pack
		withRaw bool
	}{
		{"built-in rules", builtin, false},
		{"a keyword rule too", withKeyword, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RunOnSubsets(ctx, db, tc.pack, subsets, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM duckdb_columns() WHERE database_name = 'scratch' AND table_name = 'hunt_scope' AND column_name = 'raw'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if (n == 1) != tc.withRaw {
				t.Errorf("the copy has raw: %v, want %v", n == 1, tc.withRaw)
			}
			want, err := Run(ctx, db, tc.pack, RunOptions{Table: "part.events"})
			if err != nil {
				t.Fatal(err)
			}
			got.Seconds, want.Seconds = 0, 0
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the hunt over the copy and over the same events differ\n%s", diffResults(got, want))
			}
			if len(got.Hits) == 0 {
				t.Error("no hits, nothing compared")
			}
			if tc.withRaw && !hasRule(got, "00000000-0000-0000-0000-0000000000aa") {
				t.Error("the keyword rule found nothing")
			}
		})
	}
}

func hasRule(res *Result, id string) bool {
	for _, h := range res.Hits {
		if h.RuleID == id {
			return true
		}
	}
	return false
}
