package sigma

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// trinoDialect writes Trino SQL for Athena's CloudTrail table or for
// CloudTrail Lake.
type trinoDialect struct {
	kind  Dialect
	table string
}

// athenaScalars maps CloudTrail fields to the columns and struct members of
// the CREATE TABLE AWS documents for CloudTrail in Athena (all strings).
var athenaScalars = map[string]string{
	"eventVersion": "eventversion", "eventTime": "eventtime", "eventSource": "eventsource",
	"eventName": "eventname", "awsRegion": "awsregion", "sourceIPAddress": "sourceipaddress",
	"userAgent": "useragent", "errorCode": "errorcode", "errorMessage": "errormessage",
	"requestID": "requestid", "eventID": "eventid", "eventType": "eventtype",
	"apiVersion": "apiversion", "readOnly": "readonly", "recipientAccountId": "recipientaccountid",
	"sharedEventID": "sharedeventid", "vpcEndpointId": "vpcendpointid",
	"eventCategory": "eventcategory", "managementEvent": "managementevent",
	"userIdentity.type": "useridentity.type", "userIdentity.principalId": "useridentity.principalid",
	"userIdentity.arn": "useridentity.arn", "userIdentity.accountId": "useridentity.accountid",
	"userIdentity.invokedBy": "useridentity.invokedby", "userIdentity.accessKeyId": "useridentity.accesskeyid",
	"userIdentity.userName":                                             "useridentity.username",
	"userIdentity.sessionContext.attributes.mfaAuthenticated":           "useridentity.sessioncontext.attributes.mfaauthenticated",
	"userIdentity.sessionContext.attributes.creationDate":               "useridentity.sessioncontext.attributes.creationdate",
	"userIdentity.sessionContext.sessionIssuer.type":                    "useridentity.sessioncontext.sessionissuer.type",
	"userIdentity.sessionContext.sessionIssuer.principalId":             "useridentity.sessioncontext.sessionissuer.principalid",
	"userIdentity.sessionContext.sessionIssuer.arn":                     "useridentity.sessioncontext.sessionissuer.arn",
	"userIdentity.sessionContext.sessionIssuer.accountId":               "useridentity.sessioncontext.sessionissuer.accountid",
	"userIdentity.sessionContext.sessionIssuer.userName":                "useridentity.sessioncontext.sessionissuer.username",
	"userIdentity.onBehalfOf.userId":                                    "useridentity.onbehalfof.userid",
	"userIdentity.onBehalfOf.identityStoreArn":                          "useridentity.onbehalfof.identitystorearn",
	"userIdentity.sessionContext.ec2RoleDelivery":                       "useridentity.sessioncontext.ec2roledelivery",
	"userIdentity.sessionContext.webIdFederationData.federatedProvider": "useridentity.sessioncontext.webidfederationdata.federatedprovider",
	"vpcEndpointAccountId":                                              "vpcendpointaccountid",
	"sessionCredentialFromConsole":                                      "sessioncredentialfromconsole",
	"edgeDeviceDetails":                                                 "edgedevicedetails",
	"addendum.reason":                                                   "addendum.reason",
	"addendum.updatedFields":                                            "addendum.updatedfields",
	"addendum.originalRequestID":                                        "addendum.originalrequestid",
	"addendum.originalEventID":                                          "addendum.originaleventid",
	"tlsDetails.tlsVersion":                                             "tlsdetails.tlsversion",
	"tlsDetails.cipherSuite":                                            "tlsdetails.ciphersuite",
	"tlsDetails.clientProvidedHostHeader":                               "tlsdetails.clientprovidedhostheader",
}

