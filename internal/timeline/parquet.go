package timeline

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/jsonout"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// Amazon Security Lake takes a custom source as Parquet files of one OCSF
// class, under region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/
// (https://docs.aws.amazon.com/security-lake/latest/userguide/custom-sources.html).
// ExportParquet writes one folder per class with that layout. The OCSF
// records are the ocsf format's, typed as Security Lake's own OCSF tables
// are: objects as nested structs, timestamp_t as a 64-bit integer of
// milliseconds, datetime_t as a Parquet timestamp, json_t as JSON text, and
// unmapped as a map of strings.

// col is a Parquet column or struct field and its DuckDB type.
type col struct {
	name string
	typ  string // DuckDB type of a leaf
	sub  []col  // fields of a struct
	list bool   // a list of typ or of the struct
}

func leaf(name, typ string) col       { return col{name: name, typ: typ} }
func strct(name string, s ...col) col { return col{name: name, sub: s} }
func strs(names ...string) []col {
	out := make([]col, len(names))
	for i, n := range names {
		out[i] = leaf(n, "VARCHAR")
	}
	return out
}

// duckType renders the column's type for read_json's columns argument.
func (c col) duckType() string {
	t := c.typ
	if c.sub != nil {
		parts := make([]string, len(c.sub))
		for i, f := range c.sub {
			parts[i] = `"` + f.name + `" ` + f.duckType()
		}
		t = "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	if c.list {
		t += "[]"
	}
	return t
}

func (c col) field(name string) (col, bool) {
	for _, f := range c.sub {
		if f.name == name {
			return f, true
		}
	}
	return col{}, false
}

var (
	pqUser = strct("user", append(strs("type", "name", "uid", "uid_alt", "credential_uid"),
		leaf("type_id", "INTEGER"), strct("account", leaf("uid", "VARCHAR")))...)
	pqEndpoint = strs("ip", "svc_name", "domain", "uid", "name", "hostname")
	pqActor    = strct("actor", pqUser,
		strct("session", leaf("created_time", "BIGINT"), leaf("created_time_dt", "TIMESTAMP"),
			leaf("is_mfa", "BOOLEAN"), leaf("issuer", "VARCHAR")),
		leaf("invoked_by", "VARCHAR"), strct("idp", leaf("name", "VARCHAR")))

	// pqCommon are the columns every class writes.
	pqCommon = []col{
		leaf("class_uid", "INTEGER"), leaf("class_name", "VARCHAR"),
		leaf("category_uid", "INTEGER"), leaf("category_name", "VARCHAR"),
		leaf("activity_id", "INTEGER"), leaf("activity_name", "VARCHAR"),
		leaf("type_uid", "BIGINT"), leaf("type_name", "VARCHAR"),
		leaf("severity_id", "INTEGER"), leaf("severity", "VARCHAR"),
		leaf("time", "BIGINT"), leaf("time_dt", "TIMESTAMP"), leaf("message", "VARCHAR"),
		leaf("status_id", "INTEGER"), leaf("status", "VARCHAR"), leaf("status_code", "VARCHAR"),
		leaf("status_detail", "VARCHAR"),
		strct("metadata", leaf("version", "VARCHAR"), leaf("uid", "VARCHAR"), leaf("event_code", "VARCHAR"),
			col{name: "profiles", typ: "VARCHAR", list: true}, col{name: "labels", typ: "VARCHAR", list: true},
			strct("product", leaf("name", "VARCHAR"), leaf("vendor_name", "VARCHAR"), leaf("version", "VARCHAR"),
				strct("feature", leaf("name", "VARCHAR")))),
		strct("cloud", leaf("provider", "VARCHAR"), leaf("region", "VARCHAR"), strct("account", leaf("uid", "VARCHAR"))),
		pqActor,
		strct("api", leaf("operation", "VARCHAR"), leaf("version", "VARCHAR"), strct("service", leaf("name", "VARCHAR")),
			strct("request", strs("uid", "data")...), strct("response", strs("error", "message", "data")...)),
		strct("src_endpoint", pqEndpoint...),
		strct("http_request", leaf("user_agent", "VARCHAR")),
		{name: "observables", list: true, sub: append(strs("name", "type", "value"), leaf("type_id", "INTEGER"))},
		leaf("unmapped", "MAP(VARCHAR, VARCHAR)"),
	}

	// pqClasses are the columns of each class: the common ones and its own.
	pqClasses = map[*ocsfClass]col{
		apiActivity: {sub: append(pqCommon[:len(pqCommon):len(pqCommon)],
			strct("dst_endpoint", pqEndpoint...),
			col{name: "resources", list: true, sub: strs("uid", "type")})},
		authentication: {sub: append(pqCommon[:len(pqCommon):len(pqCommon)],
			pqUser, strct("dst_endpoint", pqEndpoint...), strct("service", leaf("name", "VARCHAR")),
			leaf("is_mfa", "BOOLEAN"), leaf("is_remote", "BOOLEAN"),
			leaf("auth_protocol_id", "INTEGER"), leaf("auth_protocol", "VARCHAR"))},
		accountChange: {sub: append(pqCommon[:len(pqCommon):len(pqCommon)],
			pqUser, strct("policy", strs("uid", "name")...))},
	}
)

// pqJSONText are the json_t attributes, written as JSON text.
var pqJSONText = [][]string{{"api", "request", "data"}, {"api", "response", "data"}}

