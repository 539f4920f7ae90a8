package analyze

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/shell"
)

// A step template turns values read from the events into a remediation step:
// an action in words and the commands that take it, as argument vectors.
// Every command comes from one of these, and every word of it is quoted for
// the shell when rendered (renderStep), so a value an attacker chose (a
// trail, user or bucket name, an event id) reaches the command as one
// literal argument, never as shell syntax.
type stepTemplate struct {
	// params name the values, in order; a value that cannot be put in a
	// command (a NUL byte) is replaced by <param>.
	params []string
	build  func(v []string) (action string, cmds [][]string)
}

// remediationSteps are all the templates, by name.
var remediationSteps = map[string]stepTemplate{
	"deactivate-key": {[]string{"user-name", "access-key-id"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Deactivate access key %s of %s, then delete it once the investigation no longer needs it", v[1], v[0]),
			[][]string{{"aws", "iam", "update-access-key", "--user-name", v[0], "--access-key-id", v[1], "--status", "Inactive"}}
	}},
	"delete-login-profile-sessions": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Revoke the console password of %s (its console sessions were used by the attacker)", v[0]),
			[][]string{{"aws", "iam", "delete-login-profile", "--user-name", v[0]}}
	}},
	"delete-login-profile": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return "Revoke the console password of " + v[0], [][]string{{"aws", "iam", "delete-login-profile", "--user-name", v[0]}}
	}},
	"revoke-role-sessions": {[]string{"role-name", "time"}, func(v []string) (string, [][]string) {
		policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":` + jsonString(v[1]) + `}}}]}`
		return fmt.Sprintf("Revoke every session of role %s issued before now (temporary credentials stay valid until they expire otherwise)", v[0]),
			[][]string{{"aws", "iam", "put-role-policy", "--role-name", v[0], "--policy-name", "AWSRevokeOlderSessions", "--policy-document", policy}}
	}},
	"delete-user": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return "Delete IAM user " + v[0] + " created by the attacker (first remove its keys, login profile, policies and group memberships)",
			[][]string{{"aws", "iam", "list-access-keys", "--user-name", v[0]}, {"aws", "iam", "list-attached-user-policies", "--user-name", v[0]},
				{"aws", "iam", "delete-user", "--user-name", v[0]}}
	}},
	"delete-access-key": {[]string{"user-name", "access-key-id"}, func(v []string) (string, [][]string) {
		return "Delete access key " + v[1] + " created by the attacker",
			[][]string{{"aws", "iam", "delete-access-key", "--user-name", v[0], "--access-key-id", v[1]}}
	}},
	"delete-attacker-login-profile": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return "Remove the console password the attacker set for " + v[0], [][]string{{"aws", "iam", "delete-login-profile", "--user-name", v[0]}}
	}},
	"detach-policy": {[]string{"kind", "name", "policy-arn"}, func(v []string) (string, [][]string) {
		kind := v[0] // user, role or group: set by the code, never by an event
		return fmt.Sprintf("Detach %s from %s %s", v[2], kind, v[1]),
			[][]string{{"aws", "iam", "detach-" + kind + "-policy", "--" + kind + "-name", v[1], "--policy-arn", v[2]}}
	}},
	"restore-trust-policy": {[]string{"role-name"}, func(v []string) (string, [][]string) {
		return "Restore the trust policy of role " + v[0] + " (the attacker rewrote who may assume it)",
			[][]string{{"aws", "iam", "get-role", "--role-name", v[0], "--query", "Role.AssumeRolePolicyDocument"},
				{"aws", "iam", "update-assume-role-policy", "--role-name", v[0], "--policy-document", "file://trust-policy-before.json"}}
	}},
	"delete-function": {[]string{"function-name"}, func(v []string) (string, [][]string) {
		return "Delete Lambda function " + v[0] + " created by the attacker", [][]string{{"aws", "lambda", "delete-function", "--function-name", v[0]}}
	}},
	"delete-function-url": {[]string{"function-name"}, func(v []string) (string, [][]string) {
		return "Remove the public function URL of " + v[0], [][]string{{"aws", "lambda", "delete-function-url-config", "--function-name", v[0]}}
	}},
	"delete-key-pair": {[]string{"key-name"}, func(v []string) (string, [][]string) {
		return "Delete EC2 key pair " + v[0] + " created by the attacker (and check instances launched with it)",
			[][]string{{"aws", "ec2", "delete-key-pair", "--key-name", v[0]}}
	}},
	"revoke-ingress": {[]string{"group-id"}, func(v []string) (string, [][]string) {
		return "Revoke the ingress rules the attacker added to security group " + v[0],
			[][]string{{"aws", "ec2", "describe-security-group-rules", "--filters", "Name=group-id,Values=" + v[0]},
				{"aws", "ec2", "revoke-security-group-ingress", "--group-id", v[0], "--security-group-rule-ids", "<rule-id>"}}
	}},
	"review-persistence": {[]string{"kind", "resource", "event-name", "event-time", "event-id"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Review and remove %s %s (%s at %s)", v[0], v[1], v[2], v[3]),
			[][]string{{"trailsleuth", "query", "SELECT raw FROM events WHERE event_id = " + sqlString(v[4])}}
	}},
	"check-trail": {[]string{"trail-name"}, func(v []string) (string, [][]string) {
		return "Check trail " + v[0] + " is logging with its full configuration (the attacker tried to change it)",
			[][]string{{"aws", "cloudtrail", "get-trail-status", "--name", v[0]}, {"aws", "cloudtrail", "get-event-selectors", "--trail-name", v[0]},
				{"aws", "cloudtrail", "start-logging", "--name", v[0]}}
	}},
	"rotate-secret": {[]string{"secret-id"}, func(v []string) (string, [][]string) {
		return "Rotate secret " + v[0] + " (its value was read)", [][]string{{"aws", "secretsmanager", "rotate-secret", "--secret-id", v[0]}}
	}},
	"change-parameter": {[]string{"parameter-name"}, func(v []string) (string, [][]string) {
		return "Change the value of parameter " + v[0] + " (it was read)",
			[][]string{{"aws", "ssm", "put-parameter", "--name", v[0], "--overwrite", "--type", "SecureString", "--value", "<new-value>"}}
	}},
	"bucket-exposure": {[]string{"bucket"}, func(v []string) (string, [][]string) {
		return "Assess the exposure of bucket " + v[0] + ": list every object read (data_accessed) for the data owner",
			[][]string{{"trailsleuth", "query", "--format", "csv", "SELECT event_time, event_name, request_parameters->>'/key' AS object_key, source_ip FROM events WHERE request_parameters->>'/bucketName' = " +
				sqlString(v[0]) + " AND event_name IN ('GetObject','CopyObject') ORDER BY event_time"}}
	}},
	"block-address": {[]string{"ip"}, func(v []string) (string, [][]string) {
		return "Block the attacker address " + v[0] + " and look for it elsewhere in the organization",
			[][]string{{"trailsleuth", "investigate", "--ip", v[0]}}
	}},
}

