package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// loadResult is what DuckDB's own JSON loader did.
type loadResult struct {
	Seconds           float64 `json:"seconds"` // CREATE TABLE ... AS SELECT only
	Rows              int64   `json:"rows"`
	DuckDBVersion     string  `json:"duckdb_version"`
	Threads           int64   `json:"threads"`
	MemoryLimit       string  `json:"memory_limit"`
	MaximumObjectSize int64   `json:"maximum_object_size"`
	SQL               string  `json:"sql"`
}

// readJSONSQL loads the corpus with read_json: each file is one object
// {"Records":[...]}, read as a JSON[] and unnested, then the columns an
// investigation filters on are extracted, as trailsleuth's ingest does
// (which extracts more: about 45 columns plus the raw record).
func readJSONSQL(corpus string, maxObject int64) string {
	glob := filepath.ToSlash(filepath.Join(corpus, "AWSLogs")) + "/**/*.json.gz"
	return fmt.Sprintf(`CREATE TABLE t AS
SELECT
    r->>'$.eventID'                        AS event_id,
    (r->>'$.eventTime')::TIMESTAMPTZ       AS event_time,
    r->>'$.eventName'                      AS event_name,
    r->>'$.eventSource'                    AS event_source,
    r->>'$.awsRegion'                      AS aws_region,
    r->>'$.sourceIPAddress'                AS source_ip,
    r->>'$.userAgent'                      AS user_agent,
    r->>'$.errorCode'                      AS error_code,
    r->>'$.userIdentity.accessKeyId'       AS access_key_id,
    r->>'$.userIdentity.arn'               AS user_arn,
    r->'$.requestParameters'               AS request_parameters,
    r                                      AS raw
FROM (
    SELECT unnest(Records) AS r
    FROM read_json(%s,
        format = 'auto',
        columns = {Records: 'JSON[]'},
        compression = 'gzip',
        maximum_object_size = %d)
)`, sqlquote.String(glob), maxObject)
}

// duckdbLoad runs the read_json load into a fresh database file at dbPath.
// It runs in its own process (-internal-duckdb-load) so that its peak RSS
// is its own.
func duckdbLoad(ctx context.Context, corpus, dbPath string, maxObject int64) (*loadResult, error) {
	res := &loadResult{MaximumObjectSize: maxObject, SQL: readJSONSQL(corpus, maxObject)}
	if err := timedCreate(ctx, dbPath, res); err != nil {
		return nil, fmt.Errorf("read_json load: %w", err)
	}
	return res, nil
}

// timedCreate runs res.SQL, which creates table t, in a fresh database at
// dbPath and checkpoints it; it fills in res with DuckDB's settings, the
// seconds of the two statements and the rows of t.
func timedCreate(ctx context.Context, dbPath string, res *loadResult) error {
	removeDB(dbPath)
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, `SELECT version(), current_setting('threads'), current_setting('memory_limit')`).
		Scan(&res.DuckDBVersion, &res.Threads, &res.MemoryLimit); err != nil {
		return err
	}
	start := time.Now()
	if _, err := conn.ExecContext(ctx, res.SQL); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	res.Seconds = time.Since(start).Seconds()
	return conn.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&res.Rows)
}

// duckdbVersion reports the linked DuckDB library version.
func duckdbVersion(ctx context.Context) string {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return ""
	}
	defer db.Close()
	var v string
	if db.QueryRowContext(ctx, `SELECT version()`).Scan(&v) != nil {
		return ""
	}
	return v
}

// queryInProcess opens the case database read-only in this process and
// times q n times on one connection. It returns the durations and the
// first column of the first row of the last run.
func queryInProcess(ctx context.Context, dbPath, q string, n int) ([]float64, int64, error) {
	// Through store: the events view needs the function it registers.
	st, err := store.OpenReadOnly(ctx, dbPath)
	if err != nil {
		return nil, 0, err
	}
	defer st.Close()
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	var secs []float64
	var v int64
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := conn.QueryRowContext(ctx, q).Scan(&v); err != nil {
			return nil, 0, err
		}
		secs = append(secs, time.Since(start).Seconds())
	}
	return secs, v, nil
}

// removeDB deletes a DuckDB database file and its side files.
func removeDB(path string) {
	for _, p := range append(store.CaseFiles(path), path+".tmp") {
		os.RemoveAll(p)
	}
}

// storeVariants are the column sets of the storage step: DuckDB alone
// storing trailsleuth's own rows, read from Parquet with its fastest bulk
// path (CREATE TABLE AS SELECT, all threads, no memory limit). It is the
// least any ingest that keeps these columns in a DuckDB table can cost, so
// it says how far the ingest target is reachable with the schema as it is.
var storeVariants = []struct{ name, exclude string }{
	{"all columns (what trailsleuth stores)", ""},
	{"all but raw", "raw"},
	{"typed columns only (no raw, no JSON columns)", "raw, request_parameters, response_elements, additional_event_data, resources, tls_details, service_event_details"},
}

// duckdbStore loads variant v of parquet into a fresh database at dbPath
// and checkpoints it; like duckdbLoad it runs in its own process.
func duckdbStore(ctx context.Context, v int, parquet, dbPath string) (*loadResult, error) {
	if v < 0 || v >= len(storeVariants) {
		return nil, fmt.Errorf("no storage variant %d", v)
	}
	defer removeDB(dbPath)
	cols := "*"
	if ex := storeVariants[v].exclude; ex != "" {
		cols = "* EXCLUDE (" + ex + ")"
	}
	res := &loadResult{SQL: fmt.Sprintf("CREATE TABLE t AS SELECT %s FROM read_parquet(%s)", cols, sqlquote.String(parquet))}
	if err := timedCreate(ctx, dbPath, res); err != nil {
		return nil, fmt.Errorf("storing %s: %w", storeVariants[v].name, err)
	}
	return res, nil
}
