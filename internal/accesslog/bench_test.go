package accesslog

import "testing"

// Parse rates (one core): go test -run '^$' -bench . ./internal/accesslog
func BenchmarkParseS3Access(b *testing.B) {
	lines := readLines(b, "testdata/aws-doc-s3-access.log")
	var r S3Access
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l := lines[i%len(lines)]
		b.SetBytes(int64(len(l)))
		if err := ParseS3Access([]byte(l), &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFlowLog(b *testing.B) {
	lines := readLines(b, "testdata/aws-doc-flow-default.log")[1:3]
	var r Flow
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l := lines[i%len(lines)]
		b.SetBytes(int64(len(l)))
		if err := DefaultFlowFormat.Parse([]byte(l), &r); err != nil {
			b.Fatal(err)
		}
	}
}
