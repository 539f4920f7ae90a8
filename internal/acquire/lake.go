package acquire

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// This file is collect lake's query (BuildLakeSQL) and row format
// (LakeRowJSON). The collection itself is internal/lake's Collect: it runs
// on the Lake client, which acquire cannot import (the remote engine's
// packages import acquire).

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

func sqlIn(column string, values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = sqlquote.String(v)
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
		where = append(where, "eventTime >= "+sqlquote.String(f.Since.UTC().Format(ts)))
	}
	if !f.Until.IsZero() {
		where = append(where, "eventTime < "+sqlquote.String(f.Until.UTC().Format(ts)))
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
