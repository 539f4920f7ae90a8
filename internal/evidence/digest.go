package evidence

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Digest is a CloudTrail digest file. Field order and JSON names follow
// AWS's file exactly, so the test builder can write digests byte-for-byte
// in AWS's layout from this type. The previousDigest* fields are null in a
// trail's starting digest.
type Digest struct {
	AWSAccountID                string    `json:"awsAccountId"`
	DigestStartTime             string    `json:"digestStartTime"`
	DigestEndTime               string    `json:"digestEndTime"`
	DigestS3Bucket              string    `json:"digestS3Bucket"`
	DigestS3Object              string    `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string    `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string    `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string   `json:"newestEventTime"`
	OldestEventTime             *string   `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string   `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string   `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string   `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string   `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string   `json:"previousDigestSignature"`
	LogFiles                    []LogFile `json:"logFiles"`

	// Parsed times, set by ParseDigest.
	Start time.Time `json:"-"`
	End   time.Time `json:"-"`
}

// LogFile is one entry of a digest's logFiles.
type LogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// Algorithms CloudTrail uses; anything else is an invalid digest.
const (
	SignatureAlgorithm = "SHA256withRSA"
	HashAlgorithm      = "SHA-256"
)

// requiredFields must be present in every digest: the fields AWS's own
// validator requires (previousDigestSignature may be null, but the key is
// there) and logFiles, which it reads next.
var requiredFields = []string{
	"digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
	"digestPublicKeyFingerprint", "previousDigestSignature", "logFiles",
}

// ParseDigest parses the uncompressed bytes of a digest file and checks
// that it is complete and consistent: required fields, times, algorithms,
// a starting digest has all previousDigest* null (or all set otherwise),
// and every log file entry has a location and a SHA-256 hex hash.
func ParseDigest(data []byte) (*Digest, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	for _, f := range requiredFields {
		if _, ok := fields[f]; !ok {
			return nil, fmt.Errorf("field %s missing", f)
		}
	}
	var d Digest
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("decoding digest: %w", err)
	}
	var err error
	if d.Start, err = parseTime(d.DigestStartTime); err != nil {
		return nil, fmt.Errorf("digestStartTime: %w", err)
	}
	if d.End, err = parseTime(d.DigestEndTime); err != nil {
		return nil, fmt.Errorf("digestEndTime: %w", err)
	}
	if d.End.Before(d.Start) {
		return nil, fmt.Errorf("digestEndTime %s before digestStartTime %s", d.DigestEndTime, d.DigestStartTime)
	}
	if d.DigestS3Bucket == "" || d.DigestS3Object == "" {
		return nil, fmt.Errorf("digestS3Bucket or digestS3Object empty")
	}
	// AWS's validator does not read the field; absent or empty means the
	// only algorithm there is.
	if d.DigestSignatureAlgorithm != "" && d.DigestSignatureAlgorithm != SignatureAlgorithm {
		return nil, fmt.Errorf("digestSignatureAlgorithm %q: only %s is defined", d.DigestSignatureAlgorithm, SignatureAlgorithm)
	}
	if d.DigestPublicKeyFingerprint == "" {
		return nil, fmt.Errorf("digestPublicKeyFingerprint empty")
	}
	prev := []*string{d.PreviousDigestS3Bucket, d.PreviousDigestS3Object, d.PreviousDigestHashValue,
		d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature}
	nulls := 0
	for _, p := range prev {
		if p == nil {
			nulls++
		}
	}
	switch {
	case nulls == len(prev): // starting digest
	case nulls != 0:
		return nil, fmt.Errorf("previousDigest* fields partly null")
	default:
		if *d.PreviousDigestHashAlgorithm != HashAlgorithm {
			return nil, fmt.Errorf("previousDigestHashAlgorithm %q: only %s is defined", *d.PreviousDigestHashAlgorithm, HashAlgorithm)
		}
		if !isSHA256Hex(*d.PreviousDigestHashValue) {
			return nil, fmt.Errorf("previousDigestHashValue %q is not a hex SHA-256", *d.PreviousDigestHashValue)
		}
		if _, err := hex.DecodeString(*d.PreviousDigestSignature); err != nil || *d.PreviousDigestSignature == "" {
			return nil, fmt.Errorf("previousDigestSignature is not hex")
		}
		if *d.PreviousDigestS3Bucket == "" || *d.PreviousDigestS3Object == "" {
			return nil, fmt.Errorf("previousDigestS3Bucket or previousDigestS3Object empty")
		}
	}
	for i, lf := range d.LogFiles {
		if lf.S3Bucket == "" || lf.S3Object == "" {
			return nil, fmt.Errorf("logFiles[%d]: s3Bucket or s3Object empty", i)
		}
		if lf.HashAlgorithm != HashAlgorithm {
			return nil, fmt.Errorf("logFiles[%d]: hashAlgorithm %q: only %s is defined", i, lf.HashAlgorithm, HashAlgorithm)
		}
		if !isSHA256Hex(lf.HashValue) {
			return nil, fmt.Errorf("logFiles[%d]: hashValue %q is not a hex SHA-256", i, lf.HashValue)
		}
	}
	return &d, nil
}

