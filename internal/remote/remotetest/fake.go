// Package remotetest is a fake of the Athena and CloudTrail Lake query APIs
// for tests: an httptest server speaking their JSON protocols (awsJson1.1,
// X-Amz-Target AmazonAthena.* and CloudTrail_20131101.*) with responses
// shaped like the AWS API reference examples, so the real SDK clients run
// against it. It executes no SQL: a test-supplied Handler answers each
// statement, usually from real CloudTrail events.
package remotetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/trailsleuth/trailsleuth/internal/awsconf"
)

// Handler answers one SQL statement: column names and rows (nil = NULL),
// or an error, which fails the query with it as the reason.
type Handler func(sql string) (cols []string, rows [][]*string, err error)

// Server is the fake. Its exported knobs may be set before the first call.
type Server struct {
	URL     string
	Handler Handler
	// PageSize bounds rows per GetQueryResults page (default 50), so paging
	// is exercised; Athena's header row counts on the first page.
	PageSize int
	// BytesPerRow is the DataScannedInBytes / BytesScanned reported per
	// result row, plus 1 MiB per query.
	BytesPerRow int64
	// Throttle answers the next N calls of an operation ("StartQueryExecution",
	// "GetQueryResults", "StartQuery", …) with ThrottlingException.
	Throttle map[string]int
	// OnPoll, if set, runs at each GetQueryExecution / DescribeQuery (for
	// tests of a caller giving up while a query runs).
	OnPoll func()

	mu         sync.Mutex
	queries    map[string]*query
	statements []string
	calls      map[string]int
	next       int
}

type query struct {
	sql    string
	cols   []string
	rows   [][]*string
	err    error
	polls  int
	submit time.Time
}

// New starts a fake on loopback and points the AWS SDK's environment at
// fake credentials, so nothing is read from the machine's configuration.
func New(t testing.TB) *Server {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE", "AWS_SECRET_ACCESS_KEY": "fake", "AWS_SESSION_TOKEN": "",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_PROFILE": "", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
	s := &Server{PageSize: 50, BytesPerRow: 4096, Throttle: map[string]int{}, queries: map[string]*query{}, calls: map[string]int{}}
	ts := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// Config is SDK configuration for the fake, through awsconf like the CLI,
// with a retryer that does not sleep between attempts.
func (s *Server) Config(t testing.TB) (aws.Config, awsconf.Options) {
	t.Helper()
	opts := awsconf.Options{Region: "us-east-1", EndpointURL: s.URL}
	cfg, err := awsconf.Load(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	return cfg, opts
}

// Statements returns the SQL received, in order.
func (s *Server) Statements() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.statements...)
}

// Calls returns how many requests an operation received (throttled ones too).
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	service, op, _ := strings.Cut(target, ".")
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		writeErr(w, http.StatusBadRequest, "SerializationException", "bad request")
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		writeErr(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	if s.Throttle[op] > 0 {
		s.Throttle[op]--
		writeErr(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
		return
	}
	switch service {
	case "AmazonAthena":
		s.athena(w, op, in)
	case "CloudTrail_20131101":
		s.lake(w, op, in)
	default:
		writeErr(w, http.StatusBadRequest, "UnknownOperationException", "unknown target "+target)
	}
}

func writeErr(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg}) //nolint:errcheck // test server
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v) //nolint:errcheck // test server
}

// start records a statement and answers it at once through the handler.
func (s *Server) start(sql string) string {
	s.next++
	id := fmt.Sprintf("a1b2c3d4-5678-90ab-cdef-%012d", s.next)
	q := &query{sql: sql, submit: time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)}
	if s.Handler == nil {
		q.err = fmt.Errorf("no handler")
	} else {
		q.cols, q.rows, q.err = s.Handler(sql)
	}
	s.queries[id] = q
	s.statements = append(s.statements, sql)
	return id
}

func (s *Server) lookup(w http.ResponseWriter, in map[string]any, key string) *query {
	id, _ := in[key].(string)
	q := s.queries[id]
	if q == nil {
		writeErr(w, http.StatusBadRequest, "InvalidRequestException", "QueryExecution "+id+" was not found")
	}
	return q
}

