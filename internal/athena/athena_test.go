package athena

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/remote"
	"github.com/trailsleuth/trailsleuth/internal/remote/remotetest"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func client(t *testing.T, fake *remotetest.Server) *Client {
	cfg, opts := fake.Config(t)
	return &Client{API: awsconf.Athena(cfg, opts), Database: "cloudtrail", Workgroup: "primary", Poll: time.Millisecond, MaxPoll: time.Millisecond}
}

func TestRunPagesAndStats(t *testing.T) {
	fake := remotetest.New(t)
	fake.PageSize = 3
	var rows [][]*string
	for i := range 7 {
		rows = append(rows, []*string{remotetest.S(fmt.Sprintf("id-%d", i)), remotetest.S("2025-03-11T02:13:47.000Z")})
	}
	rows[4][1] = nil // a NULL
	fake.Handler = func(sql string) ([]string, [][]*string, error) {
		return []string{"event_id", "event_time"}, rows, nil
	}
	// One throttled StartQueryExecution and one throttled page are retried.
	fake.Throttle["StartQueryExecution"] = 1
	fake.Throttle["GetQueryResults"] = 1
	c := client(t, fake)
	res, err := c.Run(t.Context(), "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Columns, ",") != "event_id,event_time" {
		t.Errorf("columns %v", res.Columns)
	}
	if len(res.Rows) != 7 {
		t.Fatalf("%d rows, want 7 (header row removed once)", len(res.Rows))
	}
	for i, r := range res.Rows {
		if *r[0] != fmt.Sprintf("id-%d", i) {
			t.Errorf("row %d: %s", i, *r[0])
		}
	}
	if res.Rows[4][1] != nil || res.Rows[3][1] == nil {
		t.Errorf("NULL not kept: %v %v", res.Rows[4][1], res.Rows[3][1])
	}
	if want := int64(1<<20 + 7*4096); res.Stats.BytesScanned != want {
		t.Errorf("scanned %d, want %d", res.Stats.BytesScanned, want)
	}
	if res.Stats.BytesBilled != 10<<20 || fmt.Sprintf("%.8f", res.Stats.CostUSD) != fmt.Sprintf("%.8f", 5.0*10/(1<<20)) {
		t.Errorf("billed %d, cost %f", res.Stats.BytesBilled, res.Stats.CostUSD)
	}
	// Pages of 3 with the header on the first: 2+3+2 rows, one retry.
	if got := fake.Calls("GetQueryResults"); got != 4 {
		t.Errorf("GetQueryResults calls %d, want 4", got)
	}
	if got := fake.Calls("StartQueryExecution"); got != 2 {
		t.Errorf("StartQueryExecution calls %d, want 2", got)
	}
	// QUEUED, RUNNING, SUCCEEDED.
	if got := fake.Calls("GetQueryExecution"); got != 3 {
		t.Errorf("GetQueryExecution calls %d, want 3", got)
	}
	if res.QueryID == "" || fake.Statements()[0] != "SELECT 1" {
		t.Errorf("query id %q, statements %q", res.QueryID, fake.Statements())
	}
}

func TestRunFailed(t *testing.T) {
	fake := remotetest.New(t)
	fake.Handler = func(sql string) ([]string, [][]*string, error) {
		return nil, nil, errors.New("COLUMN_NOT_FOUND: line 1:8: Column 'nosuch' cannot be resolved")
	}
	_, err := client(t, fake).Run(t.Context(), "SELECT nosuch FROM cloudtrail_logs")
	var qe *QueryError
	if !errors.As(err, &qe) || qe.State != "FAILED" || !strings.Contains(qe.Reason, "COLUMN_NOT_FOUND") {
		t.Fatalf("error %v", err)
	}
	if fake.Calls("GetQueryResults") != 0 {
		t.Error("results read from a failed query")
	}
}

// A caller that gives up while the query runs stops it, so it does not go
// on scanning and billing.
func TestRunCancelled(t *testing.T) {
	fake := remotetest.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	fake.Handler = func(sql string) ([]string, [][]*string, error) { return []string{"n"}, nil, nil }
	fake.OnPoll = cancel // the caller gives up while the query runs
	_, err := client(t, fake).Run(ctx, "SELECT count(*) FROM cloudtrail_logs")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if fake.Calls("StopQueryExecution") != 1 {
		t.Errorf("StopQueryExecution calls %d, want 1", fake.Calls("StopQueryExecution"))
	}
}

func TestBilled(t *testing.T) {
	for _, c := range []struct{ in, want int64 }{
		{0, 10 << 20}, {1, 10 << 20}, {10 << 20, 10 << 20}, {10<<20 + 1, 11 << 20}, {5 << 30, 5 << 30},
	} {
		if got := Billed(c.in); got != c.want {
			t.Errorf("Billed(%d) = %d, want %d", c.in, got, c.want)
		}
	}
	if got := remote.CostOf(1 << 40); got != 5 {
		t.Errorf("1 TB costs %f", got)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", name), []byte(got))
}

func TestDDL(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  DDLOptions
		style remote.Style
	}{
		{"manual.sql", DDLOptions{Bucket: "s3://acme-cloudtrail-logs-493812077610", Accounts: []string{"493812077610"}}, remote.PartitionsNone},
		{"projection.sql", DDLOptions{Bucket: "acme-cloudtrail-logs-493812077610", Projection: true, Accounts: []string{"493812077610"}, Regions: []string{"us-east-1"}, Start: "2025/01/01"}, remote.PartitionsTimestamp},
		{"projection-org.sql", DDLOptions{Bucket: "org-trail", Prefix: "/audit/", Organization: "o-a1b2c3d4e5", Projection: true,
			Accounts: []string{"111122223333", "444455556666"}, Regions: []string{"us-east-1", "eu-west-1"}, Database: "security", Table: "cloudtrail_org"}, remote.PartitionsProjection},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql, style, err := DDL(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if style != c.style {
				t.Errorf("style %s, want %s", style, c.style)
			}
			golden(t, c.name, sql)
		})
	}
	for _, bad := range []DDLOptions{
		{Bucket: "Not_A_Bucket"},
		{Bucket: "b-b-b", Table: "drop table; --"},
		{Bucket: "b-b-b", Accounts: []string{"12345"}},
		{Bucket: "b-b-b", Regions: []string{"mars"}},
		{Bucket: "b-b-b", Organization: "org"},
		{Bucket: "b-b-b", Projection: true, Regions: []string{"us-east-1", "eu-west-1"}},
		{Bucket: "b-b-b", Projection: true, Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}, Start: "yesterday"},
	} {
		if _, _, err := DDL(bad); err == nil {
			t.Errorf("DDL(%+v): no error", bad)
		}
	}
}
