// Package gen writes S3 server access logs, VPC flow logs and the matching
// CloudTrail management events for a data-theft-and-ransom scenario, in
// the layouts AWS delivers them, for tests: an attacker lists a bucket,
// reads every object, deletes them and uploads a ransom note, while the
// organisation's own application reads objects as usual. Deterministic for
// a seed.
package gen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
	"github.com/trailsleuth/trailsleuth/internal/scenario"
)

// Scenario describes the case to generate.
type Scenario struct {
	Account, Region string
	Bucket          string
	// Objects are the keys in the bucket; the attacker reads and deletes
	// each, then writes RansomNote.
	Objects    []string
	RansomNote string
	// AttackerIP and AttackerARN make the attack; AppIP and AppARN the
	// organisation's application, which reads objects every few minutes.
	AttackerIP, AttackerARN, AttackerKey string
	AppIP, AppARN                        string
	// Start is when the application's activity begins; the attack starts
	// an hour later.
	Start time.Time
	Seed  uint64
	// InstanceIP is the private address of the instance whose interface
	// logs flows (ENI); the attacker connects to its SSH port and scans
	// RDP.
	InstanceIP, ENI string
}

// Default is a ready scenario with 35 objects.
func Default() Scenario {
	var objs []string
	for i := 0; i < 35; i++ {
		objs = append(objs, fmt.Sprintf("finance/2024/report-%02d.xlsx", i))
	}
	return Scenario{
		Account: "111122223333", Region: "us-east-1", Bucket: "acme-finance-data", Objects: objs,
		RansomNote: "README_RESTORE_FILES.txt", AttackerIP: "203.0.113.66",
		AttackerARN: "arn:aws:iam::111122223333:user/backup-svc", AttackerKey: "AKIAEXAMPLEATTACKER1",
		AppIP: "198.51.100.20", AppARN: "arn:aws:sts::111122223333:assumed-role/app-role/i-0abc",
		Start: time.Date(2024, 3, 11, 8, 0, 0, 0, time.UTC), Seed: 1, InstanceIP: "10.0.1.15", ENI: "eni-0a1b2c3d4e5f60718",
	}
}

// Files are generated files: path (relative, AWS's layout) → content.
type Files map[string][]byte

// AttackStart is when the attacker's first request is made.
func (s Scenario) AttackStart() time.Time { return s.Start.Add(time.Hour) }

const ownerID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

