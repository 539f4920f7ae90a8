// Package evidencetest builds CloudTrail delivery trees with complete,
// signed digest chains for tests: digest and log files byte-for-byte in
// AWS's layout and naming, the manifest.jsonl and public-keys.json that
// `collect s3` writes, and helpers to tamper with them.
package evidencetest

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/evidence"
)

// Fixed test keys, so trees are reproducible and no test spends time
// generating RSA keys.
var (
	//go:embed testdata/signing-key.pem
	signingKeyPEM []byte
	//go:embed testdata/other-key.pem
	otherKeyPEM []byte
)

// SigningKey is the key the builder signs digests with.
func SigningKey(t testing.TB) *rsa.PrivateKey { return parseKey(t, signingKeyPEM) }

// OtherKey is a second key, for "wrong key" cases.
func OtherKey(t testing.TB) *rsa.PrivateKey { return parseKey(t, otherKeyPEM) }

func parseKey(t testing.TB, b []byte) *rsa.PrivateKey {
	t.Helper()
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("test key: no PEM block")
	}
	k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatalf("test key: %v", err)
	}
	return k
}

// Fingerprint is the builder's fingerprint of a key: hex MD5 of its PKCS#1
// DER. AWS does not document how it derives digestPublicKeyFingerprint
// (verification only matches it against ListPublicKeys' Fingerprint); this
// gives values shaped like AWS's (32 hex digits).
func Fingerprint(k *rsa.PublicKey) string {
	s := md5.Sum(x509.MarshalPKCS1PublicKey(k))
	return hex.EncodeToString(s[:])
}

// Object is one file of the tree as it would be in S3.
type Object struct {
	Bucket, Key string
	Body        []byte
	Meta        map[string]string // S3 user metadata
}

// ChainOptions describe one trail's deliveries for one account and region.
type ChainOptions struct {
	Bucket, Prefix, Org, Account, Region, HomeRegion, Trail string
	Start                                                   time.Time // start of the first digest
	Digests                                                 int       // chain length
	LogsPerDigest                                           int       // at most 8
	// Backfill adds a _backfill digest for the middle digest's hour,
	// listing one log file delivered late.
	Backfill bool
}

func (o *ChainOptions) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Bucket, "trail-bucket")
	def(&o.Account, "111122223333")
	def(&o.Region, "us-east-1")
	def(&o.HomeRegion, "us-east-1")
	def(&o.Trail, "management-events")
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 3, 10, 14, 1, 31, 0, time.UTC)
	}
	if o.Digests == 0 {
		o.Digests = 4
	}
	if o.LogsPerDigest == 0 {
		o.LogsPerDigest = 2
	}
}

// Chain lists what AddChain delivered, as keys (= paths in the tree).
type Chain struct {
	Opts         ChainOptions
	Digests      []string   // oldest first
	Logs         [][]string // per digest
	Backfill     string
	BackfillLogs []string
}

// Tree is a local copy of a trail bucket, as `collect s3` leaves it.
type Tree struct {
	t           testing.TB
	Dir         string
	Key         *rsa.PrivateKey
	Fingerprint string
	Chains      []*Chain
	objs        map[string]*Object // by path (= key)
	rng         *mrand.Rand
}

// New starts an empty tree in dir, signing with SigningKey.
func New(t testing.TB, dir string) *Tree {
	k := SigningKey(t)
	tr := &Tree{t: t, Dir: dir, Key: k, Fingerprint: Fingerprint(&k.PublicKey), objs: map[string]*Object{},
		rng: mrand.New(mrand.NewPCG(1, 2))}
	tr.WritePublicKeys(&k.PublicKey, tr.Fingerprint, false)
	return tr
}

// AddChain delivers a chain of digests with their log files and saves the tree.
func (tr *Tree) AddChain(o ChainOptions) *Chain {
	tr.t.Helper()
	o.defaults()
	c := &Chain{Opts: o}
	var prev *evidence.Digest
	var prevSig, prevSum string
	for i := range o.Digests {
		start := o.Start.Add(time.Duration(i) * time.Hour)
		end := start.Add(time.Hour)
		var logs []string
		var files []evidence.LogFile
		for j := range o.LogsPerDigest {
			key, lf := tr.addLog(o, start.Add(time.Duration(j+1)*5*time.Minute))
			logs = append(logs, key)
			files = append(files, lf)
		}
		d := tr.digest(o, start, end, files, false)
		if prev != nil {
			b, k, alg := prev.DigestS3Bucket, prev.DigestS3Object, evidence.HashAlgorithm
			d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &b, &k
			d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm = &prevSum, &alg
			d.PreviousDigestSignature = &prevSig
		}
		prevSig, prevSum = tr.putDigest(d)
		prev = d
		c.Digests = append(c.Digests, d.DigestS3Object)
		c.Logs = append(c.Logs, logs)
		if o.Backfill && i == o.Digests/2 {
			key, lf := tr.addLog(o, start.Add(50*time.Minute))
			bd := tr.digest(o, start, end, []evidence.LogFile{lf}, true)
			tr.putDigest(bd)
			c.Backfill, c.BackfillLogs = bd.DigestS3Object, []string{key}
		}
	}
	tr.Chains = append(tr.Chains, c)
	tr.Save()
	return c
}

