package analyze

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/coverage"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

func jsonUnmarshal(doc string, v any) error { return json.Unmarshal([]byte(doc), v) }

// Investigate runs the investigation over the case database: it finds where
// the attacker started (by triage, or from the indicators given), follows
// everything derived from there, and builds the case from their events.
func Investigate(ctx context.Context, db *sql.DB, opts Options) (*event.Case, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	inv := newInvestigation(ctx, db, &opts)
	steps := &stepClock{log: inv.log, from: time.Now()}
	c := newCase(opts)
	if err := inv.seedCase(c, steps); err != nil {
		return nil, err
	}
	if err := inv.follow(steps); err != nil {
		return nil, err
	}
	rel, err := inv.related()
	if err != nil {
		return nil, err
	}
	c.RelatedIdentities = rel
	if c.RelatedIdentities == nil {
		c.RelatedIdentities = []event.RelatedIdentity{}
	}
	if c.Triage == nil {
		c.Triage = []event.TriageEntry{}
	}
	steps.done("related")
	found, err := inv.build(c)
	if err != nil {
		return nil, err
	}
	steps.done("build")
	c.Remediation = inv.remediation(c, opts.Now)
	cov, err := coverage.Analyze(ctx, db, coverage.Options{Since: opts.Since, Until: opts.Until, Accounts: opts.Accounts, Regions: opts.Regions,
		Buckets: accessedBuckets(c)})
	if err != nil {
		return nil, err
	}
	c.Coverage = cov
	steps.done("coverage")
	if !found {
		fallBackToEvidence(c, opts)
	}
	ev, err := evidence(ctx, db, opts.Database)
	if err != nil {
		return nil, err
	}
	c.Evidence = ev
	steps.done("evidence")
	if err := inv.enrichNovelty(c, opts.IPInfo); err != nil {
		return nil, err
	}
	steps.done("baselines")
	c.Summary = inv.summary(c)
	c.Notes = inv.notes
	if c.Notes == nil {
		c.Notes = []string{}
	}
	if c.Compliance == nil {
		c.Compliance = []event.ComplianceItem{}
	}
	return c, nil
}

// stepClock logs how long each step of an investigation took (at
// --log-level debug).
type stepClock struct {
	log  *slog.Logger
	from time.Time
}

// done logs the step that just ended and starts timing the next.
func (s *stepClock) done(name string) {
	s.log.Debug("investigate step", "step", name, "seconds", time.Since(s.from).Seconds())
	s.from = time.Now()
}

// newCase is the case's header: its id, when and by what it was made, and
// the scope asked for.
func newCase(opts Options) *event.Case {
	generated := opts.GeneratedAt
	if generated.IsZero() {
		generated = opts.Now
	}
	return &event.Case{
		ReportID:    fmt.Sprintf("AWS-IR-%s-%03d", opts.Now.Format("20060102"), opts.ReportSeq),
		GeneratedAt: generated.UTC(),
		Tool:        opts.Tool,
		Scope: event.Scope{Since: opts.Since, Until: opts.Until, Accounts: opts.Accounts, Regions: opts.Regions,
			Keys: opts.Keys, Principals: opts.Principals, IPs: opts.IPs, Mode: "indicators"},
	}
}

// seedCase finds where the attacker started: by triage without
// indicators, else from the indicators (detections run on their events
// first).
func (inv *investigation) seedCase(c *event.Case, steps *stepClock) error {
	if !inv.opts.indicators() {
		return inv.seedFromTriage(c, steps)
	}
	if inv.opts.Detect != nil {
		// The seed's split into owner and attacker reads detection levels.
		conds, err := inv.indicatorConds()
		if err != nil {
			return err
		}
		if err := inv.detectOn(conds...); err != nil {
			return err
		}
		steps.done("detect seed")
	}
	if err := inv.seed(); err != nil {
		return err
	}
	steps.done("seed")
	return nil
}

// seedFromTriage ranks every identity in scope and seeds the investigation
// with the attacker uses triage found.
func (inv *investigation) seedFromTriage(c *event.Case, steps *stepClock) error {
	c.Scope.Mode = "triage"
	tri, uses, err := inv.triage()
	if err != nil {
		return err
	}
	steps.done("triage")
	for i := range tri {
		if tri[i].Verdict == verdictAttacker.String() {
			tri[i].Investigated = true
		}
	}
	c.Triage = tri
	// The origins only: what they derived is followed by expand, which
	// draws the credential chain.
	origin := func(u *use) bool { return u.verdict == verdictAttacker && !hasKind(u.clues, "lineage") }
	if err := inv.seedUses(uses, origin, "triage", "true"); err != nil {
		return err
	}
	if len(inv.attacker) == 0 {
		inv.notes = append(inv.notes, "Triage found no use of a credential with evidence of an attacker (offensive tooling, a high or critical detection off the identity's routine, weakened logging, or a new address with a new tool); nothing was investigated. Identities with unusual activity are listed under triage; give --key, --principal or --ip to investigate an indicator.")
	}
	return nil
}

