package ingest

import (
	"bytes"
	"strconv"
	"time"

	"github.com/valyala/fastjson"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// fields reads members of a parsed object. Exports such as Athena's
// "SELECT *" lower-case every name; fold makes look-ups case-insensitive
// for those, at a cost paid only by such inputs.
type fields struct {
	o    *fastjson.Object
	fold bool
}

func (f fields) get(k string) *fastjson.Value {
	if f.o == nil {
		return nil
	}
	v := f.o.Get(k)
	if v != nil || !f.fold {
		return v
	}
	kb := []byte(k)
	f.o.Visit(func(key []byte, val *fastjson.Value) {
		if v == nil && bytes.EqualFold(key, kb) {
			v = val
		}
	})
	return v
}

func (f fields) obj(k string) fields {
	v := f.get(k)
	if v == nil || v.Type() != fastjson.TypeObject {
		return fields{fold: f.fold}
	}
	o, _ := v.Object()
	return fields{o: o, fold: f.fold}
}

func (f fields) str(k string) string { return valueString(f.get(k)) }

// isEvent reports whether an object carries CloudTrail event fields, in
// CloudTrail's own spelling or lower-cased.
func isEvent(o *fastjson.Object) bool {
	return o.Get("eventName") != nil || o.Get("eventSource") != nil ||
		(o.Get("eventID") != nil && o.Get("eventTime") != nil) ||
		o.Get("eventname") != nil || o.Get("eventsource") != nil
}

func valueString(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNull:
		return ""
	case fastjson.TypeObject, fastjson.TypeArray:
		return ""
	default:
		return string(v.MarshalTo(nil))
	}
}

func valueBool(v *fastjson.Value) *bool {
	if v == nil {
		return nil
	}
	var b bool
	switch v.Type() {
	case fastjson.TypeTrue:
		b = true
	case fastjson.TypeFalse:
		b = false
	case fastjson.TypeString:
		p, err := strconv.ParseBool(string(v.GetStringBytes()))
		if err != nil {
			return nil
		}
		b = p
	default:
		return nil
	}
	return &b
}

// valueJSON returns a member as JSON text. Exporters that flatten nested
// documents into strings (Athena's requestparameters) are unflattened when
// the string holds a JSON object or array.
func valueJSON(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeNull:
		return ""
	case fastjson.TypeString:
		s := v.GetStringBytes()
		t := bytes.TrimSpace(s)
		if len(t) > 0 && (t[0] == '{' || t[0] == '[') && fastjson.ValidateBytes(t) == nil {
			return string(t)
		}
		if len(t) == 0 || string(t) == "null" {
			return ""
		}
	}
	return string(v.MarshalTo(nil))
}

// normalize fills ev's typed fields from the parsed event and returns the
// problems found (still stored).
func normalize(v *fastjson.Value, ev *event.Event) []Reason {
	o, _ := v.Object()
	f := fields{o: o}
	if o.Get("eventName") == nil && o.Get("eventSource") == nil {
		f.fold = true
	}
	var problems []Reason

	ev.EventID = f.str("eventID")
	ev.EventVersion = f.str("eventVersion")
	ev.EventName = f.str("eventName")
	ev.EventSource = f.str("eventSource")
	ev.AWSRegion = f.str("awsRegion")
	ev.SourceIP = f.str("sourceIPAddress")
	ev.UserAgent = f.str("userAgent")
	ev.ErrorCode = f.str("errorCode")
	ev.ErrorMessage = f.str("errorMessage")
	ev.ReadOnly = valueBool(f.get("readOnly"))
	ev.ManagementEvent = valueBool(f.get("managementEvent"))
	ev.SessionCredentialFromConsole = valueBool(f.get("sessionCredentialFromConsole"))
	ev.EventType = f.str("eventType")
	ev.EventCategory = f.str("eventCategory")
	ev.RecipientAccountID = f.str("recipientAccountId")
	ev.SharedEventID = f.str("sharedEventID")
	ev.RequestID = f.str("requestID")
	ev.VPCEndpointID = f.str("vpcEndpointId")
	ev.APIVersion = f.str("apiVersion")
	ev.RequestParameters = valueJSON(f.get("requestParameters"))
	ev.ResponseElements = valueJSON(f.get("responseElements"))
	ev.AdditionalEventData = valueJSON(f.get("additionalEventData"))
	ev.Resources = valueJSON(f.get("resources"))
	ev.TLSDetails = valueJSON(f.get("tlsDetails"))
	ev.ServiceEventDetails = valueJSON(f.get("serviceEventDetails"))
	ev.Insight = ev.EventType == "AwsCloudTrailInsight" || ev.EventCategory == "Insight"

	if tv := f.get("eventTime"); tv != nil && tv.Type() != fastjson.TypeNull {
		t, ok := valueTime(tv)
		if ok {
			ev.EventTime = t
		} else {
			problems = append(problems, ReasonBadEventTime)
		}
	} else if ts := o.Get("@timestamp"); ts != nil {
		// Logstash-shipped events lose eventTime but keep the same instant here.
		if t, ok := valueTime(ts); ok {
			ev.EventTime = t
			problems = append(problems, ReasonTimeFromLogstash)
		} else {
			problems = append(problems, ReasonBadEventTime)
		}
	} else {
		problems = append(problems, ReasonMissingEventTime)
	}

	normalizeIdentity(f.obj("userIdentity"), &ev.Identity)
	return problems
}

