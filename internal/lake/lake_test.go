package lake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
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

// A caller that gives up while the query runs stops it, so it does not go
// on scanning and billing.
func TestQueryCancelled(t *testing.T) {
	for _, via := range []string{"Run", "Collect"} {
		t.Run(via, func(t *testing.T) {
			fake := remotetest.New(t)
			ctx, cancel := context.WithCancel(t.Context())
			fake.Handler = func(sql string) ([]string, [][]*string, error) { return []string{"n"}, nil, nil }
			fake.OnPoll = cancel // the caller gives up while the query runs
			var err error
			out := t.TempDir()
			if via == "Run" {
				_, err = client(t, fake).Run(ctx, "SELECT count(*) FROM EXAMPLEf852")
			} else {
				_, err = Collect(ctx, client(t, fake), CollectOptions{SQL: "SELECT count(*) FROM EXAMPLEf852", Out: out})
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if fake.Calls("CancelQuery") != 1 || fake.Calls("GetQueryResults") != 0 {
				t.Errorf("CancelQuery calls %d (want 1), GetQueryResults calls %d (want 0)", fake.Calls("CancelQuery"), fake.Calls("GetQueryResults"))
			}
		})
	}
}

// API errors keep their chain through the client's wording: errors.As
// finds the service's error, and the text is its code and message.
func TestAPIErrChain(t *testing.T) {
	fake := remotetest.New(t)
	fake.Throttle["StartQuery"] = 100 // more than the SDK retries
	_, err := client(t, fake).Run(t.Context(), "SELECT 1")
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || !strings.HasPrefix(err.Error(), "StartQuery: ThrottlingException: Rate exceeded") {
		t.Errorf("error %v", err)
	}
}
