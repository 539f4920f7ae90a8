// Package sigma reads Sigma detection rules (YAML), matches them against
// CloudTrail events in memory, and compiles them to SQL for trailsleuth's
// case database (DuckDB), for AWS's Athena CloudTrail table and for
// CloudTrail Lake. It is pure: no I/O beyond reading rule files.
//
// # Rules
//
// Parse and ParseFile read one or several YAML documents (plain multi-document
// files and "action: global/reset/repeat" collections). Every rule keeps its
// metadata; top-level keys the specification does not define land in
// Rule.Custom. Parsing validates the detection: a condition is required,
// referenced selections must exist, unknown modifiers are errors naming them.
// Correlation rules (Sigma v2: event_count, value_count, temporal,
// temporal_ordered) refer to other rules by name or id; Parse links the
// references within one text and Link across texts. A legacy aggregation
// ("selection | count(field) by group > N" with a timeframe) becomes an
// event_count or value_count correlation over the rule itself; "near" and
// other aggregations are reported as *UnsupportedError.
//
// Rule.Applicable tells whether a rule is for product aws, service
// cloudtrail; NewMatcher and Compile return an error wrapping
// ErrNotApplicable for other rules, so callers can skip them with a reason.
//
// # Semantics
//
// The matcher and every SQL dialect implement the same semantics, and the
// package's tests check the matcher against the DuckDB SQL on real events:
//
//   - A field name is a dotted path (requestParameters.policyArn). Where a
//     step meets an array it continues into each element that is an object
//     (one level, like JSONPath's [*]); a final array contributes its
//     elements. So resources.ARN is every resource's ARN, and
//     requestParameters.ipPermissions.items.ipRanges.items.cidrIp every
//     CIDR of every permission. A field matches when any of its values does.
//   - Fields with a typed column in the case database (eventName,
//     userIdentity.arn, …, see docs/schema.md) have that column's meaning:
//     read through objects only, empty strings, objects and arrays are
//     absent; booleans (readOnly, managementEvent, mfaAuthenticated) compare
//     as the strings "true"/"false". eventID is absent when ingest had to
//     make a synthetic id. Other values are given as DuckDB's
//     json_extract_string gives them: strings unescaped, numbers normalised
//     (1.50 → 1.5), objects and arrays as compact JSON text. A whole JSON
//     document (requestParameters|contains: x) is its JSON text.
//   - Matching is case-insensitive unless |cased; * and ? are wildcards, \*,
//     \? and \\ escape them. A number in the rule also matches numerically
//     (1000 matches "1000.0"). null matches an absent or null field;
//     |exists: true/false tests presence. |all turns the OR over values into
//     AND. |re uses RE2 (Go and DuckDB; Trino's regex is Java's), unanchored,
//     case-sensitive unless |i; |m and |s set the flags. |cidr accepts IPv4
//     and IPv6 networks. |lt, |lte, |gt, |gte compare numbers. |fieldref
//     compares with another field's values. |base64, |base64offset, |utf16*,
//     |wide and |windash transform the values; |expand substitutes
//     %placeholders% from MatchOptions / CompileOptions.Placeholders.
//   - Keyword (field-less) selections search the raw event text,
//     case-insensitively (on DuckDB contains(lower(raw), 'kw'), the same
//     test as raw ILIKE '%kw%' and faster; patterns with wildcards inside
//     stay ILIKE).
//   - Conditions: not binds tighter than and, and tighter than or;
//     parentheses; "1 of x*", "any of x*", "all of x*", "N of x*",
//     "1 of them", "all of them" (identifiers starting with _ are not part
//     of them).
//
// # Correlations
//
// Events of the referenced rules are grouped by the group-by fields (the
// first value of each; absent values form their own group). Every distinct
// event time t in a group (for temporal_ordered: every time of an event of
// the first rule) opens a window [t, t+timespan], both ends included. The
// window's count is the number of distinct events (event_count), of
// distinct first values of the field (value_count) or of referenced rules
// with an event in it (temporal); temporal_ordered also needs the rules'
// events in order. A window is reported when its count meets every
// threshold of the condition. Legacy aggregations without a timeframe use
// one window per group spanning all its events.
//
// Compiled correlation queries return one row per qualifying window, in no
// particular order: the group-by values (columns named after the group-by
// fields), window_start, window_end, match_count and event_ids (the window's
// distinct event ids, sorted). Overlapping windows are all reported, so the
// ids of a busy group repeat across its windows. CorrelationMatcher.Run
// returns the same rows from a slice of events. The queries take
// O(n log n) time for n correlated events plus the size of that output, and
// no join whose size grows with the square of a group's events.
//
// # SQL
//
// Compile writes one query per rule. A detection rule's query returns the
// matching events' id and time:
//
//	duckdb: SELECT event_id, event_time FROM events WHERE …
//	athena: SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time FROM cloudtrail_logs WHERE …
//	lake:   SELECT eventID AS event_id, eventTime AS event_time FROM <event data store id> WHERE …
//
// Fields that need walking JSON are computed once per row as lists in an
// inner SELECT and tested with list predicates (duckdb: list_filter over
// json_extract with [*]; athena: json_query in lax mode over the JSON-text
// columns; lake: element_at on the requestParameters/responseElements maps,
// then json_query below them). Below a NOT every predicate is made
// two-valued, so NULLs do not change Sigma's meaning. Constructs a dialect
// cannot express are reported as *UnsupportedError, never dropped: keyword
// searches in athena and lake (no raw event text there), fields that have
// no column in AWS's Athena table or Lake's schema, IPv6 |cidr in duckdb
// (the inet extension may be absent; IPv4 is tested numerically).
package sigma
