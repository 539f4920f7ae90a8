package testenv

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/trailsleuth/trailsleuth/internal/awsconf"
)

// S3 is an S3-compatible server (gofakes3, in memory) on loopback.
type S3 struct {
	// URL is the endpoint to pass as --endpoint-url.
	URL string
	// Backend holds the objects; tests seed it directly, so no upload path
	// (checksums, chunked signing) stands between a test and its fixture.
	Backend *s3mem.Backend
	// Client is an SDK client for URL built the way the CLI builds it.
	Client *s3.Client
	// Options are the awsconf options that reach URL.
	Options awsconf.Options
}

// S3Server starts the server for the test's lifetime. wrap, if not nil,
// wraps the S3 handler (to inject throttling, record requests, …). Fake
// credentials are set in the environment so the SDK never looks further.
func S3Server(t testing.TB, wrap func(http.Handler) http.Handler) *S3 {
	t.Helper()
	FakeAWSEnv(t)
	backend := s3mem.New()
	var h http.Handler = gofakes3.New(backend, gofakes3.WithAutoBucket(false)).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := awsconf.Options{EndpointURL: srv.URL, Region: "us-east-1"}
	cfg, err := awsconf.Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &S3{URL: srv.URL, Backend: backend, Client: awsconf.S3(cfg, opts), Options: opts}
}

// Put stores an object; meta keys are S3 user metadata names without the
// x-amz-meta- prefix.
func (s *S3) Put(t testing.TB, bucket, key string, body []byte, meta map[string]string) {
	t.Helper()
	if ok, _ := s.Backend.BucketExists(bucket); !ok {
		if err := s.Backend.CreateBucket(bucket); err != nil {
			t.Fatal(err)
		}
	}
	m := map[string]string{}
	for k, v := range meta {
		m[http.CanonicalHeaderKey("X-Amz-Meta-"+k)] = v
	}
	if _, err := s.Backend.PutObject(bucket, key, m, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		t.Fatalf("putting %s: %v", key, err)
	}
}

// PutTree stores every file under dir in bucket, keyed by its path
// relative to dir, and returns the bytes by key.
func (s *S3) PutTree(t testing.TB, bucket, dir string) map[string][]byte {
	t.Helper()
	objects := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		s.Put(t, bucket, key, b, nil)
		objects[key] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// FakeAWSEnv points the SDK's credential chain at fixed fake keys and away
// from the instance metadata service and the user's own config.
func FakeAWSEnv(t testing.TB) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  "us-east-1",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             dir + "/config",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
		"AWS_ENDPOINT_URL":            "",
	} {
		t.Setenv(k, v)
	}
}
