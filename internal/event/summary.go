package event

import "time"

// CaseSummary is what the case holds, at a glance: the summary command's
// JSON form.
type CaseSummary struct {
	Database   string         `json:"database"`
	Events     int64          `json:"events"`
	FirstEvent *time.Time     `json:"first_event"`
	LastEvent  *time.Time     `json:"last_event"`
	Files      int64          `json:"files"`
	Accounts   SummaryList    `json:"accounts"`
	Regions    SummaryList    `json:"regions"`
	Principals SummaryList    `json:"principals"`
	AccessKeys SummaryList    `json:"access_keys"`
	Window     map[string]any `json:"window,omitempty"`
	// InPlace, when the case keeps original events in their input files
	// (ingest --originals in-place), says how many and in how many files,
	// over the whole case whatever the window.
	InPlace *InPlaceTotals `json:"originals_in_place,omitempty"`
}

// InPlaceTotals counts the events a case reads from their input files.
type InPlaceTotals struct {
	Events int64 `json:"events"`
	Files  int64 `json:"files"`
}

// SummaryList is one table of the summary: its rows, most events first,
// cut to --top, and how many there are in all.
type SummaryList struct {
	Total int          `json:"total"`
	Rows  []SummaryRow `json:"rows"`
}

// SummaryRow is one account, region, principal or access key.
type SummaryRow struct {
	Name string `json:"name"`
	// Principal is an access key's identity (the role behind a session).
	Principal string     `json:"principal,omitempty"`
	Events    int64      `json:"events"`
	Denied    int64      `json:"denied"`
	SourceIPs int64      `json:"source_ips"`
	FirstSeen *time.Time `json:"first_seen"`
	LastSeen  *time.Time `json:"last_seen"`
}
