package acquire

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ctClient is the real SDK client pointed at a fake, with retries that do
// not wait (the retry decisions are the SDK's own).
func ctClient(t *testing.T, url string) *cloudtrail.Client {
	t.Helper()
	opts := awsconf.Options{EndpointURL: url, Region: "us-east-1"}
	cfg, err := awsconf.Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	return awsconf.CloudTrail(cfg, opts)
}

type countingWaiter struct{ n atomic.Int64 }

func (w *countingWaiter) Wait(context.Context) error { w.n.Add(1); return nil }

func TestCollectLookupEvents(t *testing.T) {
	page1, page2 := fixture(t, "lookup-events/page1.json"), fixture(t, "lookup-events/page2.json")
	var p1 struct {
		Events    []struct{ CloudTrailEvent string }
		NextToken string
	}
	if err := json.Unmarshal([]byte(page1), &p1); err != nil {
		t.Fatal(err)
	}
	var throttled atomic.Int64
	api, url := testenv.CloudTrailServer(t, map[string]testenv.CloudTrailHandler{
		// The second page is throttled once, then served.
		"LookupEvents": func(n int, req map[string]any) (int, string) {
			if req["StartTime"] == nil || req["EndTime"] == nil {
				t.Errorf("request %d without the window: %v", n, req)
			}
			switch req["NextToken"] {
			case nil:
				return http.StatusOK, page1
			case p1.NextToken:
				if throttled.Add(1) == 1 {
					return testenv.CloudTrailError("ThrottlingException", "Rate exceeded")
				}
				return http.StatusOK, page2
			}
			t.Errorf("request %d: NextToken %v", n, req["NextToken"])
			return testenv.CloudTrailError("InvalidNextTokenException", "bad token")
		},
	})
	denied, deniedURL := testenv.CloudTrailServer(t, map[string]testenv.CloudTrailHandler{
		"LookupEvents": func(int, map[string]any) (int, string) {
			return testenv.CloudTrailError("AccessDeniedException", "User is not authorized to perform: cloudtrail:LookupEvents")
		},
	})
	clients := map[string]*cloudtrail.Client{"us-east-1": ctClient(t, url), "eu-west-1": ctClient(t, deniedURL)}
	attr, err := ParseLookupAttribute("accesskeyid=AKIAHF6L6KQVHSPLEFOS")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	waiters := map[string]*countingWaiter{"us-east-1": {}, "eu-west-1": {}}
	now := time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)
	res, err := CollectLookupEvents(context.Background(), LookupOptions{
		Regions: []string{"us-east-1", "eu-west-1"}, Attribute: attr,
		Client:  func(r string) LookupClient { return clients[r] },
		Limiter: func(r string) Waiter { return waiters[r] },
		Since:   now.Add(-72 * time.Hour), Until: now, Out: out, Now: func() time.Time { return now },
	})
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "eu-west-1: LookupEvents in eu-west-1: AccessDeniedException") {
		t.Fatalf("err = %v", err)
	}
	if throttled.Load() != 2 || len(denied.Calls()) != 1 {
		t.Errorf("second page asked %d times (want 2: throttled, retried); denied region %d calls", throttled.Load(), len(denied.Calls()))
	}
	if waiters["us-east-1"].n.Load() != 2 {
		t.Errorf("limiter waited %d times, want once per page (2)", waiters["us-east-1"].n.Load())
	}
	if c := api.Calls()[0].Req["LookupAttributes"]; c == nil || !strings.Contains(func() string { b, _ := json.Marshal(c); return string(b) }(), `{"AttributeKey":"AccessKeyId","AttributeValue":"AKIAHF6L6KQVHSPLEFOS"}`) {
		t.Errorf("LookupAttributes sent: %v", c)
	}
	us := res[0]
	if us.Region != "us-east-1" || us.Events != 12 || us.Requests != 2 || us.Error != "" || us.Path != "lookup-events/us-east-1/20250312T090000Z.jsonl" {
		t.Errorf("us-east-1: %+v", us)
	}
	b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(us.Path)))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 12 || lines[0] != p1.Events[0].CloudTrailEvent {
		t.Errorf("%d lines; first %.200s", len(lines), lines[0])
	}
	m, err := ReadManifest(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	e := m[us.Path]
	if e.Source != SourceLookupEvents || e.Status != StatusOK || e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(b)) ||
		e.Query == nil || e.Query.Region != "us-east-1" || e.Query.Attributes[0] != "AccessKeyId=AKIAHF6L6KQVHSPLEFOS" || e.Query.Since != "2025-03-09T09:00:00Z" || e.Query.Records != 12 {
		t.Errorf("manifest entry: %+v %+v", e, e.Query)
	}
	eu := m[res[1].Path]
	if eu.Status != StatusFailed || !strings.HasSuffix(eu.Path, ".incomplete.jsonl") || !strings.Contains(eu.Error, "AccessDenied") {
		t.Errorf("denied region entry: %+v", eu)
	}
}

