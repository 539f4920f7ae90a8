package accesslog

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// The five records of AWS's documented example all parse, field by field.
func TestParseS3AccessAWSExample(t *testing.T) {
	lines := readLines(t, "testdata/aws-doc-s3-access.log")
	if len(lines) != 5 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		if !LooksLikeS3Access([]byte(l)) {
			t.Errorf("line %d not recognised", i+1)
		}
		var r S3Access
		if err := ParseS3Access([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	var r S3Access
	if err := ParseS3Access([]byte(lines[0]), &r); err != nil {
		t.Fatal(err)
	}
	want := S3Access{
		BucketOwner: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", Bucket: "amzn-s3-demo-bucket1",
		Time: time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC), TimeText: "06/Feb/2019:00:00:38 +0000", RemoteIP: "192.0.2.3",
		Requester: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", RequestID: "3E57427F3EXAMPLE",
		Operation: "REST.GET.VERSIONING", RequestURI: "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1",
		HTTPStatus: Int{200, true}, BytesSent: Int{113, true}, TotalTime: Int{7, true}, UserAgent: "S3Console/0.4",
		HostID:           "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=",
		SignatureVersion: "SigV4", CipherSuite: "ECDHE-RSA-AES128-GCM-SHA256", AuthType: "AuthHeader",
		HostHeader: "amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com", TLSVersion: "TLSV1.2",
		AccessPointARN: "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP", ACLRequired: "Yes", SourceRegion: "us-east-1",
		Fields: 27, Raw: lines[0],
	}
	if r != want {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if err := ParseS3Access([]byte(lines[4]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Operation != "REST.PUT.OBJECT" || r.Key != "s3-dg.pdf" || r.BytesSent.OK || r.ObjectSize != (Int{4406583, true}) || r.TurnAroundTime != (Int{28, true}) {
		t.Errorf("PUT record: %+v", r)
	}
	if ObjectAction(r.Operation) != ObjectWrite {
		t.Errorf("REST.PUT.OBJECT is %q", ObjectAction(r.Operation))
	}
}

func TestParseS3AccessVariants(t *testing.T) {
	const owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	head := owner + " bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE "
	tests := []struct {
		name, line string
		ok         bool
		check      func(r S3Access) bool
	}{
		{"old format ends with the user agent", head + `REST.GET.OBJECT a/b.txt "GET /bucket/a/b.txt HTTP/1.1" 200 - 10 10 5 4 "-" "aws-cli/2.0"`, true,
			func(r S3Access) bool {
				return r.Fields == 17 && r.Key == "a/b.txt" && r.UserAgent == "aws-cli/2.0" && r.Requester == "arn:aws:iam::123456789012:user/alice"
			}},
		{"user agent with spaces and an escaped quote", head + `REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 200 - 1 1 1 1 "https://x/" "Mozilla/5.0 (X11; \"q\") x" -`, true,
			func(r S3Access) bool {
				return r.UserAgent == `Mozilla/5.0 (X11; \"q\") x` && r.Referer == "https://x/" && r.Fields == 18
			}},
		{"fields AWS adds later are counted, not refused", head + `REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 200 - 1 1 1 1 "-" "ua" - h SigV4 c AuthHeader host TLSv1.3 - - us-east-1 new1 new2`, true,
			func(r S3Access) bool {
				return r.Fields == 29 && r.SourceRegion == "us-east-1" && r.TLSVersion == "TLSv1.3"
			}},
		{"batch delete", head + `BATCH.DELETE.OBJECT secret.db - 204 - - 2048 12 - "-" "aws-cli/2.0"`, true,
			func(r S3Access) bool {
				return ObjectAction(r.Operation) == ObjectDelete && r.RequestURI == "" && r.ObjectSize.V == 2048
			}},
		{"too few fields", head + `REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 200 -`, false, nil},
		{"bad time", owner + ` bucket [06/Foo/2019:00:00:38 +0000] 192.0.2.3 - id REST.GET.OBJECT k "GET / HTTP/1.1" 200 - 1 1 1 1 "-" "ua"`, false, nil},
		{"status not a number", head + `REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" abc - 1 1 1 1 "-" "ua"`, false, nil},
		{"negative size", head + `REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 200 - -5 1 1 1 "-" "ua"`, false, nil},
		{"unclosed quote", head + `REST.GET.OBJECT k "GET /bucket/k HTTP/1.1 200 - 1 1 1 1 "-" "ua`, false, nil},
		{"unclosed bracket", owner + ` bucket [06/Feb/2019:00:00:38 +0000`, false, nil},
		{"double space", head + `REST.GET.OBJECT  k "GET /bucket/k HTTP/1.1" 200 - 1 1 1 1 "-" "ua"`, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r S3Access
			err := ParseS3Access([]byte(tt.line), &r)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrNotS3Access) {
				t.Errorf("error does not wrap ErrNotS3Access: %v", err)
			}
			if tt.ok && !tt.check(r) {
				t.Errorf("record: %+v", r)
			}
		})
	}
}

func TestObjectAction(t *testing.T) {
	for op, want := range map[string]string{
		"REST.GET.OBJECT": ObjectRead, "REST.COPY.OBJECT_GET": ObjectRead, "REST.PUT.OBJECT": ObjectWrite,
		"REST.POST.UPLOAD": ObjectWrite, "REST.DELETE.OBJECT": ObjectDelete, "BATCH.DELETE.OBJECT": ObjectDelete,
		"REST.HEAD.OBJECT": "", "REST.GET.BUCKET": "", "S3.EXPIRE.OBJECT": "", "REST.PUT.PART": "",
	} {
		if got := ObjectAction(op); got != want {
			t.Errorf("%s: %q, want %q", op, got, want)
		}
	}
}

func TestFlowLogAWSExamples(t *testing.T) {
	tests := []struct {
		file   string
		header bool
		check  func(rs []Flow) bool
	}{
		{"testdata/aws-doc-flow-default.log", true, func(rs []Flow) bool {
			a, r, nd, sd := rs[0], rs[1], rs[2], rs[3]
			return len(rs) == 4 && a.Version.V == 2 && a.AccountID == "123456789010" && a.InterfaceID == "eni-1235b8ca123456789" &&
				a.SrcAddr == "172.31.16.139" && a.DstAddr == "172.31.16.21" && a.SrcPort.V == 20641 && a.DstPort.V == 22 &&
				a.Protocol.V == 6 && a.Packets.V == 20 && a.Bytes.V == 4249 && a.StartTime().Equal(time.Unix(1418530010, 0)) &&
				a.EndTime().Equal(time.Unix(1418530070, 0)) && a.Action == "ACCEPT" && a.LogStatus == "OK" &&
				r.Action == "REJECT" && r.DstPort.V == 3389 &&
				nd.LogStatus == "NODATA" && nd.SrcAddr == "" && !nd.Bytes.OK && nd.Action == "" &&
				sd.LogStatus == "SKIPDATA"
		}},
		{"testdata/aws-doc-flow-custom.log", true, func(rs []Flow) bool {
			f := rs[0]
			return len(rs) == 1 && f.Version.V == 5 && f.SrcAddr == "52.95.128.179" && f.DstPort.V == 34210 && f.Type == "IPv4" &&
				f.Bytes.V == 15044 && f.VPCID == "vpc-abcdefab012345678" && f.InstanceID == "i-0c50d5961bcb2d47b" &&
				f.Region == "ap-southeast-2" && f.AZID == "apse2-az3" && f.TCPFlags.V == 19 && f.PktSrcAWSService == "S3" &&
				!f.TrafficPath.OK && f.FlowDirection == "ingress" && f.LogStatus == "OK"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			lines := readLines(t, tt.file)
			f, header := LooksLikeFlowLog([]byte(lines[0]))
			if f == nil || header != tt.header {
				t.Fatalf("first line not recognised: %v %v", f, header)
			}
			var rs []Flow
			for i, l := range lines[1:] {
				var r Flow
				if err := f.Parse([]byte(l), &r); err != nil {
					t.Fatalf("line %d: %v", i+2, err)
				}
				rs = append(rs, r)
			}
			if !tt.check(rs) {
				t.Errorf("records: %+v", rs)
			}
		})
	}
}

func TestFlowLogVariants(t *testing.T) {
	def := "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
	if f, header := LooksLikeFlowLog([]byte(def)); f != DefaultFlowFormat || header {
		t.Errorf("a default record without a header is not recognised")
	}
	for _, notFlow := range []string{
		"hello world again", `{"Records":[]}`, "version account-id", "version foo bar baz",
		"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be b [06/Feb/2019:00:00:38 +0000] 1.2.3.4",
	} {
		if f, _ := LooksLikeFlowLog([]byte(notFlow)); f != nil {
			t.Errorf("%q taken for a flow log", notFlow)
		}
	}
	// Athena's underscore names and ${…} are accepted in a header; ECS
	// fields are kept in Extra.
	f, err := ParseFlowHeader([]byte("${version} account_id srcaddr dstaddr bytes action log_status ecs-cluster-name"))
	if err != nil {
		t.Fatal(err)
	}
	var r Flow
	if err := f.Parse([]byte("5 111122223333 10.0.0.1 198.51.100.7 900 ACCEPT OK prod"), &r); err != nil {
		t.Fatal(err)
	}
	if r.AccountID != "111122223333" || r.Bytes.V != 900 || r.Extra != "ecs-cluster-name=prod" {
		t.Errorf("custom record: %+v", r)
	}
	bad := []string{
		strings.Replace(def, " 22 ", " x ", 1),
		strings.Replace(def, "ACCEPT", "ALLOW", 1),
		strings.Replace(def, " OK", " FINE", 1),
		def + " extra",
		strings.TrimSuffix(def, " OK"),
		strings.Replace(def, " 22 ", "  ", 1),
	}
	for _, l := range bad {
		if err := DefaultFlowFormat.Parse([]byte(l), &r); !errors.Is(err, ErrNotFlowLog) {
			t.Errorf("%q: err = %v", l, err)
		}
	}
}
