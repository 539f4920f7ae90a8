package coverage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/eventsql"
)

// Options scope a coverage analysis. Since, Until, Accounts and
// Regions mean what they mean in Options; Buckets and Functions name
// resources whose data-event coverage is wanted even when no event in
// scope names them (e.g. the buckets of a report's data_accessed).
type Options struct {
	Since, Until      *time.Time
	Accounts, Regions []string
	Buckets           []string
	Functions         []string
}

// Gap rule: an account/region with events in at least continuousShare of
// the hours of its span is "continuous" and every empty hour in it is a
// gap. Elsewhere an empty stretch is a gap only when it is at least k hours
// long, k the smallest with (1-share)^k <= gapChance: a stretch that long
// would happen by chance less than once in a thousand times if hours were
// active independently at the region's share. Sparse regions (a few
// detonations, a quiet region) thus report only very long silences.
const (
	continuousShare = 0.9
	gapChance       = 0.001
)

// s3ObjectAPIs are S3's object-level (data) calls: they identify data
// events in records older than eventCategory (eventVersion < 1.08).
var s3ObjectAPIs = []string{
	"GetObject", "HeadObject", "PutObject", "CopyObject", "DeleteObject", "DeleteObjects",
	"ListObjects", "ListObjectsV2", "ListObjectVersions", "GetObjectAcl", "PutObjectAcl",
	"GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging", "GetObjectAttributes",
	"GetObjectRetention", "PutObjectRetention", "GetObjectLegalHold", "PutObjectLegalHold",
	"RestoreObject", "SelectObjectContent", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
	"CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "GetObjectTorrent",
}

// loggingCalls change what CloudTrail (trails or CloudTrail Lake) records.
var loggingCalls = []string{
	"StopLogging", "StartLogging", "DeleteTrail", "CreateTrail", "UpdateTrail",
	"PutEventSelectors", "PutInsightSelectors",
	"StopEventDataStoreIngestion", "StartEventDataStoreIngestion", "DeleteEventDataStore",
	"CreateEventDataStore", "UpdateEventDataStore", "RestoreEventDataStore",
}

// Analyze says what the evidence in scope can and cannot show.
func Analyze(ctx context.Context, db *sql.DB, opts Options) (event.Coverage, error) {
	scope := eventsql.Scope{Since: opts.Since, Until: opts.Until, Accounts: opts.Accounts, Regions: opts.Regions}
	cv := &coverage{ctx: ctx, db: db, opts: opts, f: scope.Filter(true), dataEnd: map[string]time.Time{}}
	cv.out.Accounts, cv.out.Regions, cv.out.Days = []string{}, []string{}, []string{}
	cv.out.AccountRegions, cv.out.Gaps, cv.out.LoggingChanges, cv.out.DataEvents = []event.RegionCoverage{}, []event.Gap{}, []event.LoggingChange{}, []event.DataEventStatus{}
	for _, step := range []func() error{cv.activity, cv.logging, cv.dataEvents, cv.sources} {
		if err := step(); err != nil {
			return event.Coverage{}, err
		}
	}
	sort.SliceStable(cv.out.Gaps, func(i, j int) bool { return cv.out.Gaps[i].Start.Before(cv.out.Gaps[j].Start) })
	cv.out.Statements = cv.statements()
	return cv.out, nil
}

type coverage struct {
	ctx  context.Context
	db   *sql.DB
	opts Options
	f    eventsql.Filter
	out  event.Coverage
	// dataEnd is each account's last event in scope: where open windows end.
	dataEnd map[string]time.Time
}

