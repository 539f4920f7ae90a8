package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/evidence/evidencetest"
)

// TestIngestValidates: ingesting a folder with digests and public keys
// records each source's validation, and the report's evidence says it.
func TestIngestValidates(t *testing.T) {
	dir := t.TempDir()
	tr := evidencetest.New(t, dir)
	c := tr.AddChain(evidencetest.ChainOptions{Digests: 3})
	// A log altered after delivery: same events shape, different bytes.
	bad := c.Logs[1][0]
	body := evidencetest.Gunzip(t, tr.Body(bad))
	tr.Replace(bad, evidencetest.Gzip([]byte(strings.Replace(string(body), `"eventVersion"`, ` "eventVersion"`, 1))))

	db := filepath.Join(t.TempDir(), "case.duckdb")
	r := run(t, "--db", db, "ingest", dir)
	if r.code != 0 || !strings.Contains(r.errOut, "INVALID") || !strings.Contains(r.errOut, "5 of 6 log files validated") {
		t.Fatalf("ingest: %+v", r)
	}
	r = run(t, "--db", db, "query", "--format", "json", "SELECT validation, count(*) AS n FROM sources WHERE status = 'ingested' GROUP BY ALL ORDER BY 1")
	var rows []struct {
		Validation string `json:"validation"`
		N          int    `json:"n"`
	}
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
		t.Fatalf("%v: %s", err, r.out)
	}
	if len(rows) != 2 || rows[0].Validation != "hash_mismatch" || rows[0].N != 1 || rows[1].Validation != "valid" || rows[1].N != 5 {
		t.Errorf("validation per source: %+v", rows)
	}
	r = run(t, "--db", db, "investigate", "--no-hunt", "--format", "json")
	var rep struct {
		Evidence struct {
			Integrity struct {
				Validated, Failed, Unchecked int
				Summary                      string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("investigate: %v\n%s", err, r.errOut)
	}
	in := rep.Evidence.Integrity
	if in.Validated != 5 || in.Failed != 1 || in.Unchecked != 0 || !strings.Contains(in.Summary, "FAILED") {
		t.Errorf("integrity %+v", in)
	}

	// Without keys, nothing is marked and the user is told why.
	db2 := filepath.Join(t.TempDir(), "case.duckdb")
	r = run(t, "--db", db2, "ingest", "--public-keys", filepath.Join(dir, "missing.json"), dir)
	if r.code != 0 || !strings.Contains(r.errOut, "not validated") {
		t.Errorf("ingest without keys: %+v", r)
	}
}
