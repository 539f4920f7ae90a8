package remote

import (
	"encoding/json"
	"fmt"
	"strings"
)

// kind says how a fetched column becomes part of a CloudTrail event.
type kind int

const (
	kString    kind = iota
	kBool           // "true"/"false" → JSON boolean
	kTime           // Lake's timestamp text → RFC 3339
	kDoc            // JSON text (Athena) or a map as JSON (Lake) → nested JSON
	kResources      // resources as JSON → CloudTrail's ARN/accountId/type
)

// fetchCol is one CloudTrail field and the SQL that reads it from each
// target. An empty expression means the target has no such column.
type fetchCol struct {
	path         string // CloudTrail's dotted name
	athena, lake string
	kind         kind
}

// fetchCols rebuild a CloudTrail record from AWS's documented Athena table
// (lower-case columns, JSON documents as text) or from CloudTrail Lake
// (camel-case columns, documents as map<string,string>). Struct members are
// read one by one, so nothing depends on how a service prints a struct.
var fetchCols = []fetchCol{
	{"eventVersion", "eventversion", "eventVersion", kString},
	{"userIdentity.type", "useridentity.type", "userIdentity.type", kString},
	{"userIdentity.principalId", "useridentity.principalid", "userIdentity.principalId", kString},
	{"userIdentity.arn", "useridentity.arn", "userIdentity.arn", kString},
	{"userIdentity.accountId", "useridentity.accountid", "userIdentity.accountId", kString},
	{"userIdentity.invokedBy", "useridentity.invokedby", "userIdentity.invokedBy", kString},
	{"userIdentity.accessKeyId", "useridentity.accesskeyid", "userIdentity.accessKeyId", kString},
	{"userIdentity.userName", "useridentity.username", "userIdentity.userName", kString},
	{"userIdentity.identityProvider", "", "userIdentity.identityProvider", kString},
	{"userIdentity.onBehalfOf.userId", "useridentity.onbehalfof.userid", "userIdentity.onBehalfOf.userId", kString},
	{"userIdentity.onBehalfOf.identityStoreArn", "useridentity.onbehalfof.identitystorearn", "userIdentity.onBehalfOf.identityStoreArn", kString},
	{"userIdentity.sessionContext.sourceIdentity", "", "userIdentity.sessionContext.sourceIdentity", kString},
	{"userIdentity.sessionContext.attributes.mfaAuthenticated", "useridentity.sessioncontext.attributes.mfaauthenticated", "userIdentity.sessionContext.attributes.mfaAuthenticated", kString},
	{"userIdentity.sessionContext.attributes.creationDate", "useridentity.sessioncontext.attributes.creationdate", "userIdentity.sessionContext.attributes.creationDate", kTime},
	{"userIdentity.sessionContext.sessionIssuer.type", "useridentity.sessioncontext.sessionissuer.type", "userIdentity.sessionContext.sessionIssuer.type", kString},
	{"userIdentity.sessionContext.sessionIssuer.principalId", "useridentity.sessioncontext.sessionissuer.principalid", "userIdentity.sessionContext.sessionIssuer.principalId", kString},
	{"userIdentity.sessionContext.sessionIssuer.arn", "useridentity.sessioncontext.sessionissuer.arn", "userIdentity.sessionContext.sessionIssuer.arn", kString},
	{"userIdentity.sessionContext.sessionIssuer.accountId", "useridentity.sessioncontext.sessionissuer.accountid", "userIdentity.sessionContext.sessionIssuer.accountId", kString},
	{"userIdentity.sessionContext.sessionIssuer.userName", "useridentity.sessioncontext.sessionissuer.username", "userIdentity.sessionContext.sessionIssuer.userName", kString},
	{"userIdentity.sessionContext.ec2RoleDelivery", "useridentity.sessioncontext.ec2roledelivery", "userIdentity.sessionContext.ec2RoleDelivery", kString},
	{"userIdentity.sessionContext.webIdFederationData.federatedProvider", "useridentity.sessioncontext.webidfederationdata.federatedprovider", "userIdentity.sessionContext.webIdFederationData.federatedProvider", kString},
	{"eventTime", "eventtime", "eventTime", kTime},
	{"eventSource", "eventsource", "eventSource", kString},
	{"eventName", "eventname", "eventName", kString},
	{"awsRegion", "awsregion", "awsRegion", kString},
	{"sourceIPAddress", "sourceipaddress", "sourceIPAddress", kString},
	{"userAgent", "useragent", "userAgent", kString},
	{"errorCode", "errorcode", "errorCode", kString},
	{"errorMessage", "errormessage", "errorMessage", kString},
	{"requestParameters", "requestparameters", "json_format(CAST(requestParameters AS JSON))", kDoc},
	{"responseElements", "responseelements", "json_format(CAST(responseElements AS JSON))", kDoc},
	{"additionalEventData", "additionaleventdata", "json_format(CAST(additionalEventData AS JSON))", kDoc},
	{"serviceEventDetails", "serviceeventdetails", "json_format(CAST(serviceEventDetails AS JSON))", kDoc},
	{"requestID", "requestid", "requestID", kString},
	{"eventID", "eventid", "eventID", kString},
	{"readOnly", "readonly", "CAST(readOnly AS varchar)", kBool},
	{"resources", "json_format(CAST(resources AS JSON))", "json_format(CAST(resources AS JSON))", kResources},
	{"eventType", "eventtype", "eventType", kString},
	{"apiVersion", "apiversion", "apiVersion", kString},
	{"managementEvent", "", "CAST(managementEvent AS varchar)", kBool},
	{"recipientAccountId", "recipientaccountid", "recipientAccountId", kString},
	{"sharedEventID", "sharedeventid", "sharedEventID", kString},
	{"vpcEndpointId", "vpcendpointid", "vpcEndpointId", kString},
	{"vpcEndpointAccountId", "vpcendpointaccountid", "vpcEndpointAccountId", kString},
	{"eventCategory", "eventcategory", "eventCategory", kString},
	{"addendum.reason", "addendum.reason", "addendum.reason", kString},
	{"addendum.updatedFields", "addendum.updatedfields", "addendum.updatedFields", kString},
	{"addendum.originalRequestID", "addendum.originalrequestid", "addendum.originalRequestID", kString},
	{"addendum.originalEventID", "addendum.originaleventid", "addendum.originalEventID", kString},
	{"sessionCredentialFromConsole", "sessioncredentialfromconsole", "sessionCredentialFromConsole", kString},
	{"edgeDeviceDetails", "edgedevicedetails", "", kString},
	{"tlsDetails.tlsVersion", "tlsdetails.tlsversion", "tlsDetails.tlsVersion", kString},
	{"tlsDetails.cipherSuite", "tlsdetails.ciphersuite", "tlsDetails.cipherSuite", kString},
	{"tlsDetails.clientProvidedHostHeader", "tlsdetails.clientprovidedhostheader", "tlsDetails.clientProvidedHostHeader", kString},
}

