// Command gen writes the synthetic CloudTrail dataset in examples/incident:
// two days of one AWS account's management and data events in the S3
// delivery layout, with one embedded intrusion (a leaked CI access key used
// for enumeration, persistence, privilege escalation and data theft).
//
//	go run ./examples/gen -out examples/incident
//
// The output is deterministic: the same generator source, seed and Go
// toolchain give byte-identical files. All names, keys, identifiers and
// events are synthetic; nothing here was captured from a real account.
//
// Files:
//
//	main.go        flags, records, identities, writing files, digest, truth
//	background.go  the account's normal traffic
//	incident.go    the intrusion
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The world.
const (
	errRate    = 0.045 // chance that an error-prone background read is denied
	acct       = "493812077610"
	usEast1    = "us-east-1"
	euWest1    = "eu-west-1"
	trailName  = "acme-audit-trail"
	trailBkt   = "acme-cloudtrail-logs-493812077610"
	tsLayout   = "2006-01-02T15:04:05Z"
	fileLayout = "20060102T1504Z"
)

var (
	regions   = []string{usEast1, euWest1}
	dayStart  = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	dayEnd    = dayStart.Add(48 * time.Hour)
	seedA     = uint64(20250310)
	seedB     = uint64(493812077610)
	gzipLevel = gzip.BestCompression
)

