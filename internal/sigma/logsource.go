package sigma

import (
	"errors"
	"fmt"
	"strings"
)

// Log sources beside CloudTrail: S3 server access logs (service s3) and VPC
// flow logs (service vpcflow), read from the case database's s3_access and
// flow_logs tables. Their rules name the tables' columns (the names of the
// Athena tables AWS documents: remoteip, operation, key, httpstatus …;
// srcaddr, dstport, action …), and their events are the tables' records,
// identified as ingest and investigate identify them.
type logSource struct {
	service, table string
	idPrefix       string // a record's id is "<idPrefix>:<source id>:<line>"
	time           string
	address        string            // the column of the address that made the request or sent the flow
	columns        map[string]string // field (lower case) → its SQL, as text
}

var logSources = []logSource{
	{service: "s3", table: "s3_access",
		idPrefix: "s3access",
		time:     "request_time", address: "remoteip",
		columns: textColumns([]string{"bucketowner", "bucket_name", "requestdatetime", "remoteip", "requester", "requestid",
			"operation", "key", "request_uri", "errorcode", "referrer", "useragent", "versionid", "hostid", "sigv", "ciphersuite",
			"authtype", "endpoint", "tlsversion", "accesspointarn", "aclrequired", "source_region", "raw"},
			[]string{"httpstatus", "bytessent", "objectsize", "totaltime", "turnaroundtime"})},
	{service: "vpcflow", table: "flow_logs",
		idPrefix: "flowlog",
		time:     "start_time", address: "srcaddr",
		columns: textColumns([]string{"account_id", "interface_id", "srcaddr", "dstaddr", "action", "log_status", "vpc_id",
			"subnet_id", "instance_id", "type", "pkt_srcaddr", "pkt_dstaddr", "region", "az_id", "sublocation_type",
			"sublocation_id", "pkt_src_aws_service", "pkt_dst_aws_service", "flow_direction", "extra", "raw"},
			[]string{"version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "tcp_flags", "traffic_path"})},
}

// id is the SQL of a record's id, as findings on the table name it.
func (s logSource) id() string {
	return "'" + s.idPrefix + ":' || source_id || ':' || (source_position + 1)"
}

// LogRecords are the SQL of a log table's record ids (as findings on it name
// them, each starting with IDPrefix and ':'), record times and source
// addresses.
type LogRecords struct{ Table, IDPrefix, ID, Time, Address string }

// LogRecordSQL lists LogRecords for every log table rules can read.
func LogRecordSQL() []LogRecords {
	out := make([]LogRecords, len(logSources))
	for i, s := range logSources {
		out[i] = LogRecords{Table: s.table, IDPrefix: s.idPrefix, ID: s.id(), Time: s.time, Address: s.address}
	}
	return out
}

// textColumns maps text columns to themselves and numeric ones to their
// text, as Sigma compares values (numeric modifiers cast back).
func textColumns(text, num []string) map[string]string {
	m := map[string]string{}
	for _, c := range text {
		m[c] = c
	}
	for _, c := range num {
		m[c] = `CAST("` + c + `" AS VARCHAR)`
	}
	return m
}

// LogTable is the case database table a rule reads when its logsource is
// not CloudTrail ("s3_access", "flow_logs"), or "" for CloudTrail. A
// correlation reads its rules' table.
func (r *Rule) LogTable() string {
	if ls := r.logSource(map[*Rule]bool{}); ls != nil {
		return ls.table
	}
	return ""
}

func (r *Rule) logSource(seen map[*Rule]bool) *logSource {
	seen[r] = true
	if r.Correlation != nil && r.Detection == nil {
		for _, b := range r.Correlation.bases {
			if b != nil && !seen[b] {
				return b.logSource(seen)
			}
		}
		return nil
	}
	if !strings.EqualFold(r.LogSource.Product, "aws") {
		return nil
	}
	for i := range logSources {
		if strings.EqualFold(r.LogSource.Service, logSources[i].service) {
			return &logSources[i]
		}
	}
	return nil
}

// logDialect is DuckDB over an access or flow log table.
type logDialect struct {
	*duckDialect
	src   *logSource
	table string
}

// from gives the table the columns every query reads: event_id and
// event_time.
func (d *logDialect) from() string {
	return "(SELECT *, " + d.src.id() + " AS event_id, " + d.src.time + " AS event_time FROM " + d.table + ") AS log_records"
}

func (d *logDialect) field(fi fieldInfo) (fieldExpr, error) {
	if expr, ok := d.src.columns[strings.ToLower(fi.name)]; ok {
		return fieldExpr{expr: expr}, nil
	}
	return fieldExpr{}, fmt.Errorf("field %q is not a column of %s (docs/logs.md lists them): %w", fi.name, d.src.table, errUnknownLogField)
}

var errUnknownLogField = errors.New("unknown field")

// ErrCaseOnly marks a rule over access or flow logs compiled for a remote
// engine: those logs are read into the case database only.
var ErrCaseOnly = errors.New("S3 access and VPC flow log rules run on the case database only")

// forLogs returns the dialect a rule over an access or flow log table
// compiles with, or dl itself for CloudTrail rules.
func forLogs(r *Rule, dl dialect, opts CompileOptions) (dialect, error) {
	src := r.logSource(map[*Rule]bool{})
	if src == nil {
		return dl, nil
	}
	dd, ok := dl.(*duckDialect)
	if !ok {
		return nil, fmt.Errorf("%s: %w", r.label(), ErrCaseOnly)
	}
	table := src.table
	if t := opts.LogTables[src.table]; t != "" {
		table = t
	}
	return &logDialect{duckDialect: &duckDialect{table: table, portable: dd.portable}, src: src, table: table}, nil
}