func (o ChainOptions) base() string {
	s := o.Prefix + "AWSLogs/"
	if o.Org != "" {
		s += o.Org + "/"
	}
	return s + o.Account + "/"
}

// LogKey is the key CloudTrail gives a log file delivered at t.
func (o ChainOptions) LogKey(t time.Time, suffix string) string {
	return o.base() + "CloudTrail/" + o.Region + "/" + t.Format("2006/01/02") + "/" +
		o.Account + "_CloudTrail_" + o.Region + "_" + t.Format("20060102T1504Z") + "_" + suffix + ".json.gz"
}

// DigestKey is the key CloudTrail gives the digest ending at end.
func (o ChainOptions) DigestKey(end time.Time, backfill bool) string {
	k := o.base() + "CloudTrail-Digest/" + o.Region + "/" + end.Format("2006/01/02") + "/" +
		o.Account + "_CloudTrail-Digest_" + o.Region + "_" + o.Trail + "_" + o.HomeRegion + "_" + end.Format("20060102T150405Z")
	if backfill {
		k += "_backfill"
	}
	return k + ".json.gz"
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// addLog delivers a log file with one event at t.
func (tr *Tree) addLog(o ChainOptions, t time.Time) (string, evidence.LogFile) {
	var sb strings.Builder
	for range 16 {
		sb.WriteByte(alnum[tr.rng.IntN(len(alnum))])
	}
	key := o.LogKey(t, sb.String())
	et := t.Add(-2 * time.Minute).Format(time.RFC3339)
	body := fmt.Sprintf(`{"Records":[{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","accountId":"%s","userName":"alice"},"eventTime":"%s","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"%s","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"eventID":"%s","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management"}]}`,
		o.Account, et, o.Region, sb.String(), o.Account)
	tr.objs[key] = &Object{Bucket: o.Bucket, Key: key, Body: Gzip([]byte(body))}
	sum := sha256.Sum256([]byte(body))
	return key, evidence.LogFile{S3Bucket: o.Bucket, S3Object: key, HashValue: hex.EncodeToString(sum[:]),
		HashAlgorithm: evidence.HashAlgorithm, NewestEventTime: et, OldestEventTime: et}
}

func (tr *Tree) digest(o ChainOptions, start, end time.Time, files []evidence.LogFile, backfill bool) *evidence.Digest {
	d := &evidence.Digest{AWSAccountID: o.Account, DigestStartTime: start.Format(time.RFC3339),
		DigestEndTime: end.Format(time.RFC3339), DigestS3Bucket: o.Bucket, DigestS3Object: o.DigestKey(end, backfill),
		DigestPublicKeyFingerprint: tr.Fingerprint, DigestSignatureAlgorithm: evidence.SignatureAlgorithm,
		LogFiles: []evidence.LogFile{}}
	d.LogFiles = append(d.LogFiles, files...)
	if len(files) > 0 {
		oldest, newest := files[0].OldestEventTime, files[len(files)-1].NewestEventTime
		d.OldestEventTime, d.NewestEventTime = &oldest, &newest
	}
	return d
}

// putDigest signs and stores a digest; returns its signature and the
// SHA-256 of its uncompressed bytes.
func (tr *Tree) putDigest(d *evidence.Digest) (sig, sum string) {
	tr.t.Helper()
	raw, err := json.Marshal(d)
	if err != nil {
		tr.t.Fatal(err)
	}
	s := sha256.Sum256(raw)
	sum = hex.EncodeToString(s[:])
	sig = Sign(tr.t, tr.Key, evidence.StringToSign(d, sum))
	tr.objs[d.DigestS3Object] = &Object{Bucket: d.DigestS3Bucket, Key: d.DigestS3Object, Body: Gzip(raw),
		Meta: map[string]string{"signature": sig, "signature-algorithm": evidence.SignatureAlgorithm}}
	return sig, sum
}

// Sign signs s the way CloudTrail signs digests: RSA PKCS#1 v1.5 over
// SHA-256, hex-encoded.
func Sign(t testing.TB, k *rsa.PrivateKey, s string) string {
	h := sha256.Sum256([]byte(s))
	b, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Gzip compresses b as one gzip member.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b) //nolint:errcheck // bytes.Buffer
	zw.Close()
	return buf.Bytes()
}

