package acquire

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

const (
	trailBucket = "acme-cloudtrail-logs"
	orgAccount  = "111122223333"
	orgPrefix   = "AWSLogs/o-aa111bb222/" + orgAccount + "/"
)

// faults wraps the S3 server: it records ListObjectsV2 prefixes and
// object GETs, answers one GET with 503 SlowDown, and deletes one object
// on its first GET (listed, then gone).
type faults struct {
	s3 *testenv.S3

	mu        sync.Mutex
	lists     []listCall
	gets      map[string]int
	throttle  string // key answered once with SlowDown
	throttled int
	vanish    string // key deleted on its first GET
}

type listCall struct{ prefix, delimiter string }

func (f *faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		f.mu.Lock()
		if key == "" && q.Get("list-type") == "2" {
			f.lists = append(f.lists, listCall{q.Get("prefix"), q.Get("delimiter")})
			f.mu.Unlock()
			next.ServeHTTP(w, r)
			return
		}
		f.gets[key]++
		n := f.gets[key]
		f.mu.Unlock()
		switch {
		case key == f.throttle && n == 1:
			f.mu.Lock()
			f.throttled++
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`)
			return
		case key == f.vanish && n == 1:
			if _, err := f.s3.Backend.DeleteObject(bucket, key); err != nil {
				panic(err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (f *faults) objectGets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.gets {
		n += v
	}
	return n
}

func (f *faults) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists, f.gets = nil, map[string]int{}
}

// seedTrail lays out a trail bucket from examples/incident (account
// 493812077610, us-east-1 and eu-west-1, 10–11 March 2025, one digest),
// plus an organization trail for a second account, digests with their
// signature metadata, and copies on days outside the window. It returns
// the bytes of every object by key.
func seedTrail(t *testing.T, srv *testenv.S3) map[string][]byte {
	t.Helper()
	objects := srv.PutTree(t, trailBucket, filepath.Join(testenv.RepoRoot(t), "examples", "incident"))
	put := func(key string, body []byte, meta map[string]string) {
		srv.Put(t, trailBucket, key, body, meta)
		objects[key] = body
	}
	keys := make([]string, 0, len(objects))
	for k := range objects {
		keys = append(keys, k)
	}
	for _, key := range keys {
		b := objects[key]
		if strings.Contains(key, "/CloudTrail-Digest/") {
			put(key, b, digestMeta(b))
		}
		// The organization trail: the same Ireland delivery of 11 March,
		// delivered for a member account under the organization prefix.
		if strings.Contains(key, "/CloudTrail/eu-west-1/2025/03/11/") {
			name := strings.Replace(path.Base(key), "493812077610_", orgAccount+"_", 1)
			put(orgPrefix+"CloudTrail/eu-west-1/2025/03/11/"+name, b, nil)
		}
		// Copies outside the window (8, 9 and 14 March) must not be listed.
		if strings.HasSuffix(key, "_20250311T0010Z_JvFZydvwYVDjAsoO.json.gz") {
			for _, day := range []string{"08", "09", "14"} {
				put(strings.Replace(key, "/2025/03/11/", "/2025/03/"+day+"/", 1), b, nil)
			}
		}
	}
	digest := []byte(`{"awsAccountId":"` + orgAccount + `","digestStartTime":"2025-03-11T00:00:00Z","digestEndTime":"2025-03-11T01:00:00Z","digestPublicKeyFingerprint":"3029d1a6c1822bc50117a3b7449a8019","digestSignatureAlgorithm":"SHA256withRSA","logFiles":[]}`)
	put(orgPrefix+"CloudTrail-Digest/eu-west-1/2025/03/11/"+orgAccount+"_CloudTrail-Digest_eu-west-1_org-trail_us-east-1_20250311T010000Z.json.gz", digest, digestMeta(digest))
	return objects
}

func digestMeta(b []byte) map[string]string {
	sum := sha256.Sum256(b)
	return map[string]string{"signature": hex.EncodeToString(sum[:]) + "5c1d", "signature-algorithm": "SHA256withRSA"}
}

type fakeKeys struct{ region string }

func (k fakeKeys) ListPublicKeys(_ context.Context, in *cloudtrail.ListPublicKeysInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.ListPublicKeysOutput, error) {
	if k.region == "eu-west-1" {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	}
	if in.NextToken == nil {
		return &cloudtrail.ListPublicKeysOutput{NextToken: aws.String("p2"), PublicKeyList: []cttypes.PublicKey{{
			Fingerprint: aws.String("3029d1a6c1822bc50117a3b7449a8019"), Value: []byte{0x30, 0x82, 1},
			ValidityStartTime: aws.Time(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), ValidityEndTime: aws.Time(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)),
		}}}, nil
	}
	return &cloudtrail.ListPublicKeysOutput{PublicKeyList: []cttypes.PublicKey{{Fingerprint: aws.String("8eba5db5bea9b640d1e4bd6bd2f1d8b3"), Value: []byte{0x30, 0x82, 2}}}}, nil
}

var dayRE = regexp.MustCompile(`[0-9]{4}/[0-9]{2}/[0-9]{2}/$`)

func TestCollectS3(t *testing.T) {
	f := &faults{gets: map[string]int{}}
	f.s3 = testenv.S3Server(t, f.wrap)
	objects := seedTrail(t, f.s3)
	f.throttle = "AWSLogs/493812077610/CloudTrail/us-east-1/2025/03/11/493812077610_CloudTrail_us-east-1_20250311T0005Z_DRY0n7alxE8Bzuxn.json.gz"
	f.vanish = orgPrefix + "CloudTrail/eu-west-1/2025/03/11/" + orgAccount + "_CloudTrail_eu-west-1_20250311T0010Z_JvFZydvwYVDjAsoO.json.gz"
	for _, k := range []string{f.throttle, f.vanish} {
		if objects[k] == nil {
			t.Fatalf("fixture lacks %s", k)
		}
	}
	since := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	until := time.Date(2025, 3, 11, 23, 59, 59, 0, time.UTC)
	out := t.TempDir()
	var warnings []string
	opts := S3Options{
		Bucket: trailBucket, Since: since, Until: until, Out: out, Concurrency: 4,
		PublicKeys: func(r string) PublicKeyClient { return fakeKeys{r} },
		Warn:       func(format string, a ...any) { warnings = append(warnings, fmt.Sprintf(format, a...)) },
	}
	res, err := CollectS3(context.Background(), f.s3.Client, opts)
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "1 of") {
		t.Fatalf("first run: err = %v, want ErrIncomplete for the vanished object", err)
	}

	// What should have been collected: every object of 10–12 March.
	var want []string
	for k := range objects {
		if !strings.Contains(k, "/2025/03/08/") && !strings.Contains(k, "/2025/03/09/") && !strings.Contains(k, "/2025/03/14/") {
			want = append(want, k)
		}
	}
	sort.Strings(want)
	if res.Objects != len(want) || res.Failed != 1 || res.Fetched != len(want)-1 || res.Resumed != 0 {
		t.Errorf("result: %d objects, %d fetched, %d failed, %d resumed; want %d objects", res.Objects, res.Fetched, res.Failed, res.Resumed, len(want))
	}
	if f.throttled != 1 || f.gets[f.throttle] != 2 {
		t.Errorf("throttled GET: %d SlowDown answers, %d GETs; want 1 and 2 (retried)", f.throttled, f.gets[f.throttle])
	}

	// Listings: delimiter listings to discover the layout, flat listings
	// only of the window's day prefixes (10, 11, 12 March) per trail.
	wantTrails := []string{
		"AWSLogs/493812077610/CloudTrail-Digest/us-east-1/",
		"AWSLogs/493812077610/CloudTrail/eu-west-1/",
		"AWSLogs/493812077610/CloudTrail/us-east-1/",
		orgPrefix + "CloudTrail-Digest/eu-west-1/",
		orgPrefix + "CloudTrail/eu-west-1/",
	}
	if !slices.Equal(res.Trails, wantTrails) {
		t.Errorf("trails = %q", res.Trails)
	}
	var flat, wantFlat []string
	for _, l := range f.lists {
		switch {
		case l.delimiter == "":
			flat = append(flat, l.prefix)
		case l.delimiter != "/" || dayRE.MatchString(l.prefix):
			t.Errorf("unexpected delimiter listing %+v", l)
		}
	}
	for _, tr := range wantTrails {
		for _, d := range []string{"10", "11", "12"} {
			wantFlat = append(wantFlat, tr+"2025/03/"+d+"/")
		}
	}
	sort.Strings(flat)
	if !slices.Equal(flat, wantFlat) {
		t.Errorf("flat listings:\n%s\nwant:\n%s", strings.Join(flat, "\n"), strings.Join(wantFlat, "\n"))
	}

	// The manifest: one line per object, hashes of the uploaded bytes,
	// digest metadata, the vanished object as failed.
	m, err := ReadManifest(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != len(want) {
		t.Errorf("manifest has %d entries, want %d", len(m), len(want))
	}
	for _, k := range want {
		e, ok := m[k]
		switch {
		case !ok:
			t.Errorf("manifest lacks %s", k)
		case k == f.vanish:
			if e.Status != StatusFailed || !strings.Contains(e.Error, "NoSuchKey") || e.SHA256 != "" {
				t.Errorf("vanished object: %+v", e)
			}
			if _, err := os.Stat(filepath.Join(out, k)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("vanished object left a file: %v", err)
			}
		default:
			sum := sha256.Sum256(objects[k])
			if e.Status != StatusOK || e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(objects[k])) ||
				e.Path != k || e.Bucket != trailBucket || e.Source != SourceS3 || e.ETag == "" || e.LastModified == "" || e.FetchedAt == "" {
				t.Errorf("entry %s: %+v", k, e)
			}
			b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(k)))
			if err != nil || string(b) != string(objects[k]) {
				t.Errorf("local copy of %s: %v", k, err)
			}
			digest := strings.Contains(k, "/CloudTrail-Digest/")
			if digest != (e.Metadata["signature"] != "" && e.Metadata["signature-algorithm"] == "SHA256withRSA") {
				t.Errorf("metadata of %s: %v", k, e.Metadata)
			}
		}
	}
	if res.PublicKeys != 2 || !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, "ListPublicKeys in eu-west-1") }) {
		t.Errorf("public keys: %d saved, warnings %q", res.PublicKeys, warnings)
	}
	pk, err := os.ReadFile(filepath.Join(out, PublicKeysName))
	if err != nil || !strings.Contains(string(pk), `"Fingerprint": "3029d1a6c1822bc50117a3b7449a8019"`) || !strings.Contains(string(pk), `"Value": "MIIB"`) {
		t.Errorf("public-keys.json: %v\n%s", err, pk)
	}

	// Resume: nothing is fetched again.
	f.reset()
	res, err = CollectS3(context.Background(), f.s3.Client, opts)
	if res == nil {
		t.Fatalf("second run: %v", err)
	}
	if err != nil || f.objectGets() != 0 || res.Resumed != len(want)-1 || res.Fetched != 0 {
		t.Errorf("second run: err %v, %d GETs, %d resumed, %d fetched", err, f.objectGets(), res.Resumed, res.Fetched)
	}

	// A local copy that no longer matches its hash is fetched again, and
	// an unfinished file from a killed run is removed.
	victim := filepath.Join(out, filepath.FromSlash(want[0]))
	os.Chmod(victim, 0o644)
	if err := os.WriteFile(victim, []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	partial := victim + atomicfile.PartialMarker + "123"
	os.WriteFile(partial, []byte("half"), 0o644)
	f.reset()
	res, err = CollectS3(context.Background(), f.s3.Client, opts)
	if res == nil {
		t.Fatalf("third run: %v", err)
	}
	if err != nil || f.objectGets() != 1 || f.gets[want[0]] != 1 || res.Fetched != 1 {
		t.Errorf("third run: err %v, GETs %v", err, f.gets)
	}
	if b, _ := os.ReadFile(victim); string(b) != string(objects[want[0]]) {
		t.Error("tampered copy not replaced")
	}
	if _, err := os.Stat(partial); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial file left: %v", err)
	}
}

func TestCollectS3Filters(t *testing.T) {
	srv := testenv.S3Server(t, nil)
	seedTrail(t, srv)
	// A trail under a custom prefix in another bucket.
	srv.Put(t, "custom", "team/audit/AWSLogs/493812077610/CloudTrail/us-east-1/2025/03/11/a.json.gz", []byte(`{"Records":[]}`), nil)
	srv.Put(t, "custom", "team/other/readme.txt", []byte("x"), nil)
	day := time.Date(2025, 3, 11, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, bucket, prefix string
		accounts, regions    []string
		since                time.Time
		wantTrails           []string
		wantObjects          int
	}{
		{name: "account", bucket: trailBucket, accounts: []string{orgAccount}, since: day,
			wantTrails: []string{orgPrefix + "CloudTrail-Digest/eu-west-1/", orgPrefix + "CloudTrail/eu-west-1/"}, wantObjects: 123},
		{name: "region", bucket: trailBucket, accounts: []string{"493812077610"}, regions: []string{"eu-west-1"}, since: day,
			wantTrails: []string{"AWSLogs/493812077610/CloudTrail/eu-west-1/"}, wantObjects: 248},
		{name: "prefix inside the layout, all days", bucket: trailBucket, prefix: "AWSLogs/493812077610/CloudTrail/us-east-1/2025/03/1",
			wantTrails: []string{"AWSLogs/493812077610/CloudTrail/us-east-1/"}, wantObjects: 239 + 252},
		{name: "custom prefix", bucket: "custom", since: day,
			wantTrails: []string{"team/audit/AWSLogs/493812077610/CloudTrail/us-east-1/"}, wantObjects: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := CollectS3(context.Background(), srv.Client, S3Options{
				Bucket: tc.bucket, Prefix: tc.prefix, Accounts: tc.accounts, Regions: tc.regions,
				Since: tc.since, Until: tc.since, Out: t.TempDir(),
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Trails, tc.wantTrails) || res.Objects != tc.wantObjects || res.Fetched != tc.wantObjects {
				t.Errorf("trails %q, %d objects, %d fetched; want %d", res.Trails, res.Objects, res.Fetched, tc.wantObjects)
			}
		})
	}
	_, err := CollectS3(context.Background(), srv.Client, S3Options{Bucket: "custom", Prefix: "team/other", Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no CloudTrail layout") {
		t.Errorf("no trail: %v", err)
	}
}

func TestParseS3URL(t *testing.T) {
	for _, tc := range []struct{ in, bucket, prefix, err string }{
		{"s3://b", "b", "", ""},
		{"s3://b/AWSLogs/o-1/", "b", "AWSLogs/o-1/", ""},
		{"b/x", "", "", "want s3://"},
		{"s3:///x", "", "", "no bucket"},
	} {
		b, p, err := ParseS3URL(tc.in)
		if b != tc.bucket || p != tc.prefix || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseS3URL(%q) = %q %q %v", tc.in, b, p, err)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"AWSLogs/1/CloudTrail/x.json.gz", true},
		{"../etc/passwd", false},
		{"a/../../b", false},
		{"/abs", false},
		{"a//b", false},
		{`a\..\b`, false},
	} {
		_, err := localPath("/out", tc.key)
		if (err == nil) != tc.ok {
			t.Errorf("localPath(%q): %v", tc.key, err)
		}
	}
}