// follow expands the seed to every credential derived from it, widens to
// the other uses of the attacker's identities and expands again.
func (inv *investigation) follow(steps *stepClock) error {
	if err := inv.expand(); err != nil {
		return err
	}
	steps.done("expand")
	if err := inv.widen(); err != nil {
		return err
	}
	if err := inv.expand(); err != nil { // what the widened uses derived
		return err
	}
	steps.done("widen")
	if inv.opts.Detect != nil && inv.opts.indicators() {
		// Derived credentials' events: the rest of the attacker's.
		if err := inv.detectOn(inv.derivedCond()...); err != nil {
			return err
		}
		steps.done("detect derived")
	}
	return nil
}

// build fills the case from the attacker's events and what they made. It
// reports whether there were any such events or access log records.
func (inv *investigation) build(c *event.Case) (bool, error) {
	evs := inv.sortedEvents()
	// S3 server access logs show the object reads, writes and deletes
	// CloudTrail records only with (rarely enabled) data events.
	objRows, err := inv.accessLogRows()
	if err != nil {
		return false, err
	}
	inv.fill(c, mergeRows(evs, objRows))
	if c.NetworkFlows, err = inv.networkFlows(); err != nil {
		return false, err
	}
	if err := inv.accessLogBursts(); err != nil {
		return false, err
	}
	inv.credentials(c)
	c.CredentialChain = inv.chain
	if err := inv.markRemoved(c); err != nil {
		return false, err
	}
	for _, f := range inv.opts.Findings {
		for _, id := range f.EventIDs {
			if _, ok := inv.attacker[id]; ok {
				c.Findings = append(c.Findings, f)
				break
			}
		}
	}
	return len(evs) > 0 || len(objRows) > 0, nil
}

// fallBackToEvidence fills the header facts of a report that found no
// attacker activity from what the evidence covers, saying so, rather than
// leaving them empty: the accounts and span of the window asked for, or of
// the case's events.
func fallBackToEvidence(c *event.Case, opts Options) {
	if len(c.Accounts) == 0 {
		for _, a := range c.Coverage.Accounts {
			if a != "" {
				c.Accounts = append(c.Accounts, a)
			}
		}
	}
	if opts.Since != nil || opts.Until != nil {
		c.Timeframe = event.Timeframe{Start: opts.Since, End: opts.Until, Of: "window"}
		return
	}
	if cv := c.Coverage; cv.Start != nil || cv.End != nil {
		c.Timeframe = event.Timeframe{Start: cv.Start, End: cv.End, Of: "evidence"}
	}
}