func normalizeIdentity(u fields, id *event.Identity) {
	if u.o == nil {
		return
	}
	id.Type = u.str("type")
	id.PrincipalID = u.str("principalId")
	id.ARN = u.str("arn")
	id.AccountID = u.str("accountId")
	id.AccessKeyID = u.str("accessKeyId")
	id.UserName = u.str("userName")
	id.InvokedBy = u.str("invokedBy")
	id.SAMLProvider = u.str("identityProvider")
	id.CredentialID = u.str("credentialId")
	obo := u.obj("onBehalfOf")
	id.OnBehalfOfUserID = obo.str("userId")
	id.OnBehalfOfIdentityStore = obo.str("identityStoreArn")

	sc := u.obj("sessionContext")
	if sc.o == nil {
		return
	}
	id.SourceIdentity = sc.str("sourceIdentity")
	iss := sc.obj("sessionIssuer")
	id.SessionIssuerType = iss.str("type")
	id.SessionIssuerARN = iss.str("arn")
	id.SessionIssuerUserName = iss.str("userName")
	id.SessionIssuerAccountID = iss.str("accountId")
	id.SessionIssuerPrincipalID = iss.str("principalId")
	id.WebIDFederationProvider = sc.obj("webIdFederationData").str("federatedProvider")
	attrs := sc.obj("attributes")
	id.MFAAuthenticated = valueBool(attrs.get("mfaAuthenticated"))
	if cd := attrs.get("creationDate"); cd != nil {
		if t, ok := valueTime(cd); ok {
			id.SessionCreationDate = t
		}
	}
}

// valueTime reads a time as CloudTrail, CloudTrail Lake, Athena or a log
// shipper writes it: RFC 3339 strings, "2006-01-02 15:04:05.000", or epoch
// seconds/milliseconds.
func valueTime(v *fastjson.Value) (time.Time, bool) {
	switch v.Type() {
	case fastjson.TypeString:
		return parseTime(v.GetStringBytes())
	case fastjson.TypeNumber:
		f := v.GetFloat64()
		if f > 1e11 { // milliseconds
			return time.UnixMilli(int64(f)).UTC(), true
		}
		return time.Unix(int64(f), 0).UTC(), true
	}
	return time.Time{}, false
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 MST",
}

// parseTime has a fast path for CloudTrail's own "2006-01-02T15:04:05Z",
// which is nearly every event.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) == 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[19] == 'Z' {
		n := func(i, j int) int {
			x := 0
			for _, c := range b[i:j] {
				if c < '0' || c > '9' {
					return -1
				}
				x = x*10 + int(c-'0')
			}
			return x
		}
		y, mo, d, h, mi, s := n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19)
		if y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 61 {
			return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC), true
		}
	}
	str := string(b)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, str); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
