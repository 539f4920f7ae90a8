package analyze

import (
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/eventsql"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// This file builds small CloudTrail cases event by event, for tests of
// attribution that need a precise story: an owner's habits over days and
// an attacker's use that must (or must not) be told apart.

const testAccount = "111122223333"

// ev is one event of a scenario; rec turns it into a CloudTrail record.
type ev struct {
	t                   time.Time
	name, source        string
	ip, ua              string
	user, key, err      string // IAM user name and access key
	req, resp, addition map[string]any
	root                bool           // the account's root user instead of user
	identity            map[string]any // the whole userIdentity, instead of user's
}

var evSeq int

func (e ev) rec() map[string]any {
	evSeq++
	arn := "arn:aws:iam::" + testAccount + ":user/" + e.user
	r := map[string]any{
		"eventVersion": "1.09", "eventTime": e.t.UTC().Format(time.RFC3339), "eventSource": e.source, "eventName": e.name,
		"awsRegion": "us-east-1", "sourceIPAddress": e.ip, "userAgent": e.ua, "eventID": fmt.Sprintf("00000000-0000-4000-8000-%012d", evSeq),
		"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": testAccount, "requestID": fmt.Sprintf("req-%d", evSeq),
		"userIdentity": map[string]any{"type": "IAMUser", "principalId": "AIDA" + strings.ToUpper(e.user), "arn": arn, "accountId": testAccount,
			"accessKeyId": e.key, "userName": e.user},
		"readOnly": strings.HasPrefix(e.name, "List") || strings.HasPrefix(e.name, "Describe") || strings.HasPrefix(e.name, "Get"),
	}
	if e.identity != nil {
		r["userIdentity"] = e.identity
	}
	if e.root {
		r["userIdentity"] = map[string]any{"type": "Root", "principalId": testAccount, "arn": "arn:aws:iam::" + testAccount + ":root", "accountId": testAccount}
	}
	if e.req != nil {
		r["requestParameters"] = e.req
	}
	if e.resp != nil {
		r["responseElements"] = e.resp
	}
	if e.addition != nil {
		r["additionalEventData"] = e.addition
	}
	if e.err != "" {
		r["errorCode"], r["errorMessage"] = e.err, "User is not authorized to perform this operation"
	}
	return r
}

// writeCase writes events as one gzipped CloudTrail delivery file in a
// fresh folder and returns the folder.
func writeCase(t *testing.T, evs []ev) string {
	t.Helper()
	slices.SortStableFunc(evs, func(a, b ev) int { return a.t.Compare(b.t) })
	recs := make([]map[string]any, len(evs))
	for i, e := range evs {
		recs[i] = e.rec()
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, testAccount+"_CloudTrail_us-east-1_case.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if err := json.NewEncoder(zw).Encode(map[string]any{"Records": recs}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// every returns events from start to end, one per step, cycling through names.
func every(start, end time.Time, step time.Duration, names []string, tmpl ev) []ev {
	var out []ev
	i := 0
	for t := start; t.Before(end); t = t.Add(step) {
		e := tmpl
		e.t, e.name = t, names[i%len(names)]
		e.source = sourceOf(e.name)
		out = append(out, e)
		i++
	}
	return out
}

func sourceOf(name string) string {
	switch name {
	case "DescribeInstances", "DescribeVolumes", "DescribeSecurityGroups":
		return "ec2.amazonaws.com"
	case "GetCallerIdentity":
		return "sts.amazonaws.com"
	case "ListObjects", "ListBuckets", "GetObject", "PutObject":
		return "s3.amazonaws.com"
	case "GetMetricData":
		return "monitoring.amazonaws.com"
	case "ListUsers", "ListRoles", "ListPolicies", "CreateUser", "CreateAccessKey", "AttachUserPolicy", "GetAccountAuthorizationDetails":
		return "iam.amazonaws.com"
	case "ConsoleLogin":
		return "signin.amazonaws.com"
	}
	return "ec2.amazonaws.com"
}

const (
	ownerSDK = "Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#5.10.0 md/arch#x86_64 lang/python#3.11.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.11"
	kaliCLI  = "aws-cli/2.15.9 Python/3.11.6 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/iam.list-users"
)

// twoAddressOwner is issue #22 at small scale: the owner of a CI key uses
// it from an office address and, from the second day, from a runner in an
// AWS range with the same SDK — a runner whose routine includes a few
// denied calls. On the fourth day an attacker uses the key from another
// address with offensive tooling. Only the attacker's events are the
// attacker's.
func twoAddressOwner() (evs []ev, attacker []int, key string) {
	key = "AKIAEXAMPLEOWNER0001"
	day0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	owner := ev{ip: "198.51.100.10", ua: ownerSDK, user: "ci-deploy", key: key}
	evs = append(evs, every(day0, day0.Add(5*24*time.Hour), 10*time.Minute, []string{"DescribeInstances", "GetCallerIdentity", "ListObjects", "GetMetricData"}, owner)...)
	runner := owner
	runner.ip = "3.80.11.12"
	start := day0.Add(24*time.Hour + time.Minute)
	rs := every(start, day0.Add(5*24*time.Hour), 15*time.Minute, []string{"DescribeInstances", "GetCallerIdentity", "ListObjects", "DescribeVolumes", "DescribeSecurityGroups"}, runner)
	for i := range rs {
		if i%97 == 5 { // the runner's routine denials, on several APIs
			rs[i].err = "AccessDenied"
		}
	}
	evs = append(evs, rs...)
	// Someone else in the account, for the account's own history.
	evs = append(evs, every(day0, day0.Add(5*24*time.Hour), 20*time.Minute, []string{"DescribeInstances", "ListBuckets"},
		ev{ip: "198.51.100.20", ua: "aws-cli/2.13.0 Python/3.11.4 Darwin/23.0.0 exe/x86_64 prompt/off", user: "alice", key: "AKIAEXAMPLEALICE0001"})...)
	n := len(evs)
	at := day0.Add(3*24*time.Hour + 2*time.Hour)
	tor := ev{ip: "185.220.101.5", ua: kaliCLI, user: "ci-deploy", key: key}
	for i, name := range []string{"GetCallerIdentity", "ListUsers", "ListRoles", "ListPolicies", "ListBuckets", "GetAccountAuthorizationDetails", "DescribeInstances"} {
		e := tor
		e.t, e.name, e.source = at.Add(time.Duration(i)*20*time.Second), name, sourceOf(name)
		if i%3 == 2 {
			e.err = "AccessDenied"
		}
		evs = append(evs, e)
	}
	e := tor
	e.t, e.name, e.source, e.req = at.Add(5*time.Minute), "CreateUser", "iam.amazonaws.com", map[string]any{"userName": "backup-svc"}
	e.resp = map[string]any{"user": map[string]any{"userName": "backup-svc", "arn": "arn:aws:iam::" + testAccount + ":user/backup-svc"}}
	evs = append(evs, e)
	e.t, e.name, e.req = at.Add(6*time.Minute), "AttachUserPolicy", map[string]any{"userName": "backup-svc", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
	e.resp = nil
	evs = append(evs, e)
	for i := n; i < len(evs); i++ {
		attacker = append(attacker, i)
	}
	return evs, attacker, key
}

// TestTwoAddressOwner: the owner's second address, with the owner's tools
// and a routine of a few denials, is not the attacker's — from the key, and
// in triage. It failed before attribution by evidence: three denials made
// the runner's address "the first sign", and its routine was counted.
func TestTwoAddressOwner(t *testing.T) {
	evs, attackerIdx, key := twoAddressOwner()
	dir := writeCase(t, evs)
	st, hits := caseDB(t, dir)
	want := attackerIDs(t, st, "185.220.101.5")
	if len(want) != len(attackerIdx) {
		t.Fatalf("fixture: %d attacker events in the case, %d written", len(want), len(attackerIdx))
	}
	for _, mode := range []struct {
		name string
		opts Options
	}{{"key", Options{Keys: []string{key}}}, {"triage", Options{}}} {
		t.Run(mode.name, func(t *testing.T) {
			c := investigate(t, st, hits, mode.opts)
			got := map[string]bool{}
			for _, a := range c.Actions {
				got[a.EventID] = true
				if a.SourceIP == "3.80.11.12" || a.SourceIP == "198.51.100.10" {
					t.Errorf("the owner's event %s %s from %s is counted as the attacker's", a.EventName, a.EventTime.Format(time.RFC3339), a.SourceIP)
				}
			}
			for _, id := range want {
				if !got[id] {
					t.Errorf("attacker event %s missing", id)
				}
			}
			for _, ip := range c.SourceIPs {
				if ip.IP != "185.220.101.5" {
					t.Errorf("source IPs name %s, an owner's address", ip.IP)
				}
			}
			if mode.name == "triage" {
				if len(c.Triage) == 0 || !strings.HasSuffix(c.Triage[0].PrincipalARN, ":user/ci-deploy") || c.Triage[0].Verdict != "attacker" {
					t.Fatalf("triage: %+v", c.Triage)
				}
				if !slices.Equal(c.Triage[0].Addresses, []string{"185.220.101.5"}) {
					t.Errorf("triage names addresses %v, want only the attacker's", c.Triage[0].Addresses)
				}
			}
			for _, cr := range c.CompromisedCredentials {
				if cr.Baseline != nil && cr.Baseline.Until != nil && cr.Baseline.Until.IsZero() {
					t.Errorf("credential %s: baseline until is Go's zero time", cr.AccessKeyID)
				}
			}
		})
	}
}

// attackerIDs lists the ids of the events from ip in the case.
func attackerIDs(t *testing.T, st *store.Store, ip string) []string {
	t.Helper()
	rows, err := st.DB().Query("SELECT event_id FROM events WHERE source_ip = ? ORDER BY event_id", ip)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// TestMFALapseAtHome: a console user who always signed in with MFA signs in
// once without it, from an address (and with the browser) the user had
// signed in from before. That lapse is not an attacker on its own: at 5 M
// ctgen events such a background user was ranked second by triage and named
// the attacker's. A sign-in without MFA from a new address still is
// (TestPrincipalHabits in analyze_test.go).
func TestMFALapseAtHome(t *testing.T) {
	day0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	const browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36"
	const office, home = "198.51.100.30", "203.0.113.7"
	signIn := func(at time.Duration, ip, mfa string) ev {
		return ev{t: day0.Add(at), name: "ConsoleLogin", source: "signin.amazonaws.com", ip: ip, ua: browser, user: "yusuf",
			resp: map[string]any{"ConsoleLogin": "Success"}, addition: map[string]any{"MFAUsed": mfa, "LoginTo": "https://console.aws.amazon.com/"}}
	}
	h := time.Hour
	evs := []ev{
		signIn(9*h, office, "Yes"), signIn(20*h, home, "Yes"),
		signIn(33*h, office, "Yes"), signIn(45*h, home, "Yes"),
		signIn(92*h, home, "No"), // day 3, at home, without MFA
		signIn(105*h, office, "Yes"),
	}
	// The account's other activity, for its own history.
	evs = append(evs, every(day0, day0.Add(5*24*h), 20*time.Minute, []string{"DescribeInstances", "ListBuckets"},
		ev{ip: "198.51.100.20", ua: "aws-cli/2.13.0 Python/3.11.4 Darwin/23.0.0 exe/x86_64 prompt/off", user: "alice", key: "AKIAEXAMPLEALICE0001"})...)
	dir := writeCase(t, evs)
	st, hits := caseDB(t, dir)
	c := investigate(t, st, hits, Options{})
	for _, e := range c.Triage {
		if e.Verdict == "attacker" {
			t.Errorf("triage names %s the attacker's: %v", e.PrincipalARN, e.Reasons)
		}
	}
	if len(c.CompromisedCredentials) != 0 || len(c.SourceIPs) != 0 {
		t.Errorf("the owner's sign-ins are reported compromised: %d credentials, %d addresses", len(c.CompromisedCredentials), len(c.SourceIPs))
	}
}

// TestSignInDetectionsAlone: a root console sign-in without MFA (a high
// detection) with nothing else to go on is how the account is kept, not a
// sign of who signed in: triage shows it for review and names no attacker.
// It named root's console session the attacker's on AWS's documentation
// examples before detections on sign-ins alone stopped counting as strong.
func TestSignInDetectionsAlone(t *testing.T) {
	day0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	const browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"
	evs := []ev{{t: day0.Add(30 * time.Hour), name: "ConsoleLogin", source: "signin.amazonaws.com", ip: "203.0.113.40", ua: browser, root: true,
		resp: map[string]any{"ConsoleLogin": "Success"}, addition: map[string]any{"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"}}}
	evs = append(evs, every(day0, day0.Add(3*24*time.Hour), 20*time.Minute, []string{"DescribeInstances", "ListBuckets"},
		ev{ip: "198.51.100.20", ua: "aws-cli/2.13.0 Python/3.11.4 Darwin/23.0.0 exe/x86_64 prompt/off", user: "alice", key: "AKIAEXAMPLEALICE0001"})...)
	st, hits := caseDB(t, writeCase(t, evs))
	fired := false
	for _, f := range hits {
		fired = fired || f.Level == "high" || f.Level == "critical"
	}
	if !fired {
		t.Fatalf("fixture: no high detection on the root sign-in: %+v", hits)
	}
	c := investigate(t, st, hits, Options{})
	for _, e := range c.Triage {
		if e.Verdict == "attacker" {
			t.Errorf("triage names %s the attacker's: %v", e.PrincipalARN, e.Reasons)
		}
	}
	if len(c.CompromisedCredentials) != 0 {
		t.Errorf("%d credentials reported compromised", len(c.CompromisedCredentials))
	}
}

// TestWorkloadKeyBesidePublicReads is flaws2's first level, as its public
// logs show it: a Lambda function's session key, issued to the Lambda
// service and first used by the function, is used a minute later from an
// outside address with the AWS CLI — an address that had just read the
// account's public website bucket anonymously. Those anonymous reads are
// not the account's own network, so the key used there is the attacker's.
// Before the account's addresses were limited to its own principals', the
// website reads made the address "known" and nothing was found.
func TestWorkloadKeyBesidePublicReads(t *testing.T) {
	t0 := time.Date(2018, 11, 28, 23, 2, 0, 0, time.UTC)
	const key, outside = "ASIAEXAMPLEWORKLOAD1", "104.102.221.250"
	role := map[string]any{"type": "AssumedRole", "principalId": "AROAEXAMPLE:level1", "arn": "arn:aws:sts::" + testAccount + ":assumed-role/level1/level1",
		"accountId": testAccount, "accessKeyId": key, "sessionContext": map[string]any{"sessionIssuer": map[string]any{
			"type": "Role", "arn": "arn:aws:iam::" + testAccount + ":role/service-role/level1", "accountId": testAccount, "userName": "level1"}}}
	anonymous := map[string]any{"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
	browser := "[Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.110 Safari/537.36]"
	evs := []ev{}
	for i := range 5 { // the public website, read by a visitor
		evs = append(evs, ev{t: t0.Add(time.Duration(i) * time.Second), name: "GetObject", source: "s3.amazonaws.com", ip: outside, ua: browser,
			identity: anonymous, req: map[string]any{"bucketName": "level1.example.com", "key": fmt.Sprintf("page%d.html", i)}})
	}
	evs = append(evs,
		ev{t: t0.Add(70 * time.Second), name: "AssumeRole", source: "sts.amazonaws.com", ip: "lambda.amazonaws.com", ua: "lambda.amazonaws.com",
			identity: map[string]any{"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
			req:      map[string]any{"roleArn": "arn:aws:iam::" + testAccount + ":role/service-role/level1", "roleSessionName": "level1"},
			resp:     map[string]any{"credentials": map[string]any{"accessKeyId": key, "expiration": "Nov 29, 2018 11:03:12 AM"}}},
		ev{t: t0.Add(72 * time.Second), name: "CreateLogStream", source: "logs.amazonaws.com", ip: "34.234.236.212", ua: "awslambda-worker", identity: role, err: "AccessDenied"},
		ev{t: t0.Add(174 * time.Second), name: "ListObjects", source: "s3.amazonaws.com", ip: outside, ua: "aws-cli/1.16.19 Python/2.7.10 Darwin/17.7.0 botocore/1.12.9", identity: role,
			req: map[string]any{"bucketName": "level1.example.com"}},
		ev{t: t0.Add(233 * time.Second), name: "ListImages", source: "ecr.amazonaws.com", ip: outside, ua: "aws-cli/1.16.19 Python/2.7.10 Darwin/17.7.0 botocore/1.12.9", identity: role,
			req: map[string]any{"repositoryName": "level2"}},
	)
	st, hits := caseDB(t, writeCase(t, evs))
	c := investigate(t, st, hits, Options{})
	if len(c.Triage) == 0 || c.Triage[0].Verdict != "attacker" || !slices.Equal(c.Triage[0].Addresses, []string{outside}) {
		t.Fatalf("triage does not name the workload key's use from %s: %+v", outside, c.Triage)
	}
	found := false
	for _, cr := range c.CompromisedCredentials {
		found = found || cr.AccessKeyID == key
	}
	if !found {
		t.Errorf("%s is not among the compromised credentials: %+v", key, c.CompromisedCredentials)
	}
}

// TestIssuedToServices: which AWS service a session key was issued to is
// read from the service AssumeRoles shortly before the key's first use —
// ten hours before, two minutes before — and from nowhere else: a key a
// service was never issued has no such origin, and keys nobody asked about
// are not read.
func TestIssuedToServices(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	service := func(at time.Time, svc, key string) ev {
		return ev{t: at, name: "AssumeRole", source: "sts.amazonaws.com", ip: svc, ua: svc,
			identity: map[string]any{"type": "AWSService", "invokedBy": svc},
			req:      map[string]any{"roleArn": "arn:aws:iam::" + testAccount + ":role/app", "roleSessionName": "s"},
			resp:     map[string]any{"credentials": map[string]any{"accessKeyId": key}}}
	}
	use := func(at time.Time, key, ip string) ev {
		return ev{t: at, name: "GetObject", source: "s3.amazonaws.com", ip: ip, ua: "aws-sdk-go-v2/1.30.0", req: map[string]any{"bucketName": "b"},
			identity: map[string]any{"type": "AssumedRole", "principalId": "AROAEXAMPLE:s", "arn": "arn:aws:sts::" + testAccount + ":assumed-role/app/s",
				"accountId": testAccount, "accessKeyId": key}}
	}
	const early, late, never, other = "ASIAEXAMPLEISSUED010", "ASIAEXAMPLEISSUED020", "ASIAEXAMPLENOTISSUED", "ASIAEXAMPLEOTHERKEY0"
	evs := []ev{
		service(t0, "ec2.amazonaws.com", early),
		use(t0.Add(10*time.Hour), early, "203.0.113.10"),
		service(t0.Add(3*24*time.Hour), "lambda.amazonaws.com", late),
		use(t0.Add(3*24*time.Hour+2*time.Minute), late, "203.0.113.11"),
		use(t0.Add(5*24*time.Hour), never, "203.0.113.12"),
		service(t0.Add(4*24*time.Hour), "ecs-tasks.amazonaws.com", other),
		use(t0.Add(4*24*time.Hour+time.Minute), other, "203.0.113.13"),
	}
	st, _ := caseDB(t, writeCase(t, evs))
	inv := newInvestigation(context.Background(), st.DB(), &Options{})
	if err := inv.readIssued([]string{early, late, never}); err != nil {
		t.Fatal(err)
	}
	want := map[string]keyOrigin{
		early: {ip: "ec2.amazonaws.com", ua: "ec2.amazonaws.com", t: t0},
		late:  {ip: "lambda.amazonaws.com", ua: "lambda.amazonaws.com", t: t0.Add(3 * 24 * time.Hour)},
	}
	if !reflect.DeepEqual(inv.issued, want) {
		t.Errorf("issued %+v, want %+v", inv.issued, want)
	}
	// Asked again, with a key not read before: only that one is read.
	if err := inv.readIssued([]string{early, other}); err != nil {
		t.Fatal(err)
	}
	if o := inv.issued[other]; o.ip != "ecs-tasks.amazonaws.com" || len(inv.issued) != 3 {
		t.Errorf("after asking for %s: %+v", other, inv.issued)
	}
}

// TestHistoryPerIdentity: history reads each identity once per
// investigation, and what it returns for a set of identities is what a
// fresh read of that set gives, whatever earlier steps read — triage's
// read of everything included. Console sign-ins keep their MFA and
// outcome, which come from the events' JSON in a second query.
func TestHistoryPerIdentity(t *testing.T) {
	ctx := context.Background()
	day0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	const browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36"
	login := func(at time.Duration, user, ip, mfa, outcome string) ev {
		return ev{t: day0.Add(at), name: "ConsoleLogin", source: "signin.amazonaws.com", ip: ip, ua: browser, user: user,
			resp: map[string]any{"ConsoleLogin": outcome}, addition: map[string]any{"MFAUsed": mfa}}
	}
	first := []ev{login(time.Hour, "yusuf", "198.51.100.30", "Yes", "Success"), login(2*time.Hour, "alice", "198.51.100.20", "No", "Success")}
	first = append(first, every(day0, day0.Add(24*time.Hour), 30*time.Minute, []string{"DescribeInstances", "ListBuckets"},
		ev{ip: "198.51.100.20", ua: "aws-cli/2.13.0 Python/3.11.4 Darwin/23.0.0 exe/x86_64 prompt/off", user: "alice", key: "AKIAEXAMPLEALICE0001"})...)
	second := []ev{login(30*time.Hour, "yusuf", "203.0.113.7", "No", "Failure"), login(31*time.Hour, "yusuf", "203.0.113.7", "No", "Success")}
	second = append(second, every(day0.Add(24*time.Hour), day0.Add(48*time.Hour), time.Hour, []string{"GetCallerIdentity"},
		ev{ip: "203.0.113.9", ua: kaliCLI, user: "bob", key: "AKIAEXAMPLEBOB000001"})...)
	st, _ := caseDB(t, writeCase(t, first), writeCase(t, second))
	arn := func(u string) string { return "arn:aws:iam::" + testAccount + ":user/" + u }
	alice, bob, yusuf := arn("alice"), arn("bob"), arn("yusuf")
	usesOf := func(ids ...string) map[useKey]*use {
		m := map[useKey]*use{}
		for _, id := range ids {
			m[useKey{identity: id}] = &use{identity: id}
		}
		return m
	}
	perID := func(h *history) []any { return []any{h.identityFirst, h.ipFirst, h.famFirst, h.signIns, h.idHours} }
	fresh := func(all bool, ids ...string) *history {
		h, err := newInvestigation(ctx, st.DB(), &Options{}).history(usesOf(ids...), all)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	want := []signIn{{day0.Add(30 * time.Hour), "203.0.113.7", "No", false}, {day0.Add(31 * time.Hour), "203.0.113.7", "No", true}}
	want = append([]signIn{{day0.Add(time.Hour), "198.51.100.30", "Yes", true}}, want...)
	if got := fresh(false, yusuf).signIns[yusuf]; !reflect.DeepEqual(got, want) {
		t.Errorf("yusuf's sign-ins %+v, want %+v", got, want)
	}

	for _, order := range [][]struct {
		all   bool
		ids   []string
		reads int // reads of the case so far
	}{
		{{false, []string{alice}, 1}, {false, []string{alice, bob}, 2}, {false, []string{alice, bob}, 2}, {false, []string{bob}, 2}},
		{{false, []string{yusuf, bob}, 1}, {true, nil, 2}, {false, []string{alice}, 2}, {false, []string{bob, yusuf}, 2}},
	} {
		var logs strings.Builder
		inv := newInvestigation(ctx, st.DB(), &Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		for i, step := range order {
			got, err := inv.history(usesOf(step.ids...), step.all)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(perID(got), perID(fresh(step.all, step.ids...))) {
				t.Errorf("step %d (%v, all %v): history differs from a fresh read", i, step.ids, step.all)
			}
			if n := strings.Count(logs.String(), "part=identities"); n != step.reads {
				t.Errorf("step %d (%v, all %v): %d reads of the case, want %d", i, step.ids, step.all, n, step.reads)
			}
		}
	}
}

// TestHitGroups: detection hits are grouped by finding, use and kind of
// call, and an S3 read of CloudTrail's own log files (by object key or
// prefix) is told from any other S3 call — in the same file as one, too:
// the kind is read afterwards for the S3 calls by file and position.
func TestHitGroups(t *testing.T) {
	ctx := context.Background()
	day0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	alice := ev{ip: "198.51.100.20", ua: "aws-cli/2.13.0 Python/3.11.4 Darwin/23.0.0 exe/x86_64 prompt/off", user: "alice", key: "AKIAEXAMPLEALICE0001"}
	call := func(at time.Duration, name string, req map[string]any) ev {
		e := alice
		e.t, e.name, e.source, e.req = day0.Add(at), name, sourceOf(name), req
		return e
	}
	trailKey := "AWSLogs/" + testAccount + "/CloudTrail/us-east-1/2024/05/01/" + testAccount + "_CloudTrail_us-east-1_x.json.gz"
	first := []ev{
		call(time.Hour, "GetObject", map[string]any{"bucketName": "trail", "key": trailKey}),      // A
		call(2*time.Hour, "GetObject", map[string]any{"bucketName": "data", "key": "report.csv"}), // B
	}
	second := []ev{
		call(3*time.Hour, "ListObjects", map[string]any{"bucketName": "trail", "prefix": "AWSLogs/o-abc123/" + testAccount + "/CloudTrail/"}), // C
		call(4*time.Hour, "GetObject", map[string]any{"bucketName": "trail", "key": "/" + trailKey}),                                          // D
		call(5*time.Hour, "DescribeInstances", nil), // E
	}
	st, _ := caseDB(t, writeCase(t, first), writeCase(t, second))
	var ids []string
	rows, err := st.DB().Query(`SELECT event_id FROM events ORDER BY event_time`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) != 5 {
		t.Fatalf("%d events", len(ids))
	}
	a, b, c, d, e := ids[0], ids[1], ids[2], ids[3], ids[4]
	inv := newInvestigation(ctx, st.DB(), &Options{})
	got, err := inv.hitGroups([]string{a, b, c, e, a, d}, []int32{0, 0, 0, 0, 1, 1}, "true", nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(x, y hitGroup) int { return cmp.Or(x.r-y.r, strings.Compare(x.kind, y.kind)) })
	arn := "arn:aws:iam::" + testAccount + ":user/alice"
	group := func(r int, kind string, n int, first time.Duration) hitGroup {
		return hitGroup{r: r, identity: arn, ip: alice.ip, kind: kind, ua: alice.ua, n: n, first: day0.Add(first)}
	}
	want := []hitGroup{group(0, "", 2, 2*time.Hour), group(0, "trail-logs", 2, time.Hour), group(1, "trail-logs", 2, time.Hour)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hit groups\n%+v\nwant\n%+v", got, want)
	}
}

// TestGrantRows: the grant calls are read with their JSON from the case's
// copy (grant_json), and those the copy lacks — one row, or all of them —
// from the events: the same rows as a read of the events alone.
func TestGrantRows(t *testing.T) {
	ctx := context.Background()
	day0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	alice := ev{ip: "198.51.100.20", ua: ownerSDK, user: "alice", key: "AKIAEXAMPLEALICE0001"}
	grantCall := func(at time.Duration, name string, req, resp map[string]any) ev {
		e := alice
		e.t, e.name, e.source, e.req, e.resp = day0.Add(at), name, "iam.amazonaws.com", req, resp
		if name == "AssumeRole" {
			e.source = "sts.amazonaws.com"
		}
		return e
	}
	evs := []ev{
		grantCall(time.Hour, "AssumeRole", map[string]any{"roleArn": "arn:aws:iam::" + testAccount + ":role/deploy", "roleSessionName": "s"},
			map[string]any{"credentials": map[string]any{"accessKeyId": "ASIAEXAMPLESESSION01"}, "assumedRoleUser": map[string]any{"arn": "arn:aws:sts::" + testAccount + ":assumed-role/deploy/s"}}),
		grantCall(2*time.Hour, "CreateUser", map[string]any{"userName": "backup"}, map[string]any{"user": map[string]any{"arn": "arn:aws:iam::" + testAccount + ":user/backup"}}),
		grantCall(3*time.Hour, "CreateAccessKey", map[string]any{"userName": "backup"}, map[string]any{"accessKey": map[string]any{"accessKeyId": "AKIAEXAMPLEBACKUP001", "userName": "backup"}}),
		grantCall(4*time.Hour, "ListUsers", nil, nil),
	}
	st, _ := caseDB(t, writeCase(t, evs[:2]), writeCase(t, evs[2:]))
	db := st.DB()
	f := filter{where: "true"}
	g := eventsql.GrantCond()
	direct, err := query(ctx, db, f, g.Where, g.Args...)
	if err != nil || len(direct) != 3 {
		t.Fatalf("%d grant calls in the events, %v", len(direct), err)
	}
	for _, step := range []struct {
		name, change string
		want         func([]row) []row
	}{
		{"the copy", "", nil},
		{"the copy is read", `UPDATE grant_json SET response_elements = '{"user":{"arn":"copy"}}' WHERE source_position = 1`,
			func(rs []row) []row {
				out := slices.Clone(rs)
				out[1].Response = `{"user":{"arn":"copy"}}`
				return out
			}},
		{"a call missing", `DELETE FROM grant_json WHERE source_position = 0 AND response_elements LIKE '%accessKey%'`, nil},
		{"no copy", `DELETE FROM grant_json`, nil},
	} {
		if step.change != "" {
			if _, err := db.Exec(step.change); err != nil {
				t.Fatal(err)
			}
		}
		want := direct
		if step.want != nil {
			want = step.want(direct)
		}
		got, err := grantRows(ctx, db, f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: grant rows\n%+v\nwant\n%+v", step.name, got, want)
		}
		if step.want != nil { // put the copy back as it was
			if _, err := db.Exec(`UPDATE grant_json SET response_elements = (SELECT response_elements FROM event_rows e
				WHERE e.source_id = grant_json.source_id AND e.source_position = grant_json.source_position)`); err != nil {
				t.Fatal(err)
			}
		}
	}
}
