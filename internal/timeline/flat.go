package timeline

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/jsonout"
	"github.com/trailsleuth/trailsleuth/internal/tabular"
)

// flatFields are the columns of the flat timeline after its time; the
// Timesketch formats carry them too.
type flatFields struct {
	EventName    string   `json:"event_name"`
	EventSource  string   `json:"event_source"`
	AccountID    string   `json:"account_id"`
	Region       string   `json:"region"`
	Principal    string   `json:"principal"`
	IdentityType string   `json:"identity_type"`
	AccessKeyID  string   `json:"access_key_id"`
	SourceIP     string   `json:"source_ip"`
	UserAgent    string   `json:"user_agent"`
	ReadOnly     *bool    `json:"read_only"`
	ErrorCode    string   `json:"error_code"`
	ErrorMessage string   `json:"error_message"`
	Resource     string   `json:"resource"`
	EventID      string   `json:"event_id"`
	Tactic       string   `json:"tactic"`
	Technique    string   `json:"technique"`
	Rules        []string `json:"rules"`
}

var flatFieldNames = []string{"event_name", "event_source", "account_id", "region", "principal",
	"identity_type", "access_key_id", "source_ip", "user_agent", "read_only", "error_code", "error_message",
	"resource", "event_id", "tactic", "technique", "rules"}

func fieldsOf(r *Record) flatFields {
	rules := r.Rules
	if rules == nil {
		rules = []string{}
	}
	return flatFields{
		EventName: r.EventName, EventSource: r.EventSource, AccountID: r.RecipientAcct, Region: r.Region,
		Principal: r.Principal(), IdentityType: r.IdentityType, AccessKeyID: r.AccessKeyID,
		SourceIP: r.SourceIP, UserAgent: r.UserAgent, ReadOnly: r.ReadOnly, ErrorCode: r.ErrorCode,
		ErrorMessage: r.ErrorMessage, Resource: r.Resource, EventID: r.EventID, Tactic: r.Tactic,
		Technique: r.Technique, Rules: rules,
	}
}

// cells renders the flat fields for CSV. Rule titles are joined with "; ".
func (f flatFields) cells() []string {
	ro := ""
	if f.ReadOnly != nil {
		ro = strconv.FormatBool(*f.ReadOnly)
	}
	return []string{f.EventName, f.EventSource, f.AccountID, f.Region, f.Principal, f.IdentityType,
		f.AccessKeyID, f.SourceIP, f.UserAgent, ro, f.ErrorCode, f.ErrorMessage, f.Resource, f.EventID,
		f.Tactic, f.Technique, strings.Join(f.Rules, "; ")}
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// flat: csv and jsonl.

var flatHeader = append([]string{"time"}, flatFieldNames...)

type flatRow struct {
	Time string `json:"time"`
	flatFields
}

func flatObject(r *Record) any { return flatRow{Time: utc(r.Time), flatFields: fieldsOf(r)} }

func flatCells(r *Record) []string { return append([]string{utc(r.Time)}, fieldsOf(r).cells()...) }

// Timesketch: https://timesketch.org/guides/user/import-from-json-csv/
// requires message, datetime (ISO 8601) and timestamp_desc; timestamp is
// microseconds since the epoch; tag is a list (in CSV, a JSON list, which
// Timesketch's importer parses).

const (
	timesketchDesc     = "Event Time"
	timesketchDataType = "aws:cloudtrail:entry" // plaso's data type for CloudTrail entries
)

var timesketchHeader = append([]string{"message", "datetime", "timestamp", "timestamp_desc", "data_type"},
	append(append([]string(nil), flatFieldNames...), "tag")...)

type timesketchRow struct {
	Message       string `json:"message"`
	Datetime      string `json:"datetime"`
	Timestamp     int64  `json:"timestamp"`
	TimestampDesc string `json:"timestamp_desc"`
	DataType      string `json:"data_type"`
	flatFields
	Tag []string `json:"tag"`
}

// isoOffset writes the time as Timesketch's documentation shows it, with a
// numeric offset: 2025-03-11T02:51:41.000000+00:00.
func isoOffset(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-07:00") }

// message is the one line Timesketch shows for the event: what was done,
// to what, by whom, with which key, from where, and whether it failed.
func message(r *Record) string {
	var b strings.Builder
	b.WriteString(r.EventName)
	if r.Resource != "" {
		b.WriteString(" " + r.Resource)
	}
	if p := r.Principal(); p != "" {
		b.WriteString(" by " + p)
	}
	if r.AccessKeyID != "" {
		b.WriteString(" (" + r.AccessKeyID + ")")
	}
	if r.SourceIP != "" {
		b.WriteString(" from " + r.SourceIP)
	}
	switch {
	case r.ErrorCode != "":
		b.WriteString(" failed: " + r.ErrorCode)
	case r.Failed():
		b.WriteString(" failed")
	}
	return b.String()
}

func timesketchObject(r *Record) any {
	return timesketchRow{Message: message(r), Datetime: isoOffset(r.Time), Timestamp: r.Time.UnixMicro(),
		TimestampDesc: timesketchDesc, DataType: timesketchDataType, flatFields: fieldsOf(r), Tag: r.Tags()}
}

func timesketchCells(r *Record) []string {
	tag, _ := json.Marshal(r.Tags()) // a []string always marshals
	cells := []string{message(r), isoOffset(r.Time), strconv.FormatInt(r.Time.UnixMicro(), 10), timesketchDesc, timesketchDataType}
	cells = append(cells, fieldsOf(r).cells()...)
	return append(cells, string(tag))
}

// csvWriter writes a header and one row per record, every cell defused
// against formula injection (tabular.SafeCell).
type csvWriter struct {
	cw     *csv.Writer
	header []string
	cells  func(*Record) []string
	wrote  bool
}

func newCSVWriter(w io.Writer, header []string, cells func(*Record) []string) *csvWriter {
	return &csvWriter{cw: csv.NewWriter(w), header: header, cells: cells}
}

func (c *csvWriter) write(r *Record) error {
	if !c.wrote {
		if err := c.writeHeader(); err != nil {
			return err
		}
	}
	row := c.cells(r)
	for i, s := range row {
		row[i] = tabular.SafeCell(s)
	}
	return c.cw.Write(row)
}

func (c *csvWriter) writeHeader() error {
	c.wrote = true
	return c.cw.Write(c.header)
}

// flush writes the header even when no event matched, so the file still
// imports (as an empty timeline).
func (c *csvWriter) flush() error {
	if !c.wrote {
		if err := c.writeHeader(); err != nil {
			return err
		}
	}
	c.cw.Flush()
	return c.cw.Error()
}

// jsonWriter writes one JSON object per line.
type jsonWriter struct {
	enc    *jsonout.Lines
	object func(*Record) any
}

func newJSONWriter(w io.Writer, object func(*Record) any) *jsonWriter {
	return &jsonWriter{enc: jsonout.NewLines(w), object: object}
}

func (j *jsonWriter) write(r *Record) error { return j.enc.Write(j.object(r)) }
func (j *jsonWriter) flush() error          { return nil }
