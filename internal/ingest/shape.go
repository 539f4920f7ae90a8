package ingest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/valyala/fastjson"
)

// notCloudTrail says why an object with event-like members is not a
// CloudTrail event, or returns "" when it has CloudTrail's shape:
//   - eventName, a non-empty string;
//   - eventSource, a string naming an AWS service endpoint (ending in
//     .amazonaws.com, as every CloudTrail source does, management, data,
//     Insights and service events alike);
//   - Insights records name them in insightDetails.
//
// eventVersion, userIdentity and eventTime are not required: AWS's own
// documentation examples (../shared/datasets) and trimmed exports lack
// them, and a record missing eventTime or eventID is stored and counted
// (missing_event_time, missing_event_id).
//
// Other JSON that uses some of the same names — S3 event notifications
// (eventSource aws:s3), DynamoDB stream records, Azure activity logs (an
// eventName object), label files ({"technique":…,"eventName":…}) — would
// otherwise become events and flow into timelines, coverage and exports.
func notCloudTrail(v *fastjson.Value) string {
	o, err := v.Object()
	if err != nil {
		return "a JSON " + v.Type().String() + ", not an object"
	}
	f := fields{o: o}
	if o.Get("eventName") == nil && o.Get("eventSource") == nil {
		f.fold = true // Athena's SELECT * lower-cases every name
	}
	why := shapeProblem(f)
	if why == "" {
		return ""
	}
	// Say what it is when the format is known; else what is missing.
	if what := recognise(o); what != genericObject {
		return what
	}
	return "not CloudTrail's shape: " + why
}

// shapeProblem is the first way f falls short of CloudTrail's shape.
func shapeProblem(f fields) string {
	if f.str("eventType") == "AwsCloudTrailInsight" || f.str("eventCategory") == "Insight" {
		// Insights records name the API and service in insightDetails.
		if d := f.obj("insightDetails"); d.o != nil {
			f = d
		}
	}
	name, source := f.get("eventName"), f.get("eventSource")
	switch {
	case name == nil:
		return "no eventName"
	case name.Type() != fastjson.TypeString:
		return "eventName is a JSON " + name.Type().String() + ", not a string"
	case len(name.GetStringBytes()) == 0:
		return "eventName is empty"
	case source == nil:
		return "no eventSource"
	case source.Type() != fastjson.TypeString:
		return "eventSource is a JSON " + source.Type().String() + ", not a string"
	case !isCloudTrailSource(source.GetStringBytes()):
		return fmt.Sprintf("eventSource %q is not an AWS service endpoint (*.amazonaws.com)", truncateText(string(source.GetStringBytes()), 80))
	}
	return ""
}

// isCloudTrailSource: every CloudTrail eventSource is a service endpoint
// name, <service>.amazonaws.com.
func isCloudTrailSource(s []byte) bool {
	const suffix = ".amazonaws.com"
	return len(s) > len(suffix) && bytes.EqualFold(s[len(s)-len(suffix):], []byte(suffix))
}

// recognise names the kind of a JSON object that is not a CloudTrail event,
// so that a skipped file or a counted record says what it was.
func recognise(o *fastjson.Object) string {
	str := func(k string) string { return string(o.Get(k).GetStringBytes()) }
	has := func(keys ...string) bool {
		for _, k := range keys {
			if o.Get(k) == nil {
				return false
			}
		}
		return true
	}
	src := str("eventSource")
	if src == "" {
		src = str("EventSource") // SNS spells it so
	}
	switch {
	case src == "aws:s3" || has("s3", "eventName") && !has("eventID"):
		return "an S3 event notification, not CloudTrail"
	case src == "aws:dynamodb" || has("dynamodb", "eventName"):
		return "a DynamoDB stream record, not CloudTrail"
	case src == "aws:sqs":
		return "an SQS message, not CloudTrail"
	case src == "aws:sns":
		return "an SNS notification, not CloudTrail"
	case src == "aws:kinesis":
		return "a Kinesis record, not CloudTrail"
	case strings.HasPrefix(src, "aws:"):
		return fmt.Sprintf("an AWS service event notification (eventSource %s), not CloudTrail", truncateText(src, 40))
	case has("operationName", "resourceId") || has("operationName", "category") || isAzureName(o.Get("eventName")):
		return "an Azure activity log entry, not CloudTrail"
	case has("protoPayload") || has("logName", "resource"):
		return "a Google Cloud audit log entry, not CloudTrail"
	case has("detail-type", "source", "detail"):
		return fmt.Sprintf("an EventBridge event (%s), not a CloudTrail event", truncateText(str("detail-type"), 60))
	case has("schemaVersion", "type", "service", "severity"):
		return "a GuardDuty finding, not CloudTrail"
	case has("SchemaVersion", "Findings") || has("Findings"):
		return "Security Hub findings, not CloudTrail"
	case has("configurationItems") || has("configurationItem"):
		return "an AWS Config item, not CloudTrail"
	case has("logEvents", "logGroup"):
		return "CloudWatch Logs data, not CloudTrail"
	case has("technique") || has("tactic") || has("label") || has("labels") || has("mitre"):
		return "labels or annotations of events, not the events"
	case has("eventID", "eventTime") && !has("eventName") && !has("eventSource"):
		return "a reference to an event (eventID and eventTime only), not the event"
	}
	return genericObject
}

// genericObject is what recognise says of an object it cannot name.
const genericObject = "JSON object without CloudTrail event fields"

// isAzureName: Azure activity logs give eventName as {"value", "localizedValue"}.
func isAzureName(v *fastjson.Value) bool {
	return v != nil && v.Type() == fastjson.TypeObject && v.Get("value") != nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Text formats that are not JSON, recognised by their first line so that a
// skipped file says what it is.
var textFormats = []struct {
	re   *regexp.Regexp
	name string
}{
	{regexp.MustCompile(`^[0-9a-f]{64} \S+ \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] `), "an S3 server access log"},
	{regexp.MustCompile(`^version account-id interface-id srcaddr`), "a VPC flow log"},
	{regexp.MustCompile(`^\d+ (\d{12}|unknown) (eni-[0-9a-f]+|-) `), "a VPC flow log"},
	{regexp.MustCompile(`^(http|https|h2|ws|wss|grpcs) \d{4}-\d{2}-\d{2}T\S+ \S+/`), "an Elastic Load Balancing access log"},
	{regexp.MustCompile(`^#Version: 1\.0`), "a CloudFront or W3C access log"},
	{regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\S* \S+ \d+\.\d+\.\d+\.\d+:\d+ `), "an Elastic Load Balancing access log"},
	{regexp.MustCompile(`(?i)^"?(event ?name|eventtime|event ?time|event ?id)"?,|,"?(event ?name|eventsource)"?(,|$)`), "CSV (a CloudTrail export in CSV is not read: export JSON)"},
}

// recogniseText names a text format from the start of a file, or "".
func recogniseText(head []byte) string {
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	for _, f := range textFormats {
		if f.re.Match(line) {
			return f.name
		}
	}
	return ""
}
