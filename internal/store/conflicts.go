package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Copies of one event. Overlapping inputs (an organization trail and an
// account trail, lookup-events beside the S3 export) deliver an event more
// than once; a copy is the same eventID, eventName and eventTime. Copies
// whose content agrees (every typed column, JSON documents compared
// minified) are duplicates: one is kept. Copies that differ are a
// conflict — a forged or altered log — and none is deleted: the copy the
// analysis uses stays in events, the others move to event_conflicts, each
// counted on its source as conflicting_copy with a detail naming the copy
// used and why. The copy used is the best by rank: from a source validated
// against CloudTrail's signed digests first, then one not checked, then
// one that failed validation (unlisted, hash mismatch…); among equals, the
// first ingested. Validation after ingest (SetValidation) runs the choice
// again, so a validated copy displaces an unlisted one that sorted first.

// contentColumns are the typed columns compared between copies; JSON
// documents are compared minified, so byte order and white space of the
// delivery do not count.
var contentColumns = []string{
	"event_version", "event_source", "aws_region", "source_ip", "user_agent", "error_code", "error_message",
	"read_only", "event_type", "event_category", "management_event", "recipient_account_id", "shared_event_id",
	"request_id", "vpc_endpoint_id", "api_version", "identity_type", "principal_id", "user_arn", "account_id",
	"access_key_id", "user_name", "invoked_by", "session_issuer_type", "session_issuer_arn", "session_issuer_user_name",
	"session_issuer_account_id", "session_mfa", "session_creation_date", "source_identity", "web_id_federation_provider",
	"saml_provider", "on_behalf_of_user_id", "credential_id", "session_credential_from_console", "is_insight",
	"request_parameters", "response_elements", "additional_event_data", "resources", "tls_details", "service_event_details",
}

// jsonColumns are the contentColumns holding JSON documents.
var jsonColumns = map[string]bool{"request_parameters": true, "response_elements": true, "additional_event_data": true,
	"resources": true, "tls_details": true, "service_event_details": true}

// contentExpr is one column's value as compared: text, JSON minified, a
// marker for NULL (so NULL and ” differ).
func contentExpr(alias, col string) string {
	c := alias + "." + col
	if jsonColumns[col] {
		return fmt.Sprintf("coalesce(CASE WHEN json_valid(%[1]s) THEN json(%[1]s)::VARCHAR ELSE %[1]s END, chr(1))", c)
	}
	return fmt.Sprintf("coalesce(%s::VARCHAR, chr(1))", c)
}

// fingerprint is a SQL expression hashing a row's compared content.
func fingerprint(alias string) string {
	parts := make([]string, len(contentColumns))
	for i, c := range contentColumns {
		parts[i] = contentExpr(alias, c)
	}
	return "md5(concat_ws(chr(31), " + strings.Join(parts, ", ") + "))"
}

// validationRank orders copies by their source's validation: 0 valid,
// 1 not checked, 2 failed (unlisted, hash mismatch, unverified…).
const validationRank = `CASE WHEN s.validation = 'valid' THEN 0 WHEN s.validation IS NULL THEN 1 ELSE 2 END`

// DedupResult is what Dedup did.
type DedupResult struct {
	// Removed counts copies deleted as duplicates of a copy kept.
	Removed int64
	// SetAside counts copies moved to event_conflicts by this pass (a copy
	// moved back into events, displacing another, counts the other).
	SetAside int64
	// Reused counts the events of run that share their eventID with a
	// different event (another name or time): stored, and worth a look.
	Reused int64
}

// copyRow is one copy of an event, in events or event_conflicts.
type copyRow struct {
	rid                 int64
	aside               bool // in event_conflicts
	id, name            string
	at                  sql.NullTime
	fp                  string
	rank, run           int64
	source, pos         int64
	path, validation    string
	keptSource          sql.NullInt64
	conflictReasonShown string
}

// Dedup settles the copies of the events run touched: duplicates are
// deleted, conflicting copies set aside (see above), and events whose
// eventID another event reuses are recorded on their sources.
func (s *Store) Dedup(ctx context.Context, run int64) (DedupResult, error) {
	return s.settle(ctx, run, `SELECT event_id FROM events GROUP BY event_id HAVING count(*) > 1`)
}

// Resettle runs the choice of copy again for every event in conflict: after
// validation has changed which sources are trusted.
func (s *Store) Resettle(ctx context.Context) (int64, error) {
	res, err := s.settle(ctx, 0, `SELECT DISTINCT event_id FROM event_conflicts`)
	return res.SetAside, err
}

// settle chooses, for every event whose id idsQuery lists, the copy used
// and applies the choice: duplicates deleted, conflicting copies set aside
// or brought back, their records on the sources replaced.
func (s *Store) settle(ctx context.Context, run int64, idsQuery string) (DedupResult, error) {
	var res DedupResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE settle_ids AS `+idsQuery); err != nil {
		return res, fmt.Errorf("finding copies of events: %w", err)
	}
	groups, keys, err := readCopies(ctx, tx)
	if err != nil {
		return res, err
	}
	p := settlePlan{asideWhy: map[int64][2]any{}}
	for _, k := range keys {
		p.choose(groups[k])
	}
	res.Removed, res.SetAside = p.removed, p.setAside
	if err := s.applySettle(ctx, tx, p.drop, p.toAside, p.toEvents, p.asideWhy); err != nil {
		return res, err
	}
	if err := recordConflicts(ctx, tx, p.settled); err != nil {
		return res, err
	}
	if run > 0 {
		n, err := recordReused(ctx, tx, run)
		if err != nil {
			return res, err
		}
		res.Reused = n
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE settle_ids`); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// readCopies reads every copy, in events and event_conflicts, of the events
// in settle_ids, grouped by copy key (id, name, time); keys come sorted.
func readCopies(ctx context.Context, tx *sql.Tx) (map[string][]*copyRow, []string, error) {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`
		SELECT e.rowid, false, e.event_id, coalesce(e.event_name, ''), e.event_time, %[1]s, %[2]s, e.run_id, e.source_id, e.source_position,
			coalesce(s.path, ''), coalesce(s.validation, ''), NULL::BIGINT
		FROM event_rows e LEFT JOIN sources s USING (source_id) WHERE e.event_id IN (SELECT event_id FROM settle_ids)
		UNION ALL
		SELECT c.rowid, true, c.event_id, coalesce(c.event_name, ''), c.event_time, %[3]s, %[2]s, c.run_id, c.source_id, c.source_position,
			coalesce(s.path, ''), coalesce(s.validation, ''), c.kept_source_id
		FROM event_conflict_rows c LEFT JOIN sources s USING (source_id) WHERE c.event_id IN (SELECT event_id FROM settle_ids)`,
		fingerprint("e"), validationRank, fingerprint("c")))
	if err != nil {
		return nil, nil, fmt.Errorf("reading copies of events: %w", err)
	}
	defer rows.Close()
	groups := map[string][]*copyRow{}
	var keys []string
	for rows.Next() {
		r := &copyRow{}
		if err := rows.Scan(&r.rid, &r.aside, &r.id, &r.name, &r.at, &r.fp, &r.rank, &r.run, &r.source, &r.pos, &r.path, &r.validation, &r.keptSource); err != nil {
			return nil, nil, err
		}
		k := r.id + "\x00" + r.name + "\x00" + fmt.Sprint(r.at.Time.UnixMicro(), r.at.Valid)
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	sort.Strings(keys)
	return groups, keys, nil
}