// Gunzip decompresses one gzip member.
func Gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Objects returns the tree's objects sorted by key.
func (tr *Tree) Objects() []Object {
	var out []Object
	for _, p := range tr.paths() {
		out = append(out, *tr.objs[p])
	}
	return out
}

func (tr *Tree) paths() []string {
	ps := make([]string, 0, len(tr.objs))
	for p := range tr.objs {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// Body returns an object's bytes.
func (tr *Tree) Body(path string) []byte {
	tr.t.Helper()
	o, ok := tr.objs[path]
	if !ok {
		tr.t.Fatalf("no object %s", path)
	}
	return o.Body
}

// Replace changes an object's bytes, as if changed in the bucket before collection.
func (tr *Tree) Replace(path string, body []byte) {
	tr.Body(path)
	tr.objs[path].Body = body
	tr.Save()
}

// Remove deletes an object.
func (tr *Tree) Remove(path string) {
	tr.Body(path)
	delete(tr.objs, path)
	os.Remove(filepath.Join(tr.Dir, filepath.FromSlash(path))) //nolint:errcheck // Save reports real failures
	tr.Save()
}

// Move moves an object to another key (metadata travels with it).
func (tr *Tree) Move(from, to string) {
	o := *tr.objs[from]
	tr.Remove(from)
	o.Key = to
	tr.objs[to] = &o
	tr.Save()
}

// SetMeta replaces an object's S3 metadata.
func (tr *Tree) SetMeta(path string, meta map[string]string) {
	tr.Body(path)
	tr.objs[path].Meta = meta
	tr.Save()
}

// Relocate records every object as fetched from another bucket (a
// replica), as collect would from that bucket.
func (tr *Tree) Relocate(bucket string) {
	for _, o := range tr.objs {
		o.Bucket = bucket
	}
	tr.Save()
}

// Add adds an object.
func (tr *Tree) Add(o Object) {
	tr.objs[o.Key] = &o
	tr.Save()
}

// WritePublicKeys writes public-keys.json with one key, its Value as
// PKCS#1 DER (what ListPublicKeys returns) or, with spki, SubjectPublicKeyInfo.
func (tr *Tree) WritePublicKeys(k *rsa.PublicKey, fingerprint string, spki bool) {
	tr.t.Helper()
	der := x509.MarshalPKCS1PublicKey(k)
	if spki {
		var err error
		if der, err = x509.MarshalPKIXPublicKey(k); err != nil {
			tr.t.Fatal(err)
		}
	}
	doc := map[string]any{"PublicKeyList": []map[string]any{{
		"Value":             base64.StdEncoding.EncodeToString(der),
		"ValidityStartTime": "2026-01-01T00:00:00Z",
		"ValidityEndTime":   "2026-12-31T00:00:00Z",
		"Fingerprint":       fingerprint,
	}}}
	b, _ := json.MarshalIndent(doc, "", "  ")
	tr.write(acquire.PublicKeysName, b)
}

// Save writes every object under Dir and rewrites manifest.jsonl from
// them, as `collect s3` would have recorded the bucket.
func (tr *Tree) Save() {
	tr.t.Helper()
	var man bytes.Buffer
	at := "2026-03-11T09:00:00Z"
	for _, p := range tr.paths() {
		o := tr.objs[p]
		tr.write(p, o.Body)
		s, m := sha256.Sum256(o.Body), md5.Sum(o.Body)
		line, err := json.Marshal(acquire.ManifestEntry{Source: acquire.SourceS3, Bucket: o.Bucket, Key: o.Key, Path: p,
			Size: int64(len(o.Body)), ETag: `"` + hex.EncodeToString(m[:]) + `"`, LastModified: at, Metadata: o.Meta,
			SHA256: hex.EncodeToString(s[:]), FetchedAt: at, Status: acquire.StatusOK})
		if err != nil {
			tr.t.Fatal(err)
		}
		man.Write(line)
		man.WriteByte('\n')
	}
	tr.write(acquire.ManifestName, man.Bytes())
}

func (tr *Tree) write(rel string, b []byte) {
	tr.t.Helper()
	p := filepath.Join(tr.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tr.t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tr.t.Fatal(err)
	}
}