func TestParseLookupAttribute(t *testing.T) {
	for _, tc := range []struct{ in, key, err string }{
		{"EventName=ConsoleLogin", "EventName", ""},
		{"username=alice=x", "Username", ""},
		{"Color=red", "", "want one of EventId, EventName"},
		{"EventName", "", "Key=Value"},
		{"EventName=", "", "Key=Value"},
	} {
		a, err := ParseLookupAttribute(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v", tc.in, err)
			}
		case err != nil || string(a.AttributeKey) != tc.key:
			t.Errorf("%q: %v %v", tc.in, a, err)
		}
	}
}

func TestBuildLakeSQL(t *testing.T) {
	sql, err := BuildLakeSQL("arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/EXAMPLE-f852", LakeFilter{
		Since: time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 3, 12, 6, 30, 0, 0, time.UTC),
		EventNames: []string{"ConsoleLogin", "x') OR 1=1 --"}, Principals: []string{"O'Brien"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := " FROM EXAMPLE-f852 WHERE eventTime >= '2025-03-11 00:00:00' AND eventTime < '2025-03-12 06:30:00'" +
		" AND eventName IN ('ConsoleLogin', 'x'') OR 1=1 --')" +
		" AND (userIdentity.arn IN ('O''Brien') OR userIdentity.userName IN ('O''Brien')) ORDER BY eventTime"
	if !strings.HasPrefix(sql, "SELECT eventVersion, eventID, ") || !strings.HasSuffix(sql, want) {
		t.Errorf("sql:\n%s\nwant suffix:\n%s", sql, want)
	}
	for _, bad := range []string{"arn:aws:cloudtrail:us-east-1:1:trail/x", "eds; DROP", ""} {
		if _, err := BuildLakeSQL(bad, LakeFilter{}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if r := EventDataStoreRegion("arn:aws:cloudtrail:eu-west-1:1:eventdatastore/x"); r != "eu-west-1" {
		t.Errorf("region %q", r)
	}
}

func TestLakeRowJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  []map[string]string
		want string
	}{
		{"dotted aliases", []map[string]string{{"eventname": "GetObject"}, {"useridentity.accesskeyid": "ASIAX"}, {"useridentity.sessioncontext.sessionissuer.arn": "arn:r"}},
			`{"eventName":"GetObject","userIdentity":{"accessKeyId":"ASIAX","sessionContext":{"sessionIssuer":{"arn":"arn:r"}}}}`},
		{"not JSON stays text", []map[string]string{{"eventName": "X"}, {"userIdentity": "{type=IAMUser, arn=a}"}, {"n": "[1"}},
			`{"eventName":"X","n":"[1","userIdentity":"{type=IAMUser, arn=a}"}`},
		{"whole event in one column", []map[string]string{{"eventjson": `{"eventName":"A","eventID":"1","n":1.50}`}},
			`{"eventID":"1","eventName":"A","n":1.50}`},
		{"aggregate row", []map[string]string{{"eventName": "A"}, {"_col1": "42"}}, `{"_col1":"42","eventName":"A"}`},
	} {
		b, err := LakeRowJSON(tc.row)
		if err != nil || string(b) != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, b, err, tc.want)
		}
	}
}
