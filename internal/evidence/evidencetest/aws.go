package evidencetest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// FakeCloudTrail answers CloudTrail ListPublicKeys requests (JSON 1.1
// protocol, raw API shape with epoch-second times) with one key and passes
// every other request on, so one loopback endpoint serves S3 and CloudTrail.
type FakeCloudTrail struct {
	Key         *rsa.PublicKey
	Fingerprint string

	mu      sync.Mutex
	regions []string
}

var credentialRegion = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/cloudtrail/`)

// Wrap returns the handler serving ListPublicKeys before next.
func (f *FakeCloudTrail) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "CloudTrail_20131101.ListPublicKeys" {
			next.ServeHTTP(w, r)
			return
		}
		region := ""
		if m := credentialRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			region = m[1]
		}
		f.mu.Lock()
		f.regions = append(f.regions, region)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(map[string]any{"PublicKeyList": []map[string]any{{ //nolint:errcheck // test server
			"Value":             base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(f.Key)),
			"Fingerprint":       f.Fingerprint,
			"ValidityStartTime": float64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()),
			"ValidityEndTime":   float64(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Unix()),
		}}})
	})
}

// Regions lists the regions ListPublicKeys was called in, in call order.
func (f *FakeCloudTrail) Regions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.regions...)
}
