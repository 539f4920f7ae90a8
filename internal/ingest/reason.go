package ingest

// Reason names why a record or a file was not ingested as it stood. Every
// reason is counted in the summary; the docs list them (docs/ingest.md).
type Reason string

// Reasons for records or files that could not be stored.
const (
	ReasonMalformedJSON      Reason = "malformed_json"      // a record that is not valid JSON
	ReasonTruncatedJSON      Reason = "truncated_json"      // the input ends inside a JSON value
	ReasonTruncatedGzip      Reason = "truncated_gzip"      // the gzip stream ends early
	ReasonCorruptCompression Reason = "corrupt_compression" // bad gzip/zstd data or checksum
	ReasonTooLarge           Reason = "record_too_large"    // one record above the size bound
	ReasonNotEvent           Reason = "not_cloudtrail_record"
	ReasonBadLookupEntry     Reason = "bad_lookup_events_entry" // CloudTrailEvent is not a JSON object
	// ReasonBadS3AccessLine, ReasonBadFlowLogLine: a line of an S3 server
	// access log or a VPC flow log that does not follow the format.
	ReasonBadS3AccessLine Reason = "bad_s3_access_log_line"
	ReasonBadFlowLogLine  Reason = "bad_flow_log_line"
	ReasonReadError       Reason = "read_error"  // the file could not be opened or read
	ReasonStoreError      Reason = "store_error" // the database refused the record
	// ReasonInflateLimit: a compressed file expanded beyond
	// --max-inflate-ratio or --max-inflate-bytes (a decompression bomb);
	// the records before the limit are kept, the rest is not read.
	ReasonInflateLimit Reason = "decompression_limit"
	// ReasonZstdWindow: a zstd frame declares a window above what the
	// reader allocates (read.go, maxZstdWindow); the file is not read.
	ReasonZstdWindow Reason = "compression_window_too_large"
)

// Reasons for records that were stored, with something to know about them.
const (
	ReasonMissingEventID   Reason = "missing_event_id"   // stored under a synthetic id
	ReasonMissingEventTime Reason = "missing_event_time" // stored with a NULL event_time
	ReasonBadEventTime     Reason = "bad_event_time"     // unparseable; stored with NULL event_time
	ReasonTimeFromLogstash Reason = "event_time_from_@timestamp"
	// ReasonEventIDReused counts stored events whose eventID is shared by a
	// different event (other name or time) anywhere in the case.
	ReasonEventIDReused Reason = "event_id_reused"
	// ReasonChangedWhileRead counts files (not records) whose size, mtime
	// or content changed while they were read. What was read is stored
	// and is exactly what was hashed; the source is marked partial.
	ReasonChangedWhileRead Reason = "file_changed_while_read"
	// ReasonInvalidUTF8: the event held bytes that are not UTF-8; it is
	// stored with each invalid sequence replaced by U+FFFD.
	ReasonInvalidUTF8 Reason = "invalid_utf8_replaced"
	// ReasonDuplicateKey: a member name occurs twice in the event (or its
	// userIdentity); the last occurrence is used, as jq, Python and Go do.
	ReasonDuplicateKey Reason = "duplicate_json_key"
	// ReasonLeapSecond: the time has second 60; it is stored at :59.999999
	// of that minute, not rolled into the next.
	ReasonLeapSecond Reason = "leap_second"
	// ReasonConflictingCopy: another copy of the event (same eventID, name
	// and time) differs in content; this copy is kept in event_conflicts,
	// not used (store.Dedup says which copy is used and why).
	ReasonConflictingCopy Reason = "conflicting_copy"
)

// Reasons for whole files that were skipped.
const (
	SkipEmpty         Reason = "empty_file"
	SkipNotJSON       Reason = "not_json"
	SkipNoEvents      Reason = "json_without_cloudtrail_events"
	SkipAlreadyStored Reason = "already_ingested" // same path and SHA-256 as a stored source
)

// Stored reports whether a record with this reason still reached the database.
func (r Reason) Stored() bool {
	switch r {
	case ReasonMissingEventID, ReasonMissingEventTime, ReasonBadEventTime, ReasonTimeFromLogstash, ReasonEventIDReused, ReasonChangedWhileRead, ReasonInvalidUTF8,
		ReasonDuplicateKey, ReasonLeapSecond, ReasonConflictingCopy:
		return true
	}
	return false
}