// lakeScalars maps CloudTrail fields to CloudTrail Lake's columns.
var lakeScalars = map[string]string{
	"eventVersion": "eventVersion", "eventSource": "eventSource", "eventName": "eventName",
	"awsRegion": "awsRegion", "sourceIPAddress": "sourceIPAddress", "userAgent": "userAgent",
	"errorCode": "errorCode", "errorMessage": "errorMessage", "requestID": "requestID",
	"eventID": "eventID", "eventType": "eventType", "apiVersion": "apiVersion",
	"readOnly": "CAST(readOnly AS varchar)", "managementEvent": "CAST(managementEvent AS varchar)",
	"recipientAccountId": "recipientAccountId", "sharedEventID": "sharedEventID",
	"vpcEndpointId": "vpcEndpointId", "eventCategory": "eventCategory",
	"userIdentity.type": "userIdentity.type", "userIdentity.principalId": "userIdentity.principalId",
	"userIdentity.arn": "userIdentity.arn", "userIdentity.accountId": "userIdentity.accountId",
	"userIdentity.accessKeyId": "userIdentity.accessKeyId", "userIdentity.userName": "userIdentity.userName",
	"userIdentity.invokedBy": "userIdentity.invokedBy", "userIdentity.identityProvider": "userIdentity.identityProvider",
	"userIdentity.onBehalfOf.userId":                                    "userIdentity.onBehalfOf.userId",
	"userIdentity.sessionContext.sourceIdentity":                        "userIdentity.sessionContext.sourceIdentity",
	"userIdentity.sessionContext.attributes.mfaAuthenticated":           "userIdentity.sessionContext.attributes.mfaAuthenticated",
	"userIdentity.sessionContext.sessionIssuer.type":                    "userIdentity.sessionContext.sessionIssuer.type",
	"userIdentity.sessionContext.sessionIssuer.principalId":             "userIdentity.sessionContext.sessionIssuer.principalId",
	"userIdentity.sessionContext.sessionIssuer.arn":                     "userIdentity.sessionContext.sessionIssuer.arn",
	"userIdentity.sessionContext.sessionIssuer.accountId":               "userIdentity.sessionContext.sessionIssuer.accountId",
	"userIdentity.sessionContext.sessionIssuer.userName":                "userIdentity.sessionContext.sessionIssuer.userName",
	"userIdentity.sessionContext.webIdFederationData.federatedProvider": "userIdentity.sessionContext.webIdFederationData.federatedProvider",
	"userIdentity.onBehalfOf.identityStoreArn":                          "userIdentity.onBehalfOf.identityStoreArn",
	"userIdentity.sessionContext.ec2RoleDelivery":                       "userIdentity.sessionContext.ec2RoleDelivery",
	"vpcEndpointAccountId":                                              "vpcEndpointAccountId",
	"sessionCredentialFromConsole":                                      "sessionCredentialFromConsole",
	"addendum.reason":                                                   "addendum.reason",
	"addendum.updatedFields":                                            "addendum.updatedFields",
	"addendum.originalRequestID":                                        "addendum.originalRequestID",
	"addendum.originalEventID":                                          "addendum.originalEventID",
	"tlsDetails.tlsVersion":                                             "tlsDetails.tlsVersion",
	"tlsDetails.cipherSuite":                                            "tlsDetails.cipherSuite",
	"tlsDetails.clientProvidedHostHeader":                               "tlsDetails.clientProvidedHostHeader",
}

// JSON documents: JSON text columns in Athena, map<string,string> in Lake.
var athenaJSON = map[string]string{
	"requestParameters": "requestparameters", "responseElements": "responseelements",
	"additionalEventData": "additionaleventdata", "serviceEventDetails": "serviceeventdetails",
}

var lakeMaps = map[string]string{
	"requestParameters": "requestParameters", "responseElements": "responseElements",
	"additionalEventData": "additionalEventData", "serviceEventDetails": "serviceEventDetails",
}

// Struct columns a whole field can be rendered from as JSON text.
var athenaStructs = map[string]string{"resources": "resources", "tlsDetails": "tlsdetails", "userIdentity": "useridentity"}
var lakeStructs = map[string]string{"resources": "resources", "tlsDetails": "tlsDetails", "userIdentity": "userIdentity"}

// resources is ARRAY<STRUCT<arn, accountid, type[, arnprefix]>> in both.
var athenaResources = map[string]string{"ARN": "arn", "accountId": "accountid", "type": "type"}
var lakeResources = map[string]string{"ARN": "arn", "accountId": "accountId", "type": "type", "ARNPrefix": "arnPrefix"}