// Starting reports whether d starts a chain (no previous digest).
func (d *Digest) Starting() bool { return d.PreviousDigestS3Object == nil }

// StringToSign is the data CloudTrail signs for a digest: its end time, its
// own S3 location, the hex SHA-256 of its uncompressed bytes and the
// previous digest's signature ("null" in a starting digest).
func StringToSign(d *Digest, uncompressedSHA256 string) string {
	prev := "null"
	if d.PreviousDigestSignature != nil {
		prev = *d.PreviousDigestSignature
	}
	return d.DigestEndTime + "\n" + d.DigestS3Bucket + "/" + d.DigestS3Object + "\n" + uncompressedSHA256 + "\n" + prev
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Name patterns of CloudTrail's S3 layout. The trail name may itself hold
// underscores, so it is matched greedily between the fixed parts.
var (
	digestNameRE = regexp.MustCompile(`^(.*?)AWSLogs/(?:(o-[a-z0-9]+)/)?(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_(.+)_([a-z0-9-]+)_(\d{8}T\d{6}Z)(_backfill)?\.json\.gz$`)
	logFolderRE  = regexp.MustCompile(`(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?\d{12}/CloudTrail/`)
	logNameRE    = regexp.MustCompile(`^(.*?)AWSLogs/(?:(o-[a-z0-9]+)/)?(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json\.gz$`)
)

// DigestName is what a digest's key says about it.
type DigestName struct {
	Prefix     string // key prefix before AWSLogs/, with its trailing slash
	Org        string // o-… for organization trails
	Account    string
	Region     string // region the digest covers
	Trail      string
	HomeRegion string
	End        time.Time
	Backfill   bool
}

// ParseDigestName parses a digest key (or a path ending in one).
func ParseDigestName(key string) (DigestName, bool) {
	m := digestNameRE.FindStringSubmatch(key)
	if m == nil || m[8] != m[3] || m[9] != m[4] {
		return DigestName{}, false
	}
	end, err := time.Parse("20060102T150405Z", m[12])
	if err != nil {
		return DigestName{}, false
	}
	return DigestName{Prefix: m[1], Org: m[2], Account: m[3], Region: m[4], Trail: m[10],
		HomeRegion: m[11], End: end, Backfill: m[13] != ""}, true
}

// ChainID names the chain a digest belongs to.
func (n DigestName) ChainID() string {
	s := n.Prefix + "AWSLogs/"
	if n.Org != "" {
		s += n.Org + "/"
	}
	return s + n.Account + " " + n.Region + " " + n.Trail
}

// scope is where log files of a region are delivered: prefix, org, account, region.
func (n DigestName) scope() string {
	return strings.Join([]string{n.Prefix, n.Org, n.Account, n.Region}, "|")
}

// LogName is what a log file's key says about it.
type LogName struct {
	Prefix, Org, Account, Region string
	Time                         time.Time // the delivery time in the name (minutes)
}

// ParseLogName parses a CloudTrail log file key (or a path ending in one).
func ParseLogName(key string) (LogName, bool) {
	m := logNameRE.FindStringSubmatch(key)
	if m == nil || m[8] != m[3] || m[9] != m[4] {
		return LogName{}, false
	}
	t, err := time.Parse("20060102T1504Z", m[10])
	if err != nil {
		return LogName{}, false
	}
	return LogName{Prefix: m[1], Org: m[2], Account: m[3], Region: m[4], Time: t}, true
}

func (n LogName) scope() string {
	return strings.Join([]string{n.Prefix, n.Org, n.Account, n.Region}, "|")
}

// tailFromAWSLogs returns key from its AWSLogs/ segment on, or key itself.
// Copies made without a manifest keep the layout below AWSLogs/ but may
// drop or add folders above it.
func tailFromAWSLogs(key string) string {
	if key == "AWSLogs" || strings.HasPrefix(key, "AWSLogs/") {
		return key
	}
	if i := strings.Index(key, "/AWSLogs/"); i >= 0 {
		return key[i+1:]
	}
	return key
}
