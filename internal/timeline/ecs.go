package timeline

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// ECS, as Elastic's AWS integration maps CloudTrail: the ingest pipeline
// packages/aws/data_stream/cloudtrail/elasticsearch/ingest_pipeline/default.yml
// in github.com/elastic/integrations (ecs.version 8.11.0). Field for field
// it follows that pipeline, with these differences, each documented in
// docs/timeline.md:
//   - aws.cloudtrail.request_parameters (and response_elements,
//     additional_eventdata, service_event_details) hold the JSON text; the
//     pipeline stores a Java Map.toString() rendering ("{k=v}").
//   - user_agent is only user_agent.original (the pipeline's user_agent
//     processor parses it into name/os/device inside Elasticsearch), and
//     there is no source.geo/source.as (GeoIP is applied by Elasticsearch).
//   - threat.* (ATT&CK) and rule.name (detection hits) are trailsleuth's
//     enrichment, in their ECS fields.

// flattenedLimit is the pipeline's bound for copying a document into
// aws.cloudtrail.flattened.* (Elasticsearch's keyword limit).
const flattenedLimit = 32766

// ecsCategory is the pipeline's "Add ECS categorization" table: event.action
// → event.category and event.type. Actions not listed get event.type
// ["info"] and no category.
var ecsCategory = map[string][2][]string{}

func init() {
	for _, row := range []struct {
		cat, typ string
		actions  string
	}{
		{"iam", "group,change", "AddUserToGroup AttachGroupPolicy DeleteGroupPolicy DetachGroupPolicy PutGroupPolicy RemoveUserFromGroup UpdateGroup"},
		{"iam", "group,creation", "CreateGroup"},
		{"iam", "group,deletion", "DeleteGroup"},
		{"iam", "group,info", "GetGroup GetGroupPolicy ListAttachedGroupPolicies ListGroupPolicies ListGroups"},
		{"iam", "user,change", "AttachUserPolicy ChangePassword CreateAccessKey CreateVirtualMFADevice DeactivateMFADevice DeleteAccessKey DeleteSSHPublicKey DeleteUserPermissionsBoundary DeleteUserPolicy DeleteVirtualMFADevice DetachUserPolicy EnableMFADevice PutUserPermissionsBoundary PutUserPolicy TagUser UntagUser UpdateAccessKey UpdateLoginProfile UpdateSSHPublicKey UpdateUser"},
		{"iam", "user,creation", "CreateUser"},
		{"iam", "user,deletion", "DeleteUser"},
		{"iam", "user,info", "GetUser GetUserPolicy ListAttachedUserPolicies ListGroupsForUser ListUserPolicies ListUsers ListUserTags"},
		{"iam", "admin,change", "SetDefaultPolicyVersion SetSecurityTokenServicePreferences UpdateAccountPasswordPolicy UpdateRole"},
		{"iam", "admin,creation", "CreateKeyPair"},
		{"authentication", "info", "AssumeRole ConsoleLogin"},
		{"file", "creation", "CreateBucket"},
		{"file", "deletion", "DeleteBucket"},
	} {
		for _, a := range strings.Fields(row.actions) {
			ecsCategory[a] = [2][]string{{row.cat}, strings.Split(row.typ, ",")}
		}
	}
}

// ecsCT prefixes the fields of the integration's own aws.cloudtrail object.
const ecsCT = "aws.cloudtrail."

// ecsObject is r as an ECS document, in the order of the pipeline's steps.
func ecsObject(r *Record) any {
	o := obj{}
	ecsEvent(o, r)
	ecsCaller(o, r)
	ecsIdentity(o, r)
	req := jsonObject(r.RequestParams)
	resp := jsonObject(r.ResponseElements)
	add := jsonObject(r.AdditionalData)
	ecsDocuments(o, r, req, resp, add)
	ecsCall(o, r)
	o.set("related.user", ecsRelatedUsers(r, req))
	if r.EventName == "ConsoleLogin" {
		ecsConsoleLogin(o, add)
	}
	ecsTargets(o, req, resp)
	ecsTLS(o, r)
	ecsThreat(o, r)
	o.set("rule.name", r.Rules)
	return o
}

