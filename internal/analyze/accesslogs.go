package analyze

import (
	"database/sql"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/eventsql"
)

// logNames name the sources' formats that are not CloudTrail, as the
// report labels them (ingest's format names).
var logNames = map[string]string{"s3-server-access-log": event.LogS3Access, "vpc-flow-log": "VPC flow log"}

// objectAccess is what an S3 server access log record adds to a row.
type objectAccess struct {
	op, bucket, key, action string
	status                  int
	bytesSent, objectSize   int64
}

// s3APIName names an access log operation by the API call CloudTrail would
// record for it, so that the catalog classifies it as it would the data
// event; operations without one keep their name.
var s3APIName = map[string]string{
	"REST.GET.OBJECT": "GetObject", "REST.HEAD.OBJECT": "HeadObject", "REST.PUT.OBJECT": "PutObject",
	"REST.POST.OBJECT": "PutObject", "REST.COPY.OBJECT": "CopyObject", "REST.COPY.OBJECT_GET": "GetObject",
	"REST.DELETE.OBJECT": "DeleteObject", "BATCH.DELETE.OBJECT": "DeleteObjects", "REST.POST.MULTI_OBJECT_DELETE": "DeleteObjects",
	"REST.POST.UPLOADS": "CreateMultipartUpload", "REST.POST.UPLOAD": "CompleteMultipartUpload", "REST.PUT.PART": "UploadPart",
	"REST.GET.BUCKET": "ListObjects", "REST.GET.ACL": "GetObjectAcl", "REST.PUT.ACL": "PutObjectAcl",
	"REST.GET.BUCKETPOLICY": "GetBucketPolicy", "REST.PUT.BUCKETPOLICY": "PutBucketPolicy", "REST.GET.VERSIONING": "GetBucketVersioning",
	"REST.PUT.VERSIONING": "PutBucketVersioning", "REST.GET.LOGGING_STATUS": "GetBucketLogging", "REST.PUT.LOGGING_STATUS": "PutBucketLogging",
	"REST.POST.SELECT": "SelectObjectContent", "REST.GET.OBJECT_TAGGING": "GetObjectTagging", "REST.PUT.OBJECT_TAGGING": "PutObjectTagging",
}

// maxAccessRows bounds the access log records read into one report; a
// case beyond it says so.
const maxAccessRows = 50_000

// accessLogRows reads the S3 server access log records made from the
// attacker's addresses or by its principals (requester ARN = CloudTrail's
// userIdentity.arn), in the window, as rows for the timeline and data
// access.
func (inv *investigation) accessLogRows() ([]row, error) {
	ips, arns := inv.attackerIPs(), inv.attackerARNs()
	ips = union(ips, inv.opts.IPs)
	arns = union(arns, inv.opts.Principals)
	if len(ips) == 0 && len(arns) == 0 {
		return nil, nil
	}
	ipCond, ipArgs := inList("remoteip", ips)
	arnCond, arnArgs := inList("requester", arns)
	where := "(" + ipCond + " OR " + arnCond + ")"
	args := append(ipArgs, arnArgs...)
	where, args = eventsql.WindowCond(where, args, "request_time", inv.opts.Since, inv.opts.Until)
	q := `SELECT source_id, source_position, request_time, coalesce(operation, ''), coalesce(remoteip, ''),
		coalesce(requester, ''), coalesce(useragent, ''), coalesce(errorcode, ''), coalesce(httpstatus, 0),
		coalesce(bucket_name, ''), coalesce(key, ''), coalesce(bytessent, 0), coalesce(objectsize, 0), coalesce(requestid, '')
		FROM s3_access WHERE ` + where + ` AND request_time IS NOT NULL
		ORDER BY request_time, source_id, source_position LIMIT ` + fmt.Sprint(maxAccessRows+1)
	rows, err := inv.db.QueryContext(inv.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading S3 server access logs: %w", err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var src, pos int64
		var r row
		var o objectAccess
		var reqID string
		if err := rows.Scan(&src, &pos, &r.Time, &o.op, &r.IP, &r.ARN, &r.UserAgent, &r.ErrorCode, &o.status,
			&o.bucket, &o.key, &o.bytesSent, &o.objectSize, &reqID); err != nil {
			return nil, fmt.Errorf("reading S3 server access logs: %w", err)
		}
		r.Time = r.Time.UTC()
		// The record's place: request ids repeat (one per key of a
		// multi-object delete), source and line do not.
		r.ID = fmt.Sprintf("s3access:%d:%d", src, pos+1)
		if !strings.HasPrefix(r.ARN, "arn:") {
			r.ARN = "" // a canonical user id, not an identity CloudTrail names
		}
		if k, err := url.PathUnescape(o.key); err == nil {
			o.key = k
		}
		r.Source = "s3.amazonaws.com"
		r.Name = s3APIName[o.op]
		if r.Name == "" {
			r.Name = o.op
		}
		o.action = accesslog.ObjectAction(o.op)
		r.obj = &o
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading S3 server access logs: %w", err)
	}
	if len(out) > maxAccessRows {
		out = out[:maxAccessRows]
		inv.notes = append(inv.notes, fmt.Sprintf("More than %d S3 server access log records match the attacker's addresses and principals: the first %d are in the timeline and data access; query s3_access for the rest.", maxAccessRows, maxAccessRows))
	}
	return out, nil
}

