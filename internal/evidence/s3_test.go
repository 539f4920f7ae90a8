package evidence_test

import (
	"context"
	"slices"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/evidence"
	"github.com/trailsleuth/trailsleuth/internal/evidence/evidencetest"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestVerifyS3 verifies a bucket in place on a loopback S3 server, with
// the public keys fetched online from a fake CloudTrail endpoint.
func TestVerifyS3(t *testing.T) {
	tr, a := build(t)
	ct := &evidencetest.FakeCloudTrail{Key: &tr.Key.PublicKey, Fingerprint: tr.Fingerprint}
	srv := testenv.S3Server(t, ct.Wrap)
	for _, o := range tr.Objects() {
		srv.Put(t, o.Bucket, o.Key, o.Body, o.Meta)
	}
	// Tamper in the bucket: a digest rewritten without its metadata, a log deleted.
	d3 := tr.Objects()[slices.IndexFunc(tr.Objects(), func(o evidencetest.Object) bool { return o.Key == a.Digests[3] })]
	// (gofakes3 merges metadata on overwrite, so delete first.)
	if _, err := srv.Backend.DeleteObject(d3.Bucket, d3.Key); err != nil {
		t.Fatal(err)
	}
	srv.Put(t, d3.Bucket, d3.Key, d3.Body, nil)
	if _, err := srv.Backend.DeleteObject("trail-bucket", a.Logs[0][0]); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	cfg, err := awsconf.Load(ctx, srv.Options)
	if err != nil {
		t.Fatal(err)
	}
	keys := evidence.CloudTrailKeys{Client: func(region string) evidence.ListPublicKeysAPI {
		c := cfg.Copy()
		c.Region = region
		return awsconf.CloudTrail(c, srv.Options)
	}}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"error log_missing " + a.Logs[0][0], "error signature_missing " + a.Digests[3]}},
		// The organization trail alone is intact.
		{"AWSLogs/o-abc123def4/", nil},
	} {
		r, err := evidence.Verify(ctx, evidence.OpenBucket(srv.Client, "trail-bucket", tc.prefix), evidence.Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if got := problems(r); !slices.Equal(got, tc.want) {
			t.Errorf("prefix %q: problems %q, want %q", tc.prefix, got, tc.want)
		}
		if r.Valid != (tc.want == nil) || r.Root != "s3://trail-bucket/"+tc.prefix {
			t.Errorf("prefix %q: valid %v root %s", tc.prefix, r.Valid, r.Root)
		}
	}
	if got := ct.Regions(); !slices.Equal(got, []string{"eu-west-1", "us-east-1", "eu-west-1", "us-east-1"}) {
		t.Errorf("ListPublicKeys regions: %q", got)
	}
	// The signature-missing digest's logs are unverified, the others valid.
	r, _ := evidence.Verify(ctx, evidence.OpenBucket(srv.Client, "trail-bucket", "AWSLogs/111122223333/"), evidence.Options{Keys: keys})
	// The newest digest lost its signature and no newer digest vouches
	// for it: its logs match their hashes but are unverified.
	if f, _ := r.File(a.Logs[3][0]); f.Status != evidence.StatusUnverified {
		t.Errorf("log of the unsigned digest: %+v", f)
	}
	if f, _ := r.File(a.Logs[2][0]); f.Status != evidence.StatusValid {
		t.Errorf("log of a signed digest: %+v", f)
	}
}