// folderName is the class's folder: its name in snake case, as Security
// Lake names OCSF classes (API_ACTIVITY) in lower case.
func (c *ocsfClass) folderName() string {
	return strings.ToLower(strings.ReplaceAll(c.name, " ", "_"))
}

// ExportParquet writes the selected events under dir, one folder per OCSF
// class in Security Lake's partition layout. dir must not exist or be
// empty; everything is written beside it first and renamed into place, so
// a failed export leaves nothing under dir.
func ExportParquet(ctx context.Context, db *sql.DB, dir string, opts Options) (sum Summary, err error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return sum, fmt.Errorf("%s exists and is not empty", dir)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".*.tmp")
	if err != nil {
		return sum, fmt.Errorf("creating %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	pw := &parquetWriter{dir: tmp, files: map[*ocsfClass]*classFile{}}
	sum, err = run(ctx, db, pw, opts)
	if cerr := pw.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	for c, f := range pw.files {
		if err := copyParquet(ctx, db, c, f.path, filepath.Join(tmp, c.folderName())); err != nil {
			return sum, err
		}
		if err := os.Remove(f.path); err != nil {
			return sum, err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return sum, err
	}
	os.Remove(dir) // an empty folder in the way; a non-empty one was refused above
	if err := os.Rename(tmp, dir); err != nil {
		return sum, fmt.Errorf("writing %s: %w", dir, err)
	}
	return sum, nil
}

// copyParquet converts one class's JSON lines to Parquet with DuckDB,
// partitioned as Security Lake wants. The lines are already in time order
// (the export reads events sorted by time) and DuckDB keeps insertion
// order, so the files are sorted by time without a sort that would have
// to hold the whole class in memory.
func copyParquet(ctx context.Context, db *sql.DB, c *ocsfClass, src, dst string) error {
	cols := pqClasses[c].sub
	fields := make([]string, len(cols))
	for i, f := range cols {
		fields[i] = "'" + f.name + "': '" + f.duckType() + "'"
	}
	// Partition values: the account whose trail recorded the event and its
	// region; eventDay from the event time (UTC).
	q := fmt.Sprintf(`COPY (
		SELECT *,
			coalesce(cloud.region, 'unknown') AS region,
			coalesce(cloud.account.uid, actor.user.account.uid, 'unknown') AS accountId,
			strftime(make_timestamp(time * 1000), '%%Y%%m%%d') AS eventDay
		FROM read_json(%s, format = 'newline_delimited', columns = {%s})
	) TO %s (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (region, accountId, eventDay), FILENAME_PATTERN 'part-{uuid}')`,
		sqlquote.String(src), strings.Join(fields, ", "), sqlquote.String(dst))
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("writing %s Parquet: %w", c.name, err)
	}
	return nil
}

// parquetWriter sorts OCSF records into one JSON lines file per class,
// shaped for the class's Parquet columns.
type parquetWriter struct {
	dir   string
	files map[*ocsfClass]*classFile
}

type classFile struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	enc  *jsonout.Lines
}

func (p *parquetWriter) write(r *Record) error {
	c := classOf(r.EventName)
	o := ocsfObject(r).(obj)
	if err := parquetShape(o, pqClasses[c], ""); err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	f := p.files[c]
	if f == nil {
		path := filepath.Join(p.dir, c.folderName()+".jsonl")
		file, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("creating %s: %w", path, err)
		}
		f = &classFile{path: path, f: file, bw: bufio.NewWriterSize(file, 1<<20)}
		f.enc = jsonout.NewLines(f.bw)
		p.files[c] = f
	}
	return f.enc.Write(o)
}

func (p *parquetWriter) flush() error { return nil }

func (p *parquetWriter) close() error {
	var errs []error
	for _, f := range p.files {
		errs = append(errs, f.bw.Flush(), f.f.Close())
	}
	return errors.Join(errs...)
}

// parquetShape turns json_t values into JSON text and unmapped into a map
// of strings, and checks that every attribute has a column: an attribute
// the Parquet schema lacks would be dropped by DuckDB without a word, so it
// is an error instead.
func parquetShape(o obj, schema col, path string) error {
	for k, v := range o {
		f, ok := schema.field(k)
		if !ok {
			return fmt.Errorf("attribute %s%s has no Parquet column", path, k)
		}
		switch {
		case k == "unmapped" && path == "":
			o[k] = unmappedStrings(v.(obj))
		case isJSONText(path + k):
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			o[k] = string(b)
		case f.sub != nil && f.list:
			for _, e := range v.([]any) {
				if err := parquetShape(e.(obj), f, path+k+"[]."); err != nil {
					return err
				}
			}
		case f.sub != nil:
			sub, ok := v.(obj)
			if !ok {
				return fmt.Errorf("attribute %s%s is not an object", path, k)
			}
			if err := parquetShape(sub, f, path+k+"."); err != nil {
				return err
			}
		}
	}
	return nil
}

func isJSONText(path string) bool {
	for _, p := range pqJSONText {
		if strings.Join(p, ".") == path {
			return true
		}
	}
	return false
}

// unmappedStrings renders unmapped values as strings: text as it is,
// anything else as JSON.
func unmappedStrings(u obj) map[string]string {
	out := make(map[string]string, len(u))
	for k, v := range u {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(v) // values came from JSON: they marshal
		out[k] = string(b)
	}
	return out
}