// settlePlan collects what settling will do, by rowid; a negative rowid
// -r-1 stands for row r of event_conflicts.
type settlePlan struct {
	drop     []int64          // copies to delete
	toAside  []int64          // events to set aside
	toEvents []int64          // event_conflicts rows to bring back
	asideWhy map[int64][2]any // set-aside rowid → kept source, reason
	settled  []*copyRow       // every copy of a group in conflict, for ingest_errors

	removed, setAside int64
}

// choose settles one group of copies of an event: the best content is
// used, one copy of each other content is set aside, the rest dropped.
func (p *settlePlan) choose(g []*copyRow) {
	sort.Slice(g, func(i, j int) bool { return better(g[i], g[j]) })
	versions, aside := p.versions(g)
	if len(versions) == 1 {
		if versions[0].aside {
			// Its rival left (a rolled-back ingest): it is the event now.
			p.toEvents = append(p.toEvents, versions[0].rid)
		}
		if aside {
			p.settled = append(p.settled, versions[0]) // clears its old record
		}
		return
	}
	used := versions[0]
	if used.aside {
		p.toEvents = append(p.toEvents, used.rid)
	}
	for _, r := range versions[1:] {
		why := conflictWhy(used, r)
		r.conflictReasonShown = why
		if !r.aside {
			p.toAside = append(p.toAside, r.rid)
			p.asideWhy[r.rid] = [2]any{used.source, why}
			p.setAside++
		} else if !r.keptSource.Valid || r.keptSource.Int64 != used.source {
			p.asideWhy[-r.rid-1] = [2]any{used.source, why}
		}
	}
	p.settled = append(p.settled, versions...)
}

