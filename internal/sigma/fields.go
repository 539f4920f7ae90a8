package sigma

import (
	"fmt"
	"strings"
)

// fieldClass says how a Sigma field name maps onto the case database, and
// so which semantics the matcher reproduces for it.
type fieldClass uint8

const (
	fcColumn     fieldClass = iota // a typed VARCHAR column filled by ingest
	fcBoolColumn                   // a typed BOOLEAN column
	fcEventID                      // event_id, NULL-ed when synthetic
	fcJSONColumn                   // a whole JSON-text column (request_parameters …)
	fcPath                         // a path below the raw event or a JSON-text column
)

// fieldInfo is a classified field name.
type fieldInfo struct {
	name    string
	class   fieldClass
	column  string   // DuckDB column for fcColumn, fcBoolColumn, fcEventID, fcJSONColumn, and fcPath roots
	objPath []string // the object path a typed column is read from
	root    string   // fcPath: "" for the raw event, else the JSON column's CloudTrail name
	keys    []string // fcPath: keys below the root
}

// typedColumns maps CloudTrail field paths to the case database's typed
// columns (docs/schema.md).
var typedColumns = map[string]string{
	"eventName":                    "event_name",
	"eventSource":                  "event_source",
	"awsRegion":                    "aws_region",
	"sourceIPAddress":              "source_ip",
	"userAgent":                    "user_agent",
	"errorCode":                    "error_code",
	"errorMessage":                 "error_message",
	"eventType":                    "event_type",
	"eventCategory":                "event_category",
	"recipientAccountId":           "recipient_account_id",
	"sharedEventID":                "shared_event_id",
	"requestID":                    "request_id",
	"vpcEndpointId":                "vpc_endpoint_id",
	"eventVersion":                 "event_version",
	"apiVersion":                   "api_version",
	"readOnly":                     "read_only",
	"managementEvent":              "management_event",
	"sessionCredentialFromConsole": "session_credential_from_console",
	"eventID":                      "event_id",

	"userIdentity.type":              "identity_type",
	"userIdentity.principalId":       "principal_id",
	"userIdentity.arn":               "user_arn",
	"userIdentity.accountId":         "account_id",
	"userIdentity.accessKeyId":       "access_key_id",
	"userIdentity.userName":          "user_name",
	"userIdentity.invokedBy":         "invoked_by",
	"userIdentity.identityProvider":  "saml_provider",
	"userIdentity.credentialId":      "credential_id",
	"userIdentity.onBehalfOf.userId": "on_behalf_of_user_id",

	"userIdentity.sessionContext.sessionIssuer.type":                    "session_issuer_type",
	"userIdentity.sessionContext.sessionIssuer.arn":                     "session_issuer_arn",
	"userIdentity.sessionContext.sessionIssuer.userName":                "session_issuer_user_name",
	"userIdentity.sessionContext.sessionIssuer.accountId":               "session_issuer_account_id",
	"userIdentity.sessionContext.attributes.mfaAuthenticated":           "session_mfa",
	"userIdentity.sessionContext.sourceIdentity":                        "source_identity",
	"userIdentity.sessionContext.webIdFederationData.federatedProvider": "web_id_federation_provider",
}

var boolColumns = map[string]bool{"read_only": true, "management_event": true, "session_mfa": true, "session_credential_from_console": true}

// jsonColumns are the CloudTrail members ingest stores as JSON text.
var jsonColumns = map[string]string{
	"requestParameters":   "request_parameters",
	"responseElements":    "response_elements",
	"additionalEventData": "additional_event_data",
	"resources":           "resources",
	"tlsDetails":          "tls_details",
	"serviceEventDetails": "service_event_details",
}

func classify(field string) fieldInfo {
	fi := fieldInfo{name: field}
	if col, ok := typedColumns[field]; ok {
		fi.column = col
		fi.objPath = strings.Split(field, ".")
		switch {
		case col == "event_id":
			fi.class = fcEventID
		case boolColumns[col]:
			fi.class = fcBoolColumn
		default:
			fi.class = fcColumn
		}
		return fi
	}
	parts := strings.Split(field, ".")
	if col, ok := jsonColumns[parts[0]]; ok {
		fi.column = col
		if len(parts) == 1 {
			fi.class = fcJSONColumn
			return fi
		}
		fi.class, fi.root, fi.keys = fcPath, parts[0], parts[1:]
		return fi
	}
	fi.class, fi.column, fi.keys = fcPath, "raw", parts
	return fi
}

