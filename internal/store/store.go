// Package store is the DuckDB case database: the embedded schema and its
// migrations, batched appends of events, and SQL queries over them.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/trailsleuth/trailsleuth/internal/shell"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// SchemaVersion is the version of the schema this build writes.
const SchemaVersion = 9

//go:embed schema.sql
var schemaV1 string

//go:embed schema_v2.sql
var schemaV2 string

//go:embed schema_v3.sql
var schemaV3 string

//go:embed schema_v4.sql
var schemaV4 string

//go:embed schema_v5.sql
var schemaV5 string

//go:embed schema_v6.sql
var schemaV6 string

//go:embed schema_v8.sql
var schemaV8 string

//go:embed schema_v9.sql
var schemaV9 string

// migrations[i] brings a database from version i to i+1. The steps to
// versions 7 and 8 move data and are Go (migrateV7, migrateV8): their
// entries are empty.
var migrations = []string{schemaV1, schemaV2, schemaV3, schemaV4, schemaV5, schemaV6, "", "", schemaV9}

// Store is an open case database.
type Store struct {
	db   *sql.DB
	path string
	// exportSlice overrides sliceRows (export.go) in tests.
	exportSlice int64
	// notes say how a read-only open had to read the case (readthrough.go).
	notes []string
	// readOnly: opened with OpenReadOnly.
	readOnly bool
	// opts are the options it was opened with.
	opts Options
	// blockIDs hands out raw_blocks ids to this store's appenders.
	blockIDs blockIDs
	// seg is the segment file of the original events (rawblocks.go).
	seg *segment
	// auditMu makes this store's audit appends one at a time: two
	// transactions reading the same last entry would both append the next
	// number (audit_log has no key since version 8, schema_v8.sql).
	auditMu sync.Mutex
}

// Options configure a case database as it is opened. The zero value caps
// DuckDB at DefaultMemoryLimit and records no command line.
type Options struct {
	// Command is the command line (os.Args) that the audit log's first
	// entry records when an open creates the case or starts its audit log.
	Command []string
	// MemoryLimit caps DuckDB's buffer pool, in DuckDB's syntax ("4GB");
	// empty means DefaultMemoryLimit. The CLI reads it from MemoryLimitEnv.
	MemoryLimit string
}

// DefaultPath is where the case database lives unless --db says otherwise.
const DefaultPath = "trailsleuth.duckdb"

// Open opens (creating if needed) the case database at path and brings its
// schema up to date, in one transaction. A new case is created only in a
// new or empty file; any other file must already be a case database
// (ErrNotCase). An empty path opens an in-memory database.
func Open(ctx context.Context, path string) (*Store, error) {
	return Options{}.Open(ctx, path)
}

// Open is the package's Open with these options.
func (o Options) Open(ctx context.Context, path string) (*Store, error) {
	dsn := path
	if path != "" {
		if err := checkPath(path); err != nil {
			return nil, err
		}
		if dir := filepath.Dir(path); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("case database folder %s: %w", dir, err)
			}
		}
		fi, err := os.Stat(path)
		if err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			// An empty file (made with touch, say) is a new case; DuckDB
			// refuses to open one.
			if err := os.Remove(path); err != nil {
				return nil, fmt.Errorf("case database %s: %w", path, err)
			}
		} else if err == nil {
			if err := checkHeader(path); err != nil {
				return nil, err
			}
		}
		if err != nil || fi.Size() == 0 {
			if err := setAsideSegment(path); err != nil {
				return nil, err
			}
			dsn = path + "?storage_compatibility_version=" + storageVersion
		}
	}
	s, v, err := openCase(ctx, dsn, path, o)
	if err != nil {
		return nil, err
	}
	// A file this open created is in storageVersion's format.
	if err := s.migrate(ctx, v, dsn != path); err != nil {
		s.Close()
		return nil, fmt.Errorf("preparing case database %s: %w", path, err)
	}
	return s, nil
}

// storageVersion is the DuckDB storage format a new case is written in.
// DuckDB writes v0.10.2's by default, for old readers; v1.4's compresses
// the JSON columns with DICT_FSST and made the DuckDB file of a million
// events 20 % smaller (docs/performance.md). A case keeps the format it was
// created with; DuckDB 1.4 (the long-term release) or later opens it.
const storageVersion = "v1.4.0"