// credentials lists the compromised credentials with their activity.
func (inv *investigation) credentials(c *event.Case) {
	for _, k := range inv.order {
		cr := inv.creds[k]
		out := event.Credential{AccessKeyID: k, PrincipalARN: cr.arn, DerivedFrom: cr.derivedFrom, How: cr.how, Reason: cr.reason, SignInMFA: cr.mfa}
		seen := map[string]bool{}
		for _, r := range cr.events {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			out.EventCount++
			if !r.Time.IsZero() {
				first, last := r.Time, r.Time
				if out.FirstSeen != nil {
					first, last = minTime(*out.FirstSeen, r.Time), maxTime(*out.LastSeen, r.Time)
				}
				out.FirstSeen, out.LastSeen = &first, &last
			}
			if out.PrincipalARN == "" {
				out.PrincipalARN = r.ARN
			}
		}
		c.CompromisedCredentials = append(c.CompromisedCredentials, out)
	}
	// In the order they were first used; never used last.
	slices.SortStableFunc(c.CompromisedCredentials, func(a, b event.Credential) int {
		switch {
		case a.FirstSeen == nil || b.FirstSeen == nil:
			return cmp.Compare(boolInt(a.FirstSeen == nil), boolInt(b.FirstSeen == nil))
		}
		return a.FirstSeen.Compare(*b.FirstSeen)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// undoCond selects the calls that may undo persistence.
const undoCond = "event_time >= ? AND error_code IS NULL AND (event_name LIKE 'Delete%' OR event_name LIKE 'Detach%' OR event_name LIKE 'Remove%' OR event_name LIKE 'Revoke%' OR event_name LIKE 'Deactivate%' OR event_name LIKE 'Disassociate%')"

// markRemoved sets Removed on persistence that a later call undid.
func (inv *investigation) markRemoved(c *event.Case) error {
	if len(c.Persistence) == 0 {
		return nil
	}
	first := c.Persistence[0].EventTime
	names, err := inv.removalNames(c.Persistence, first)
	if err != nil || len(names) == 0 {
		return err
	}
	cond, args := inList("event_name", names)
	rows, err := query(inv.ctx, inv.db, inv.f, undoCond+" AND "+cond, append([]any{first}, args...)...)
	if err != nil {
		return err
	}
	for i := range c.Persistence {
		p := &c.Persistence[i]
		for _, r := range rows {
			if !r.Time.After(p.EventTime) {
				continue
			}
			kind, ok := inv.cat.Removal(r.Source, r.Name)
			if !ok || kind != p.Kind {
				continue
			}
			res := resourceOf(r)
			if res != "" && res == p.Resource {
				t := r.Time
				p.Removed, p.RemovedAt = true, &t
				break
			}
		}
	}
	return nil
}

// removalNames are the names of the calls after first that remove a kind
// of persistence the case holds. Reading only their rows matters on a
// large case: every undo-like call after the first persistence (object
// deletions, network interfaces detached) is tens of thousands of rows,
// whose JSON columns cost a second to read at 5 M events.
func (inv *investigation) removalNames(ps []event.Persistence, first time.Time) ([]string, error) {
	kinds := map[string]bool{}
	for _, p := range ps {
		kinds[p.Kind] = true
	}
	q := `SELECT DISTINCT coalesce(event_source, ''), event_name FROM events WHERE (` + inv.f.where + `) AND ` + undoCond
	rows, err := inv.db.QueryContext(inv.ctx, q, append(slices.Clone(inv.f.args), first)...)
	if err != nil {
		return nil, fmt.Errorf("reading the calls that undo persistence: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var src, name string
		if err := rows.Scan(&src, &name); err != nil {
			return nil, fmt.Errorf("reading the calls that undo persistence: %w", err)
		}
		if kind, ok := inv.cat.Removal(src, name); ok && kinds[kind] {
			seen[name] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the calls that undo persistence: %w", err)
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// evidence lists the case's inputs.
func evidence(ctx context.Context, db *sql.DB, database string) (event.Evidence, error) {
	ev := event.Evidence{Database: database, Sources: []event.EvidenceSource{}}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&ev.TotalEvents); err != nil {
		return ev, fmt.Errorf("counting events: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT path, coalesce(sha256, ''), events, status, validated, coalesce(validation, ''), coalesce(format, '') FROM sources WHERE NOT is_digest ORDER BY source_id`)
	if err != nil {
		return ev, fmt.Errorf("listing sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s event.EvidenceSource
		var v sql.NullBool
		var format string
		if err := rows.Scan(&s.Path, &s.SHA256, &s.Events, &s.Status, &v, &s.Validation, &format); err != nil {
			return ev, err
		}
		s.Log = logNames[format]
		if v.Valid {
			b := v.Bool
			s.Validated = &b
		}
		switch {
		case s.Status == "skipped" || s.Status == "unchanged" || s.Status == "not_read":
			// not evidence the analysis rests on (or counted under its first copy)
		case s.Log != "":
			// Access and flow logs have no signed digests: their SHA-256
			// is what identifies them.
		case s.Validation == "":
			ev.Integrity.Unchecked++
		case s.Validation == "valid":
			ev.Integrity.Validated++
		default:
			ev.Integrity.Failed++
		}
		ev.Sources = append(ev.Sources, s)
	}
	sort.SliceStable(ev.Sources, func(i, j int) bool { return ev.Sources[i].Path < ev.Sources[j].Path })
	ev.Integrity.Summary = integritySummary(ev.Integrity)
	return ev, rows.Err()
}

// accessedBuckets are the S3 buckets in the attacker's data access, whose
// data-event coverage the report must state.
func accessedBuckets(c *event.Case) []string {
	set := map[string]bool{}
	for _, d := range c.DataAccessed {
		if rest, ok := strings.CutPrefix(d.Resource, "s3://"); ok {
			if b, _, _ := strings.Cut(rest, "/"); b != "" {
				set[b] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// integritySummary says in one sentence how far the inputs are proven.
func integritySummary(in event.Integrity) string {
	total := in.Validated + in.Failed + in.Unchecked
	switch {
	case total == 0:
		return "No input file with events."
	case in.Validated+in.Failed == 0:
		return fmt.Sprintf("None of the %d input files with events was validated against CloudTrail's signed digests (no digests or public keys at ingest): run trailsleuth verify on the log tree.", total)
	case in.Failed > 0:
		return fmt.Sprintf("%d of %d input files FAILED validation against CloudTrail's signed digests (see validation per source; trailsleuth verify gives details); %d validated, %d not checked.", in.Failed, total, in.Validated, in.Unchecked)
	case in.Unchecked > 0:
		return fmt.Sprintf("%d of %d input files with events validated against CloudTrail's signed digests; %d not checked.", in.Validated, total, in.Unchecked)
	}
	return fmt.Sprintf("All %d input files with events validated against CloudTrail's signed digests.", total)
}
