package acquire

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// LakeClient is the CloudTrail Lake query API.
type LakeClient interface {
	StartQuery(context.Context, *cloudtrail.StartQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.StartQueryOutput, error)
	DescribeQuery(context.Context, *cloudtrail.DescribeQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.DescribeQueryOutput, error)
	GetQueryResults(context.Context, *cloudtrail.GetQueryResultsInput, ...func(*cloudtrail.Options)) (*cloudtrail.GetQueryResultsOutput, error)
}

// LakeOptions say which query to run and where to write its rows.
type LakeOptions struct {
	EventDataStore string // ARN or ID, recorded in the manifest
	SQL            string
	Out            string
	// Poll is the wait between DescribeQuery calls (default 2 s); Sleep
	// waits (tests make it instant).
	Poll     time.Duration
	Sleep    func(ctx context.Context, d time.Duration) error
	Progress func(status string, rows int64)
	Now      func() time.Time
}

// LakeResult is what a Lake collection did.
type LakeResult struct {
	QueryID      string `json:"query_id"`
	Status       string `json:"status"`
	Path         string `json:"path,omitempty"`
	Rows         int64  `json:"rows"`
	Pages        int    `json:"pages"`
	BytesScanned int64  `json:"bytes_scanned"`
}

var edsIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{2,}$`)

// EventDataStoreID returns the ID that Lake SQL names in FROM: the last
// part of an event data store ARN, or the ID itself.
func EventDataStoreID(arnOrID string) (string, error) {
	id := arnOrID
	if strings.HasPrefix(id, "arn:") {
		_, after, ok := strings.Cut(id, ":eventdatastore/")
		if !ok {
			return "", fmt.Errorf("%q is not an event data store ARN (arn:…:cloudtrail:REGION:ACCOUNT:eventdatastore/ID)", arnOrID)
		}
		id = after
	}
	if !edsIDRE.MatchString(id) {
		return "", fmt.Errorf("event data store ID %q: want letters, digits and dashes", id)
	}
	return id, nil
}

// EventDataStoreRegion returns the region in an event data store ARN, or "".
func EventDataStoreRegion(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 6 && parts[0] == "arn" && parts[2] == "cloudtrail" {
		return parts[3]
	}
	return ""
}

// LakeFilter is the query collect lake builds when no SQL is given.
type LakeFilter struct {
	Since, Until time.Time
	EventNames   []string
	EventSources []string
	AccessKeys   []string
	Principals   []string // userIdentity.arn or userIdentity.userName
	SourceIPs    []string
	Regions      []string // awsRegion
}

// lakeColumns is the select list of built queries: the top-level fields
// ingest types, and the nested documents cast to JSON text, so that every
// row ingests as a whole CloudTrail event (Lake would otherwise render a
// ROW or MAP as "{k=v, …}", which is not JSON).
var lakeColumns = []string{
	"eventVersion", "eventID", "eventTime", "eventSource", "eventName", "awsRegion",
	"sourceIPAddress", "userAgent", "errorCode", "errorMessage", "readOnly", "eventType",
	"eventCategory", "managementEvent", "recipientAccountId", "sharedEventID", "requestID",
	"vpcEndpointId", "apiVersion",
	"json_format(CAST(userIdentity AS JSON)) AS userIdentity",
	"json_format(CAST(requestParameters AS JSON)) AS requestParameters",
	"json_format(CAST(responseElements AS JSON)) AS responseElements",
	"json_format(CAST(additionalEventData AS JSON)) AS additionalEventData",
	"json_format(CAST(resources AS JSON)) AS resources",
	"json_format(CAST(tlsDetails AS JSON)) AS tlsDetails",
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlIn(column string, values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = sqlString(v)
	}
	return column + " IN (" + strings.Join(q, ", ") + ")"
}

// BuildLakeSQL writes the Lake query for f over the event data store.
// Every value is a quoted literal, never spliced into the SQL text.
func BuildLakeSQL(eventDataStore string, f LakeFilter) (string, error) {
	id, err := EventDataStoreID(eventDataStore)
	if err != nil {
		return "", err
	}
	var where []string
	const ts = "2006-01-02 15:04:05"
	if !f.Since.IsZero() {
		where = append(where, "eventTime >= "+sqlString(f.Since.UTC().Format(ts)))
	}
	if !f.Until.IsZero() {
		where = append(where, "eventTime < "+sqlString(f.Until.UTC().Format(ts)))
	}
	for _, c := range []struct {
		col    string
		values []string
	}{
		{"eventName", f.EventNames}, {"eventSource", f.EventSources},
		{"userIdentity.accessKeyId", f.AccessKeys}, {"sourceIPAddress", f.SourceIPs}, {"awsRegion", f.Regions},
	} {
		if len(c.values) > 0 {
			where = append(where, sqlIn(c.col, c.values))
		}
	}
	if len(f.Principals) > 0 {
		where = append(where, "("+sqlIn("userIdentity.arn", f.Principals)+" OR "+sqlIn("userIdentity.userName", f.Principals)+")")
	}
	sql := "SELECT " + strings.Join(lakeColumns, ", ") + " FROM " + id
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	return sql + " ORDER BY eventTime", nil
}

// ErrQueryFailed is returned when Lake ends a query other than FINISHED.
var ErrQueryFailed = errors.New("CloudTrail Lake query did not finish")

// CollectLake runs a Lake query (StartQuery, DescribeQuery until it ends,
// GetQueryResults page by page) and writes each row as one JSON object
// per line under Out/lake/, recorded in the manifest.
func CollectLake(ctx context.Context, client LakeClient, opts LakeOptions) (*LakeResult, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	mw, err := NewManifestWriter(opts.Out)
	if err != nil {
		return nil, err
	}
	res, err := runLake(ctx, client, opts, mw)
	if cerr := mw.Close(); err == nil && cerr != nil {
		err = cerr
	}
	// The query ran: unfinished files of an earlier, killed run can go.
	if res != nil {
		if _, rerr := RemovePartials(opts.Out); rerr != nil && err == nil {
			err = rerr
		}
	}
	return res, err
}

func runLake(ctx context.Context, client LakeClient, opts LakeOptions, mw *ManifestWriter) (*LakeResult, error) {
	res := &LakeResult{}
	abs, rel := queryFile(opts.Out, "lake", opts.Now().UTC())
	q := &ManifestQuery{EventDataStore: opts.EventDataStore, SQL: opts.SQL}
	record := func(w written, err error) {
		q.QueryID, q.Requests, q.Records = res.QueryID, res.Pages, res.Rows
		e := ManifestEntry{Source: SourceLake, Path: rel, Size: w.Size, SHA256: w.SHA256, FetchedAt: Timestamp(opts.Now()), Status: StatusOK, Query: q}
		if err != nil {
			e.Status, e.Error = StatusFailed, err.Error()
		}
		res.Path = rel
		if merr := mw.Write(e); merr != nil && err == nil {
			err = merr
		}
	}

	start, err := client.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(opts.SQL)})
	if err != nil {
		return res, fmt.Errorf("StartQuery: %w", apiErr{err})
	}
	res.QueryID = aws.ToString(start.QueryId)
	for {
		d, err := client.DescribeQuery(ctx, &cloudtrail.DescribeQueryInput{QueryId: aws.String(res.QueryID)})
		if err != nil {
			err = fmt.Errorf("DescribeQuery %s: %w", res.QueryID, apiErr{err})
			record(written{}, err)
			return res, err
		}
		res.Status = string(d.QueryStatus)
		if opts.Progress != nil {
			opts.Progress(res.Status, 0)
		}
		if st := d.QueryStatistics; st != nil {
			res.BytesScanned = aws.ToInt64(st.BytesScanned)
		}
		switch d.QueryStatus {
		case cttypes.QueryStatusQueued, cttypes.QueryStatusRunning:
			if err := opts.Sleep(ctx, opts.Poll); err != nil {
				return res, err
			}
			continue
		case cttypes.QueryStatusFinished:
		default:
			err := fmt.Errorf("query %s ended %s: %s: %w", res.QueryID, d.QueryStatus, aws.ToString(d.ErrorMessage), ErrQueryFailed)
			record(written{}, err)
			return res, err
		}
		break
	}

	in := &cloudtrail.GetQueryResultsInput{QueryId: aws.String(res.QueryID)}
	w, err := writeLines(abs, &rel, func(bw *bufio.Writer) error {
		for {
			out, err := client.GetQueryResults(ctx, in)
			if err != nil {
				return fmt.Errorf("GetQueryResults %s: %w", res.QueryID, apiErr{err})
			}
			res.Pages++
			for _, row := range out.QueryResultRows {
				b, err := LakeRowJSON(row)
				if err != nil {
					return fmt.Errorf("row %d: %w", res.Rows+1, err)
				}
				if _, err := bw.Write(append(b, '\n')); err != nil {
					return err
				}
				res.Rows++
			}
			if opts.Progress != nil {
				opts.Progress(res.Status, res.Rows)
			}
			if out.NextToken == nil || *out.NextToken == "" {
				return nil
			}
			in.NextToken = out.NextToken
		}
	})
	record(w, err)
	return res, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// canonical restores CloudTrail's spelling of field names that Lake (like
// Trino) may return lower-cased, so rows ingest with their typed fields.
var canonical = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"eventVersion", "eventID", "eventTime", "eventSource", "eventName", "awsRegion",
		"sourceIPAddress", "userAgent", "errorCode", "errorMessage", "readOnly", "eventType",
		"eventCategory", "managementEvent", "recipientAccountId", "sharedEventID", "requestID",
		"vpcEndpointId", "apiVersion", "userIdentity", "requestParameters", "responseElements",
		"additionalEventData", "resources", "tlsDetails", "serviceEventDetails",
		// userIdentity members
		"type", "principalId", "arn", "accountId", "accessKeyId", "userName", "invokedBy",
		"identityProvider", "credentialId", "onBehalfOf", "userId", "identityStoreArn",
		"sessionContext", "sourceIdentity", "sessionIssuer", "webIdFederationData",
		"federatedProvider", "attributes", "mfaAuthenticated", "creationDate", "ec2RoleDelivery",
	} {
		m[strings.ToLower(k)] = k
	}
	return m
}()

func canon(k string) string {
	if c, ok := canonical[strings.ToLower(k)]; ok {
		return c
	}
	return k
}

// LakeRowJSON turns a GetQueryResults row (a list of single-key maps, all
// values strings) into one JSON object. Values holding JSON objects or
// arrays are embedded as JSON; dotted column names (AS "userIdentity.arn")
// become nested members; CloudTrail field names get CloudTrail's case
// back. A row whose only column holds a whole event as JSON (SELECT
// json_format(…)) is that event.
func LakeRowJSON(row []map[string]string) ([]byte, error) {
	obj := map[string]any{}
	var cols int
	var only any
	for _, cell := range row {
		for k, v := range cell {
			cols++
			val := cellValue(v)
			only = val
			parts := strings.Split(k, ".")
			m := obj
			for _, p := range parts[:len(parts)-1] {
				p = canon(p)
				sub, ok := m[p].(map[string]any)
				if !ok {
					sub = map[string]any{}
					m[p] = sub
				}
				m = sub
			}
			name := canon(parts[len(parts)-1])
			if name == "userIdentity" {
				val = canonKeys(val)
			}
			m[name] = val
		}
	}
	if ev, ok := only.(map[string]any); ok && cols == 1 && (ev["eventName"] != nil || ev["eventSource"] != nil) {
		obj = ev
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding Lake row: %w", err)
	}
	return b, nil
}

// cellValue embeds JSON objects and arrays; anything else stays a string.
func cellValue(v string) any {
	t := strings.TrimSpace(v)
	if len(t) > 1 && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
		var x any
		d := json.NewDecoder(strings.NewReader(t))
		d.UseNumber()
		if d.Decode(&x) == nil {
			return x
		}
	}
	return v
}

// canonKeys restores CloudTrail's case in an identity document.
func canonKeys(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[canon(k)] = canonKeys(x)
	}
	return out
}