// setAsideSegment renames a segment file left beside a case file that is
// gone (a case deleted without it): a new case must not append to another
// case's original events, and they are not deleted either.
func setAsideSegment(path string) error {
	seg := SegmentPath(path)
	if _, err := os.Stat(seg); err != nil {
		return nil
	}
	aside := fmt.Sprintf("%s.orphaned-%s", seg, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(seg, aside); err != nil {
		return fmt.Errorf("a new case at %s: %s is left from another case and could not be set aside: %w", path, seg, err)
	}
	return nil
}

// openCase opens the database named by dsn and returns it with its schema
// version, after checkCase: ErrNotCase for anything but a case (0: empty).
func openCase(ctx context.Context, dsn, path string, o Options) (*Store, int, error) {
	s, err := open(ctx, dsn, path, o)
	if err != nil {
		return nil, 0, err
	}
	v, err := s.checkCase(ctx)
	if err != nil {
		s.Close()
		return nil, 0, err
	}
	return s, v, nil
}

// ErrOldSchema is returned by Options.OpenCurrent for a case an older build wrote.
var ErrOldSchema = errors.New("the case has an older schema")

// OpenCurrent opens an existing case for writing only if it needs no
// migration: a read command records itself in the audit log through it,
// and must not migrate the case to do so.
func (o Options) OpenCurrent(ctx context.Context, path string) (*Store, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	s, v, err := openCase(ctx, path, path, o)
	if err != nil {
		return nil, err
	}
	if v != SchemaVersion {
		// Closed as found: a checkpoint would fold the write-ahead log
		// into the file of a case a read command must not change.
		s.SkipCheckpointOnClose(ctx)
		s.Close()
		return nil, fmt.Errorf("%s: %w (version %d; the next ingest migrates it)", path, ErrOldSchema, v)
	}
	return s, nil
}

// ErrPathUnusable is wrapped by the error of opening a case whose path
// DuckDB's Go driver cannot be given.
var ErrPathUnusable = errors.New("DuckDB's Go driver cannot open this path")

// checkPath refuses a case path that DuckDB's Go driver would misread: it
// parses its connection string as a URL, so a "?" starts the options, a "#"
// starts a fragment that silently swallows them (the case would be opened
// writable when it must be read-only, and created in DuckDB's old storage
// format), and a "%" not followed by two hex digits does not parse.
func checkPath(path string) error {
	bad := ""
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		bad = fmt.Sprintf("a %q", path[i])
	} else if _, err := url.Parse(path); err != nil {
		bad = "a \"%\" that is not followed by two hex digits"
	}
	if bad == "" {
		return nil
	}
	return fmt.Errorf("case database %s: %w: it has %s (the driver reads the path as a URL); rename the file or its folder", path, ErrPathUnusable, bad)
}

// open connects to the database named by dsn and configures it.
func open(ctx context.Context, dsn, path string, o Options) (*Store, error) {
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		if lerr := lockedErr(path, err); lerr != nil {
			return nil, lerr
		}
		if strings.Contains(err.Error(), "not a valid DuckDB database file") {
			return nil, fmt.Errorf("%s: %w: it is not a DuckDB file; give --db a new file", path, ErrNotCase)
		}
		return nil, fmt.Errorf("opening case database %s: %w", path, err)
	}
	seg := &segment{path: SegmentPath(path)}
	if path == "" {
		seg = &segment{temp: true}
	}
	s := &Store{db: sql.OpenDB(connector), path: path, opts: o, seg: seg}
	if err := s.configure(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// ErrLocked is wrapped by the error of opening a case database that another
// process holds: DuckDB lets one process write a database file at a time.
var ErrLocked = errors.New("the case database is open in another trailsleuth process")

var lockHolder = regexp.MustCompile(`Conflicting lock is held in (.*) \(PID (\d+)\)`)

// lockedErr turns DuckDB's lock conflict into a message that says what to
// do; it returns nil for any other error.
func lockedErr(path string, err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "Could not set lock on file") {
		return nil
	}
	who := ""
	if m := lockHolder.FindStringSubmatch(msg); m != nil {
		who = fmt.Sprintf(" (%s, PID %s)", filepath.Base(m[1]), m[2])
	}
	return fmt.Errorf("%s: %w%s; wait for it to finish or use another --db", path, ErrLocked, who)
}

// OpenReadOnly opens an existing case database for reading without
// changing it. A case that needs a change before it can be read — an older
// schema, or events of an ingest that never finished — is read through an
// in-memory layer (readthrough.go) and Notes says so; the file stays as it
// is, so a preserved case keeps its hash and a case on read-only storage
// can be read.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	return Options{}.OpenReadOnly(ctx, path)
}

// OpenReadOnly is the package's OpenReadOnly with these options.
func (o Options) OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	return o.openReadOnly(ctx, path, false)
}

// OpenReadThrough is OpenReadOnly always through the in-memory layer: a
// command that needs scratch tables beside the case (investigate's rule
// run) can then work on a case it cannot write.
func (o Options) OpenReadThrough(ctx context.Context, path string) (*Store, error) {
	return o.openReadOnly(ctx, path, true)
}

