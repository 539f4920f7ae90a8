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

func ocsfObject(r *Record) any {
	c := classOf(r.EventName)
	act := c.activity(r.EventName)
	o := obj{}
	o.set("class_uid", c.uid)
	o.set("class_name", c.name)
	o.set("category_uid", c.categoryUID)
	o.set("category_name", c.categoryName)
	o.set("activity_id", act)
	o.set("activity_name", c.activities[act])
	o.set("type_uid", c.uid*100+act)
	o.set("type_name", c.name+": "+c.activities[act])
	o.set("severity_id", 1)
	o.set("severity", "Informational")
	o.set("time", r.Time.UnixMilli())
	o.set("time_dt", esTime(r.Time))

	if r.Failed() {
		o.set("status_id", 2)
		o.set("status", "Failure")
	} else {
		o.set("status_id", 1)
		o.set("status", "Success")
	}
	o.set("status_code", r.ErrorCode)
	o.set("status_detail", r.ErrorMessage)

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

	o.set("cloud.provider", "AWS")
	o.set("cloud.region", r.Region)
	o.set("cloud.account.uid", r.RecipientAcct)

	o.set("actor.user.type", r.IdentityType)
	o.set("actor.user.name", r.UserName)
	o.set("actor.user.uid", r.UserARN)
	o.set("actor.user.uid_alt", r.PrincipalID)
	o.set("actor.user.credential_uid", r.AccessKeyID)
	o.set("actor.user.account.uid", r.AccountID)
	if !r.SessionCreated.IsZero() {
		o.set("actor.session.created_time", r.SessionCreated.UnixMilli())
		o.set("actor.session.created_time_dt", esTime(r.SessionCreated))
	}
	o.set("actor.session.is_mfa", r.SessionMFA)
	o.set("actor.session.issuer", r.IssuerARN)
	o.set("actor.invoked_by", r.InvokedBy)
	o.set("actor.idp.name", r.WebIDProvider)
	o.set("actor.idp.name", r.SAMLProvider)

	o.set("api.operation", r.EventName)
	o.set("api.service.name", r.EventSource)
	o.set("api.version", r.APIVersion)
	o.set("api.request.uid", r.RequestID)
	o.set("api.request.data", jsonDoc(r.RequestParams))
	o.set("api.response.error", r.ErrorCode)
	o.set("api.response.message", r.ErrorMessage)
	o.set("api.response.data", jsonDoc(r.ResponseElements))

	if r.IsIP() {
		o.set("src_endpoint.ip", r.SourceIP)
	} else {
		o.set("src_endpoint.domain", r.SourceIP)
	}
	o.set("src_endpoint.uid", r.VPCEndpointID)
	o.set("http_request.user_agent", r.UserAgent)

	var observables []any
	if r.IsIP() {
		observables = append(observables, obj{"name": "src_endpoint.ip", "type": "IP Address", "type_id": 2, "value": r.SourceIP})
	}
	if r.UserName != "" {
		observables = append(observables, obj{"name": "actor.user.name", "type": "User Name", "type_id": 4, "value": r.UserName})
	}
	o.set("observables", observables)

	add := jsonObject(r.AdditionalData)
	req := jsonObject(r.RequestParams)
	resp := jsonObject(r.ResponseElements)
	switch c {
	case apiActivity:
		o.set("resources", ocsfResources(r.Resources))
	case authentication:
		ocsfAuthentication(o, r, req, add)
	case accountChange:
		ocsfAccountChange(o, r, req, resp)
	}

	o.set("unmapped.recipientAccountId", r.RecipientAcct)
	o.set("unmapped.sharedEventID", r.SharedEventID)
	o.set("unmapped.readOnly", r.ReadOnly)
	o.set("unmapped.managementEvent", r.ManagementEvent)
	o.set("unmapped.additionalEventData", jsonDoc(r.AdditionalData))
	o.set("unmapped.serviceEventDetails", jsonDoc(r.ServiceDetails))
	return o
}

// ocsfAuthentication fills the Authentication class: user is the subject
// signing in (for AssumeRole*, the role and session asked for).
func ocsfAuthentication(o obj, r *Record, req, add map[string]any) {
	if role := str(req, "roleArn"); role != "" {
		o.set("user.uid", role)
		o.set("user.name", str(req, "roleSessionName"))
	} else {
		o.set("user.uid", r.UserARN)
		o.set("user.uid_alt", r.PrincipalID)
		o.set("user.type", r.IdentityType)
		o.set("user.account.uid", r.AccountID)
		name := r.UserName
		if name == "" {
			name = lastSegment(r.UserARN)
		}
		o.set("user.name", name)
	}
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
		uid, name = r.UserARN, r.UserName
		if name == "" {
			name = lastSegment(r.UserARN)
		}
	}
	if uid == "" && name == "" {
		uid = r.PrincipalID
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
func ocsfResources(text string) []any {
	var out []any
	for _, res := range ecsResources(text) {
		m := res.(obj)
		o := obj{}
		o.set("uid", str(m, "arn"))
		o.set("type", str(m, "type"))
		if len(o) > 0 {
			out = append(out, o)
		}
	}
	return out
}
