package ingest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// fields reads members of a parsed object. Exports such as Athena's
// "SELECT *" lower-case every name; fold makes look-ups case-insensitive
// for those, at a cost paid only by such inputs.
//
// An object with a member name twice (CloudTrail never writes one; a forged
// record may, to show one value to this tool and another to jq) is read
// the way jq, Python and Go read it: the last occurrence wins (dups).
type fields struct {
	o    *fastjson.Object
	fold bool
	dups bool
	scan *dupScan // finds duplicate names in nested objects; nil: not looked for
}

func (f fields) get(k string) *fastjson.Value {
	if f.o == nil {
		return nil
	}
	if !f.dups {
		v := f.o.Get(k)
		if v != nil || !f.fold {
			return v
		}
	}
	var v *fastjson.Value
	kb := []byte(k)
	f.o.Visit(func(key []byte, val *fastjson.Value) {
		if string(key) == k || f.fold && bytes.EqualFold(key, kb) {
			v = val // the last one
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
	return fields{o: o, fold: f.fold, dups: f.scan.has(o), scan: f.scan}
}

// dupScan tells whether an object has a member name twice, reusing its
// memory from one object to the next (it runs on every event).
type dupScan struct {
	seen  [][]byte
	found bool
	fn    func([]byte, *fastjson.Value) // scan.visit, bound once
}

func newDupScan() *dupScan {
	d := &dupScan{}
	d.fn = d.visit
	return d
}

func (d *dupScan) visit(k []byte, _ *fastjson.Value) {
	if d.found {
		return
	}
	for _, s := range d.seen {
		if bytes.Equal(s, k) {
			d.found = true
			return
		}
	}
	d.seen = append(d.seen, k)
}

// has reports whether o names a member twice; a nil scan never looks.
func (d *dupScan) has(o *fastjson.Object) bool {
	if d == nil || o.Len() < 2 {
		return false
	}
	d.seen, d.found = d.seen[:0], false
	o.Visit(d.fn)
	return d.found
}

// dupKeys lists the member names that occur more than once in o.
func dupKeys(o *fastjson.Object) []string {
	if o.Len() < 2 {
		return nil
	}
	var seen [][]byte
	var dups []string
	o.Visit(func(k []byte, _ *fastjson.Value) {
		for _, s := range seen {
			if bytes.Equal(s, k) {
				dups = append(dups, string(k))
				return
			}
		}
		seen = append(seen, k)
	})
	return dups
}

// issue is a problem normalize found in a stored event.
type issue struct {
	reason Reason
	detail string
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
// problems found (still stored). scan finds duplicate member names.
func normalize(v *fastjson.Value, ev *event.Event, scan *dupScan) []issue {
	o, _ := v.Object()
	f := fields{o: o, scan: scan}
	if o.Get("eventName") == nil && o.Get("eventSource") == nil {
		f.fold = true
	}
	var problems []issue
	if scan.has(o) {
		f.dups = true
		problems = append(problems, issue{ReasonDuplicateKey, duplicateDetail(o, dupKeys(o))})
	}
	u := f.obj("userIdentity")
	if u.dups {
		problems = append(problems, issue{ReasonDuplicateKey, "userIdentity: " + duplicateDetail(u.o, dupKeys(u.o))})
	}

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
		problems = eventTime(tv, ev, problems)
	} else if ts := o.Get("@timestamp"); ts != nil {
		// Logstash-shipped events lose eventTime but keep the same instant here.
		if problems = eventTime(ts, ev, problems); !ev.EventTime.IsZero() {
			problems = append(problems, issue{ReasonTimeFromLogstash, ""})
		}
	} else {
		problems = append(problems, issue{ReasonMissingEventTime, ""})
	}

	normalizeIdentity(u, &ev.Identity)
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
		if t, _, ok := valueTime(cd); ok {
			id.SessionCreationDate = t
		}
	}
}

// eventTime sets ev.EventTime from v, or counts why it cannot: a time that
// is not one (unreadable, a calendar date that does not exist, before
// 1970) is stored as NULL with bad_event_time; a leap second is counted.
func eventTime(v *fastjson.Value, ev *event.Event, problems []issue) []issue {
	t, leap, ok := valueTime(v)
	switch {
	case !ok:
		return append(problems, issue{ReasonBadEventTime, "unreadable or not a calendar time: " + truncateText(string(v.MarshalTo(nil)), 80)})
	case t.Before(minEventTime):
		return append(problems, issue{ReasonBadEventTime, fmt.Sprintf("%s is before 1970: not a CloudTrail time", t.Format(time.RFC3339))})
	}
	ev.EventTime = t
	if leap {
		problems = append(problems, issue{ReasonLeapSecond, "second 60 stored as " + t.Format("15:04:05.999999")})
	}
	return problems
}

// minEventTime: CloudTrail began in 2013; a time before the Unix epoch
// (year 0, Go's zero time 0001-01-01) is no event's.
var minEventTime = time.Unix(0, 0).UTC()

// valueTime reads a time as CloudTrail, CloudTrail Lake, Athena or a log
// shipper writes it: RFC 3339 strings, "2006-01-02 15:04:05.000", or epoch
// seconds/milliseconds. Dates must exist (no 30 February: never rolled
// into March); a leap second (:60) is kept in its minute, at
// :59.999999, and reported.
func valueTime(v *fastjson.Value) (t time.Time, leap, ok bool) {
	switch v.Type() {
	case fastjson.TypeString:
		return parseTime(v.GetStringBytes())
	case fastjson.TypeNumber:
		f := v.GetFloat64()
		if f > 1e11 { // milliseconds
			return time.UnixMilli(int64(f)).UTC(), false, true
		}
		return time.Unix(int64(f), 0).UTC(), false, true
	}
	return time.Time{}, false, false
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
func parseTime(b []byte) (time.Time, bool, bool) {
	// A leap second: read as :59, then moved to the last microsecond of it.
	if len(b) >= 19 && b[16] == ':' && b[17] == '6' && b[18] == '0' && (len(b) == 19 || b[19] < '0' || b[19] > '9') {
		fixed := append([]byte(nil), b...)
		fixed[17] = '5'
		fixed[18] = '9'
		t, _, ok := parseTime(fixed)
		if !ok {
			return t, false, false
		}
		return t.Truncate(time.Second).Add(time.Second - time.Microsecond), true, true
	}
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
		if y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60 {
			t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
			// time.Date normalises 30 February to 1 March: refuse it.
			return t, false, t.Day() == d
		}
		return time.Time{}, false, false
	}
	str := string(b)
	for _, l := range timeLayouts {
		// time.Parse refuses days a month does not have.
		if t, err := time.Parse(l, str); err == nil {
			return t.UTC(), false, true
		}
	}
	return time.Time{}, false, false
}

// duplicateDetail says which member names occur twice and, for the first
// of them, both values.
func duplicateDetail(o *fastjson.Object, dups []string) string {
	var vals []string
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) == dups[0] {
			vals = append(vals, truncateText(string(v.MarshalTo(nil)), 60))
		}
	})
	return fmt.Sprintf("member %s given %d times (%s); the last is used, as jq, Python and Go read JSON; raw keeps the record as written",
		strings.Join(dups, ", "), len(vals), strings.Join(vals, " then "))
}