// versions keeps one copy per content of a sorted group, best content
// first, and drops the others as duplicates. aside says whether any copy
// of the group was set aside before.
func (p *settlePlan) versions(g []*copyRow) (versions []*copyRow, aside bool) {
	var fps []string
	byFP := map[string][]*copyRow{}
	for _, r := range g {
		aside = aside || r.aside
		if byFP[r.fp] == nil {
			fps = append(fps, r.fp)
		}
		byFP[r.fp] = append(byFP[r.fp], r)
	}
	for i, fp := range fps {
		keep := keptCopy(byFP[fp], i == 0)
		versions = append(versions, keep)
		for _, r := range byFP[fp] {
			switch {
			case r == keep:
			case r.aside:
				p.drop = append(p.drop, -r.rid-1) // a negative rowid: an event_conflicts row
				p.settled = append(p.settled, r)  // its record goes
			default:
				p.drop = append(p.drop, r.rid)
				p.removed++
			}
		}
	}
	return versions, aside
}

// keptCopy is the copy kept of one content: for the content used, the
// best; for content set aside, the copy already set aside if there is one
// (its record stands).
func keptCopy(rows []*copyRow, used bool) *copyRow {
	if !used {
		for _, r := range rows {
			if r.aside {
				return r
			}
		}
	}
	return rows[0]
}

// better orders copies: validated source first, then unchecked, then
// failed; then set-aside copies after copies in events (stable choice);
// then first ingested.
func better(a, b *copyRow) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.run != b.run {
		return a.run < b.run
	}
	if a.source != b.source {
		return a.source < b.source
	}
	if a.pos != b.pos {
		return a.pos < b.pos
	}
	return !a.aside && b.aside
}

// conflictWhy says why used was chosen over r.
func conflictWhy(used, r *copyRow) string {
	state := func(c *copyRow) string {
		switch c.rank {
		case 0:
			return "validated against CloudTrail's signed digests"
		case 1:
			return "not checked against digests"
		}
		return "failed digest validation (" + c.validation + ")"
	}
	why := fmt.Sprintf("the file of the copy used is %s; this copy's file %s", state(used), state(r))
	if r.rank == 1 {
		why = fmt.Sprintf("the file of the copy used is %s; this copy's file is %s", state(used), state(r))
	}
	if used.rank == r.rank {
		why = fmt.Sprintf("both files %s: the first ingested is used", state(used))
		if used.rank == 1 {
			why = "neither file checked against digests: the first ingested is used"
		}
	}
	return fmt.Sprintf("eventID %s (%s at %s): content differs from the copy used, in %s (source %d, position %d): %s",
		r.id, r.name, fmtNullTime(r.at), used.path, used.source, used.pos, why)
}

func fmtNullTime(t sql.NullTime) string {
	if !t.Valid {
		return "no time"
	}
	return t.Time.UTC().Format(time.RFC3339)
}

// applySettle deletes duplicates and moves copies between events and
// event_conflicts, by rowid (stable within the transaction).
func (s *Store) applySettle(ctx context.Context, tx *sql.Tx, drop, toAside, toEvents []int64, why map[int64][2]any) error {
	var dropEvents, dropAside []int64
	for _, r := range drop {
		if r < 0 {
			dropAside = append(dropAside, -r-1)
		} else {
			dropEvents = append(dropEvents, r)
		}
	}
	if err := loadRowids(ctx, tx, "settle_aside", toAside, why); err != nil {
		return err
	}
	for _, q := range []string{
		`INSERT INTO event_conflict_rows BY NAME SELECT e.*, m.kept_source_id, m.conflict_reason FROM event_rows e JOIN settle_aside m ON e.rowid = m.rid`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("setting conflicting copies aside: %w", err)
		}
	}
	if err := loadRowids(ctx, tx, "settle_back", toEvents, nil); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO event_rows BY NAME SELECT * EXCLUDE (kept_source_id, conflict_reason) FROM event_conflict_rows WHERE rowid IN (SELECT rid FROM settle_back)`); err != nil {
		return fmt.Errorf("using a better copy of an event: %w", err)
	}
	// Set-aside copies whose copy used changed get the new reason.
	var relabel []int64
	for r := range why {
		if r < 0 {
			relabel = append(relabel, r)
		}
	}
	if err := loadRowids(ctx, tx, "settle_relabel", relabel, why); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE event_conflict_rows SET kept_source_id = m.kept_source_id, conflict_reason = m.conflict_reason FROM settle_relabel m WHERE event_conflict_rows.rowid = -m.rid - 1`,
		`DELETE FROM event_rows WHERE rowid IN (SELECT rid FROM settle_aside)`,
		`DELETE FROM event_conflict_rows WHERE rowid IN (SELECT rid FROM settle_back)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("settling copies of events: %w", err)
		}
	}
	if err := loadRowids(ctx, tx, "settle_drop", dropEvents, nil); err != nil {
		return err
	}
	if err := loadRowids(ctx, tx, "settle_drop_aside", dropAside, nil); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM event_rows WHERE rowid IN (SELECT rid FROM settle_drop)`,
		`DELETE FROM event_conflict_rows WHERE rowid IN (SELECT rid FROM settle_drop_aside)`,
		`DROP TABLE settle_aside`, `DROP TABLE settle_back`, `DROP TABLE settle_relabel`, `DROP TABLE settle_drop`, `DROP TABLE settle_drop_aside`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("removing duplicate events: %w", err)
		}
	}
	return nil
}

