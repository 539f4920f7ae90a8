package ingest

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// writeLogCase lays AWS's documented example lines out as AWS delivers
// them (S3 access log objects named by time; flow logs under AWSLogs/…,
// gzip), with one bad line each, and returns the folder.
func writeLogCase(t *testing.T) string {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "accesslog", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b) //nolint:errcheck // bytes.Buffer
		w.Close()
		return buf.Bytes()
	}
	s3 := read("aws-doc-s3-access.log")
	lines := bytes.SplitAfter(s3, []byte("\n"))
	dir := t.TempDir()
	files := map[string][]byte{
		// 5 records, a blank line, a bad line (a truncated record).
		"logs/2019-02-06-00-00-38-5F2F9C3B2EXAMPLE":    append(append(append([]byte{}, s3...), '\n'), lines[0][:120]...),
		"logs/2019-02-06-01-00-00-0A1B2C3D4EXAMPLE.gz": gz(bytes.Join(lines[:2], nil)),
		"AWSLogs/123456789010/vpcflowlogs/us-east-1/2014/12/14/123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20141214T0000Z_hash.log.gz": gz(append(read("aws-doc-flow-default.log"),
			[]byte("2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 DENY OK\n")...)),
		"flows/custom.log": read("aws-doc-flow-custom.log"),
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIngestAccessAndFlowLogs(t *testing.T) {
	st := openStore(t)
	dir := writeLogCase(t)
	sum := ingestPaths(t, st, dir)
	if sum.LogRecords[FormatS3Access] != 7 || sum.LogRecords[FormatFlowLog] != 5 || sum.EventsRead != 0 || sum.Events != 0 {
		t.Fatalf("summary: %+v", sum)
	}
	if sum.Errors[ReasonBadS3AccessLine] != 1 || sum.Errors[ReasonBadFlowLogLine] != 1 || sum.Lost != 2 || sum.FilesSkipped != 0 || sum.Files != 4 {
		t.Errorf("errors %v lost %d skipped %d files %d", sum.Errors, sum.Lost, sum.FilesSkipped, sum.Files)
	}
	checks := []struct {
		q    string
		want int64
	}{
		{"SELECT count(*) FROM s3_access", 7},
		{"SELECT count(*) FROM flow_logs", 5},
		{"SELECT count(*) FROM events", 0},
		// Every record traces to its file, line and the file's SHA-256.
		{"SELECT count(*) FROM s3_access a JOIN sources s USING (source_id) WHERE s.format = 's3-server-access-log' AND length(s.sha256) = 64 AND s.status = 'ingested'", 7},
		{"SELECT count(*) FROM flow_logs f JOIN sources s USING (source_id) WHERE s.format = 'vpc-flow-log' AND length(s.sha256) = 64", 5},
		{"SELECT count(*) FROM sources WHERE events = 5 AND format = 's3-server-access-log' AND path LIKE '%5F2F9C3B2EXAMPLE'", 1},
		// Typed columns.
		{"SELECT count(*) FROM s3_access WHERE operation = 'REST.PUT.OBJECT' AND key = 's3-dg.pdf' AND objectsize = 4406583 AND httpstatus = 200 AND request_time = TIMESTAMPTZ '2019-02-06 00:01:57+00' AND bytessent IS NULL", 1},
		{"SELECT count(*) FROM s3_access WHERE errorcode = 'NoSuchBucketPolicy' AND httpstatus = 404 AND aclrequired = 'Yes'", 1},
		{"SELECT count(*) FROM flow_logs WHERE dstport = 22 AND action = 'ACCEPT' AND bytes = 4249 AND start_time = TIMESTAMPTZ '2014-12-14 04:06:50+00'", 1},
		{"SELECT count(*) FROM flow_logs WHERE log_status IN ('NODATA', 'SKIPDATA') AND srcaddr IS NULL", 2},
		{"SELECT count(*) FROM flow_logs WHERE flow_direction = 'ingress' AND pkt_src_aws_service = 'S3' AND version = 5", 1},
		// Provenance: the PUT is line 5 (position 4); the bad lines are
		// kept in ingest_errors at theirs.
		{"SELECT count(*) FROM s3_access WHERE operation = 'REST.PUT.OBJECT' AND source_position = 4 AND source_offset > 0 AND raw LIKE '%s3-dg.pdf%'", 1},
		{"SELECT count(*) FROM ingest_errors WHERE reason = 'bad_s3_access_log_line' AND position = 6", 1},
		{"SELECT count(*) FROM ingest_errors WHERE reason = 'bad_flow_log_line' AND position = 5 AND detail LIKE '%DENY%'", 1},
	}
	for _, c := range checks {
		if got := count(t, st, c.q); got != c.want {
			t.Errorf("%s: %d, want %d", c.q, got, c.want)
		}
	}
	// Re-ingest adds nothing: every file is known by its SHA-256.
	again := ingestPaths(t, st, dir)
	if again.Unchanged != 4 || again.Events != 0 || again.Duplicates != 0 || count(t, st, "SELECT count(*) FROM s3_access") != 7 || count(t, st, "SELECT count(*) FROM flow_logs") != 5 {
		t.Errorf("re-ingest: %+v", again)
	}
}

// The same log file at two paths in one ingest (or a large file, hashed
// while read, that is already in the case): its records are kept once and
// the copy is marked unchanged.
func TestIngestLogCopiesOnce(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "accesslog", "testdata", "aws-doc-s3-access.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a/2019-02-06-00-00-38-5F2F9C3B2EXAMPLE", "b/copy"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := ingestPaths(t, st, dir)
	if sum.LogDuplicates != 5 || sum.Unchanged != 1 || sum.Files != 1 || count(t, st, "SELECT count(*) FROM s3_access") != 5 {
		t.Errorf("summary %+v, rows %d", sum, count(t, st, "SELECT count(*) FROM s3_access"))
	}
	if n := count(t, st, "SELECT count(*) FROM sources WHERE status = 'unchanged' AND error_detail LIKE 'same SHA-256 as source %'"); n != 1 {
		t.Errorf("copies marked unchanged: %d", n)
	}
}