// state walks QUEUED → RUNNING → done on successive polls.
func (q *query) state(done, failed string) string {
	q.polls++
	switch {
	case q.polls == 1:
		return "QUEUED"
	case q.polls == 2:
		return "RUNNING"
	case q.err != nil:
		return failed
	}
	return done
}

func (s *Server) scanned(q *query) int64 { return 1<<20 + int64(len(q.rows))*s.BytesPerRow }

// page returns rows [from, from+n) and the token for the rest.
func page(q *query, token string, n int) (rows [][]*string, from int, next string, ok bool) {
	if token != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(token, "page-"))
		if err != nil || !strings.HasPrefix(token, "page-") || v > len(q.rows) {
			return nil, 0, "", false
		}
		from = v
	}
	end := min(from+n, len(q.rows))
	if end < len(q.rows) {
		next = "page-" + strconv.Itoa(end)
	}
	return q.rows[from:end], from, next, true
}

func (s *Server) athena(w http.ResponseWriter, op string, in map[string]any) {
	switch op {
	case "StartQueryExecution":
		sql, _ := in["QueryString"].(string)
		writeJSON(w, map[string]any{"QueryExecutionId": s.start(sql)})
	case "GetQueryExecution":
		if s.OnPoll != nil {
			s.OnPoll()
		}
		if q := s.lookup(w, in, "QueryExecutionId"); q != nil {
			writeJSON(w, map[string]any{"QueryExecution": s.athenaExecution(q, in["QueryExecutionId"].(string))})
		}
	case "GetQueryResults":
		s.athenaResults(w, in)
	case "StopQueryExecution":
		writeJSON(w, map[string]any{})
	default:
		writeErr(w, http.StatusBadRequest, "UnknownOperationException", "AmazonAthena."+op+" is not faked")
	}
}

// athenaExecution is GetQueryExecution's answer, one poll further on.
func (s *Server) athenaExecution(q *query, id string) map[string]any {
	state := q.state("SUCCEEDED", "FAILED")
	status := map[string]any{"State": state, "SubmissionDateTime": float64(q.submit.Unix())}
	stats := map[string]any{"EngineExecutionTimeInMillis": 0, "TotalExecutionTimeInMillis": 0, "QueryQueueTimeInMillis": 0}
	switch state {
	case "SUCCEEDED":
		status["CompletionDateTime"] = float64(q.submit.Unix() + 3)
		stats = map[string]any{"EngineExecutionTimeInMillis": 1250, "DataScannedInBytes": s.scanned(q),
			"TotalExecutionTimeInMillis": 1410, "QueryQueueTimeInMillis": 95, "ServiceProcessingTimeInMillis": 65}
	case "FAILED":
		status["CompletionDateTime"] = float64(q.submit.Unix() + 1)
		status["StateChangeReason"] = q.err.Error()
		status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1100, "Retryable": false, "ErrorMessage": q.err.Error()}
	}
	return map[string]any{
		"QueryExecutionId": id, "Query": q.sql, "StatementType": "DML",
		"ResultConfiguration":   map[string]any{"OutputLocation": "s3://athena-results-fake/" + id + ".csv"},
		"QueryExecutionContext": map[string]any{"Database": "cloudtrail", "Catalog": "awsdatacatalog"},
		"Status":                status, "Statistics": stats, "WorkGroup": "primary",
		"EngineVersion": map[string]any{"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
	}
}

