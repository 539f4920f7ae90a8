package lake

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/remote/remotetest"
)

func client(t *testing.T, fake *remotetest.Server) *Client {
	cfg, opts := fake.Config(t)
	return &Client{API: awsconf.CloudTrail(cfg, opts), Poll: time.Millisecond, MaxPoll: time.Millisecond}
}

func TestRunPagesAndStats(t *testing.T) {
	fake := remotetest.New(t)
	fake.PageSize = 2
	var rows [][]*string
	for i := range 5 {
		rows = append(rows, []*string{remotetest.S(fmt.Sprintf("id-%d", i)), remotetest.S("2025-03-11 02:13:47.000")})
	}
	rows[0][1] = nil // Lake leaves NULLs out of the row
	fake.Handler = func(sql string) ([]string, [][]*string, error) {
		return []string{"event_id", "event_time"}, rows, nil
	}
	fake.Throttle["StartQuery"] = 1
	fake.Throttle["DescribeQuery"] = 1
	res, err := client(t, fake).Run(t.Context(), "SELECT eventID FROM EXAMPLEf852-4e8f-8bd1-bcf6cEXAMPLE")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Columns, ",") != "event_id,event_time" || len(res.Rows) != 5 {
		t.Fatalf("columns %v, %d rows", res.Columns, len(res.Rows))
	}
	if res.Rows[0][1] != nil || res.Rows[1][1] == nil || *res.Rows[4][0] != "id-4" {
		t.Errorf("rows %v", res.Rows)
	}
	if want := int64(1<<20 + 5*4096); res.Stats.BytesScanned != want || res.Stats.BytesBilled != want {
		t.Errorf("stats %+v, want %d scanned and billed (no minimum)", res.Stats, want)
	}
	if got := fake.Calls("GetQueryResults"); got != 3 {
		t.Errorf("GetQueryResults calls %d, want 3 pages", got)
	}
	if got := fake.Calls("DescribeQuery"); got != 4 { // one throttled, QUEUED, RUNNING, FINISHED
		t.Errorf("DescribeQuery calls %d, want 4", got)
	}
}

func TestRunFailed(t *testing.T) {
	fake := remotetest.New(t)
	fake.Handler = func(sql string) ([]string, [][]*string, error) {
		return nil, nil, errors.New("Query syntax error: line 1:8 mismatched input")
	}
	_, err := client(t, fake).Run(t.Context(), "SELEC")
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Status != "FAILED" || !strings.Contains(qe.Message, "syntax error") {
		t.Fatalf("error %v", err)
	}
}

func TestStoreID(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE": "EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE",
		"EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE": "EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE",
	} {
		if got := StoreID(in); got != want {
			t.Errorf("StoreID(%s) = %s", in, got)
		}
	}
}
