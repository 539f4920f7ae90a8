package cloudtrail

import (
	"encoding/json"
	"strings"
)

// Effect is what a call does to what the account records or watches.
type Effect int

// The effects of a logging or monitoring call.
const (
	NoEffect    Effect = iota // not a logging or monitoring call
	Weakens                   // records or watches less: stops, deletes, narrows
	Strengthens               // records or watches more: starts, creates, widens
	Changes                   // changes logging in a way that cannot be judged from the call alone
)

func (e Effect) String() string {
	switch e {
	case Weakens:
		return "weakens"
	case Strengthens:
		return "strengthens"
	case Changes:
		return "changes"
	}
	return "none"
}

// monitoring lists calls by service (eventSource without .amazonaws.com)
// whose effect never depends on their parameters.
var monitoring = map[string]map[string]Effect{
	"cloudtrail": {
		"StopLogging": Weakens, "DeleteTrail": Weakens, "StopEventDataStoreIngestion": Weakens, "DeleteEventDataStore": Weakens,
		"StartLogging": Strengthens, "CreateTrail": Strengthens, "StartEventDataStoreIngestion": Strengthens,
		"CreateEventDataStore": Strengthens, "RestoreEventDataStore": Strengthens,
	},
	"guardduty": {
		"DeleteDetector": Weakens, "DisassociateFromMasterAccount": Weakens, "DisassociateFromAdministratorAccount": Weakens,
		"DisassociateMembers": Weakens, "DeleteMembers": Weakens, "StopMonitoringMembers": Weakens,
		"DeletePublishingDestination": Weakens, "CreateDetector": Strengthens,
	},
	"securityhub": {
		"DisableSecurityHub": Weakens, "BatchDisableStandards": Weakens, "DisableImportFindingsForProduct": Weakens,
		"EnableSecurityHub": Strengthens, "BatchEnableStandards": Strengthens,
	},
	"config": {
		"StopConfigurationRecorder": Weakens, "DeleteConfigurationRecorder": Weakens, "DeleteDeliveryChannel": Weakens,
		"StartConfigurationRecorder": Strengthens, "PutConfigurationRecorder": Strengthens, "PutDeliveryChannel": Strengthens,
	},
	"ec2":             {"DeleteFlowLogs": Weakens, "CreateFlowLogs": Strengthens},
	"logs":            {"DeleteLogGroup": Weakens, "DeleteSubscriptionFilter": Weakens},
	"organizations":   {"LeaveOrganization": Weakens},
	"access-analyzer": {"DeleteAnalyzer": Weakens, "CreateAnalyzer": Strengthens},
	"macie2":          {"DisableMacie": Weakens, "EnableMacie": Strengthens},
	"macie":           {"DisableMacie": Weakens},
	"inspector2":      {"Disable": Weakens, "Enable": Strengthens},
	"detective":       {"DeleteGraph": Weakens, "DisassociateMembership": Weakens},
	"route53resolver": {"DeleteResolverQueryLogConfig": Weakens, "DisassociateResolverQueryLogConfig": Weakens},
	"monitoring":      {"DeleteAlarms": Weakens, "DisableAlarmActions": Weakens},
	"bedrock":         {"DeleteModelInvocationLoggingConfiguration": Weakens},
}

// LoggingEffect judges what a call does to logging and monitoring, reading
// its request where the direction depends on it: a PutEventSelectors that
// keeps every management event, an UpdateTrail that adds CloudWatch Logs
// delivery or an UpdateDetector that enables GuardDuty strengthens or
// changes, it does not weaken. detail says why, for reports ("" when
// nothing is known beyond the call's name).
func LoggingEffect(eventSource, eventName, request string) (effect Effect, detail string) {
	svc := strings.TrimSuffix(eventSource, ".amazonaws.com")
	if e, ok := monitoring[svc][eventName]; ok {
		return e, ""
	}
	switch svc + ":" + eventName {
	case "cloudtrail:PutEventSelectors":
		sel, err := ParseSelectors(request)
		if err != nil {
			return Changes, "selectors not readable"
		}
		if sel.Management != "all" {
			return Weakens, "management events recorded: " + sel.Management
		}
		if len(sel.Data) > 0 {
			return Strengthens, sel.String()
		}
		// All management events and no data events: narrower only if the
		// trail recorded data events before, which the call does not say.
		return Changes, sel.String()
	case "cloudtrail:UpdateTrail", "cloudtrail:UpdateEventDataStore":
		u := ParseUpdateTrail(request)
		if loss := u.Loss(); loss != "" {
			return Weakens, loss
		}
		if u.S3BucketName != "" {
			// Redirecting delivery can hide logs from their owner, or be a
			// migration; the call alone does not say which.
			return Changes, "logs now delivered to bucket " + u.S3BucketName
		}
		return Strengthens, u.Detail()
	case "cloudtrail:PutInsightSelectors":
		if insightsOff(request) {
			return Weakens, "Insights turned off"
		}
		return Strengthens, ""
	case "guardduty:UpdateDetector":
		var r struct {
			Enable *bool `json:"enable"`
		}
		if json.Unmarshal([]byte(request), &r) == nil && r.Enable != nil && !*r.Enable {
			return Weakens, "detector disabled"
		}
		return Changes, ""
	case "guardduty:CreateFilter", "guardduty:UpdateFilter":
		if strings.Contains(strings.ToUpper(request), `"ARCHIVE"`) {
			return Weakens, "findings archived automatically"
		}
		return NoEffect, ""
	case "logs:PutRetentionPolicy":
		return Changes, "log retention changed"
	}
	return NoEffect, ""
}

// MonitoringCalls are the event names whose effect LoggingEffect can judge:
// the calls to read when asking what happened to logging and monitoring.
func MonitoringCalls() []string {
	set := map[string]bool{"PutEventSelectors": true, "UpdateTrail": true, "UpdateEventDataStore": true, "PutInsightSelectors": true,
		"UpdateDetector": true, "CreateFilter": true, "UpdateFilter": true, "PutRetentionPolicy": true}
	for _, m := range monitoring {
		for name := range m {
			set[name] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sortStrings(out)
	return out
}

func insightsOff(request string) bool {
	var req struct {
		InsightSelectors []json.RawMessage `json:"insightSelectors"`
	}
	return json.Unmarshal([]byte(request), &req) == nil && len(req.InsightSelectors) == 0
}
