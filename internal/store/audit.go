package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"time"
)

// Audit entry kinds.
const (
	AuditWrite = "write" // the command changed the case (ingest, migration, query --write)
	AuditRead  = "read"  // the command only read it (and perhaps wrote outputs)
)

// AuditFile is an input or output of a command, with its SHA-256.
type AuditFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// AuditEntry is one line of the case's chain of custody.
type AuditEntry struct {
	Seq         int64       `json:"seq"`
	Time        time.Time   `json:"time"`
	Kind        string      `json:"kind"`
	ToolVersion string      `json:"tool_version"`
	CommandLine string      `json:"command_line"`
	User        string      `json:"user"`
	Host        string      `json:"host"`
	Inputs      []AuditFile `json:"inputs"`
	Outputs     []AuditFile `json:"outputs"`
	Note        string      `json:"note,omitempty"`
	PrevHash    string      `json:"prev_hash"`
	Hash        string      `json:"hash"`
}

// auditHash is the entry's hash: hex SHA-256 over its fields, one per line,
// in a fixed order, ending with the previous entry's hash. Files are
// hashed as stored (their JSON text), so verification needs no re-encoding.
func auditHash(seq int64, at time.Time, kind, version, cmdline, user, host, inputs, outputs, note, prev string) string {
	h := sha256.New()
	for _, f := range []string{strconv.FormatInt(seq, 10), at.UTC().Format(time.RFC3339Nano), kind, version, cmdline, user, host, inputs, outputs, note, prev} {
		// length-prefixed so no field can bleed into the next
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func filesJSON(fs []AuditFile) string {
	if fs == nil {
		fs = []AuditFile{}
	}
	b, _ := json.Marshal(fs) // a slice of plain structs always encodes
	return string(b)
}

// WhoAmI is the user and host recorded in audit entries.
func WhoAmI() (string, string) {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return name, host
}

// AppendAudit adds e to the audit log, chained to the last entry, and
// returns it with its sequence number and hash. The time is truncated to
// the database's microsecond precision so the hash can be recomputed.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	s.auditMu.Lock()
	defer s.auditMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return e, fmt.Errorf("audit log: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if e, err = appendAudit(ctx, tx, e); err != nil {
		return e, err
	}
	return e, tx.Commit()
}

// appendAudit appends e within tx (AppendAudit's, or a migration's).
// Every entry gets its time and who made it here, the first one of a new
// case too.
func appendAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) (AuditEntry, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if e.User == "" && e.Host == "" {
		e.User, e.Host = WhoAmI()
	}
	var last sql.NullInt64
	var prev sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("audit log: reading the last entry: %w", err)
	}
	e.Seq, e.PrevHash = last.Int64+1, prev.String
	in, out := filesJSON(e.Inputs), filesJSON(e.Outputs)
	e.Hash = auditHash(e.Seq, e.Time, e.Kind, e.ToolVersion, e.CommandLine, e.User, e.Host, in, out, e.Note, e.PrevHash)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.Time, e.Kind, e.ToolVersion, e.CommandLine, e.User, e.Host, in, out, e.Note, e.PrevHash, e.Hash); err != nil {
		return e, fmt.Errorf("audit log: appending: %w", err)
	}
	return e, nil
}

// auditRow is an entry as stored, with the file lists as their JSON text.
type auditRow struct {
	e       AuditEntry
	in, out string
}

func (s *Store) auditRows(ctx context.Context) ([]auditRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at_time, kind, tool_version, command_line, user_name, host, inputs, outputs, note, prev_hash, hash
		FROM audit_log ORDER BY seq, at_time, hash`)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		e := &r.e
		if err := rows.Scan(&e.Seq, &e.Time, &e.Kind, &e.ToolVersion, &e.CommandLine, &e.User, &e.Host, &r.in, &r.out, &e.Note, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("reading the audit log: %w", err)
		}
		e.Time = e.Time.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Audit returns the audit log, oldest first.
func (s *Store) Audit(ctx context.Context) ([]AuditEntry, error) {
	rows, err := s.auditRows(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.e
		// A file list that does not parse is shown empty; VerifyAudit reports it.
		json.Unmarshal([]byte(r.in), &out[i].Inputs)   //nolint:errcheck
		json.Unmarshal([]byte(r.out), &out[i].Outputs) //nolint:errcheck
	}
	return out, nil
}

// AuditProblem is one break in the chain.
type AuditProblem struct {
	Seq     int64  `json:"seq"`
	Problem string `json:"problem"`
}

// VerifyAudit recomputes every entry's hash and link. An edited entry no
// longer matches its hash; a deleted one leaves a gap in the sequence and a
// broken link. (Deleting the newest entries leaves no trace in the log
// itself: reports carry the head hash for that reason.)
func (s *Store) VerifyAudit(ctx context.Context) (int, []AuditProblem, error) {
	rows, err := s.auditRows(ctx)
	if err != nil {
		return 0, nil, err
	}
	var probs []AuditProblem
	prev, want := "", int64(1)
	for _, r := range rows {
		e := r.e
		switch {
		case e.Seq < want:
			probs = append(probs, AuditProblem{e.Seq, fmt.Sprintf("entry %d appears again: two entries have the same number", e.Seq)})
		case e.Seq != want:
			probs = append(probs, AuditProblem{e.Seq, fmt.Sprintf("entries %d to %d are missing", want, e.Seq-1)})
		}
		if e.PrevHash != prev {
			probs = append(probs, AuditProblem{e.Seq, fmt.Sprintf("previous-entry hash %s does not match the previous entry's hash %s", short(e.PrevHash), short(prev))})
		}
		if h := auditHash(e.Seq, e.Time, e.Kind, e.ToolVersion, e.CommandLine, e.User, e.Host, r.in, r.out, e.Note, e.PrevHash); h != e.Hash {
			probs = append(probs, AuditProblem{e.Seq, "entry was modified: its content no longer matches its hash"})
		}
		prev, want = e.Hash, e.Seq+1
	}
	return len(rows), probs, nil
}

func short(h string) string {
	if h == "" {
		return "(none)"
	}
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// CaseState is the last entry that changed the case: a report made from
// the case carries it, and it stays the same while only reads happen.
func (s *Store) CaseState(ctx context.Context) (int64, string, error) {
	var seq sql.NullInt64
	var hash sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log WHERE kind = ? ORDER BY seq DESC LIMIT 1`, AuditWrite).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("reading the case state: %w", err)
	}
	return seq.Int64, hash.String, nil
}

// RunInputs lists the files an ingest run read, for its audit entry.
func (s *Store) RunInputs(ctx context.Context, run int64) ([]AuditFile, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path, coalesce(sha256, '') FROM sources WHERE run_id = ? ORDER BY path`, run)
	if err != nil {
		return nil, fmt.Errorf("listing the run's inputs: %w", err)
	}
	defer rows.Close()
	var out []AuditFile
	for rows.Next() {
		var f AuditFile
		if err := rows.Scan(&f.Path, &f.SHA256); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FileSHA256 hashes a file: an audit entry's outputs, and ingest's check
// that a large file did not change while it was read.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