func (d *trinoDialect) name() Dialect { return d.kind }
func (d *trinoDialect) from() string  { return d.table }

func (d *trinoDialect) idTime() string {
	if d.kind == Athena {
		return "eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time"
	}
	return "eventID AS event_id, eventTime AS event_time"
}

func (d *trinoDialect) eventID() string {
	if d.kind == Athena {
		return "eventid"
	}
	return "eventID"
}

func (d *trinoDialect) timeExpr() string {
	if d.kind == Athena {
		return "from_iso8601_timestamp(eventtime)"
	}
	return "eventTime"
}

func (d *trinoDialect) timeLiteral(t time.Time) string {
	if d.kind == Athena {
		return "from_iso8601_timestamp(" + sqlquote.String(t.UTC().Format(time.RFC3339Nano)) + ")"
	}
	return "TIMESTAMP " + sqlquote.String(t.UTC().Format("2006-01-02 15:04:05.999"))
}

func (d *trinoDialect) quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func (d *trinoDialect) table_() string {
	if d.kind == Athena {
		return "the Athena CloudTrail table"
	}
	return "CloudTrail Lake's schema"
}

func (d *trinoDialect) field(fi fieldInfo) (fieldExpr, error) {
	scalars, docs, structs, res := athenaScalars, athenaJSON, athenaStructs, athenaResources
	if d.kind == Lake {
		scalars, docs, structs, res = lakeScalars, lakeMaps, lakeStructs, lakeResources
	}
	if c, ok := scalars[fi.name]; ok {
		return fieldExpr{expr: c}, nil
	}
	if !isCloudTrailField(fi.name) {
		// Absent from every CloudTrail event, as in the case database.
		return fieldExpr{expr: "CAST(NULL AS varchar) /* " + strings.ReplaceAll(fi.name, "*/", "* /") + ": not a CloudTrail field */"}, nil
	}
	switch fi.name {
	case "eventTime", "userIdentity.sessionContext.attributes.creationDate":
		return fieldExpr{}, &UnsupportedError{Dialect: d.kind, Construct: "matching the value of " + fi.name + " (a timestamp column in CloudTrail Lake)"}
	}
	parts := strings.SplitN(fi.name, ".", 2)
	if col, ok := docs[parts[0]]; ok {
		if len(parts) == 1 {
			if d.kind == Lake {
				return fieldExpr{expr: "json_format(CAST(" + col + " AS JSON))"}, nil
			}
			return fieldExpr{expr: col}, nil
		}
		keys := strings.Split(parts[1], ".")
		if d.kind == Athena {
			return fieldExpr{expr: jsonValues(col, keys), list: true}, nil
		}
		v := "element_at(" + col + ", " + sqlquote.String(keys[0]) + ")"
		if len(keys) == 1 {
			return fieldExpr{expr: "filter(COALESCE(TRY(CAST(json_parse(" + v + ") AS ARRAY(varchar))), ARRAY[" + v + "]), x -> x IS NOT NULL)", list: true}, nil
		}
		return fieldExpr{expr: jsonValues("TRY(json_format(json_parse("+v+")))", keys[1:]), list: true}, nil
	}
	if col, ok := structs[fi.name]; ok {
		return fieldExpr{expr: "json_format(CAST(" + col + " AS JSON))"}, nil
	}
	if parts[0] == "resources" && len(parts) == 2 {
		if m, ok := res[parts[1]]; ok {
			return fieldExpr{expr: "transform(resources, r -> r." + m + ")", list: true}, nil
		}
	}
	return fieldExpr{}, &UnsupportedError{Dialect: d.kind, Construct: fmt.Sprintf("field %s (no column or member for it in %s)", fi.name, d.table_())}
}

// jsonValues is the values at a path in a JSON text, in SQL/JSON lax mode:
// member steps go through arrays, and a final array gives its elements.
func jsonValues(doc string, keys []string) string {
	path := "lax $"
	for _, k := range keys {
		path += jsonPathKey(k)
	}
	path += "[*]"
	return "transform(filter(CAST(json_parse(json_query(" + doc + ", " + sqlquote.String(path) +
		" WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x)))"
}