// renderStep builds a step from its template, quoting every word of every
// command; commands are joined with "; " on one line.
func renderStep(name string, values ...string) event.Remediation {
	tpl, ok := remediationSteps[name]
	if !ok || len(values) != len(tpl.params) {
		panic(fmt.Sprintf("remediation step %q with %d values", name, len(values))) // a programming error
	}
	action, cmds := tpl.build(values)
	lines := make([]string, 0, len(cmds))
	var unusable []string
	for _, argv := range cmds {
		line, err := shell.Join(argv...)
		if err != nil {
			// A value no shell can pass: the command names it by its
			// placeholder, and the action says why.
			vals := make([]string, len(values))
			for i, v := range values {
				if _, qerr := shell.Quote(v); qerr != nil {
					vals[i] = "<" + tpl.params[i] + ">"
					unusable = append(unusable, tpl.params[i])
				} else {
					vals[i] = v
				}
			}
			_, cmds2 := tpl.build(vals)
			return event.Remediation{Action: action + " (the " + strings.Join(unusable, ", ") + " holds a NUL byte, which no shell command can carry: fill in the placeholder)",
				Command: joinCommands(cmds2)}
		}
		lines = append(lines, line)
	}
	return event.Remediation{Action: action, Command: strings.Join(lines, "; ")}
}

// joinCommands renders commands whose values are known to be quotable.
func joinCommands(cmds [][]string) string {
	lines := make([]string, 0, len(cmds))
	for _, argv := range cmds {
		line, _ := shell.Join(argv...) //nolint:errcheck // placeholders replaced every unquotable value
		lines = append(lines, line)
	}
	return strings.Join(lines, "; ")
}