// resource names an access log row's target as data access names S3.
func (o *objectAccess) resource() string {
	if o.key == "" || o.key == "-" {
		return "s3://" + o.bucket
	}
	return "s3://" + o.bucket + "/" + o.key
}

// addObjectAccess records one access log row in data access: objects read,
// written and deleted (other operations are in the timeline only).
func addObjectAccess(d *event.DataAccess, r row) {
	o := r.obj
	d.Source, d.Bucket, d.Kind = event.LogS3Access, o.bucket, "S3 object"
	if o.key != "" && o.key != "-" {
		d.Key = o.key
	}
	if !slices.Contains(d.HTTPStatus, o.status) && o.status != 0 {
		d.HTTPStatus = append(d.HTTPStatus, o.status)
		slices.Sort(d.HTTPStatus)
	}
	if o.status >= 300 || r.ErrorCode != "" {
		d.Denied++
		return
	}
	d.Count++
	if o.action == accesslog.ObjectRead {
		d.Bytes += o.bytesSent
	}
	if o.objectSize > 0 {
		d.ObjectSize = o.objectSize
	}
}

// attackerARNs are the principals of the attacker's events.
func (inv *investigation) attackerARNs() []string {
	set := map[string]bool{}
	for _, r := range inv.attacker {
		if strings.HasPrefix(r.ARN, "arn:") {
			set[r.ARN] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func union(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range append(append([]string(nil), a...), b...) {
		if s != "" {
			set[s] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// maxFlows bounds the flows listed in a report (the largest by bytes).
const maxFlows = 200

// networkFlows sums the VPC flow log records to and from the attacker's
// addresses per flow.
func (inv *investigation) networkFlows() ([]event.NetworkFlow, error) {
	ips := union(inv.attackerIPs(), inv.opts.IPs)
	if len(ips) == 0 {
		return nil, nil
	}
	src, srcArgs := inList("srcaddr", ips)
	dst, dstArgs := inList("dstaddr", ips)
	where, args := eventsql.WindowCond("("+src+" OR "+dst+")", append(srcArgs, dstArgs...), "start_time", inv.opts.Since, inv.opts.Until)
	in, inArgs := inList("srcaddr", ips)
	q := `SELECT srcaddr, dstaddr, coalesce(dstport, 0), coalesce(protocol, 0), coalesce(action, ''), count(*),
		coalesce(sum(packets), 0), coalesce(sum(bytes), 0), min(start_time), max(end_time),
		string_agg(DISTINCT interface_id, ',' ORDER BY interface_id), bool_or(` + in + `)
		FROM flow_logs WHERE ` + where + `
		GROUP BY ALL ORDER BY 8 DESC, 9, 1, 2, 3 LIMIT ` + fmt.Sprint(maxFlows+1)
	rows, err := inv.db.QueryContext(inv.ctx, q, append(inArgs, args...)...)
	if err != nil {
		return nil, fmt.Errorf("reading VPC flow logs: %w", err)
	}
	defer rows.Close()
	var out []event.NetworkFlow
	for rows.Next() {
		var f event.NetworkFlow
		var first, last sql.NullTime
		var ifaces sql.NullString
		var fromAttacker bool
		if err := rows.Scan(&f.SrcAddr, &f.DstAddr, &f.DstPort, &f.Protocol, &f.Action, &f.Records, &f.Packets, &f.Bytes,
			&first, &last, &ifaces, &fromAttacker); err != nil {
			return nil, fmt.Errorf("reading VPC flow logs: %w", err)
		}
		f.First, f.Last = first.Time.UTC(), last.Time.UTC()
		f.Interfaces = []string{}
		if ifaces.Valid && ifaces.String != "" {
			f.Interfaces = strings.Split(ifaces.String, ",")
		}
		f.Direction = "outbound"
		if fromAttacker {
			f.Direction = "inbound"
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading VPC flow logs: %w", err)
	}
	if len(out) > maxFlows {
		out = out[:maxFlows]
		inv.notes = append(inv.notes, fmt.Sprintf("More than %d flows to or from the attacker's addresses are in the VPC flow logs: the %d largest are listed; query flow_logs for the rest.", maxFlows, maxFlows))
	}
	return out, nil
}

// Bursts of object reads or deletes from one address within ten minutes, as
// the built-in access-log rules count them (rules/aws/*/s3_access_mass_*).
const (
	burstReads   = 25
	burstDeletes = 20
)

// accessLogBursts names, in notes, the addresses outside the investigation
// from which the S3 server access logs show a burst of object reads or
// deletes: CloudTrail may hold nothing of them (no data events; a
// principal of another account; anonymous access), so neither triage nor
// the indicators would have led to them.
func (inv *investigation) accessLogBursts() error {
	skip := map[string]bool{}
	for _, ip := range union(inv.attackerIPs(), inv.opts.IPs) {
		skip[ip] = true
	}
	where, args := eventsql.WindowCond("remoteip IS NOT NULL AND request_time IS NOT NULL", nil, "request_time", inv.opts.Since, inv.opts.Until)
	q := `SELECT remoteip, string_agg(DISTINCT bucket_name, ', ' ORDER BY bucket_name), min(request_time), max(request_time),
			max(reads), max(deletes), string_agg(DISTINCT requester, ', ' ORDER BY requester)
		FROM (SELECT remoteip, bucket_name, request_time, coalesce(requester, 'anonymous') AS requester,
				count(*) FILTER (WHERE operation IN ('REST.GET.OBJECT', 'REST.COPY.OBJECT_GET') AND httpstatus < 300)
					OVER w AS reads,
				count(*) FILTER (WHERE operation IN ('REST.DELETE.OBJECT', 'BATCH.DELETE.OBJECT') AND httpstatus < 300)
					OVER w AS deletes
			FROM s3_access WHERE ` + where + `
			WINDOW w AS (PARTITION BY remoteip ORDER BY request_time RANGE BETWEEN INTERVAL 10 MINUTES PRECEDING AND CURRENT ROW))
		GROUP BY remoteip HAVING max(reads) >= ? OR max(deletes) >= ? ORDER BY min(request_time), remoteip LIMIT 20`
	rows, err := inv.db.QueryContext(inv.ctx, q, append(args, burstReads, burstDeletes)...)
	if err != nil {
		return fmt.Errorf("reading S3 server access logs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ip, buckets, requesters string
		var first, last time.Time
		var reads, deletes int64
		if err := rows.Scan(&ip, &buckets, &first, &last, &reads, &deletes, &requesters); err != nil {
			return fmt.Errorf("reading S3 server access logs: %w", err)
		}
		if skip[ip] {
			continue
		}
		inv.notes = append(inv.notes, fmt.Sprintf("S3 server access logs show a burst from %s, outside this investigation: up to %d object reads and %d deletes within ten minutes on %s, %s to %s (requester %s). Investigate it: trailsleuth investigate --ip %s",
			ip, reads, deletes, buckets, first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339), requesters, ip))
	}
	return rows.Err()
}