// columns are the fetch columns the target has.
func (t Target) columns() []fetchCol {
	var out []fetchCol
	for _, c := range fetchCols {
		if (t.lake() && c.lake != "") || (!t.lake() && c.athena != "") {
			out = append(out, c)
		}
	}
	return out
}

// fetchSelect is the SELECT list that reads whole events.
func (t Target) fetchSelect() string {
	cols := t.columns()
	items := make([]string, len(cols))
	for i, c := range cols {
		items[i] = t.col(c.athena, c.lake) + ` AS "` + c.path + `"`
	}
	return "SELECT " + strings.Join(items, ",\n       ")
}

// EventsFromRows turns a fetch query's rows into CloudTrail records (one
// JSON object each, CloudTrail's own member names), as trailsleuth ingest
// reads them.
func (t Target) EventsFromRows(rs *Result) ([][]byte, error) {
	cols := t.columns()
	idx := rs.index()
	pos := make([]int, len(cols))
	found := 0
	for i, c := range cols {
		p, ok := idx[strings.ToLower(c.path)]
		if !ok {
			p = -1
		} else {
			found++
		}
		pos[i] = p
	}
	if found == 0 && len(rs.Rows) > 0 {
		return nil, fmt.Errorf("query %s returned none of the event columns (columns %v)", rs.QueryID, rs.Columns)
	}
	out := make([][]byte, 0, len(rs.Rows))
	for n, row := range rs.Rows {
		ev := map[string]any{}
		for i, c := range cols {
			s := rs.cell(row, pos[i])
			if s == nil || *s == "" {
				continue
			}
			v, err := c.value(*s, t.lake())
			if err != nil {
				return nil, fmt.Errorf("query %s row %d %s: %w", rs.QueryID, n+1, c.path, err)
			}
			if v != nil {
				setPath(ev, c.path, v)
			}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (c fetchCol) value(s string, lake bool) (any, error) {
	switch c.kind {
	case kBool:
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return s, nil
	case kTime:
		t, err := ParseTime(s)
		if err != nil {
			return nil, err
		}
		return t.Format("2006-01-02T15:04:05Z"), nil
	case kDoc:
		return unflatten(s, lake), nil
	case kResources:
		var rs []map[string]any
		if err := json.Unmarshal([]byte(s), &rs); err != nil {
			return nil, fmt.Errorf("resources: %w", err)
		}
		for _, r := range rs {
			for k, v := range r {
				delete(r, k)
				switch strings.ToLower(k) {
				case "arn":
					r["ARN"] = v
				case "accountid":
					r["accountId"] = v
				case "arnprefix":
					r["ARNPrefix"] = v
				default:
					r[k] = v
				}
			}
		}
		return rs, nil
	}
	return s, nil
}

// unflatten turns JSON text into nested JSON. Lake's maps hold nested
// documents as JSON text in their values; with members set, those are
// unflattened too (Athena's text is the document as CloudTrail wrote it, so
// its string members stay strings). Text that is not JSON stays a string.
func unflatten(s string, members bool) any {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') || !json.Valid([]byte(t)) {
		if t == "null" {
			return nil
		}
		return s
	}
	var v any
	_ = json.Unmarshal([]byte(t), &v) // valid, checked above
	if m, ok := v.(map[string]any); ok && members {
		for k, x := range m {
			if str, ok := x.(string); ok {
				m[k] = unflatten(str, false)
			}
		}
	}
	return v
}

func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// FetchColumns names the columns of the event queries (GrantsSQL,
// EventsSQL): CloudTrail's dotted field names, as aliases.
func (t Target) FetchColumns() []string {
	cols := t.columns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.path
	}
	return out
}