// sqlString is s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// jsonString is s as a JSON string (for a policy document).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// remediation turns what was found into steps, each with the aws CLI
// command that takes it. Values come from the events; nothing is guessed.
func (inv *investigation) remediation(c *event.Case, now time.Time) []event.Remediation {
	var out []event.Remediation
	add := func(step string, values ...string) {
		r := renderStep(step, values...)
		for _, o := range out {
			if o.Action == r.Action {
				return
			}
		}
		out = append(out, r)
	}
	roles := map[string]bool{}
	for _, cr := range c.CompromisedCredentials {
		switch {
		case strings.HasPrefix(cr.AccessKeyID, "AKIA"):
			user := userOf(cr.PrincipalARN)
			if user == "" {
				user = "<user-name>"
			}
			add("deactivate-key", user, cr.AccessKeyID)
		case strings.HasPrefix(cr.AccessKeyID, "ASIA"):
			if r := roleOf(cr.PrincipalARN); r != "" && strings.Contains(cr.PrincipalARN, ":assumed-role/") {
				roles[r] = true
			} else if u := userOf(cr.PrincipalARN); u != "" {
				add("delete-login-profile-sessions", u)
			}
		case isConsole(cr.AccessKeyID):
			if u := userOf(cr.PrincipalARN); u != "" {
				add("delete-login-profile", u)
			}
		}
	}
	var roleNames []string
	for r := range roles {
		roleNames = append(roleNames, r)
	}
	sort.Strings(roleNames)
	stamp := now.UTC().Format(time.RFC3339)
	for _, r := range roleNames {
		add("revoke-role-sessions", r, stamp)
	}
	for _, p := range c.Persistence {
		if p.Removed {
			continue
		}
		r, ok := inv.attacker[p.EventID]
		if !ok {
			continue
		}
		req := r.Request
		switch r.Name {
		case "CreateUser":
			add("delete-user", jsonPath(req, "userName"))
		case "CreateAccessKey":
			add("delete-access-key", jsonPath(r.Response, "accessKey", "userName"), jsonPath(r.Response, "accessKey", "accessKeyId"))
		case "CreateLoginProfile", "UpdateLoginProfile":
			add("delete-attacker-login-profile", jsonPath(req, "userName"))
		case "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy":
			kind, name := "user", jsonPath(req, "userName")
			if r.Name == "AttachRolePolicy" {
				kind, name = "role", jsonPath(req, "roleName")
			} else if r.Name == "AttachGroupPolicy" {
				kind, name = "group", jsonPath(req, "groupName")
			}
			add("detach-policy", kind, name, jsonPath(req, "policyArn"))
		case "UpdateAssumeRolePolicy":
			add("restore-trust-policy", jsonPath(req, "roleName"))
		case "CreateFunction20150331", "CreateFunction":
			add("delete-function", jsonPath(req, "functionName"))
		case "CreateFunctionUrlConfig20211031", "CreateFunctionUrlConfig":
			add("delete-function-url", jsonPath(req, "functionName"))
		case "CreateKeyPair", "ImportKeyPair":
			add("delete-key-pair", jsonPath(req, "keyName"))
		case "AuthorizeSecurityGroupIngress":
			add("revoke-ingress", jsonPath(req, "groupId"))
		default:
			add("review-persistence", strings.ToLower(p.Kind), p.Resource, p.EventName, p.EventTime.Format(time.RFC3339), p.EventID)
		}
	}
	for _, a := range c.DefenseEvasion {
		r := inv.attacker[a.EventID]
		trail := jsonPath(r.Request, "name")
		switch a.EventName {
		case "StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors":
			if trail == "" {
				trail = "<trail-name>"
			}
			add("check-trail", trail)
		}
	}
	for _, d := range c.DataAccessed {
		if d.Count == 0 {
			continue
		}
		switch d.Kind {
		case "Secrets Manager secret":
			add("rotate-secret", d.Resource)
		case "SSM parameter":
			add("change-parameter", d.Resource)
		}
	}
	var buckets []string
	seenB := map[string]bool{}
	for _, d := range c.DataAccessed {
		if d.Count > 0 && strings.HasPrefix(d.Resource, "s3://") {
			b := strings.SplitN(strings.TrimPrefix(d.Resource, "s3://"), "/", 2)[0]
			if !seenB[b] {
				seenB[b] = true
				buckets = append(buckets, b)
			}
		}
	}
	for _, b := range buckets {
		add("bucket-exposure", b)
	}
	for _, ip := range c.SourceIPs {
		if !cloudtrail.Address(ip.IP) {
			continue // a service name cannot be blocked
		}
		add("block-address", ip.IP)
		if len(out) > 60 {
			break
		}
	}
	return out
}