// S3AccessLogs writes the bucket's server access logs, one object per
// hour as <prefix>YYYY-mm-DD-HH-MM-SS-<id> (S3's delivery names).
func (s Scenario) S3AccessLogs() Files {
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	var recs []accesslog.S3Access
	req := func(t time.Time, ip, who, op, key string, status int, sent, size int64, ua string) {
		r := accesslog.S3Access{
			BucketOwner: ownerID, Bucket: s.Bucket, Time: t, RemoteIP: ip, Requester: who,
			RequestID: fmt.Sprintf("%016X", rng.Uint64()), Operation: op, Key: url.PathEscape(key),
			HTTPStatus: accesslog.Int{V: int64(status), OK: true}, UserAgent: ua,
			TotalTime: accesslog.Int{V: 10 + rng.Int64N(90), OK: true}, TurnAroundTime: accesslog.Int{V: 5 + rng.Int64N(20), OK: true},
			HostID: fmt.Sprintf("%x=", rng.Uint64()), SignatureVersion: "SigV4", CipherSuite: "TLS_AES_128_GCM_SHA256",
			AuthType: "AuthHeader", HostHeader: s.Bucket + ".s3." + s.Region + ".amazonaws.com", TLSVersion: "TLSv1.3",
		}
		method := map[string]string{"REST.GET.OBJECT": "GET", "REST.PUT.OBJECT": "PUT", "REST.GET.BUCKET": "GET"}[op]
		if method != "" {
			r.RequestURI = method + " /" + r.Key + " HTTP/1.1"
		}
		if status >= 400 {
			r.ErrorCode = "AccessDenied"
		}
		if sent > 0 {
			r.BytesSent = accesslog.Int{V: sent, OK: true}
		}
		if size > 0 {
			r.ObjectSize = accesslog.Int{V: size, OK: true}
		}
		recs = append(recs, r)
	}
	size := func(k string) int64 { return 10_000 + int64(len(k))*1_337 }
	// The application reads an object every 5 minutes for three hours.
	for t := s.Start; t.Before(s.Start.Add(3 * time.Hour)); t = t.Add(5 * time.Minute) {
		k := s.Objects[rng.IntN(len(s.Objects))]
		req(t, s.AppIP, s.AppARN, "REST.GET.OBJECT", k, 200, size(k), size(k), "aws-sdk-java/2.20.0")
	}
	const ua = "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.kali.2024"
	t := s.AttackStart()
	req(t, s.AttackerIP, s.AttackerARN, "REST.GET.BUCKET", "", 200, 4_096, 0, ua)
	for _, k := range s.Objects {
		t = t.Add(2 * time.Second)
		req(t, s.AttackerIP, s.AttackerARN, "REST.GET.OBJECT", k, 200, size(k), size(k), ua)
	}
	// One denied read: the attacker tries the bucket's logs prefix.
	t = t.Add(2 * time.Second)
	req(t, s.AttackerIP, s.AttackerARN, "REST.GET.OBJECT", "logs/access.log", 403, 243, 0, ua)
	// A multi-object delete: one BATCH.DELETE.OBJECT line per key.
	t = t.Add(30 * time.Second)
	for _, k := range s.Objects {
		req(t, s.AttackerIP, s.AttackerARN, "BATCH.DELETE.OBJECT", k, 204, 0, size(k), ua)
	}
	t = t.Add(10 * time.Second)
	req(t, s.AttackerIP, s.AttackerARN, "REST.PUT.OBJECT", s.RansomNote, 200, 0, 1_024, ua)

	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Time.Before(recs[j].Time) })
	out := Files{}
	byHour := map[time.Time]*bytes.Buffer{}
	for i := range recs {
		h := recs[i].Time.Truncate(time.Hour)
		if byHour[h] == nil {
			byHour[h] = &bytes.Buffer{}
		}
		byHour[h].WriteString(recs[i].Format() + "\n")
	}
	for h, b := range byHour {
		// Delivered a few minutes after the hour, as S3 does.
		name := h.Add(time.Hour+7*time.Minute).Format("2006-01-02-15-04-05") + fmt.Sprintf("-%016X", nameID(s.Seed, h))
		out[path.Join("s3-access-logs", s.Bucket, name)] = b.Bytes()
	}
	return out
}

// FlowLogs writes the instance interface's flow logs, gzip, one file per
// hour under AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/.
func (s Scenario) FlowLogs() Files {
	rng := rand.New(rand.NewPCG(s.Seed, 2))
	var recs []accesslog.Flow
	flow := func(t time.Time, src, dst string, sport, dport int64, proto int64, pk, by int64, action string) {
		recs = append(recs, accesslog.Flow{
			Version: accesslog.Int{V: 2, OK: true}, AccountID: s.Account, InterfaceID: s.ENI, SrcAddr: src, DstAddr: dst,
			SrcPort: accesslog.Int{V: sport, OK: true}, DstPort: accesslog.Int{V: dport, OK: true}, Protocol: accesslog.Int{V: proto, OK: true},
			Packets: accesslog.Int{V: pk, OK: true}, Bytes: accesslog.Int{V: by, OK: true},
			Start: accesslog.Int{V: t.Unix(), OK: true}, End: accesslog.Int{V: t.Add(time.Minute).Unix(), OK: true},
			Action: action, LogStatus: "OK",
		})
	}
	for t := s.Start; t.Before(s.Start.Add(3 * time.Hour)); t = t.Add(10 * time.Minute) {
		flow(t, s.AppIP, s.InstanceIP, 40000+rng.Int64N(20000), 443, 6, 20, 8_000+rng.Int64N(4_000), "ACCEPT")
	}
	t := s.AttackStart().Add(-10 * time.Minute)
	for _, p := range []int64{3389, 445, 5985} {
		flow(t, s.AttackerIP, s.InstanceIP, 50000+rng.Int64N(10000), p, 6, 2, 120, "REJECT")
	}
	flow(t.Add(time.Minute), s.AttackerIP, s.InstanceIP, 51515, 22, 6, 1_200, 310_000, "ACCEPT")
	flow(t.Add(time.Minute), s.InstanceIP, s.AttackerIP, 22, 51515, 6, 2_400, 48_500_000, "ACCEPT")
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Start.V < recs[j].Start.V })
	byHour := map[time.Time]*bytes.Buffer{}
	for i := range recs {
		h := time.Unix(recs[i].Start.V, 0).UTC().Truncate(time.Hour)
		if byHour[h] == nil {
			byHour[h] = bytes.NewBufferString(accesslog.DefaultFlowHeader + "\n")
		}
		byHour[h].WriteString(recs[i].FormatDefault() + "\n")
	}
	out := Files{}
	for h, b := range byHour {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(b.Bytes()) //nolint:errcheck // a bytes.Buffer does not fail
		w.Close()
		name := fmt.Sprintf("%s_vpcflowlogs_%s_fl-0123456789abcdef0_%s_%08x.log.gz", s.Account, s.Region, h.Format("20060102T1504Z"), uint32(nameID(s.Seed, h)))
		out[path.Join("AWSLogs", s.Account, "vpcflowlogs", s.Region, h.Format("2006/01/02"), name)] = z.Bytes()
	}
	return out
}