// ecsEvent fills the time, cloud and event.* fields.
func ecsEvent(o obj, r *Record) {
	o.set("@timestamp", esTime(r.Time))
	o.set("ecs.version", ECSVersion)
	o.set("cloud.provider", "aws")
	o.set("cloud.region", r.Region)
	o.set("cloud.account.id", r.AccountID)

	o.set("event.kind", "event")
	o.set("event.action", r.EventName)
	o.set("event.provider", r.EventSource)
	o.set("event.id", r.EventID)
	o.set("event.outcome", ecsOutcome(r))
	if c, ok := ecsCategory[r.EventName]; ok {
		o.set("event.category", c[0])
		o.set("event.type", c[1])
	} else {
		// ECS 8.11 lists "info" among the expected types of the "api"
		// category, which every CloudTrail record is: an API call.
		o.set("event.category", []string{"api"})
		o.set("event.type", []string{"info"})
	}
}

// ecsOutcome is failure for an error, a console login's own result, else success.
func ecsOutcome(r *Record) string {
	outcome := "success"
	if r.ErrorCode != "" || r.ErrorMessage != "" {
		outcome = "failure"
	}
	if res := r.consoleLoginResult(); res != "" {
		outcome = strings.ToLower(res)
	}
	return outcome
}

// ecsCaller fills source.*, user_agent and the caller's user.* fields.
func ecsCaller(o obj, r *Record) {
	o.set("source.address", r.SourceIP)
	if r.IsIP() {
		o.set("source.ip", r.SourceIP)
	}
	o.set("user_agent.original", r.UserAgent)
	// The pipeline renames userIdentity.userName to user.name, then tries
	// the session issuer's userName, a rename that fails (ignored) when
	// user.name exists: role sessions, which have no userName, get the
	// role's name.
	o.set("user.name", first(r.UserName, r.IssuerUserName))
	o.set("user.id", r.PrincipalID)
}

// ecsIdentity fills aws.cloudtrail's user_identity and error fields.
func ecsIdentity(o obj, r *Record) {
	const ct, sc = ecsCT, ecsCT + "user_identity.session_context."
	o.set(ct+"event_version", r.EventVersion)
	o.set(ct+"user_identity.type", r.IdentityType)
	o.set(ct+"user_identity.arn", r.UserARN)
	o.set(ct+"user_identity.access_key_id", r.AccessKeyID)
	o.set(ct+"user_identity.invoked_by", r.InvokedBy)
	if r.SessionMFA != nil {
		o.set(sc+"mfa_authenticated", strconv.FormatBool(*r.SessionMFA))
	}
	if !r.SessionCreated.IsZero() {
		o.set(sc+"creation_date", esTime(r.SessionCreated))
	}
	o.set(sc+"session_issuer.type", r.IssuerType)
	o.set(sc+"session_issuer.principal_id", r.IssuerPrincipal)
	o.set(sc+"session_issuer.arn", r.IssuerARN)
	o.set(sc+"session_issuer.account_id", r.IssuerAccountID)
	o.set(ct+"event_category", r.EventCategory)
	o.set(ct+"error_code", r.ErrorCode)
	o.set(ct+"error_message", r.ErrorMessage)
}

// ecsDocuments sets each JSON document as text and, below the keyword
// limit, as a flattened object without its empty values.
func ecsDocuments(o obj, r *Record, req, resp, add map[string]any) {
	for _, d := range []struct {
		name, text string
		m          map[string]any
	}{
		{"request_parameters", r.RequestParams, req},
		{"response_elements", r.ResponseElements, resp},
		{"additional_eventdata", r.AdditionalData, add},
		{"service_event_details", r.ServiceDetails, jsonObject(r.ServiceDetails)},
	} {
		o.set(ecsCT+d.name, d.text)
		if len(d.text) < flattenedLimit {
			o.set(ecsCT+"flattened."+d.name, pruneEmpty(d.m))
		}
	}
}