func (o Options) openReadOnly(ctx context.Context, path string, layer bool) (*Store, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("case database %s: %w (run 'trailsleuth --db %s ingest PATH' first, or point --db at an existing case)", path, err, shell.QuoteOr(path, "PATH"))
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("case database %s is an empty file (run 'trailsleuth --db %s ingest PATH' first)", path, shell.QuoteOr(path, "PATH"))
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	s, v, err := openCase(ctx, path+"?access_mode=read_only", path, o)
	if err != nil {
		return nil, err
	}
	s.readOnly = true
	if v > SchemaVersion {
		s.Close()
		return nil, fmt.Errorf("case database %s has schema version %d, newer than this build (%d): upgrade trailsleuth", path, v, SchemaVersion)
	}
	var open []unfinishedRun
	if v >= 1 {
		if open, err = unfinishedRuns(ctx, s.db); err != nil {
			s.Close()
			return nil, err
		}
	}
	if v == SchemaVersion && len(open) == 0 && !layer {
		return s, nil
	}
	s.Close()
	return readThrough(ctx, path, v, open, o)
}

// ReadOnly reports whether the store was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Notes say how OpenReadOnly read the case when it could not read it as it
// is (an older schema, an unfinished ingest): for the user and the audit log.
func (s *Store) Notes() []string { return s.notes }

// MemoryLimitEnv is the environment variable whose value the CLI passes as
// Options.MemoryLimit.
const MemoryLimitEnv = "TRAILSLEUTH_MEMORY_LIMIT"

// DefaultMemoryLimit caps DuckDB's buffer pool. DuckDB would otherwise take
// 80 % of RAM; larger work spills to a temporary folder beside the database.
const DefaultMemoryLimit = "512MB"

func (s *Store) configure(ctx context.Context) error {
	limit := cmp.Or(s.opts.MemoryLimit, DefaultMemoryLimit)
	for _, q := range []string{
		"SET memory_limit = " + sqlquote.String(limit),
		// Order of rows in a table carries no meaning here (queries sort by
		// event_time); dropping it lets DuckDB stream large copies.
		"SET preserve_insertion_order = false",
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("configuring DuckDB (%s): %w", q, err)
		}
	}
	return registerRaw(ctx, s.db, s.seg)
}

// Close closes the database and its segment file.
func (s *Store) Close() error {
	err := s.db.Close()
	if cerr := s.seg.close(); err == nil {
		err = cerr
	}
	return err
}

// DB exposes the database for packages that run their own SQL.
func (s *Store) DB() *sql.DB { return s.db }

// versionIn is the case's schema version, given whether the table
// schema_version exists: 0 without it.
func (s *Store) versionIn(ctx context.Context, exists bool) (int, error) {
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// migrate brings the case from version from to SchemaVersion in one
// transaction, so a failure leaves it exactly as it was. Cases from before
// the audit log get it started in the same transaction. newFormat: the file
// is in storageVersion's format, whose tables may use compression the
// older format lacks.
func (s *Store) migrate(ctx context.Context, from int, newFormat bool) error {
	return s.migrateTo(ctx, from, SchemaVersion, newFormat)
}

// migrateTo is migrate to version to (tests make older cases with it).
func (s *Store) migrateTo(ctx context.Context, from, to int, newFormat bool) error {
	if from > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this build (%d): upgrade trailsleuth", from, SchemaVersion)
	}
	if from >= to {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for v := from; v < to; v++ {
		var err error
		switch v {
		case 6:
			err = migrateV7(ctx, s.db, s.seg, tx, newFormat)
		case 7:
			err = migrateV8(ctx, tx)
		default:
			_, err = tx.ExecContext(ctx, migrations[v])
		}
		if err != nil {
			return fmt.Errorf("migration to version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version VALUES (?, ?)`, v+1, time.Now().UTC()); err != nil {
			return fmt.Errorf("migration to version %d: %w", v+1, err)
		}
	}
	if from < 3 {
		if err := startAudit(ctx, tx, from, s.opts.Command); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration to version %d: %w", to, err)
	}
	return nil
}

// startAudit opens the chain of custody with what the case held when the
// audit log came into being.
func startAudit(ctx context.Context, tx *sql.Tx, from int, command []string) error {
	note := "case database created"
	if from > 0 {
		var events, sources int64
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sources)`).Scan(&events, &sources); err != nil {
			return fmt.Errorf("starting the audit log: %w", err)
		}
		note = fmt.Sprintf("audit log started when the case was migrated from schema %d: %d events from %d sources were already in it", from, events, sources)
	}
	_, err := appendAudit(ctx, tx, AuditEntry{Kind: AuditWrite, ToolVersion: fmt.Sprintf("schema %d", SchemaVersion),
		CommandLine: strings.Join(command, " "), Note: note})
	return err
}

// rawConn runs fn with the driver connection behind one pooled connection,
// as the appender API needs.
func rawConn(ctx context.Context, c *sql.Conn, fn func(driver.Conn) error) error {
	return c.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected driver connection type")
		}
		return fn(conn)
	})
}
