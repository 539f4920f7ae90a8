package lake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// fixture reads a collect lake fixture; they live beside acquire's, where
// the CLI's tests read them too.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "acquire", "testdata", "lake", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fixtureClient is the real SDK client pointed at a testenv fake (which
// answers without errors, so nothing is retried), polling every millisecond.
func fixtureClient(t *testing.T, url string) *Client {
	t.Helper()
	opts := awsconf.Options{EndpointURL: url, Region: "us-east-1"}
	cfg, err := awsconf.Load(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{API: awsconf.CloudTrail(cfg, opts), Poll: time.Millisecond, MaxPoll: time.Millisecond}
}

func TestCollect(t *testing.T) {
	const eds = "arn:aws:cloudtrail:eu-west-1:493812077610:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
	cases := []struct {
		name     string
		describe []string // fixtures answered in turn
		wantErr  error
		wantRows int64
	}{
		{"finished", []string{"describe-queued.json", "describe-running.json", "describe-finished.json"}, nil, 4},
		{"failed", []string{"describe-queued.json", "describe-failed.json"}, ErrQueryFailed, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api, url := testenv.CloudTrailServer(t, map[string]testenv.CloudTrailHandler{
				"StartQuery": func(_ int, req map[string]any) (int, string) {
					if !strings.Contains(req["QueryStatement"].(string), "FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE") {
						t.Errorf("StartQuery: %v", req)
					}
					return http.StatusOK, fixture(t, "start-query.json")
				},
				"DescribeQuery": func(n int, req map[string]any) (int, string) {
					if req["QueryId"] != "8b1b6b6e-2ef5-4d1c-a2f6-0e5f4f6f1f2a" {
						t.Errorf("DescribeQuery: %v", req)
					}
					return http.StatusOK, fixture(t, tc.describe[min(n, len(tc.describe))-1])
				},
				// Answers follow the request, as the service's do, so an
				// SDK retry gets the same page again.
				"GetQueryResults": func(n int, req map[string]any) (int, string) {
					switch req["NextToken"] {
					case nil:
						return http.StatusOK, fixture(t, "results-page1.json")
					case "20add42078135EXAMPLE":
						return http.StatusOK, fixture(t, "results-page2.json")
					}
					t.Errorf("GetQueryResults %d: %v", n, req)
					return testenv.CloudTrailError("InvalidNextTokenException", "bad token")
				},
			})
			sql, err := acquire.BuildLakeSQL(eds, acquire.LakeFilter{Since: time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC), Regions: []string{"eu-west-1"}})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			cl := fixtureClient(t, url)
			var seen []Progress
			cl.Watch = func(p Progress) { seen = append(seen, p) }
			res, err := Collect(context.Background(), cl, CollectOptions{
				EventDataStore: eds, SQL: sql, Out: out,
				Now: func() time.Time { return time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC) },
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			describes := 0
			for _, c := range api.Calls() {
				if c.Op == "DescribeQuery" {
					describes++
				}
			}
			if describes != len(tc.describe) || res.Rows != tc.wantRows || res.QueryID != "8b1b6b6e-2ef5-4d1c-a2f6-0e5f4f6f1f2a" {
				t.Errorf("%d polls, result %+v", describes, res)
			}
			if len(seen) < len(tc.describe) || seen[0].Status != "QUEUED" || seen[len(seen)-1].Rows != tc.wantRows {
				t.Errorf("progress seen: %+v", seen)
			}
			m, merr := acquire.ReadManifest(filepath.Join(out, acquire.ManifestName))
			e := m["lake/20250312T090000Z.jsonl"]
			if merr != nil || e.Query == nil || e.Query.SQL != sql || e.Query.QueryID != res.QueryID || e.Query.EventDataStore != eds {
				t.Fatalf("manifest: %v %+v", merr, m)
			}
			if tc.wantErr != nil {
				if e.Status != acquire.StatusFailed || !strings.Contains(e.Error, "cannot be resolved") || len(api.Calls()) != 3 {
					t.Errorf("failed query: %+v, %d calls", e, len(api.Calls()))
				}
				return
			}
			b, err := os.ReadFile(filepath.Join(out, "lake", "20250312T090000Z.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if e.Status != acquire.StatusOK || e.SHA256 != hex.EncodeToString(sum[:]) || e.Query.Records != 4 || e.Query.Requests != 2 {
				t.Errorf("entry %+v", e)
			}
			lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
			var ev struct {
				EventID, EventName, EventTime, SourceIPAddress string
				UserIdentity                                   struct{ AccessKeyID, UserName string } `json:"userIdentity"`
				RequestParameters                              map[string]any
			}
			if err := json.Unmarshal(lines[0], &ev); err != nil {
				t.Fatal(err)
			}
			if len(lines) != 4 || ev.EventID != "092ded33-711b-4196-aac6-e449a00b5c0b" || ev.SourceIPAddress != "185.220.101.47" ||
				ev.UserIdentity.AccessKeyID != "AKIAHF6L6KQVHSPLEFOS" || ev.UserIdentity.UserName != "ci-deploy" || ev.RequestParameters == nil {
				t.Errorf("%d lines, first %+v\n%s", len(lines), ev, lines[0])
			}
			if !bytes.Contains(lines[0], []byte(`"accessKeyId":"AKIAHF6L6KQVHSPLEFOS"`)) {
				t.Errorf("identity keys not in CloudTrail's case: %s", lines[0])
			}
		})
	}
}
