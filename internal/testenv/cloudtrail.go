package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// CloudTrailHandler answers the nth call (from 1) of one operation with an
// HTTP status and a JSON body, as the AWS API reference shows them.
type CloudTrailHandler func(n int, req map[string]any) (status int, body string)

// CloudTrailCall is one request the fake received.
type CloudTrailCall struct {
	Op  string
	Req map[string]any
}

// CloudTrailAPI speaks CloudTrail's awsJson1_1 protocol (POST /, the
// operation in X-Amz-Target "CloudTrail_20131101.<Op>", JSON bodies, errors
// as {"__type": …, "message": …} with x-amzn-ErrorType), so tests exercise
// the real SDK client: no emulator for CloudTrail exists.
type CloudTrailAPI struct {
	t        testing.TB
	handlers map[string]CloudTrailHandler
	mu       sync.Mutex
	calls    []CloudTrailCall
	count    map[string]int
}

// NewCloudTrailAPI returns the fake as a handler (to mount beside S3).
func NewCloudTrailAPI(t testing.TB, handlers map[string]CloudTrailHandler) *CloudTrailAPI {
	return &CloudTrailAPI{t: t, handlers: handlers, count: map[string]int{}}
}

// CloudTrailServer serves the fake on loopback and returns it with its URL.
func CloudTrailServer(t testing.TB, handlers map[string]CloudTrailHandler) (*CloudTrailAPI, string) {
	t.Helper()
	FakeAWSEnv(t)
	api := NewCloudTrailAPI(t, handlers)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv.URL
}

// CloudTrailError is an error response body for code.
func CloudTrailError(code, message string) (int, string) {
	b, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	return http.StatusBadRequest, string(b)
}

func (a *CloudTrailAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "CloudTrail_20131101.")
	if r.Method != http.MethodPost || !ok || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		a.t.Errorf("not a CloudTrail awsJson1_1 request: %s %s target %q type %q", r.Method, r.URL, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	req := map[string]any{}
	if err := json.Unmarshal(body, &req); err != nil {
		a.t.Errorf("%s: request body %q: %v", op, body, err)
	}
	a.mu.Lock()
	a.calls = append(a.calls, CloudTrailCall{op, req})
	a.count[op]++
	n := a.count[op]
	h := a.handlers[op]
	a.mu.Unlock()
	status, resp := http.StatusBadRequest, `{"__type":"UnknownOperationException","message":"not faked"}`
	if h != nil {
		status, resp = h(n, req)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", "9d0a1a8c-6f2b-4d4e-8a3e-4b1f1b2e0c11")
	if status >= 400 {
		var e struct {
			Type string `json:"__type"`
		}
		json.Unmarshal([]byte(resp), &e) //nolint:errcheck // the header is a courtesy
		w.Header().Set("x-amzn-ErrorType", e.Type)
	}
	w.WriteHeader(status)
	io.WriteString(w, resp) //nolint:errcheck // test server
}

// Calls returns the requests received so far.
func (a *CloudTrailAPI) Calls() []CloudTrailCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]CloudTrailCall(nil), a.calls...)
}
