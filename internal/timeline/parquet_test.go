package timeline

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// parquetFolders lists the Parquet files under dir by their path relative
// to it.
func parquetFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestParquet reads the Security Lake layout back with DuckDB: one class
// per folder, partitions from the records, as many rows as the ocsf JSON
// lines export, and OCSF types (structs, not JSON strings).
func TestParquet(t *testing.T) {
	db := caseDB(t)
	dir := filepath.Join(t.TempDir(), "lake")
	sum, err := ExportParquet(context.Background(), db, dir, Options{Format: ParquetFormat, Hits: fixtureHits})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written != 11 || sum.NoTime != 1 {
		t.Errorf("summary %+v", sum)
	}
	jsonl, _ := export(t, db, Options{Format: "ocsf"})
	wantRows := map[int64]int{}
	for _, rec := range decodeLines(t, jsonl) {
		wantRows[intOf(rec["class_uid"])]++
	}

	files := parquetFiles(t, dir)
	classes := map[string]bool{}
	for _, f := range files {
		parts := strings.Split(f, "/")
		if len(parts) != 5 || !strings.HasPrefix(parts[1], "region=") || !strings.HasPrefix(parts[2], "accountId=") ||
			!strings.HasPrefix(parts[3], "eventDay=") || len(parts[3]) != len("eventDay=20250311") || !strings.HasSuffix(parts[4], ".parquet") {
			t.Errorf("file %s is not <class>/region=/accountId=/eventDay=YYYYMMDD/*.parquet", f)
		}
		classes[parts[0]] = true
	}
	if len(classes) != 3 || !classes["api_activity"] || !classes["authentication"] || !classes["account_change"] {
		t.Errorf("class folders %v", classes)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the output: %v", entries)
	}

	for folder, uid := range map[string]int64{"api_activity": 6003, "authentication": 3002, "account_change": 3001} {
		glob := sqlquote.String(filepath.Join(dir, folder, "**", "*.parquet"))
		var n, classes int64
		var region, account, day string
		q := "SELECT count(*), count(DISTINCT class_uid), min(region), min(accountId), min(eventDay) FROM read_parquet(" + glob + ", hive_partitioning = true) WHERE class_uid = " + itoa(uid)
		if err := db.QueryRow(q).Scan(&n, &classes, &region, &account, &day); err != nil {
			t.Fatal(err)
		}
		var total int64
		if err := db.QueryRow("SELECT count(*) FROM read_parquet(" + glob + ")").Scan(&total); err != nil {
			t.Fatal(err)
		}
		if n != int64(wantRows[uid]) || total != n || classes != 1 {
			t.Errorf("%s: %d rows of class %d (%d in all, %d classes), want %d", folder, n, uid, total, classes, wantRows[uid])
		}
		if day != "20250311" || region == "" || account == "" {
			t.Errorf("%s: partitions region=%s accountId=%s eventDay=%s", folder, region, account, day)
		}
		types := columnTypes(t, db, glob)
		for c, want := range map[string]string{"time": "BIGINT", "time_dt": "TIMESTAMP", "class_uid": "INTEGER",
			"unmapped": "MAP(VARCHAR, VARCHAR)"} {
			if types[c] != want {
				t.Errorf("%s: column %s is %s, want %s", folder, c, types[c], want)
			}
		}
		for _, c := range []string{"metadata", "actor", "api", "src_endpoint", "cloud"} {
			if !strings.HasPrefix(types[c], "STRUCT(") {
				t.Errorf("%s: column %s is %s, want a struct", folder, c, types[c])
			}
		}
	}

	// A value survives the trip with its type: the partitions match the
	// record, and request data stays JSON text.
	var uidv, data string
	var created int64
	err = db.QueryRow(`SELECT actor.user.uid, api.request.data, actor.session.created_time FROM read_parquet(`+
		sqlquote.String(filepath.Join(dir, "api_activity", "**", "*.parquet"))+`) WHERE api.operation = 'StopLogging'`).Scan(&uidv, &data, &created)
	if err != nil || uidv != "arn:aws:sts::111122223333:assumed-role/infra-admin/x" || !strings.Contains(data, `"name":"arn:aws:cloudtrail`) || created != 1741660200000 {
		t.Errorf("StopLogging row: %q %q %d %v", uidv, data, created, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "api_activity", "region=eu-west-1", "accountId=444455556666", "eventDay=20250311")); err != nil {
		t.Errorf("StopLogging's partition: %v", err)
	}

	// The folder must be new or empty.
	if _, err := ExportParquet(context.Background(), db, dir, Options{Format: ParquetFormat}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export over a full folder: %v", err)
	}
}

func columnTypes(t *testing.T, db *sql.DB, glob string) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(" + glob + "))")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			t.Fatal(err)
		}
		out[n] = typ
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestParquetHostilePartitions: partition values come from the records;
// one that looks like a path stays inside its folder name.
func TestParquetHostilePartitions(t *testing.T) {
	src := t.TempDir()
	ev := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a","accountId":"111122223333"},` +
		`"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"../../escape","sourceIPAddress":"192.0.2.1",` +
		`"eventTime":"2025-03-11T02:00:00Z","eventID":"11111111-1111-4111-8111-111111111111","requestID":"r1",` +
		`"eventType":"AwsApiCall","recipientAccountId":"../../../x/y"}`
	if err := os.WriteFile(filepath.Join(src, "e.json"), []byte(ev+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := ingestDirs(t, src)
	parent := t.TempDir()
	dir := filepath.Join(parent, "lake")
	if _, err := ExportParquet(context.Background(), db, dir, Options{Format: ParquetFormat}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("files outside the output folder: %v", entries)
	}
	files := parquetFiles(t, dir)
	if len(files) != 1 || len(strings.Split(files[0], "/")) != 5 {
		t.Errorf("files %v, want one at api_activity/region=…/accountId=…/eventDay=…/", files)
	}
	// DuckDB percent-encodes the slashes: region=..%2F..%2Fescape.
	if !strings.Contains(files[0], "%2F") {
		t.Errorf("partition value not encoded: %s", files[0])
	}
}