// values returns the field's non-null values in ev as the case database
// sees them (see the package documentation for the rules).
func (fi *fieldInfo) values(root *jv) []string {
	switch fi.class {
	case fcColumn, fcEventID:
		if s, ok := columnText(strictGet(root, fi.objPath)); ok {
			return []string{s}
		}
		return nil
	case fcBoolColumn:
		if s, ok := columnBool(strictGet(root, fi.objPath)); ok {
			return []string{s}
		}
		return nil
	case fcJSONColumn:
		if t, _, ok := jsonColumn(root.get(fi.name)); ok {
			return []string{t}
		}
		return nil
	}
	cur := []*jv{root}
	if fi.root != "" {
		_, doc, ok := jsonColumn(root.get(fi.root))
		if !ok {
			return nil
		}
		cur = []*jv{doc}
	}
	for _, k := range fi.keys {
		cur = stepJSON(cur, k)
	}
	var out []string
	for _, v := range cur {
		if v.kind == jArr {
			for _, e := range v.elems {
				if s, ok := duckText(e); ok {
					out = append(out, s)
				}
			}
			continue
		}
		if s, ok := duckText(v); ok {
			out = append(out, s)
		}
	}
	return out
}

// strictGet follows an object path without entering arrays (how ingest fills
// the typed columns).
func strictGet(v *jv, path []string) *jv {
	for _, k := range path {
		v = v.get(k)
		if v == nil {
			return nil
		}
	}
	return v
}

// stepJSON moves every value one key down: an object yields its member, an
// array yields the member of each of its object elements (one level, like
// DuckDB's '$[*].key'); nulls and missing members are dropped.
func stepJSON(cur []*jv, k string) []*jv {
	var out []*jv
	for _, v := range cur {
		switch v.kind {
		case jObj:
			if m := v.get(k); m != nil && m.kind != jNull {
				out = append(out, m)
			}
		case jArr:
			for _, e := range v.elems {
				if m := e.get(k); m != nil && m.kind != jNull {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// cloudTrailFields are the top-level members of a CloudTrail record
// (CloudTrail record contents, AWS CloudTrail User Guide).
var cloudTrailFields = map[string]bool{
	"eventTime": true, "eventVersion": true, "userIdentity": true, "eventSource": true,
	"eventName": true, "awsRegion": true, "sourceIPAddress": true, "userAgent": true,
	"errorCode": true, "errorMessage": true, "requestParameters": true, "responseElements": true,
	"additionalEventData": true, "requestID": true, "eventID": true, "eventType": true,
	"apiVersion": true, "managementEvent": true, "readOnly": true, "resources": true,
	"recipientAccountId": true, "serviceEventDetails": true, "sharedEventID": true,
	"vpcEndpointId": true, "vpcEndpointAccountId": true, "eventCategory": true, "addendum": true,
	"sessionCredentialFromConsole": true, "edgeDeviceDetails": true, "tlsDetails": true,
	"insightDetails": true, "eventContext": true,
}

// isCloudTrailField reports whether a field name starts with a CloudTrail
// record member; others are absent from every CloudTrail event.
func isCloudTrailField(field string) bool {
	first, _, _ := strings.Cut(field, ".")
	return cloudTrailFields[first]
}

// fieldWarnings lists the fields of a detection that CloudTrail records do
// not have (such a field is always absent).
func fieldWarnings(d *Detection) []string {
	var out []string
	seen := map[string]bool{}
	for _, name := range d.order {
		for _, alt := range d.selections[name].alts {
			for _, fc := range alt {
				fields := []string{fc.field}
				if fc.op == opFieldRef {
					for _, v := range fc.values {
						fields = append(fields, v.ref)
					}
				}
				for _, f := range fields {
					if f == "" || seen[f] || isCloudTrailField(f) {
						continue
					}
					seen[f] = true
					out = append(out, fmt.Sprintf("field %s (selection %s) is not a CloudTrail record field: it is absent from every event", f, name))
				}
			}
		}
	}
	return out
}
