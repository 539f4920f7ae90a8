package event

import "time"

// Coverage says what the evidence can and cannot show: which accounts,
// regions and days are present, where events are missing, when logging was
// stopped or narrowed, and whether object-level (data) events were recorded
// for the resources involved. docs/coverage.md explains every rule.
type Coverage struct {
	// Statements say the limits of the evidence in plain words, the most
	// serious first.
	Statements []string `json:"statements"`
	Accounts   []string `json:"accounts"`
	Regions    []string `json:"regions"`
	// Days are the UTC dates (YYYY-MM-DD) with at least one event.
	Days []string `json:"days"`
	// Start and End are the first and last event time in scope.
	Start *time.Time `json:"start,omitempty"`
	End   *time.Time `json:"end,omitempty"`
	// Events counts the events in scope; UntimedEvents those without an
	// eventTime, which no time-based statement can account for.
	Events         int64             `json:"events"`
	UntimedEvents  int64             `json:"untimed_events,omitempty"`
	AccountRegions []RegionCoverage  `json:"account_regions"`
	Gaps           []Gap             `json:"gaps"`
	LoggingChanges []LoggingChange   `json:"logging_changes"`
	DataEvents     []DataEventStatus `json:"data_events"`
	// UnreadSources counts input files of the case that failed or were read
	// only in part: events may be missing from them (not limited to scope).
	UnreadSources int64 `json:"unread_sources,omitempty"`
}

// RegionCoverage is the activity of one account in one region.
type RegionCoverage struct {
	Account string    `json:"account"`
	Region  string    `json:"region"`
	First   time.Time `json:"first_event"`
	Last    time.Time `json:"last_event"`
	Events  int64     `json:"events"`
	Days    []string  `json:"days"`
	// ActiveHours of SpanHours (the UTC hours from the first event's to the
	// last event's, both included) hold at least one event. These and
	// Activity/MinGapHours judge the account/region over the whole case,
	// not only the time window, so that a narrow window does not change
	// what an empty hour means.
	ActiveHours int `json:"active_hours"`
	SpanHours   int `json:"span_hours"`
	// Activity is "continuous" (events in at least 90 % of the span's
	// hours: every empty hour is a gap) or "intermittent" (only empty
	// stretches of MinGapHours or more are gaps).
	Activity    string `json:"activity"`
	MinGapHours int    `json:"min_gap_hours"`
}

// Gap kinds.
const (
	GapNoDelivery       = "no_delivery"
	GapLoggingStopped   = "logging_stopped"
	GapSelectorsChanged = "selectors_changed"
)

// Gap is a stretch of time in which events are or may be missing.
type Gap struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Kind    string    `json:"kind"`
	Hours   float64   `json:"hours"`
	// Trail, Actor, EventName and EventID name the call that opened a
	// logging_stopped or selectors_changed window.
	Trail     string `json:"trail,omitempty"`
	Actor     string `json:"actor,omitempty"`
	EventName string `json:"event_name,omitempty"`
	EventID   string `json:"event_id,omitempty"`
	// OpenEnded is true when nothing closed the window before the end of
	// the data: End is then the last event of the account.
	OpenEnded bool `json:"open_ended,omitempty"`
	// EventsInside counts the account's events recorded inside a
	// logging_stopped window: other trails or regions may still log.
	EventsInside int64  `json:"events_inside,omitempty"`
	Detail       string `json:"detail"`
}

// LoggingChange is a call that changes what CloudTrail records, allowed or
// denied.
type LoggingChange struct {
	EventTime time.Time `json:"event_time"`
	EventName string    `json:"event_name"`
	Trail     string    `json:"trail"`
	Actor     string    `json:"actor"`
	EventID   string    `json:"event_id"`
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	SourceIP  string    `json:"source_ip,omitempty"`
	ErrorCode string    `json:"error_code,omitempty"`
	// Denied is true when the call failed (ErrorCode set): it changed
	// nothing, but it shows intent.
	Denied bool `json:"denied"`
	// Detail describes the change, e.g. what selectors now record.
	Detail string `json:"detail,omitempty"`
	// Effect is what the call does (or, denied, would have done) to what
	// the account records: "weakens", "strengthens" or "changes" (not
	// judgeable from the call alone).
	Effect string `json:"effect"`
}

// DataEventStatus says whether data events were seen for one resource
// involved in the case (an S3 bucket or a Lambda function).
type DataEventStatus struct {
	Service  string `json:"service"` // "s3" or "lambda"
	Bucket   string `json:"bucket,omitempty"`
	Function string `json:"function,omitempty"`
	// Recorded is true when at least one data event for the resource is in
	// scope.
	Recorded         bool       `json:"recorded"`
	DataEvents       int64      `json:"data_events"`
	ManagementEvents int64      `json:"management_events"`
	FirstDataEvent   *time.Time `json:"first_data_event,omitempty"`
	LastDataEvent    *time.Time `json:"last_data_event,omitempty"`
	// Given is true when the caller named the resource rather than the
	// events.
	Given bool `json:"given,omitempty"`
	// AccessLogRecords counts the bucket's S3 server access log records in
	// scope; ObjectLevelFrom names where object-level activity is visible
	// from ("CloudTrail data events", "S3 server access log") when the
	// bucket has access log records (absent otherwise: Recorded says
	// whether data events show it).
	AccessLogRecords int64    `json:"access_log_records,omitempty"`
	ObjectLevelFrom  []string `json:"object_level_from,omitempty"`
}

// LogS3Access labels what an S3 server access log shows (DataAccess.Log,
// DataEventStatus.ObjectLevelFrom).
const LogS3Access = "S3 server access log"
