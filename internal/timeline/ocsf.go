package timeline

import "strings"

// OCSF 1.1.0, as Amazon Security Lake maps CloudTrail management events.
// The routing of events to classes, the activity rules and the attribute
// mapping follow the OCSF project's CloudTrail examples for 1.1.0
// (github.com/ocsf/examples, mappings/bloblang/AWS/CloudTrail/v1.1.0 and
// mappings/markdown/AWS/v1.1.0/CloudTrail), written by AWS with Security
// Lake's mapping. Differences, documented in docs/timeline.md: status_id
// is Failure for any errorCode (the example lists a few codes and calls the
// rest Other), the account change target user is taken from the request
// and response before falling back to the caller, and trailsleuth's ATT&CK
// and rule tags go in metadata.labels.

// ocsfClass is an OCSF event class and its category.
type ocsfClass struct {
	uid          int
	name         string
	categoryUID  int
	categoryName string
	activities   map[int]string
	activity     func(eventName string) int
}

var (
	apiActivity = &ocsfClass{uid: 6003, name: "API Activity", categoryUID: 6, categoryName: "Application Activity",
		activities: map[int]string{0: "Unknown", 1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other"},
		activity:   apiActivityID}
	authentication = &ocsfClass{uid: 3002, name: "Authentication", categoryUID: 3, categoryName: "Identity & Access Management",
		activities: map[int]string{1: "Logon", 2: "Logoff", 99: "Other"},
		activity:   authenticationActivityID}
	accountChange = &ocsfClass{uid: 3001, name: "Account Change", categoryUID: 3, categoryName: "Identity & Access Management",
		activities: map[int]string{1: "Create", 2: "Enable", 3: "Password Change", 4: "Password Reset", 5: "Disable",
			6: "Delete", 7: "Attach Policy", 8: "Detach Policy", 99: "Other"},
		activity: accountChangeActivityID}
)

// authenticationEvents and accountChangeEvents route events to their class
// (the examples' cloudtrail.yml switch); everything else is API Activity.
var (
	authenticationEvents = setOf("ConsoleLogin ExternalIdPDirectoryLogin CheckMfa CredentialChallenge CredentialVerification UserAuthentication AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity")
	accountChangeEvents  = setOf(`UpdateRole AttachUserPolicy PutRolePermissionsBoundary DeletePolicy RemoveUserFromGroup
		ChangePassword CreateAccessKey AttachGroupPolicy ResyncMFADevice DeleteRolePolicy PutUserPermissionsBoundary
		CreateUser CreateServiceLinkedRole PutRolePolicy DetachGroupPolicy UpdateAccessKey CreateInstanceProfile
		CreateRole DeleteUserPermissionsBoundary DeleteAccountAlias PutGroupPolicy CreateLoginProfile DeleteGroupPolicy
		DeleteLoginProfile DeleteUserPolicy DeactivateMFADevice RemoveRoleFromInstanceProfile UpdateUser EnableMFADevice
		DeleteUser AddRoleToInstanceProfile UpdateAccountEmailAddress UpdateRoleDescription DetachUserPolicy
		UpdateAssumeRolePolicy DeleteGroup DeleteServiceLinkedRole DeleteAccessKey AddUserToGroup DeleteVirtualMFADevice
		FinalizeSmsMfaRegistration DeleteRolePermissionsBoundary DetachRolePolicy DeleteInstanceProfile UpdateGroup
		UpdateLoginProfile RequestSmsMfaRegistration DeleteRole PutUserPolicy CreateVirtualMFADevice AttachRolePolicy
		EmailUpdated AccountNameUpdated PasswordUpdated DeleteAccountPasswordPolicy UpdateAccountPasswordPolicy
		UpdateAccountName TagInstanceProfile TagRole TagUser UntagInstanceProfile UntagRole UntagUser CreateAccountAlias`)
)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

func classOf(eventName string) *ocsfClass {
	switch {
	case authenticationEvents[eventName]:
		return authentication
	case accountChangeEvents[eventName]:
		return accountChange
	}
	return apiActivity
}

// firstMatch returns the id of the first rule whose substring occurs in
// name, def when none does. The examples match substrings in this order.
func firstMatch(name string, def int, rules []subRule) int {
	for _, r := range rules {
		if strings.Contains(name, r.sub) {
			return r.id
		}
	}
	return def
}

type subRule struct {
	sub string
	id  int
}

var apiActivityRules = func() []subRule {
	var out []subRule
	for _, g := range []struct {
		id   int
		subs string
	}{
		{1, "Unknown Create Run Generate"},
		{2, "Get List Describe Search Lookup"},
		{3, "Update Put Modify Add Remove Start Stop Attach Detach Associate Disassociate Tag Untag Enable Disable Register Deregister"},
		{4, "Delete Terminate"},
	} {
		for _, s := range strings.Fields(g.subs) {
			out = append(out, subRule{s, g.id})
		}
	}
	return out
}()

func apiActivityID(name string) int { return firstMatch(name, 99, apiActivityRules) }

func authenticationActivityID(name string) int {
	switch {
	case name == "ConsoleLogin", name == "ExternalIdPDirectoryLogin", name == "UserAuthentication",
		strings.Contains(name, "AssumeRole"):
		return 1
	}
	return 99
}

var accountChangeRules = []subRule{
	{"Create", 1}, {"ChangePassword", 3}, {"PasswordUpdated", 3},
	{"Attach", 7}, {"Put", 7}, {"AddUserToGroup", 7},
	{"Detach", 8}, {"Remove", 8},
	{"DeleteSSH", 99}, {"DeleteServer", 99}, {"DeleteSign", 99}, {"DeleteAccount", 99},
	{"DeleteCloudFront", 99}, {"DeleteService", 99},
	{"Delete", 6},
}

func accountChangeActivityID(name string) int {
	if name == "ResyncMFADevice" || name == "EnableMFADevice" {
		return 1
	}
	return firstMatch(name, 99, accountChangeRules)
}

// ocsfObject is r as an OCSF event of the class its eventName routes to.
func ocsfObject(r *Record) any {
	c := classOf(r.EventName)
	o := obj{}
	ocsfClassification(o, r, c)
	ocsfStatus(o, r)
	ocsfMetadata(o, r)
	o.set("cloud.provider", "AWS")
	o.set("cloud.region", r.Region)
	o.set("cloud.account.uid", r.RecipientAcct)
	ocsfActor(o, r)
	ocsfAPI(o, r)
	o.set("src_endpoint", ocsfSource(r))
	o.set("http_request.user_agent", r.UserAgent)
	// After ocsfActor: the user observable is the actor's name.
	o.set("observables", ocsfObservables(o, r))
	ocsfClassDetails(o, r, c)
	ocsfUnmapped(o, r)
	return o
}

// ocsfClassification fills the class, category, activity and type, the
// severity, the time and the message.
func ocsfClassification(o obj, r *Record, c *ocsfClass) {
	act := c.activity(r.EventName)
	o.set("class_uid", c.uid)
	o.set("class_name", c.name)
	o.set("category_uid", c.categoryUID)
	o.set("category_name", c.categoryName)
	o.set("activity_id", act)
	// For 99 (Other) OCSF wants the source's own activity in activity_name
	// (the validator warns when it repeats the caption "Other"); type_name
	// stays the caption of type_uid ("API Activity: Other").
	actName := c.activities[act]
	if act == 99 {
		actName = r.EventName
	}
	o.set("activity_name", actName)
	o.set("type_uid", c.uid*100+act)
	o.set("type_name", c.name+": "+c.activities[act])
	o.set("severity_id", 1)
	o.set("severity", "Informational")
	o.set("time", r.Time.UnixMilli())
	o.set("time_dt", esTime(r.Time))
	o.set("message", message(r))
}

// ocsfStatus fills status_* from the record's error, if any.
func ocsfStatus(o obj, r *Record) {
	if r.Failed() {
		o.set("status_id", 2)
		o.set("status", "Failure")
	} else {
		o.set("status_id", 1)
		o.set("status", "Success")
	}
	o.set("status_code", r.ErrorCode)
	o.set("status_detail", r.ErrorMessage)
}

// ocsfMetadata fills metadata: the product, the event's ids and
// trailsleuth's labels.
func ocsfMetadata(o obj, r *Record) {
	o.set("metadata.version", OCSFVersion)
	o.set("metadata.product.name", "CloudTrail")
	o.set("metadata.product.vendor_name", "AWS")
	o.set("metadata.product.version", r.EventVersion)
	o.set("metadata.product.feature.name", r.EventCategory)
	o.set("metadata.uid", r.EventID)
	o.set("metadata.event_code", r.EventType)
	o.set("metadata.profiles", []string{"cloud", "datetime"})
	labels := r.Tags()
	if r.TechniqueID != "" {
		labels = append(labels, r.TechniqueID)
	}
	o.set("metadata.labels", labels)
}

// ocsfAPI fills api: the operation, its request and its response.
func ocsfAPI(o obj, r *Record) {
	o.set("api.operation", r.EventName)
	o.set("api.service.name", r.EventSource)
	o.set("api.version", r.APIVersion)
	// The request object requires its uid: without a requestID the
	// parameters go to unmapped rather than into an invalid api.request.
	if r.RequestID != "" {
		o.set("api.request.uid", r.RequestID)
		o.set("api.request.data", jsonDoc(r.RequestParams))
	} else {
		o.set("unmapped.requestParameters", jsonDoc(r.RequestParams))
	}
	o.set("api.response.error", r.ErrorCode)
	o.set("api.response.message", r.ErrorMessage)
	o.set("api.response.data", jsonDoc(r.ResponseElements))
}

// ocsfObservables lists the source address and the actor's name.
func ocsfObservables(o obj, r *Record) []any {
	var observables []any
	if r.IsIP() {
		observables = append(observables, obj{"name": "src_endpoint.ip", "type": "IP Address", "type_id": 2, "value": r.SourceIP})
	}
	if name := str(o, "actor", "user", "name"); name != "" {
		observables = append(observables, obj{"name": "actor.user.name", "type": "User Name", "type_id": 4, "value": name})
	}
	return observables
}

// ocsfClassDetails fills what only events of class c carry.
func ocsfClassDetails(o obj, r *Record, c *ocsfClass) {
	add := jsonObject(r.AdditionalData)
	req := jsonObject(r.RequestParams)
	resp := jsonObject(r.ResponseElements)
	switch c {
	case apiActivity:
		res, unmappedRes := ocsfResources(r.Resources)
		o.set("resources", res)
		o.set("unmapped.resources", unmappedRes)
		o.set("dst_endpoint", ocsfDestination(r))
	case authentication:
		ocsfAuthentication(o, r, req, add)
	case accountChange:
		ocsfAccountChange(o, r, req, resp)
	}
}

// ocsfUnmapped keeps the CloudTrail fields OCSF has no attribute for.
func ocsfUnmapped(o obj, r *Record) {
	o.set("unmapped.recipientAccountId", r.RecipientAcct)
	o.set("unmapped.sharedEventID", r.SharedEventID)
	o.set("unmapped.readOnly", r.ReadOnly)
	o.set("unmapped.managementEvent", r.ManagementEvent)
	o.set("unmapped.additionalEventData", jsonDoc(r.AdditionalData))
	o.set("unmapped.serviceEventDetails", jsonDoc(r.ServiceDetails))
}

// ocsfActor fills actor: the caller as actor.user, its session, and the AWS
// service that acted for it.
func ocsfActor(o obj, r *Record) {
	o.set("actor.user", ocsfCaller(r))
	if !r.SessionCreated.IsZero() {
		o.set("actor.session.created_time", r.SessionCreated.UnixMilli())
		o.set("actor.session.created_time_dt", esTime(r.SessionCreated))
	}
	o.set("actor.session.is_mfa", r.SessionMFA)
	o.set("actor.session.issuer", r.IssuerARN)
	o.set("actor.invoked_by", r.InvokedBy)
	o.set("actor.idp.name", r.WebIDProvider)
	o.set("actor.idp.name", r.SAMLProvider)
	// The actor must name someone: when CloudTrail recorded no identity
	// at all, say so rather than leave a required object empty.
	if a, _ := o["actor"].(obj); a["user"] == nil && a["session"] == nil && a["invoked_by"] == nil {
		o.set("actor.user.name", "unknown")
	}
}

// ocsfCaller is the calling identity as an OCSF user. The user object
// must carry one of account, name or uid: an AWS service calling with only
// a type gets the service's name, a caller without an ARN is identified by
// its principal id, and a caller with none of these is left out (nil).
func ocsfCaller(r *Record) obj {
	u := obj{}
	// type_id 99 (Other) keeps CloudTrail's identity type in user.type:
	// OCSF's User/Admin captions would replace IAMUser, Root or AssumedRole,
	// which an investigator needs, and a sibling must match its caption.
	u.set("type", r.IdentityType)
	if r.IdentityType != "" {
		u.set("type_id", 99)
	}
	name := first(r.UserName, lastSegment(r.UserARN))
	if name == "" && r.IdentityType == "AWSService" {
		name = r.InvokedBy
	}
	u.set("name", name)
	uid, alt := r.UserARN, r.PrincipalID
	if uid == "" {
		uid, alt = alt, ""
	}
	u.set("uid", uid)
	u.set("uid_alt", alt)
	u.set("credential_uid", r.AccessKeyID)
	u.set("account.uid", r.AccountID)
	if u["name"] == nil && u["uid"] == nil && u["account"] == nil {
		return nil
	}
	return u
}

// ocsfSource is src_endpoint. sourceIPAddress is an address, an AWS
// service name ("ec2.amazonaws.com") or "AWS Internal": the endpoint must
// carry an identifying attribute, and a service's is svc_name (domain,
// kept for a service's DNS name, does not identify an endpoint). Without
// sourceIPAddress the service that acted (invokedBy) or the VPC endpoint
// identifies the source; with neither, name says it is unknown, since API
// Activity requires a source endpoint.
func ocsfSource(r *Record) obj {
	e := obj{}
	switch {
	case r.IsIP():
		e.set("ip", r.SourceIP)
	case r.SourceIP != "":
		e.set("svc_name", r.SourceIP)
		if strings.Contains(r.SourceIP, ".") {
			e.set("domain", r.SourceIP)
		}
	case r.InvokedBy != "":
		e.set("svc_name", r.InvokedBy)
	}
	e.set("uid", r.VPCEndpointID)
	if len(e) == 0 {
		e.set("name", "unknown")
	}
	return e
}

// ocsfDestination is the API endpoint called: the service, and the host
// name the client asked for when CloudTrail recorded TLS details.
func ocsfDestination(r *Record) obj {
	e := obj{}
	e.set("svc_name", r.EventSource)
	e.set("hostname", str(jsonObject(r.TLSDetails), "clientProvidedHostHeader"))
	return e
}

// ocsfAuthentication fills the Authentication class: user is the subject
// signing in (for AssumeRole*, the role and session asked for).
func ocsfAuthentication(o obj, r *Record, req, add map[string]any) {
	if role := str(req, "roleArn"); role != "" {
		o.set("user.uid", role)
		o.set("user.name", first(str(req, "roleSessionName"), lastSegment(role)))
	} else {
		o.set("user", ocsfCaller(r))
	}
	if o["user"] == nil {
		// The class requires a user: the account signed in to is all
		// CloudTrail recorded.
		o.set("user.account.uid", first(r.AccountID, r.RecipientAcct))
	}
	switch r.EventName {
	case "AssumeRoleWithSAML":
		o.set("auth_protocol_id", 5)
		o.set("auth_protocol", "SAML")
	case "AssumeRoleWithWebIdentity":
		o.set("auth_protocol_id", 4)
		o.set("auth_protocol", "OpenID")
	}
	o.set("is_remote", true)
	o.set("service.name", r.EventSource)
	switch str(add, "MFAUsed") {
	case "Yes":
		o.set("is_mfa", true)
	case "No":
		o.set("is_mfa", false)
	}
	// The service signed in to: the console URL for ConsoleLogin, else the
	// API endpoint (later OCSF versions want service or dst_endpoint).
	svc := str(add, "LoginTo")
	if svc == "" {
		svc = r.EventSource
	}
	o.set("dst_endpoint.svc_name", svc)
}

// ocsfAccountChange fills the Account Change class: user is the account
// changed, from the request or response, else the caller (ChangePassword).
func ocsfAccountChange(o obj, r *Record, req, resp map[string]any) {
	uid := first(str(resp, "user", "arn"), str(resp, "role", "arn"), str(resp, "user", "userId"), str(resp, "role", "roleId"))
	name := first(str(req, "userName"), str(req, "roleName"), str(resp, "user", "userName"), str(resp, "role", "roleName"),
		str(resp, "accessKey", "userName"))
	if uid == "" && name == "" {
		o.set("user", ocsfCaller(r))
		if o["user"] == nil {
			o.set("user.account.uid", first(r.AccountID, r.RecipientAcct))
		}
	}
	o.set("user.uid", uid)
	o.set("user.name", name)
	o.set("user.credential_uid", str(resp, "accessKey", "accessKeyId"))
	o.set("policy.uid", str(req, "policyArn"))
	o.set("policy.name", str(req, "policyName"))
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// ocsfResources maps the CloudTrail resources array to OCSF resources.
// A resource needs an identifier: uid is the ARN, or the ARNPrefix
// CloudTrail gives for a set of resources (S3 objects under a prefix).
// Items with neither are returned apart, for unmapped, so nothing is lost.
func ocsfResources(text string) (res, unmapped []any) {
	for _, item := range ecsResources(text) {
		m := item.(obj)
		o := obj{}
		o.set("uid", first(str(m, "arn"), str(m, "ARNPrefix")))
		o.set("type", str(m, "type"))
		if o["uid"] == nil {
			unmapped = append(unmapped, m)
			continue
		}
		res = append(res, o)
	}
	return res, unmapped
}