// loadRowids fills temp table name with rowids (and, from why, the kept
// source and reason of each), in batches.
func loadRowids(ctx context.Context, tx *sql.Tx, name string, rids []int64, why map[int64][2]any) error {
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE `+name+` (rid BIGINT, kept_source_id BIGINT, conflict_reason VARCHAR)`); err != nil {
		return err
	}
	const batch = 500
	for i := 0; i < len(rids); i += batch {
		chunk := rids[i:min(i+batch, len(rids))]
		var sb strings.Builder
		args := make([]any, 0, 3*len(chunk))
		for j, r := range chunk {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?)")
			w, ok := why[r]
			if !ok {
				w = [2]any{nil, nil}
			}
			args = append(args, r, w[0], w[1])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+name+` VALUES `+sb.String(), args...); err != nil {
			return fmt.Errorf("settling copies of events: %w", err)
		}
	}
	return nil
}

// recordConflicts keeps, for every copy set aside, an ingest_errors row on
// its source (conflicting_copy, the detail saying which copy is used and
// why) and the count in sources.errors. Rows of an earlier choice for the
// same copies are replaced.
func recordConflicts(ctx context.Context, tx *sql.Tx, copies []*copyRow) error {
	if len(copies) == 0 {
		return nil
	}
	sources := map[int64]bool{}
	for _, c := range copies {
		sources[c.source] = true
		if _, err := tx.ExecContext(ctx, `DELETE FROM ingest_errors WHERE reason = 'conflicting_copy' AND source_id = ? AND position = ?`, c.source, c.pos); err != nil {
			return fmt.Errorf("recording conflicting copies: %w", err)
		}
		if c.conflictReasonShown == "" {
			continue // the copy used
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ingest_errors VALUES (?, ?, NULL, 'conflicting_copy', ?)`, c.source, c.pos, c.conflictReasonShown); err != nil {
			return fmt.Errorf("recording conflicting copies: %w", err)
		}
	}
	return updateSourceCounts(ctx, tx, "conflicting_copy", sources)
}