// ecsCall fills aws.cloudtrail's fields about the call itself.
func ecsCall(o obj, r *Record) {
	const ct = ecsCT
	o.set(ct+"request_id", r.RequestID)
	o.set(ct+"event_type", r.EventType)
	o.set(ct+"api_version", r.APIVersion)
	// The integration maps management_event as a keyword: "true"/"false".
	if r.ManagementEvent != nil {
		o.set(ct+"management_event", strconv.FormatBool(*r.ManagementEvent))
	}
	o.set(ct+"read_only", r.ReadOnly)
	o.set(ct+"resources", ecsResources(r.Resources))
	o.set(ct+"recipient_account_id", r.RecipientAcct)
	o.set(ct+"shared_event_id", r.SharedEventID)
	o.set(ct+"vpc_endpoint_id", r.VPCEndpointID)
}

// ecsRelatedUsers is related.user: the caller and the users the request
// names, each once.
func ecsRelatedUsers(r *Record, req map[string]any) []string {
	var related []string
	for _, u := range []string{r.UserName, str(req, "userName"), str(req, "newUserName")} {
		if u != "" && !slices.Contains(related, u) {
			related = append(related, u)
		}
	}
	return related
}

// ecsConsoleLogin fills a ConsoleLogin's additional event data, the Yes/No
// answers as booleans.
func ecsConsoleLogin(o obj, add map[string]any) {
	cl := ecsCT + "console_login.additional_eventdata."
	if v := str(add, "MobileVersion"); v != "" {
		o.set(cl+"mobile_version", v != "No")
	}
	o.set(cl+"login_to", str(add, "LoginTo"))
	if v := str(add, "MFAUsed"); v != "" {
		o.set(cl+"mfa_used", v != "No")
	}
}

// ecsTargets fills the group and user an IAM call acted on.
func ecsTargets(o obj, req, resp map[string]any) {
	o.set("group.id", str(resp, "group", "groupId"))
	o.set("user.target.id", str(resp, "user", "userId"))
	o.set("user.changes.name", str(req, "newUserName"))
	o.set("group.name", str(req, "groupName"))
	o.set("user.target.name", str(req, "userName"))
}

// ecsTLS fills tls.* from the record's TLS details.
func ecsTLS(o obj, r *Record) {
	tls := jsonObject(r.TLSDetails)
	if tls == nil {
		return
	}
	// "TLSv1.3" → tls.version_protocol "tls", tls.version "1.3"
	if proto, ver, ok := strings.Cut(str(tls, "tlsVersion"), "v"); ok {
		o.set("tls.version_protocol", strings.ToLower(proto))
		o.set("tls.version", ver)
	}
	o.set("tls.cipher", str(tls, "cipherSuite"))
	o.set("tls.client.server_name", str(tls, "clientProvidedHostHeader"))
}

// ecsThreat fills threat.* with the record's ATT&CK tactic and technique.
func ecsThreat(o obj, r *Record) {
	if r.Tactic == "" {
		return
	}
	o.set("threat.framework", "MITRE ATT&CK")
	o.set("threat.tactic.id", []string{r.TacticID})
	o.set("threat.tactic.name", []string{r.Tactic})
	o.set("threat.technique.id", []string{r.TechniqueID})
	o.set("threat.technique.name", []string{techniqueName(r.Technique, r.TechniqueID)})
}

// ecsResources renames the resources' ARN and accountId as the pipeline
// does and drops repeats of the same (arn, account, type).
func ecsResources(text string) []any {
	if text == "" || text[0] != '[' {
		return nil
	}
	var in []map[string]any
	if json.Unmarshal([]byte(text), &in) != nil {
		return nil
	}
	var out []any
	seen := map[string]bool{}
	for _, res := range in {
		m := obj{}
		for k, v := range res {
			switch k {
			case "ARN":
				k = "arn"
			case "accountId":
				k = "account_id"
			}
			m[k] = v
		}
		key := str(m, "arn") + "_" + str(m, "account_id") + "_" + str(m, "type")
		if !seen[key] {
			seen[key] = true
			out = append(out, m)
		}
	}
	return out
}

// pruneEmpty returns v without empty strings, empty objects and empty
// lists at any depth (as Elastic's pipeline drops them), nil when nothing
// is left. The input is not modified.
func pruneEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e = pruneEmpty(e); e != nil {
				out[k] = e
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if e = pruneEmpty(e); e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}
