package evidence_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/evidence"
	"github.com/trailsleuth/trailsleuth/internal/evidence/evidencetest"
)

func TestParseDigestName(t *testing.T) {
	end := time.Date(2015, 8, 17, 15, 1, 31, 0, time.UTC)
	tests := []struct {
		key  string
		want evidence.DigestName
		ok   bool
	}{
		{"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz",
			evidence.DigestName{Account: "111122223333", Region: "us-east-2", Trail: "your-trail-name", HomeRegion: "us-east-2", End: end}, true},
		{"logs/prod/AWSLogs/o-abc123def4/111122223333/CloudTrail-Digest/eu-west-1/2015/08/17/111122223333_CloudTrail-Digest_eu-west-1_org_trail_v2_us-east-1_20150817T150131Z_backfill.json.gz",
			evidence.DigestName{Prefix: "logs/prod/", Org: "o-abc123def4", Account: "111122223333", Region: "eu-west-1", Trail: "org_trail_v2", HomeRegion: "us-east-1", End: end, Backfill: true}, true},
		// Account or region in the name disagreeing with the folders.
		{"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/999999999999_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T150131Z.json.gz", evidence.DigestName{}, false},
		{"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_eu-west-1_t_us-east-2_20150817T150131Z.json.gz", evidence.DigestName{}, false},
		{"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20151317T150131Z.json.gz", evidence.DigestName{}, false},
		{"AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz", evidence.DigestName{}, false},
	}
	for _, tc := range tests {
		got, ok := evidence.ParseDigestName(tc.key)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s:\n got  %+v %v\n want %+v %v", tc.key, got, ok, tc.want, tc.ok)
		}
	}
	ln, ok := evidence.ParseLogName("x/AWSLogs/o-abc123def4/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz")
	if !ok || ln.Prefix != "x/" || ln.Org != "o-abc123def4" || ln.Region != "us-east-2" || !ln.Time.Equal(time.Date(2015, 8, 17, 14, 45, 0, 0, time.UTC)) {
		t.Errorf("log name: %+v %v", ln, ok)
	}
}

const sampleDigest = `{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z","digestEndTime":"2015-08-17T15:01:31Z","digestS3Bucket":"amzn-s3-demo-bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz","digestPublicKeyFingerprint":"31e8b5433410dfb61a9dc45cc65b22ff","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:27Z","previousDigestS3Bucket":"amzn-s3-demo-bucket","previousDigestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T140131Z.json.gz","previousDigestHashValue":"97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"50887ccffad4c002b97caa37cc9dc626e3c680207d41d27fa5835458e066e0d3652fc4dfc30937e4d5f4cc7f796e7a258fb50a43ba8d4ddd2c9f45","logFiles":[{"s3Bucket":"amzn-s3-demo-bucket","s3Object":"AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz","hashValue":"9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6","hashAlgorithm":"SHA-256","newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:27Z"}]}`

const startingDigest = `{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T13:01:31Z","digestEndTime":"2015-08-17T14:01:31Z","digestS3Bucket":"b","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T140131Z.json.gz","digestPublicKeyFingerprint":"31e8b5433410dfb61a9dc45cc65b22ff","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":null,"oldestEventTime":null,"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[]}`