func main() {
	out := flag.String("out", "examples/incident", "output directory (AWSLogs/... is written inside; an existing AWSLogs/ there is replaced)")
	truth := flag.String("truth", "", "ground-truth JSON file (default: <out>-truth.json)")
	flag.Parse()
	if *truth == "" {
		*truth = strings.TrimRight(*out, `/\`) + "-truth.json"
	}

	g := newGen()
	g.background()
	g.incident()
	g.finish()

	if err := os.RemoveAll(filepath.Join(*out, "AWSLogs")); err != nil {
		fatal(err)
	}
	files, err := g.writeLogs(*out)
	if err != nil {
		fatal(err)
	}
	digest, err := g.writeDigest(*out, files)
	if err != nil {
		fatal(err)
	}
	t := g.truth(files, digest)
	b, err := marshalIndent(t)
	if err != nil {
		fatal(err)
	}
	if err := os.WriteFile(*truth, append(b, '\n'), 0o644); err != nil {
		fatal(err)
	}
	fmt.Printf("events %d (background %d, incident %d), log files %d, digest files 1, gzip bytes %d\n",
		t.Totals.Events, t.Totals.BackgroundEvents, t.Totals.IncidentEvents, t.Totals.LogFiles, t.Totals.GzipBytes)
	fmt.Printf("wrote %s and %s\n", filepath.Join(*out, "AWSLogs"), *truth)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// ---------------------------------------------------------------------------
// Ordered JSON objects, so records keep CloudTrail's field order.

type kv struct {
	k string
	v any
}

type obj []kv

// o builds an obj from alternating keys and values.
func o(pairs ...any) obj {
	if len(pairs)%2 != 0 {
		panic("o: odd number of arguments")
	}
	m := make(obj, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		m = append(m, kv{pairs[i].(string), pairs[i+1]})
	}
	return m
}

func (m obj) get(k string) any {
	for _, p := range m {
		if p.k == k {
			return p.v
		}
	}
	return nil
}

func (m obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := marshal(p.k)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping (CloudTrail does not escape
// '&', '<' or '>').
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

func marshalIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// ---------------------------------------------------------------------------
// Records.

// Event is one CloudTrail record, fields in CloudTrail's order.
type Event struct {
	EventVersion                 string `json:"eventVersion"`
	UserIdentity                 obj    `json:"userIdentity"`
	EventTime                    string `json:"eventTime"`
	EventSource                  string `json:"eventSource"`
	EventName                    string `json:"eventName"`
	AWSRegion                    string `json:"awsRegion"`
	SourceIPAddress              string `json:"sourceIPAddress"`
	UserAgent                    string `json:"userAgent"`
	ErrorCode                    string `json:"errorCode,omitempty"`
	ErrorMessage                 string `json:"errorMessage,omitempty"`
	RequestParameters            any    `json:"requestParameters"`
	ResponseElements             any    `json:"responseElements"`
	AdditionalEventData          any    `json:"additionalEventData,omitempty"`
	RequestID                    string `json:"requestID,omitempty"`
	EventID                      string `json:"eventID"`
	ReadOnly                     bool   `json:"readOnly"`
	Resources                    []obj  `json:"resources,omitempty"`
	EventType                    string `json:"eventType"`
	ManagementEvent              bool   `json:"managementEvent"`
	RecipientAccountID           string `json:"recipientAccountId"`
	SharedEventID                string `json:"sharedEventID,omitempty"`
	VPCEndpointID                string `json:"vpcEndpointId,omitempty"`
	EventCategory                string `json:"eventCategory"`
	TLSDetails                   obj    `json:"tlsDetails,omitempty"`
	SessionCredentialFromConsole string `json:"sessionCredentialFromConsole,omitempty"`
}

// rec is an event plus what the generator knows about it.
type rec struct {
	t     time.Time
	seq   int
	ev    *Event
	phase string // "" for background; the incident phase otherwise
}

// call describes one API call; emit turns it into a record.
type call struct {
	t        time.Time
	region   string
	ident    obj
	ip, ua   string
	src      string // eventSource
	name     string // eventName
	req      any    // requestParameters (nil = null)
	resp     any    // responseElements (nil = null)
	add      any    // additionalEventData (nil = absent)
	ro       bool
	res      []obj
	data     bool   // data event (eventCategory Data, managementEvent false)
	host     string // TLS clientProvidedHostHeader; "" = derived from the service
	noTLS    bool   // calls made by or through AWS services carry no tlsDetails
	tls12    bool   // client negotiates TLS 1.2 instead of 1.3
	vpce     string
	console  bool
	err, msg string
	shared   bool // sharedEventID (calls made by AWS services on the account's behalf)
	etype    string
	noReqID  bool
	reqID    string // requestID, when it must match one in responseElements
	errProne bool   // background: may fail with AccessDenied (about 1 %)
}

type gen struct {
	r    *rand.Rand
	recs []*rec
	seq  int

	// The account's principals and resources, created by newGen.
	w world
	// What the intrusion created, for the ground truth.
	facts incidentFacts
}

func newGen() *gen {
	g := &gen{r: rand.New(rand.NewPCG(seedA, seedB))}
	g.w = g.newWorld()
	return g
}

func (g *gen) emit(c call, phase string) *Event {
	if c.errProne && phase == "" && c.ro && c.err == "" && g.r.Float64() < errRate {
		c.err, c.msg = denied(c.src, c.name, c.ident)
	}
	if c.err != "" {
		c.resp = nil
	}
	ev := &Event{
		EventVersion:        eventVersion(c.src),
		UserIdentity:        c.ident,
		EventTime:           c.t.UTC().Format(tsLayout),
		EventSource:         c.src,
		EventName:           c.name,
		AWSRegion:           c.region,
		SourceIPAddress:     c.ip,
		UserAgent:           c.ua,
		ErrorCode:           c.err,
		ErrorMessage:        c.msg,
		RequestParameters:   c.req,
		ResponseElements:    c.resp,
		AdditionalEventData: c.add,
		ReadOnly:            c.ro,
		Resources:           c.res,
		EventType:           "AwsApiCall",
		ManagementEvent:     !c.data,
		RecipientAccountID:  acct,
		VPCEndpointID:       c.vpce,
		EventCategory:       "Management",
	}
	if c.etype != "" {
		ev.EventType = c.etype
	}
	if c.data {
		ev.EventCategory = "Data"
	}
	if c.reqID != "" {
		ev.RequestID = c.reqID
	} else if !c.noReqID {
		if c.src == "s3.amazonaws.com" {
			ev.RequestID = g.upperAlnum(16)
		} else {
			ev.RequestID = g.uuid()
		}
	}
	ev.EventID = g.uuid()
	if c.shared {
		ev.SharedEventID = g.uuid()
	}
	if !c.noTLS {
		h := c.host
		if h == "" {
			h = hostFor(c.src, c.region)
		}
		if c.tls12 {
			ev.TLSDetails = o("tlsVersion", "TLSv1.2", "cipherSuite", "ECDHE-RSA-AES128-GCM-SHA256", "clientProvidedHostHeader", h)
		} else {
			ev.TLSDetails = o("tlsVersion", "TLSv1.3", "cipherSuite", "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader", h)
		}
	}
	if c.console {
		ev.SessionCredentialFromConsole = "true"
	}
	if c.t.Before(dayStart) || !c.t.Before(dayEnd) {
		panic(fmt.Sprintf("event %s at %s outside the dataset's two days", c.name, c.t))
	}
	g.seq++
	g.recs = append(g.recs, &rec{t: c.t, seq: g.seq, ev: ev, phase: phase})
	return ev
}

func eventVersion(src string) string {
	switch src {
	case "s3.amazonaws.com", "kms.amazonaws.com", "lambda.amazonaws.com", "logs.amazonaws.com",
		"monitoring.amazonaws.com", "tagging.amazonaws.com", "rds.amazonaws.com", "ecs.amazonaws.com",
		"elasticloadbalancing.amazonaws.com", "sqs.amazonaws.com", "guardduty.amazonaws.com":
		return "1.08"
	}
	return "1.09"
}

func hostFor(src, region string) string {
	svc := strings.TrimSuffix(src, ".amazonaws.com")
	switch svc {
	case "iam":
		return "iam.amazonaws.com"
	case "signin":
		return "signin.aws.amazon.com"
	case "s3":
		return "s3.amazonaws.com"
	case "organizations":
		return "organizations.us-east-1.amazonaws.com"
	}
	return svc + "." + region + ".amazonaws.com"
}

// iamPrefix maps an event source to its IAM action prefix.
func iamPrefix(src string) string {
	svc := strings.TrimSuffix(src, ".amazonaws.com")
	switch svc {
	case "monitoring":
		return "cloudwatch"
	case "tagging":
		return "tag"
	case "elasticloadbalancing":
		return "elasticloadbalancing"
	}
	return svc
}

// action strips the API version CloudTrail appends to some event names
// (ListFunctions20150331 -> ListFunctions).
func action(name string) string {
	s := strings.TrimSuffix(strings.TrimSuffix(name, "v2"), "v3")
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if len(s)-i == 8 {
		return s[:i]
	}
	return name
}

// denied returns the error code and message AWS logs when the caller's
// identity-based policies do not allow the call.
func denied(src, name string, ident obj) (string, string) {
	arn, _ := ident.get("arn").(string)
	act := iamPrefix(src) + ":" + action(name)
	why := "because no identity-based policy allows the " + act + " action"
	switch src {
	case "ec2.amazonaws.com":
		return "Client.UnauthorizedOperation", "You are not authorized to perform this operation. User: " + arn + " is not authorized to perform: " + act + " " + why
	case "s3.amazonaws.com":
		return "AccessDenied", "Access Denied"
	case "iam.amazonaws.com", "sts.amazonaws.com", "monitoring.amazonaws.com", "rds.amazonaws.com",
		"elasticloadbalancing.amazonaws.com", "cloudtrail.amazonaws.com", "tagging.amazonaws.com", "sqs.amazonaws.com":
		return "AccessDenied", "User: " + arn + " is not authorized to perform: " + act + " " + why
	}
	return "AccessDeniedException", "User: " + arn + " is not authorized to perform: " + act + " " + why
}

// ---------------------------------------------------------------------------
// Random identifiers (all from the seeded generator).

const (
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperNum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b64chars  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	lowerNum  = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits = "0123456789abcdef"
)

func (g *gen) pick(chars string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.r.IntN(len(chars))]
	}
	return string(b)
}

func (g *gen) alnum(n int) string      { return g.pick(alnum, n) }
func (g *gen) upperAlnum(n int) string { return g.pick(upperNum, n) }
func (g *gen) hex(n int) string        { return g.pick(hexDigits, n) }

func (g *gen) uuid() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], g.r.Uint64())
	binary.BigEndian.PutUint64(b[8:], g.r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// awsID returns an IAM unique ID (AKIA, ASIA, AIDA, AROA ...) that encodes
// the account the way AWS does: after the 4-character prefix, base32 of
// 10 bytes whose bits 1..40 are the account number, so every ID of this
// account shares its next 8 characters. Principal IDs get one more
// character (21 in all); key IDs are 20.
func (g *gen) awsID(prefix string, account uint64) string {
	var b [10]byte
	v := account<<7 | uint64(g.r.IntN(128))
	for i := 5; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	binary.BigEndian.PutUint32(b[6:], g.r.Uint32())
	s := prefix + base32.StdEncoding.EncodeToString(b[:])
	if prefix == "AIDA" || prefix == "AROA" {
		s += g.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 1)
	}
	return s
}

func (g *gen) keyID(prefix string) string { return g.awsID(prefix, acctNum) }

var acctNum = func() uint64 {
	var n uint64
	for _, c := range acct {
		n = n*10 + uint64(c-'0')
	}
	return n
}()

// amzID2 is an S3 x-amz-id-2 value.
func (g *gen) amzID2() string { return g.pick(b64chars, 75) + "=" }

func (g *gen) sessionToken() string {
	return "IQoJb3JpZ2luX2VjE" + g.pick(b64chars, 323) + "=="
}

func (g *gen) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= g.r.Float64()
		if p < l {
			return k
		}
		k++
	}
}

// jitter returns a random duration in [lo, hi) seconds.
func (g *gen) jitter(lo, hi int) time.Duration {
	return time.Duration(lo+g.r.IntN(hi-lo)) * time.Second
}

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

// javaTime is the date format AWS uses inside some responseElements.
func javaTime(t time.Time) string { return t.UTC().Format("Jan 2, 2006, 3:04:05 PM") }

// ---------------------------------------------------------------------------
// Identities.

type user struct {
	name string
	id   string // AIDA...
	key  string // AKIA... (empty for console-only users)
}

func (u *user) arn() string { return "arn:aws:iam::" + acct + ":user/" + u.name }

// identKey is an IAM user calling with a long-term access key.
func (u *user) identKey(key string) obj {
	return o("type", "IAMUser", "principalId", u.id, "arn", u.arn(), "accountId", acct, "accessKeyId", key, "userName", u.name)
}

// identConsole is an IAM user's console session (temporary ASIA key).
func (u *user) identConsole(key string, created time.Time, mfa bool) obj {
	return o("type", "IAMUser", "principalId", u.id, "arn", u.arn(), "accountId", acct, "accessKeyId", key, "userName", u.name,
		"sessionContext", o("sessionIssuer", o(), "webIdFederationData", o(),
			"attributes", o("creationDate", ts(created), "mfaAuthenticated", fmt.Sprint(mfa))))
}

// identSignIn is the identity on a ConsoleLogin record.
func (u *user) identSignIn() obj {
	return o("type", "IAMUser", "principalId", u.id, "arn", u.arn(), "accountId", acct, "userName", u.name)
}

type role struct {
	name string
	path string // "/" or "/service-role/" ...
	id   string // AROA...
}

func (r *role) arn() string { return "arn:aws:iam::" + acct + ":role" + r.path + r.name }

type session struct {
	role      *role
	name      string
	key       string
	created   time.Time
	exp       time.Time
	mfa       bool
	invokedBy string
	ip        string // for sessions bound to one host
}

func (s *session) arn() string {
	return "arn:aws:sts::" + acct + ":assumed-role/" + s.role.name + "/" + s.name
}

func (s *session) ident() obj {
	id := o("type", "AssumedRole", "principalId", s.role.id+":"+s.name, "arn", s.arn(), "accountId", acct, "accessKeyId", s.key,
		"sessionContext", o("sessionIssuer", o("type", "Role", "principalId", s.role.id, "arn", s.role.arn(), "accountId", acct, "userName", s.role.name),
			"webIdFederationData", o(),
			"attributes", o("creationDate", ts(s.created), "mfaAuthenticated", fmt.Sprint(s.mfa))))
	if s.invokedBy != "" {
		id = append(id, kv{"invokedBy", s.invokedBy})
	}
	return id
}

// via returns the identity with invokedBy set, as on calls an AWS service
// makes with the caller's credentials (KMS calls made by S3, Secrets Manager).
func via(ident obj, by string) obj {
	out := make(obj, 0, len(ident)+1)
	for _, p := range ident {
		if p.k != "invokedBy" {
			out = append(out, p)
		}
	}
	return append(out, kv{"invokedBy", by})
}

// pool hands out a role session that is renewed every period; each renewal
// is logged as an AssumeRole by assume.
type pool struct {
	role      *role
	period    time.Duration
	name      func() string
	ip        func() string
	invokedBy string
	cur       *session
	assume    func(t time.Time, s *session)
}

func (g *gen) sess(p *pool, t time.Time) *session {
	if p.cur == nil || !t.Before(p.cur.exp) {
		created := t.Add(-g.jitter(1, 20))
		if created.Before(dayStart) {
			created = dayStart
		}
		s := &session{role: p.role, key: g.keyID("ASIA"), created: created, exp: created.Add(p.period), invokedBy: p.invokedBy}
		if p.name != nil {
			s.name = p.name()
		}
		if p.ip != nil {
			s.ip = p.ip()
		}
		p.cur = s
		if p.assume != nil {
			p.assume(created, s)
		}
	}
	return p.cur
}

// assumeResp is the responseElements of a successful AssumeRole.
func (g *gen) assumeResp(s *session) obj {
	return o("credentials", o("accessKeyId", s.key, "sessionToken", g.sessionToken(), "expiration", javaTime(s.exp)),
		"assumedRoleUser", o("assumedRoleId", s.role.id+":"+s.name, "arn", s.arn()))
}

func roleRes(r *role) []obj {
	return []obj{o("accountId", acct, "type", "AWS::IAM::Role", "ARN", r.arn())}
}

// svcAssume logs an AWS service assuming a role on the account's behalf.
func (g *gen) svcAssume(region, service string, t time.Time, s *session) {
	g.emit(call{t: t, region: region, ident: o("type", "AWSService", "invokedBy", service), ip: service, ua: service,
		src: "sts.amazonaws.com", name: "AssumeRole",
		req:  o("roleArn", s.role.arn(), "roleSessionName", s.name),
		resp: g.assumeResp(s), ro: true, res: roleRes(s.role), noTLS: true, shared: true}, "")
}

// ---------------------------------------------------------------------------
// S3 helpers.

func s3Host(bucket, region string) string { return bucket + ".s3." + region + ".amazonaws.com" }

func (g *gen) s3Add(cipher string, in, out int, sse string) obj {
	m := o("SignatureVersion", "SigV4", "CipherSuite", cipher, "bytesTransferredIn", in)
	if sse != "" {
		m = append(m, kv{"SSEApplied", sse})
	}
	return append(m, kv{"AuthenticationMethod", "AuthHeader"}, kv{"x-amz-id-2", g.amzID2()}, kv{"bytesTransferredOut", out})
}

func objRes(bucket, key string) []obj {
	return []obj{o("type", "AWS::S3::Object", "ARN", "arn:aws:s3:::"+bucket+"/"+key),
		o("accountId", acct, "type", "AWS::S3::Bucket", "ARN", "arn:aws:s3:::"+bucket)}
}

func bucketRes(bucket string) []obj {
	return []obj{o("accountId", acct, "type", "AWS::S3::Bucket", "ARN", "arn:aws:s3:::"+bucket)}
}

func cipherOf(tls12 bool) string {
	if tls12 {
		return "ECDHE-RSA-AES128-GCM-SHA256"
	}
	return "TLS_AES_128_GCM_SHA256"
}

// getObject fills in an S3 GetObject data event.
func (g *gen) getObject(c call, bucket, key string, size int, sse string) call {
	c.src, c.name, c.ro, c.data = "s3.amazonaws.com", "GetObject", true, true
	c.host = s3Host(bucket, c.region)
	c.req = o("bucketName", bucket, "Host", c.host, "key", key)
	c.add = g.s3Add(cipherOf(c.tls12), 0, size, sse)
	c.res = objRes(bucket, key)
	return c
}

func (g *gen) putObject(c call, bucket, key string, size int, sse string) call {
	c.src, c.name, c.ro, c.data = "s3.amazonaws.com", "PutObject", false, true
	c.host = s3Host(bucket, c.region)
	c.req = o("bucketName", bucket, "Host", c.host, "key", key)
	if sse == "aws:kms" {
		c.resp = o("x-amz-server-side-encryption", "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id", g.w.kmsKey[c.region], "x-amz-server-side-encryption-bucket-key-enabled", "true")
	} else {
		c.resp = o("x-amz-server-side-encryption", "AES256")
	}
	s := "Default_SSE_S3"
	if sse == "aws:kms" {
		s = "Default_SSE_KMS"
	}
	c.add = g.s3Add(cipherOf(c.tls12), size, 0, s)
	c.res = objRes(bucket, key)
	return c
}

func (g *gen) listObjects(c call, bucket, prefix string) call {
	c.src, c.name, c.ro, c.data = "s3.amazonaws.com", "ListObjects", true, true
	c.host = s3Host(bucket, c.region)
	c.req = o("list-type", "2", "bucketName", bucket, "encoding-type", "url", "prefix", prefix, "delimiter", "/", "Host", c.host)
	c.add = g.s3Add(cipherOf(c.tls12), 0, 900+g.r.IntN(30000), "")
	c.res = []obj{o("type", "AWS::S3::Object", "ARNPrefix", "arn:aws:s3:::"+bucket+"/"+prefix),
		o("accountId", acct, "type", "AWS::S3::Bucket", "ARN", "arn:aws:s3:::"+bucket)}
	return c
}

// kmsVia logs the KMS call S3 or Secrets Manager makes with the caller's
// credentials.
func (g *gen) kmsVia(t time.Time, region string, ident obj, by, name string, ctx obj, phase string) {
	ip, ua := "AWS Internal", "AWS Internal"
	if by != "AWS Internal" {
		ip, ua = by, by
	}
	req := o("encryptionContext", ctx, "encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	if name == "GenerateDataKey" {
		req = o("keyId", g.w.kmsKey[region], "encryptionContext", ctx, "keySpec", "AES_256")
	}
	g.emit(call{t: t, region: region, ident: via(ident, by), ip: ip, ua: ua, src: "kms.amazonaws.com", name: name,
		req: req, ro: true, noTLS: true,
		res: []obj{o("accountId", acct, "type", "AWS::KMS::Key", "ARN", g.w.kmsKey[region])}}, phase)
}

// ---------------------------------------------------------------------------
// Output.

type logFile struct {
	Path      string    // relative to out, with forward slashes
	Region    string    `json:"-"`
	Delivered time.Time `json:"-"`
	Events    int
	Oldest    time.Time `json:"-"`
	Newest    time.Time `json:"-"`
	RawSHA256 string    `json:"-"` // of the decompressed content
	GzipBytes int       `json:"-"`
}

// finish sorts the records by time.
func (g *gen) finish() {
	sort.SliceStable(g.recs, func(i, j int) bool {
		if !g.recs[i].t.Equal(g.recs[j].t) {
			return g.recs[i].t.Before(g.recs[j].t)
		}
		return g.recs[i].seq < g.recs[j].seq
	})
}

func gz(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzipLevel)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeLogs writes one file per region and 5-minute window that has events.
// As in real delivery, the timestamp in the name (and the date folders) is
// the delivery time, the end of the window.
func (g *gen) writeLogs(out string) ([]*logFile, error) {
	var files []*logFile
	for _, region := range regions {
		var cur []*rec
		var curWin time.Time
		flush := func() error {
			if len(cur) == 0 {
				return nil
			}
			delivered := curWin.Add(5 * time.Minute)
			name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", acct, region, delivered.Format(fileLayout), g.alnum(16))
			rel := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s", acct, region, delivered.Format("2006/01/02"), name)
			var raw bytes.Buffer
			raw.WriteString(`{"Records":[`)
			for i, r := range cur {
				if i > 0 {
					raw.WriteByte(',')
				}
				b, err := marshal(r.ev)
				if err != nil {
					return err
				}
				raw.Write(b)
			}
			raw.WriteString(`]}`)
			z, err := gz(raw.Bytes())
			if err != nil {
				return err
			}
			p := filepath.Join(out, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, z, 0o644); err != nil {
				return err
			}
			sum := sha256.Sum256(raw.Bytes())
			files = append(files, &logFile{Path: rel, Region: region, Delivered: delivered, Events: len(cur),
				Oldest: cur[0].t, Newest: cur[len(cur)-1].t, RawSHA256: hex.EncodeToString(sum[:]), GzipBytes: len(z)})
			cur = nil
			return nil
		}
		for _, r := range g.recs {
			if r.ev.AWSRegion != region {
				continue
			}
			win := r.t.Truncate(5 * time.Minute)
			if !win.Equal(curWin) {
				if err := flush(); err != nil {
					return nil, err
				}
				curWin = win
			}
			cur = append(cur, r)
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return files, nil
}

type digestInfo struct {
	Path      string `json:"path"`
	LogFiles  int    `json:"log_files"`
	GzipBytes int    `json:"-"`
}

// writeDigest writes the us-east-1 digest delivered at 2025-03-10T23:00:00Z,
// which covers the log files delivered in the hour before it. Its signature
// is not real (a digest's signature lives in S3 object metadata anyway).
func (g *gen) writeDigest(out string, files []*logFile) (*digestInfo, error) {
	end := time.Date(2025, 3, 10, 23, 0, 0, 0, time.UTC)
	start := end.Add(-time.Hour)
	name := fmt.Sprintf("%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz", acct, usEast1, trailName, usEast1, end.Format("20060102T150405Z"))
	rel := fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/%s/%s/%s", acct, usEast1, end.Format("2006/01/02"), name)
	var listed []obj
	var oldest, newest time.Time
	for _, f := range files {
		if f.Region != usEast1 || !f.Delivered.After(start) || f.Delivered.After(end) {
			continue
		}
		listed = append(listed, o("s3Bucket", trailBkt, "s3Object", f.Path, "hashValue", f.RawSHA256, "hashAlgorithm", "SHA-256",
			"newestEventTime", ts(f.Newest), "oldestEventTime", ts(f.Oldest)))
		if oldest.IsZero() || f.Oldest.Before(oldest) {
			oldest = f.Oldest
		}
		if f.Newest.After(newest) {
			newest = f.Newest
		}
	}
	d := o("awsAccountId", acct,
		"digestStartTime", ts(start),
		"digestEndTime", ts(end),
		"digestS3Bucket", trailBkt,
		"digestS3Object", rel,
		"digestPublicKeyFingerprint", g.hex(32),
		"digestSignatureAlgorithm", "SHA256withRSA",
		"newestEventTime", ts(newest),
		"oldestEventTime", ts(oldest),
		"previousDigestS3Bucket", nil,
		"previousDigestS3Object", nil,
		"previousDigestHashValue", nil,
		"previousDigestHashAlgorithm", nil,
		"previousDigestSignature", nil,
		"logFiles", listed)
	raw, err := marshal(d)
	if err != nil {
		return nil, err
	}
	z, err := gz(raw)
	if err != nil {
		return nil, err
	}
	p := filepath.Join(out, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(p, z, 0o644); err != nil {
		return nil, err
	}
	return &digestInfo{Path: rel, LogFiles: len(listed), GzipBytes: len(z)}, nil
}