func (cv *coverage) rows(q string, args ...any) (*sql.Rows, error) {
	rows, err := cv.db.QueryContext(cv.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	return rows, nil
}

// activity reads events per account, region and UTC hour in scope, then
// judges each account/region's empty hours.
func (cv *coverage) activity() error {
	rows, err := cv.rows(`SELECT coalesce(recipient_account_id, ''), coalesce(aws_region, ''),
		epoch_ms(event_time) // 3600000, count(*), min(event_time), max(event_time)
		FROM events WHERE (`+cv.f.Where+`) AND event_time IS NOT NULL GROUP BY ALL ORDER BY 1, 2, 3`, cv.f.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	accounts, regions, days := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var cur *event.RegionCoverage
	for rows.Next() {
		var acct, region string
		var hour, n int64
		var first, last time.Time
		if err := rows.Scan(&acct, &region, &hour, &n, &first, &last); err != nil {
			return fmt.Errorf("coverage: reading hourly activity: %w", err)
		}
		first, last = first.UTC(), last.UTC()
		if cur == nil || cur.Account != acct || cur.Region != region {
			cv.out.AccountRegions = append(cv.out.AccountRegions, event.RegionCoverage{Account: acct, Region: region, First: first, Days: []string{}})
			cur = &cv.out.AccountRegions[len(cv.out.AccountRegions)-1]
		}
		cur.Last = last
		cur.Events += n
		day := hourTime(hour).Format(time.DateOnly)
		if !slices.Contains(cur.Days, day) {
			cur.Days = append(cur.Days, day)
		}
		accounts[acct], regions[region], days[day] = true, true, true
		if last.After(cv.dataEnd[acct]) {
			cv.dataEnd[acct] = last
		}
		cv.out.Events += n
		if cv.out.Start == nil || first.Before(*cv.out.Start) {
			cv.out.Start = &first
		}
		if cv.out.End == nil || last.After(*cv.out.End) {
			cv.out.End = &last
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("coverage: reading hourly activity: %w", err)
	}
	cv.out.Accounts, cv.out.Regions, cv.out.Days = slices.Sorted(maps.Keys(accounts)), slices.Sorted(maps.Keys(regions)), slices.Sorted(maps.Keys(days))
	err = cv.db.QueryRowContext(cv.ctx, "SELECT count(*) FROM events WHERE ("+cv.f.Where+") AND event_time IS NULL", cv.f.Args...).Scan(&cv.out.UntimedEvents)
	if err != nil {
		return fmt.Errorf("coverage: counting events without a time: %w", err)
	}
	return cv.hourlyPattern()
}

// hourlyPattern judges each account/region in scope by its active hours
// over the whole case, not only the time window, so that a narrow
// --since/--until does not change what an empty hour means; gaps are kept
// where they overlap the window.
func (cv *coverage) hourlyPattern() error {
	place := eventsql.Scope{Accounts: cv.opts.Accounts, Regions: cv.opts.Regions}.Filter(true)
	rows, err := cv.rows(`SELECT DISTINCT coalesce(recipient_account_id, ''), coalesce(aws_region, ''), epoch_ms(event_time) // 3600000
		FROM events WHERE (`+place.Where+`) AND event_time IS NOT NULL ORDER BY 1, 2, 3`, place.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	inScope := map[string]*event.RegionCoverage{}
	for i := range cv.out.AccountRegions {
		rc := &cv.out.AccountRegions[i]
		inScope[rc.Account+"/"+rc.Region] = rc
	}
	var cur *event.RegionCoverage
	var hours []int64
	for rows.Next() {
		var acct, region string
		var hour int64
		if err := rows.Scan(&acct, &region, &hour); err != nil {
			return fmt.Errorf("coverage: reading hourly activity: %w", err)
		}
		rc := inScope[acct+"/"+region]
		if rc == nil {
			continue
		}
		if rc != cur {
			if cur != nil {
				cv.judgeHours(cur, hours)
			}
			cur, hours = rc, hours[:0]
		}
		hours = append(hours, hour)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("coverage: reading hourly activity: %w", err)
	}
	if cur != nil {
		cv.judgeHours(cur, hours)
	}
	return nil
}

func hourTime(h int64) time.Time { return time.Unix(h*3600, 0).UTC() }

// judgeHours applies the gap rule to one account/region's active hours
// (sorted, distinct).
func (cv *coverage) judgeHours(rc *event.RegionCoverage, hours []int64) {
	rc.ActiveHours = len(hours)
	rc.SpanHours = int(hours[len(hours)-1]-hours[0]) + 1
	share := float64(rc.ActiveHours) / float64(rc.SpanHours)
	rc.Activity, rc.MinGapHours = "continuous", 1
	if share < continuousShare {
		rc.Activity = "intermittent"
		rc.MinGapHours = int(math.Ceil(math.Log(gapChance) / math.Log(1-share)))
	}
	for i := 1; i < len(hours); i++ {
		empty := hours[i] - hours[i-1] - 1
		if empty < int64(rc.MinGapHours) || empty == 0 {
			continue
		}
		g := event.Gap{
			Start: hourTime(hours[i-1] + 1), End: hourTime(hours[i]), Account: rc.Account, Region: rc.Region,
			Kind: event.GapNoDelivery, Hours: float64(empty),
		}
		if !cv.overlaps(g.Start, g.End) {
			continue
		}
		g.Detail = fmt.Sprintf("no event for %d h where %d of the %d hours of the span have events (%s)",
			empty, rc.ActiveHours, rc.SpanHours, rc.Activity)
		cv.out.Gaps = append(cv.out.Gaps, g)
	}
}

// overlaps reports whether [start, end] meets the time window.
func (cv *coverage) overlaps(start, end time.Time) bool {
	return (cv.opts.Until == nil || start.Before(*cv.opts.Until)) && (cv.opts.Since == nil || !end.Before(*cv.opts.Since))
}

func regionLabel(r string) string {
	if r == "" {
		return "(no region)"
	}
	return r
}

// trailKey names a trail or event data store the same way whether a call
// gave its name or its ARN.
func trailKey(r call) string {
	name := jsonPath(r.Request, "name")
	for _, k := range []string{"trailName", "eventDataStore"} {
		if name == "" {
			name = jsonPath(r.Request, k)
		}
	}
	for _, sep := range []string{":trail/", ":eventdatastore/"} {
		if i := strings.LastIndex(name, sep); i >= 0 {
			return name[i+len(sep):]
		}
	}
	return name
}

func actorOf(r call) string {
	for _, s := range []string{r.ARN, r.IssuerARN, r.InvokedBy, r.UserName, r.Type} {
		if s != "" {
			return s
		}
	}
	return "unknown"
}

// window is an open logging_stopped or selectors_changed stretch.
type window struct {
	gap  event.Gap
	open bool
}

// logging lists the calls that change what CloudTrail records and derives
// the windows in which logging was stopped or narrowed. Trails are often
// multi-region and a stop before the time window still matters inside it,
// so these calls are read for the accounts in scope at any time and in any
// region; windows overlapping the time window are kept.
func (cv *coverage) logging() error {
	acctOnly := eventsql.Scope{Accounts: cv.opts.Accounts}.Filter(true)
	cond, args := eventsql.InList("event_name", loggingCalls)
	evs, err := readCalls(cv.ctx, cv.db, acctOnly, "event_source = 'cloudtrail.amazonaws.com' AND "+cond, args...)
	if err != nil {
		return err
	}
	lw := newLoggingWindows()
	for _, r := range evs {
		lc, err := lw.apply(cv, r)
		if err != nil {
			return err
		}
		if cv.inTime(r.Time) {
			cv.out.LoggingChanges = append(cv.out.LoggingChanges, lc)
		}
	}
	for _, w := range lw.windows {
		if err := cv.addGap(w); err != nil {
			return err
		}
	}
	return nil
}

// loggingWindows follows, call by call, the windows in which a trail was
// stopped or narrowed, keyed by account/trail.
type loggingWindows struct {
	stopped map[string]*window
	// Selectors and trail settings narrow independently: an UpdateTrail
	// does not undo a PutEventSelectors.
	narrowedSel, narrowedTrail map[string]*window
	lastSel                    map[string]*cloudtrail.Selectors
	windows                    []*window
}

func newLoggingWindows() *loggingWindows {
	return &loggingWindows{stopped: map[string]*window{}, narrowedSel: map[string]*window{},
		narrowedTrail: map[string]*window{}, lastSel: map[string]*cloudtrail.Selectors{}}
}

func (lw *loggingWindows) open(m map[string]*window, key string, r call, kind, detail string) {
	if w := m[key]; w != nil && w.open {
		return // already stopped: the first stop opened the window
	}
	w := &window{open: true, gap: event.Gap{Start: r.Time, Account: r.Account, Region: r.Region, Kind: kind,
		Trail: trailKey(r), Actor: actorOf(r), EventName: r.Name, EventID: r.ID, Detail: detail}}
	m[key] = w
	lw.windows = append(lw.windows, w)
}

func (lw *loggingWindows) close(m map[string]*window, key string, t time.Time) {
	if w := m[key]; w != nil && w.open {
		w.open, w.gap.End = false, t
	}
}

// apply records one logging call: the change it made, and the windows it
// opens or closes (a failed call changes nothing).
func (lw *loggingWindows) apply(cv *coverage, r call) (event.LoggingChange, error) {
	effect, _ := cloudtrail.LoggingEffect(r.Source, r.Name, r.Request)
	lc := event.LoggingChange{EventTime: r.Time, EventName: r.Name, Trail: trailKey(r), Actor: actorOf(r), EventID: r.ID,
		Account: r.Account, Region: r.Region, SourceIP: r.IP, ErrorCode: r.ErrorCode, Denied: r.ErrorCode != "", Effect: effect.String()}
	if r.ErrorCode != "" {
		return lc, nil
	}
	key := r.Account + "/" + lc.Trail
	switch r.Name {
	case "StopLogging", "StopEventDataStoreIngestion":
		lw.open(lw.stopped, key, r, event.GapLoggingStopped, "logging stopped")
	case "DeleteTrail", "DeleteEventDataStore":
		lw.close(lw.narrowedSel, key, r.Time)
		lw.close(lw.narrowedTrail, key, r.Time)
		lw.open(lw.stopped, key, r, event.GapLoggingStopped, "trail deleted")
	case "StartLogging", "StartEventDataStoreIngestion":
		lw.close(lw.stopped, key, r.Time)
	case "PutEventSelectors":
		return lc, lw.putSelectors(cv, r, key, &lc)
	case "UpdateTrail":
		u := cloudtrail.ParseUpdateTrail(r.Request)
		lc.Detail = u.Detail()
		lw.close(lw.narrowedTrail, key, r.Time)
		if loss := u.Loss(); loss != "" {
			lw.open(lw.narrowedTrail, key, r, event.GapSelectorsChanged, loss)
		}
	case "PutInsightSelectors":
		lc.Detail = insightDetail(r.Request)
	}
	return lc, nil
}

// putSelectors compares new event selectors with the trail's last ones: a
// narrowing, known from the trail's history, weakens logging and opens a
// window.
func (lw *loggingWindows) putSelectors(cv *coverage, r call, key string, lc *event.LoggingChange) error {
	sel, err := cloudtrail.ParseSelectors(r.Request)
	if err != nil {
		lc.Detail = "selectors not readable: " + err.Error()
		return nil
	}
	lc.Detail = sel.String()
	lw.close(lw.narrowedSel, key, r.Time)
	loss, err := cv.selectorLoss(r, sel, lw.lastSel[key])
	if err != nil {
		return err
	}
	lw.lastSel[key] = sel
	if loss != "" {
		lc.Effect = cloudtrail.Weakens.String()
		lc.Detail += " (" + loss + ")"
		lw.open(lw.narrowedSel, key, r, event.GapSelectorsChanged, loss)
	}
	return nil
}

// addGap keeps a window that overlaps the time window as a gap: one still
// open ends with the account's data; a stop counts the events inside it.
func (cv *coverage) addGap(w *window) error {
	g := &w.gap
	if w.open {
		g.OpenEnded = true
		g.End = maxTime(g.Start, cv.dataEnd[g.Account])
	}
	if !cv.overlaps(g.Start, g.End) {
		return nil
	}
	g.Hours = math.Round(g.End.Sub(g.Start).Hours()*100) / 100
	if g.Kind == event.GapLoggingStopped && g.End.After(g.Start) {
		err := cv.db.QueryRowContext(cv.ctx, "SELECT count(*) FROM events WHERE recipient_account_id = ? AND event_time > ? AND event_time < ?",
			g.Account, g.Start, g.End).Scan(&g.EventsInside)
		if err != nil {
			return fmt.Errorf("coverage: counting events in a logging window: %w", err)
		}
	}
	cv.out.Gaps = append(cv.out.Gaps, *g)
	return nil
}

func (cv *coverage) inTime(t time.Time) bool {
	return (cv.opts.Since == nil || !t.Before(*cv.opts.Since)) && (cv.opts.Until == nil || t.Before(*cv.opts.Until))
}

// selectorLoss says what a selector change stops recording, or "" when it
// narrows nothing known. Without an earlier PutEventSelectors for the trail,
// data events of the account seen before the call stand for the old
// selectors.
func (cv *coverage) selectorLoss(r call, now, before *cloudtrail.Selectors) (string, error) {
	var lost []string
	switch now.Management {
	case "none":
		lost = append(lost, "no management events recorded")
	case "read-only", "write-only":
		lost = append(lost, "only "+now.Management+" management events recorded")
	}
	if before != nil {
		for t := range before.Data {
			if _, ok := now.Data[t]; !ok {
				lost = append(lost, t+" data events no longer selected")
			}
		}
	} else if len(now.Data) == 0 {
		var n int64
		err := cv.db.QueryRowContext(cv.ctx, "SELECT count(*) FROM events WHERE recipient_account_id = ? AND event_time < ? AND event_category = 'Data'",
			r.Account, r.Time).Scan(&n)
		if err != nil {
			return "", fmt.Errorf("coverage: counting earlier data events: %w", err)
		}
		if n > 0 {
			lost = append(lost, fmt.Sprintf("no data events selected any more (the account recorded %s before)", display.Plural(int(n), "data event")))
		}
	}
	sort.Strings(lost)
	return strings.Join(lost, "; "), nil
}

func insightDetail(doc string) string {
	var req struct {
		InsightSelectors []struct {
			InsightType string `json:"insightType"`
		} `json:"insightSelectors"`
	}
	if err := json.Unmarshal([]byte(doc), &req); err != nil {
		return ""
	}
	if len(req.InsightSelectors) == 0 {
		return "Insights turned off"
	}
	var ts []string
	for _, s := range req.InsightSelectors {
		ts = append(ts, s.InsightType)
	}
	return "Insights: " + strings.Join(ts, ", ")
}

// dataEvents says, per S3 bucket and Lambda function named by an event in
// scope (or given), whether any data event for it is in scope. Records
// older than eventCategory are classified by their API name.
func (cv *coverage) dataEvents() error {
	objIn, objArgs := eventsql.InList("event_name", s3ObjectAPIs)
	specs := []dataSpec{
		{"s3", "s3.amazonaws.com", "bucketName", "event_category = 'Data' OR (event_category IS NULL AND " + objIn + ")", objArgs, cv.opts.Buckets},
		{"lambda", "lambda.amazonaws.com", "functionName", "event_category = 'Data' OR (event_category IS NULL AND event_name = 'Invoke')", nil, cv.opts.Functions},
	}
	counts, err := cv.dataEventCounts(specs)
	if err != nil {
		return err
	}
	for i, sp := range specs {
		byName := map[string]*event.DataEventStatus{}
		for _, c := range counts[i] {
			st := dataStatus(byName, sp.service, resourceName(sp.service, c.res))
			st.DataEvents += c.data
			st.ManagementEvents += c.mgmt
			if c.first.Valid {
				t := c.first.Time.UTC()
				if st.FirstDataEvent == nil || t.Before(*st.FirstDataEvent) {
					st.FirstDataEvent = &t
				}
			}
			if c.last.Valid {
				t := c.last.Time.UTC()
				if st.LastDataEvent == nil || t.After(*st.LastDataEvent) {
					st.LastDataEvent = &t
				}
			}
		}
		for _, g := range sp.given {
			st := dataStatus(byName, sp.service, resourceName(sp.service, g))
			st.Given = true
		}
		if sp.service == "s3" {
			if err := cv.accessLogCoverage(byName); err != nil {
				return err
			}
		}
		for _, name := range slices.Sorted(maps.Keys(byName)) {
			st := byName[name]
			st.Recorded = st.DataEvents > 0
			if st.Recorded && st.AccessLogRecords > 0 {
				// Both; with data events alone, recorded says it.
				st.ObjectLevelFrom = append([]string{"CloudTrail data events"}, st.ObjectLevelFrom...)
			}
			cv.out.DataEvents = append(cv.out.DataEvents, *st)
		}
	}
	return nil
}

// dataSpec is a service whose data events coverage reports per resource:
// the request parameter naming the resource, and which calls are data
// events (isData, with args).
type dataSpec struct {
	service, source, param, isData string
	args                           []any
	given                          []string
}

// dataCount is the events naming one resource: data events, management
// events, and the first and last data event.
type dataCount struct {
	res         string
	data, mgmt  int64
	first, last sql.NullTime
}

// dataEventCounts reads, for every spec at once, the events naming each
// resource (counts[i] for specs[i]). One scan: the calls of these services
// are spread over the whole case, so reading the request parameters of
// either reads nearly every vector of that column (0.45 s for the Lambda
// calls alone at 5 M events).
func (cv *coverage) dataEventCounts(specs []dataSpec) ([][]dataCount, error) {
	var sources []string
	res, isData := "CASE event_source", "CASE event_source"
	var args []any
	for _, sp := range specs {
		sources = append(sources, sp.source)
		res += " WHEN '" + sp.source + "' THEN request_parameters->>'$." + sp.param + "'"
		isData += " WHEN '" + sp.source + "' THEN (" + sp.isData + ")"
		args = append(args, sp.args...)
	}
	res, isData = res+" END", isData+" END"
	srcIn, srcArgs := eventsql.InList("event_source", sources)
	q := `SELECT event_source, res, count(*) FILTER (WHERE d), count(*) FILTER (WHERE NOT d),
			min(event_time) FILTER (WHERE d), max(event_time) FILTER (WHERE d)
		FROM (SELECT event_source, event_time, ` + res + ` AS res, coalesce(` + isData + `, false) AS d
			FROM events WHERE (` + cv.f.Where + `) AND ` + srcIn + `)
		WHERE res IS NOT NULL AND res <> '' GROUP BY event_source, res`
	rows, err := cv.rows(q, append(append(args, cv.f.Args...), srcArgs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := make([][]dataCount, len(specs))
	for rows.Next() {
		var source string
		var c dataCount
		if err := rows.Scan(&source, &c.res, &c.data, &c.mgmt, &c.first, &c.last); err != nil {
			return nil, fmt.Errorf("coverage: reading data events: %w", err)
		}
		i := slices.IndexFunc(specs, func(sp dataSpec) bool { return sp.source == source })
		counts[i] = append(counts[i], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("coverage: reading data events: %w", err)
	}
	return counts, nil
}

// accessLogCoverage counts, per bucket involved, its S3 server access log
// records in the window: object-level activity is visible from them
// whether or not CloudTrail recorded data events.
func (cv *coverage) accessLogCoverage(byName map[string]*event.DataEventStatus) error {
	if len(byName) == 0 {
		return nil
	}
	cond, args := eventsql.InList("bucket_name", slices.Sorted(maps.Keys(byName)))
	cond, args = eventsql.WindowCond(cond, args, "request_time", cv.opts.Since, cv.opts.Until)
	rows, err := cv.rows(`SELECT bucket_name, count(*) FROM s3_access WHERE `+cond+` GROUP BY bucket_name`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		var n int64
		if err := rows.Scan(&b, &n); err != nil {
			return fmt.Errorf("coverage: reading S3 server access logs: %w", err)
		}
		if st := byName[b]; st != nil && n > 0 {
			st.AccessLogRecords = n
			st.ObjectLevelFrom = append(st.ObjectLevelFrom, event.LogS3Access)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("coverage: reading S3 server access logs: %w", err)
	}
	return nil
}

func dataStatus(m map[string]*event.DataEventStatus, service, name string) *event.DataEventStatus {
	if st := m[name]; st != nil {
		return st
	}
	st := &event.DataEventStatus{Service: service}
	if service == "s3" {
		st.Bucket = name
	} else {
		st.Function = name
	}
	m[name] = st
	return st
}

// resourceName reduces a function ARN (with or without qualifier) to the
// function's name, and a bucket ARN to the bucket's, so that calls naming
// it either way count together.
func resourceName(service, s string) string {
	if service == "s3" {
		return strings.TrimPrefix(s, "arn:aws:s3:::")
	}
	if i := strings.Index(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return s
}

// sources counts input files that failed or were read only in part.
func (cv *coverage) sources() error {
	err := cv.db.QueryRowContext(cv.ctx, "SELECT count(*) FROM sources WHERE status IN ('failed', 'partial')").Scan(&cv.out.UnreadSources)
	if err != nil {
		return fmt.Errorf("coverage: counting unread sources: %w", err)
	}
	return nil
}

const stamp = "2006-01-02 15:04:05Z"