func TestParseDigest(t *testing.T) {
	d, err := evidence.ParseDigest([]byte(sampleDigest))
	if err != nil {
		t.Fatal(err)
	}
	if d.Starting() || len(d.LogFiles) != 1 || d.LogFiles[0].HashAlgorithm != "SHA-256" || !d.End.Equal(time.Date(2015, 8, 17, 15, 1, 31, 0, time.UTC)) {
		t.Errorf("sample digest: %+v", d)
	}
	want := "2015-08-17T15:01:31Z\namzn-s3-demo-bucket/" + d.DigestS3Object + "\nHASH\n" + *d.PreviousDigestSignature
	if got := evidence.StringToSign(d, "HASH"); got != want {
		t.Errorf("string to sign:\n%s\nwant\n%s", got, want)
	}
	s, err := evidence.ParseDigest([]byte(startingDigest))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Starting() || !strings.HasSuffix(evidence.StringToSign(s, "H"), "\nH\nnull") {
		t.Errorf("starting digest: %+v", s)
	}

	bad := []struct{ name, from, to, err string }{
		{"not JSON", sampleDigest, "{", "not a JSON object"},
		{"field missing", `"digestS3Bucket":"b",`, "", "field digestS3Bucket missing"},
		{"previousDigestSignature key missing", `"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,`, `"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,`, "field previousDigestSignature missing"},
		{"bad time", `"digestEndTime":"2015-08-17T14:01:31Z"`, `"digestEndTime":"yesterday"`, "digestEndTime"},
		{"end before start", `"digestEndTime":"2015-08-17T14:01:31Z"`, `"digestEndTime":"2015-08-17T12:01:31Z"`, "before digestStartTime"},
		{"signature algorithm", `"SHA256withRSA"`, `"MD5withRSA"`, "digestSignatureAlgorithm"},
		{"partly null", `"previousDigestS3Bucket":null`, `"previousDigestS3Bucket":"b"`, "partly null"},
		{"wrong type", `"logFiles":[]`, `"logFiles":{}`, "decoding digest"},
	}
	for _, tc := range bad {
		src := startingDigest
		if tc.from == sampleDigest {
			src = ""
		}
		in := strings.Replace(src, tc.from, tc.to, 1)
		if src == "" {
			in = tc.to
		}
		if in == startingDigest {
			t.Fatalf("%s: replacement did not apply", tc.name)
		}
		if _, err := evidence.ParseDigest([]byte(in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
	for _, tc := range []struct{ from, to, err string }{
		{`"hashAlgorithm":"SHA-256"`, `"hashAlgorithm":"MD5"`, "hashAlgorithm"},
		{`"hashValue":"9bb6`, `"hashValue":"zzb6`, "hashValue"},
		{`"previousDigestHashAlgorithm":"SHA-256"`, `"previousDigestHashAlgorithm":"SHA-1"`, "previousDigestHashAlgorithm"},
		{`"previousDigestSignature":"5088`, `"previousDigestSignature":"x088`, "previousDigestSignature"},
	} {
		in := strings.Replace(sampleDigest, tc.from, tc.to, 1)
		if _, err := evidence.ParseDigest([]byte(in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.to, err, tc.err)
		}
	}
}

func TestParsePublicKeys(t *testing.T) {
	k := &evidencetest.SigningKey(t).PublicKey
	val := base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(k))
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	tests := []struct {
		name, doc, err string
		from           time.Time
	}{
		{"epoch seconds (raw API)", `{"PublicKeyList":[{"Value":"` + val + `","ValidityStartTime":1453076702.0,"ValidityEndTime":1455668702.0,"Fingerprint":"8EBA5db5bea9b640d1ceea6a4a5fd7a6"}]}`, "", time.Unix(1453076702, 0)},
		{"RFC 3339 (AWS CLI)", `{"PublicKeyList":[{"Value":"` + val + `","ValidityStartTime":"2016-01-18T00:25:02+00:00","ValidityEndTime":"2016-02-17T00:25:02Z","Fingerprint":"8eba5db5bea9b640d1ceea6a4a5fd7a6"}]}`, "", time.Unix(1453076702, 0)},
		{"no list", `{"Keys":[]}`, "no PublicKeyList", time.Time{}},
		{"not base64", `{"PublicKeyList":[{"Value":"***","Fingerprint":"a"}]}`, "not base64", time.Time{}},
		{"not RSA", `{"PublicKeyList":[{"Value":"` + base64.StdEncoding.EncodeToString(ecDER) + `","Fingerprint":"a"}]}`, "not an RSA key", time.Time{}},
		{"no fingerprint", `{"PublicKeyList":[{"Value":"` + val + `"}]}`, "Fingerprint missing", time.Time{}},
		{"bad time", `{"PublicKeyList":[{"Value":"` + val + `","Fingerprint":"a","ValidityStartTime":"soon"}]}`, "ValidityStartTime", time.Time{}},
	}
	for _, tc := range tests {
		ks, err := evidence.ParsePublicKeys([]byte(tc.doc))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || len(ks) != 1 || !ks[0].Key.Equal(k) || ks[0].Fingerprint != "8eba5db5bea9b640d1ceea6a4a5fd7a6" || !ks[0].ValidFrom.Equal(tc.from) {
			t.Errorf("%s: %+v, %v", tc.name, ks, err)
		}
	}
}
