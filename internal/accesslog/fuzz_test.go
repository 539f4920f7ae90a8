package accesslog

import (
	"testing"
)

func FuzzParseS3Access(f *testing.F) {
	for _, l := range readLines(f, "testdata/aws-doc-s3-access.log") {
		f.Add([]byte(l))
	}
	f.Add([]byte(`- b [06/Feb/2019:00:00:38 +0000] - - - OP k "a \" b" 200 - 1 1 1 1 "-" "ua" x`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var r S3Access
		if err := ParseS3Access(line, &r); err != nil {
			return
		}
		if r.Raw != string(line) || r.Fields < s3MinFields || r.Time.IsZero() {
			t.Fatalf("accepted %q as %+v", line, r)
		}
		if r.HTTPStatus.OK && (r.HTTPStatus.V < 100 || r.HTTPStatus.V > 999) {
			t.Fatalf("status %d accepted", r.HTTPStatus.V)
		}
	})
}

func FuzzParseFlowLog(f *testing.F) {
	for _, file := range []string{"testdata/aws-doc-flow-default.log", "testdata/aws-doc-flow-custom.log"} {
		lines := readLines(f, file)
		f.Add([]byte(lines[0]), []byte(lines[1]))
	}
	f.Fuzz(func(t *testing.T, first, line []byte) {
		ff, _ := LooksLikeFlowLog(first)
		if ff == nil {
			ff = DefaultFlowFormat
		}
		var r Flow
		if err := ff.Parse(line, &r); err != nil {
			return
		}
		if r.Raw != string(line) {
			t.Fatalf("raw %q, line %q", r.Raw, line)
		}
		if r.Action != "" && r.Action != "ACCEPT" && r.Action != "REJECT" {
			t.Fatalf("action %q accepted", r.Action)
		}
	})
}