// CloudTrail writes the management events that match: the attacker's
// ListBuckets and GetBucketLocation before the theft (no S3 data events:
// the trail does not record them, as in most accounts), and the
// application's own calls. Records format, gzip, in the trail layout.
func (s Scenario) CloudTrail() Files {
	rng := rand.New(rand.NewPCG(s.Seed, 3))
	id := func() string {
		return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
	}
	attacker := scenario.Identity{Type: "IAMUser", PrincipalID: "AIDAEXAMPLEBACKUPSVC", ARN: s.AttackerARN, AccountID: s.Account, AccessKeyID: s.AttackerKey, UserName: path.Base(s.AttackerARN)}
	app := scenario.Identity{Type: "AssumedRole", PrincipalID: "AROAEXAMPLEAPPROLE:i-0abc", ARN: s.AppARN, AccountID: s.Account, AccessKeyID: "ASIAEXAMPLEAPPROLE01"}
	var recs []scenario.Record
	yes := true
	add := func(t time.Time, who scenario.Identity, ip, ua, name string, params map[string]any) {
		recs = append(recs, scenario.Record{EventVersion: "1.09", UserIdentity: who, EventTime: t.UTC().Format(time.RFC3339), EventSource: "s3.amazonaws.com",
			EventName: name, AWSRegion: s.Region, SourceIPAddress: ip, UserAgent: ua, RequestParameters: params,
			RequestID: fmt.Sprintf("%016X", rng.Uint64()), EventID: id(), ReadOnly: &yes, EventType: "AwsApiCall",
			ManagementEvent: &yes, RecipientAccountID: s.Account, EventCategory: "Management"})
	}
	for t := s.Start; t.Before(s.Start.Add(3 * time.Hour)); t = t.Add(30 * time.Minute) {
		add(t, app, s.AppIP, "aws-sdk-java/2.20.0", "GetBucketLocation", map[string]any{"bucketName": s.Bucket})
	}
	const ua = "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.kali.2024"
	at := s.AttackStart().Add(-2 * time.Minute)
	add(at, attacker, s.AttackerIP, ua, "ListBuckets", map[string]any{"Host": "s3." + s.Region + ".amazonaws.com"})
	add(at.Add(30*time.Second), attacker, s.AttackerIP, ua, "GetBucketLocation", map[string]any{"bucketName": s.Bucket})
	add(at.Add(40*time.Second), attacker, s.AttackerIP, ua, "GetBucketVersioning", map[string]any{"bucketName": s.Bucket})
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].EventTime < recs[j].EventTime })
	body, err := json.Marshal(map[string]any{"Records": recs})
	if err != nil {
		panic(err) // plain structs: cannot fail
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(body) //nolint:errcheck // a bytes.Buffer does not fail
	w.Close()
	d := s.Start
	name := fmt.Sprintf("%s_CloudTrail_%s_%s_%08x.json.gz", s.Account, s.Region, d.Format("20060102T1504Z"), rng.Uint32())
	return Files{path.Join("AWSLogs", s.Account, "CloudTrail", s.Region, d.Format("2006/01/02"), name): z.Bytes()}
}

// nameID is the random-looking part of a delivered file's name, the same
// for the same seed and hour (map order must not change the files).
func nameID(seed uint64, h time.Time) uint64 {
	return rand.New(rand.NewPCG(seed, uint64(h.Unix()))).Uint64()
}

// Write writes the files under dir, making folders as needed.
func (f Files) Write(dir string) error {
	for name, b := range f {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}

// All is every file of the scenario: CloudTrail, access logs, flow logs.
func (s Scenario) All() Files {
	out := Files{}
	for _, fs := range []Files{s.CloudTrail(), s.S3AccessLogs(), s.FlowLogs()} {
		for k, v := range fs {
			out[k] = v
		}
	}
	return out
}