// athenaResults answers GetQueryResults: a page of rows, the first one led
// by the header row, with the column metadata.
func (s *Server) athenaResults(w http.ResponseWriter, in map[string]any) {
	q := s.lookup(w, in, "QueryExecutionId")
	if q == nil {
		return
	}
	if q.err != nil || q.polls < 3 {
		writeErr(w, http.StatusBadRequest, "InvalidRequestException", "Query has not yet finished. Current state: RUNNING")
		return
	}
	n := s.PageSize
	if m, ok := in["MaxResults"].(float64); ok && int(m) < n {
		n = int(m)
	}
	token, _ := in["NextToken"].(string)
	first := token == ""
	if first {
		n-- // the header row takes a place on the first page
	}
	rows, _, next, ok := page(q, token, n)
	if !ok {
		writeErr(w, http.StatusBadRequest, "InvalidRequestException", "invalid NextToken")
		return
	}
	info, header := athenaColumns(q.cols)
	var out []any
	if first {
		out = append(out, map[string]any{"Data": header})
	}
	for _, r := range rows {
		d := make([]any, len(r))
		for i, v := range r {
			d[i] = athenaDatum(v)
		}
		out = append(out, map[string]any{"Data": d})
	}
	resp := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": out, "ResultSetMetadata": map[string]any{"ColumnInfo": info}}}
	if next != "" {
		resp["NextToken"] = next
	}
	writeJSON(w, resp)
}

// athenaColumns is the column metadata and the header row; Athena
// lower-cases column names.
func athenaColumns(cols []string) (info, header []any) {
	for _, c := range cols {
		lc := strings.ToLower(c)
		info = append(info, map[string]any{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": lc, "Label": lc,
			"Type": "varchar", "Precision": 2147483647, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true})
		header = append(header, map[string]any{"VarCharValue": lc})
	}
	return info, header
}

// athenaDatum is one cell; NULL is a datum without a value.
func athenaDatum(v *string) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	return map[string]any{"VarCharValue": *v}
}

func (s *Server) lake(w http.ResponseWriter, op string, in map[string]any) {
	switch op {
	case "StartQuery":
		sql, _ := in["QueryStatement"].(string)
		writeJSON(w, map[string]any{"QueryId": s.start(sql)})
	case "DescribeQuery":
		if s.OnPoll != nil {
			s.OnPoll()
		}
		q := s.lookup(w, in, "QueryId")
		if q == nil {
			return
		}
		state := q.state("FINISHED", "FAILED")
		resp := map[string]any{"QueryId": in["QueryId"], "QueryString": q.sql, "QueryStatus": state,
			"QueryStatistics": map[string]any{"CreationTime": float64(q.submit.Unix()), "EventsMatched": 0, "EventsScanned": 0, "BytesScanned": 0, "ExecutionTimeInMillis": 0}}
		switch state {
		case "FINISHED":
			resp["QueryStatistics"] = map[string]any{"CreationTime": float64(q.submit.Unix()), "EventsMatched": len(q.rows),
				"EventsScanned": 3229, "BytesScanned": s.scanned(q), "ExecutionTimeInMillis": 2210}
		case "FAILED":
			resp["ErrorMessage"] = q.err.Error()
		}
		writeJSON(w, resp)
	case "GetQueryResults":
		q := s.lookup(w, in, "QueryId")
		if q == nil {
			return
		}
		n := s.PageSize
		if m, ok := in["MaxQueryResults"].(float64); ok && int(m) < n {
			n = int(m)
		}
		token, _ := in["NextToken"].(string)
		rows, _, next, ok := page(q, token, n)
		if !ok {
			writeErr(w, http.StatusBadRequest, "InvalidNextTokenException", "invalid NextToken")
			return
		}
		var out [][]map[string]string
		for _, r := range rows {
			var cells []map[string]string
			for i, v := range r {
				if v != nil { // Lake leaves NULL values out
					cells = append(cells, map[string]string{q.cols[i]: *v})
				}
			}
			out = append(out, cells)
		}
		resp := map[string]any{"QueryStatus": "FINISHED", "QueryResultRows": out,
			"QueryStatistics": map[string]any{"ResultsCount": len(rows), "TotalResultsCount": len(q.rows), "BytesScanned": s.scanned(q)}}
		if next != "" {
			resp["NextToken"] = next
		}
		writeJSON(w, resp)
	case "CancelQuery":
		writeJSON(w, map[string]any{"QueryId": in["QueryId"], "QueryStatus": "CANCELLED"})
	default:
		writeErr(w, http.StatusBadRequest, "UnknownOperationException", "CloudTrail_20131101."+op+" is not faked")
	}
}