// updateSourceCounts sets sources.errors[reason] to the number of
// ingest_errors rows of that reason, for the given sources.
func updateSourceCounts(ctx context.Context, tx *sql.Tx, reason string, sources map[int64]bool) error {
	for src := range sources {
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET errors = (
				SELECT CASE WHEN n = 0 THEN nullif(json_merge_patch(coalesce(sources.errors, '{}'), json_object(?, NULL))::VARCHAR, '{}')
				ELSE json_merge_patch(coalesce(sources.errors, '{}'), json_object(?, n))::VARCHAR END
				FROM (SELECT count(*) AS n FROM ingest_errors WHERE source_id = ? AND reason = ?))
			WHERE source_id = ?`, reason, reason, src, reason, src); err != nil {
			return fmt.Errorf("counting %s on source %d: %w", reason, src, err)
		}
	}
	return nil
}

// recordReused records on their sources the events of run whose eventID
// another, different event (other name or time) has, and returns how many.
func recordReused(ctx context.Context, tx *sql.Tx, run int64) (int64, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT e.source_id, e.source_position, e.event_id, coalesce(e.event_name, ''), e.event_time,
			(SELECT string_agg(DISTINCT coalesce(o.event_name, '') || ' at ' || coalesce(strftime(o.event_time, '%Y-%m-%dT%H:%M:%SZ'), 'no time'), ', ')
			 FROM events o WHERE o.event_id = e.event_id AND (o.event_name IS DISTINCT FROM e.event_name OR o.event_time IS DISTINCT FROM e.event_time))
		FROM events e
		WHERE e.run_id = ? AND e.event_id IN (SELECT event_id FROM settle_ids)
		  AND EXISTS (SELECT 1 FROM events o WHERE o.event_id = e.event_id AND (o.event_name IS DISTINCT FROM e.event_name OR o.event_time IS DISTINCT FROM e.event_time))`, run)
	if err != nil {
		return 0, fmt.Errorf("finding reused event ids: %w", err)
	}
	type reuse struct {
		src, pos       int64
		id, name, with string
		at             sql.NullTime
	}
	var found []reuse
	for rows.Next() {
		var r reuse
		if err := rows.Scan(&r.src, &r.pos, &r.id, &r.name, &r.at, &r.with); err != nil {
			rows.Close()
			return 0, err
		}
		found = append(found, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sources := map[int64]bool{}
	for _, r := range found {
		sources[r.src] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO ingest_errors VALUES (?, ?, NULL, 'event_id_reused', ?)`, r.src, r.pos,
			fmt.Sprintf("eventID %s (%s at %s) is also the id of %s", r.id, r.name, fmtNullTime(r.at), r.with)); err != nil {
			return 0, fmt.Errorf("recording reused event ids: %w", err)
		}
	}
	return int64(len(found)), updateSourceCounts(ctx, tx, "event_id_reused", sources)
}

// ConflictCopy is one copy of an event in conflict, as Conflicts lists it.
type ConflictCopy struct {
	Path, SHA256, Validation, SourceIP string
	Position                           int64
	Differs                            []string // columns differing from the copy used
}

// Conflict is an event whose copies disagree: the copy used and the others.
type Conflict struct {
	EventID, EventName string
	EventTime          sql.NullTime
	Used               ConflictCopy
	SetAside           []ConflictCopy
	Why                string
}

// Conflicts lists up to limit events in conflict (earliest first) and how
// many there are in all.
func (s *Store) Conflicts(ctx context.Context, limit int) ([]Conflict, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT DISTINCT event_id, event_name, event_time FROM event_conflicts)`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("counting conflicting copies: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	cols := make([]string, 0, 2*len(contentColumns))
	for _, c := range contentColumns {
		cols = append(cols, contentExpr("e", c), contentExpr("c", c))
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`
		WITH keys AS (SELECT DISTINCT event_id, event_name, event_time FROM event_conflicts ORDER BY event_time, event_id LIMIT %d)
		SELECT c.event_id, coalesce(c.event_name, ''), c.event_time,
			coalesce(us.path, ''), coalesce(us.sha256, ''), coalesce(us.validation, ''), coalesce(e.source_ip, ''), e.source_position,
			coalesce(cs.path, ''), coalesce(cs.sha256, ''), coalesce(cs.validation, ''), coalesce(c.source_ip, ''), c.source_position,
			coalesce(c.conflict_reason, ''), %s
		FROM event_conflicts c JOIN keys k ON c.event_id = k.event_id AND c.event_name IS NOT DISTINCT FROM k.event_name AND c.event_time IS NOT DISTINCT FROM k.event_time
		JOIN events e ON e.event_id = c.event_id AND e.event_name IS NOT DISTINCT FROM c.event_name AND e.event_time IS NOT DISTINCT FROM c.event_time
		LEFT JOIN sources us ON us.source_id = e.source_id
		LEFT JOIN sources cs ON cs.source_id = c.source_id
		ORDER BY c.event_time, c.event_id, cs.path, c.source_position`, limit, strings.Join(cols, ", ")))
	if err != nil {
		return nil, 0, fmt.Errorf("listing conflicting copies: %w", err)
	}
	defer rows.Close()
	var out []Conflict
	vals := make([]string, 2*len(contentColumns))
	for rows.Next() {
		var c Conflict
		var aside ConflictCopy
		dest := []any{&c.EventID, &c.EventName, &c.EventTime, &c.Used.Path, &c.Used.SHA256, &c.Used.Validation, &c.Used.SourceIP, &c.Used.Position,
			&aside.Path, &aside.SHA256, &aside.Validation, &aside.SourceIP, &aside.Position, &c.Why}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, err
		}
		for i, col := range contentColumns {
			if vals[2*i] != vals[2*i+1] {
				aside.Differs = append(aside.Differs, col)
			}
		}
		if n := len(out); n > 0 && out[n-1].EventID == c.EventID && out[n-1].EventName == c.EventName && out[n-1].EventTime == c.EventTime {
			out[n-1].SetAside = append(out[n-1].SetAside, aside)
			continue
		}
		c.SetAside = []ConflictCopy{aside}
		// The stored reason is about the copy set aside; the report's
		// "why" is the part about the choice.
		if i := strings.LastIndex(c.Why, "): "); i >= 0 {
			c.Why = c.Why[i+3:]
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}