func (d *trinoDialect) keywordTarget() (string, error) {
	return "", errors.New(d.table_() + " has no raw event text")
}

func (d *trinoDialect) ilike(v string, g []gtok, cased bool) string {
	pattern := likePattern(g)
	if cased {
		return v + " LIKE " + sqlquote.String(pattern) + ` ESCAPE '\'`
	}
	return "lower(" + v + ") LIKE " + lowerLiteral(pattern) + ` ESCAPE '\'`
}

func (d *trinoDialect) regex(v, pattern string) string {
	return "regexp_like(" + v + ", " + sqlquote.String(pattern) + ")"
}

func (d *trinoDialect) cidr(v string, sv *sval) (string, error) {
	lo, hi, ok := ipv4Range(sv)
	if !ok {
		return "contains(" + sqlquote.String(sv.prefix.String()) + ", TRY_CAST(" + v + " AS IPADDRESS))", nil
	}
	num := fmt.Sprintf("TRY_CAST(split_part(%[1]s, '.', 1) AS BIGINT) * 16777216 + TRY_CAST(split_part(%[1]s, '.', 2) AS BIGINT) * 65536 + TRY_CAST(split_part(%[1]s, '.', 3) AS BIGINT) * 256 + TRY_CAST(split_part(%[1]s, '.', 4) AS BIGINT)", v)
	return fmt.Sprintf("(regexp_like(%s, %s) AND %s BETWEEN %d AND %d)", v, sqlquote.String("^"+ipv4Re+"$"), num, lo, hi), nil
}

func (d *trinoDialect) toDouble(v string) string { return "TRY_CAST(" + v + " AS DOUBLE)" }

func (d *trinoDialect) anyOf(list, v, pred string) string {
	return "any_match(" + list + ", " + v + " -> " + pred + ")"
}

func (d *trinoDialect) isEmpty(list string) string {
	return "NOT COALESCE(any_match(" + list + ", v -> v IS NOT NULL), FALSE)"
}

func (d *trinoDialect) asList(scalar string) string { return "ARRAY[" + scalar + "]" }

func (d *trinoDialect) overlap(a, b string, cased bool) string {
	if cased {
		return "COALESCE(arrays_overlap(" + a + ", " + b + "), FALSE)"
	}
	return "COALESCE(arrays_overlap(transform(" + a + ", x -> lower(x)), transform(" + b + ", x -> lower(x))), FALSE)"
}

func (d *trinoDialect) first(list string) string {
	return "element_at(filter(" + list + ", v -> v IS NOT NULL), 1)"
}

func (d *trinoDialect) interval(span time.Duration) string {
	return fmt.Sprintf("INTERVAL '%d' SECOND", int64(span/time.Second))
}

func (d *trinoDialect) sortedIDs(col string) string {
	return "array_sort(array_agg(DISTINCT " + col + "))"
}

func (d *trinoDialect) windowDistinct() bool { return false }

func (d *trinoDialect) listAgg(col, orderBy string) string {
	return "array_agg(" + col + " ORDER BY " + orderBy + ")"
}

// pickIDs always removes repeated ranks: array_distinct is cheap in Trino.
func (d *trinoDialect) pickIDs(ids, ranks, lo, hi, reused string) string {
	return "transform(array_distinct(array_sort(slice(" + ranks + ", " + lo + ", " + hi + " - " + lo + " + 1))), r -> " + ids + "[r])"
}

func (d *trinoDialect) explode(from string, keep, arrays, names []string) string {
	cols := append(append([]string(nil), keep...), prefixAll(names, "x.")...)
	return "(\n    SELECT " + strings.Join(cols, ", ") + "\n    FROM " + from + "\n    CROSS JOIN UNNEST(" + strings.Join(arrays, ", ") +
		") AS x(" + strings.Join(names, ", ") + ")\n) AS u"
}
