package analyze

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// remediation turns what was found into steps, each with the aws CLI
// command that takes it. Values come from the events; nothing is guessed.
func (inv *investigation) remediation(c *event.Case, now time.Time) []event.Remediation {
	var out []event.Remediation
	add := func(action, command string) {
		for _, r := range out {
			if r.Action == action {
				return
			}
		}
		out = append(out, event.Remediation{Action: action, Command: command})
	}
	roles := map[string]bool{}
	for _, cr := range c.CompromisedCredentials {
		switch {
		case strings.HasPrefix(cr.AccessKeyID, "AKIA"):
			user := userOf(cr.PrincipalARN)
			if user == "" {
				user = "<user-name>"
			}
			add(fmt.Sprintf("Deactivate access key %s of %s, then delete it once the investigation no longer needs it", cr.AccessKeyID, user),
				fmt.Sprintf("aws iam update-access-key --user-name %s --access-key-id %s --status Inactive", user, cr.AccessKeyID))
		case strings.HasPrefix(cr.AccessKeyID, "ASIA"):
			if r := roleOf(cr.PrincipalARN); r != "" && strings.Contains(cr.PrincipalARN, ":assumed-role/") {
				roles[r] = true
			} else if u := userOf(cr.PrincipalARN); u != "" {
				add(fmt.Sprintf("Revoke the console password of %s (its console sessions were used by the attacker)", u),
					fmt.Sprintf("aws iam delete-login-profile --user-name %s", u))
			}
		case isConsole(cr.AccessKeyID):
			if u := userOf(cr.PrincipalARN); u != "" {
				add(fmt.Sprintf("Revoke the console password of %s", u), fmt.Sprintf("aws iam delete-login-profile --user-name %s", u))
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
		add(fmt.Sprintf("Revoke every session of role %s issued before now (temporary credentials stay valid until they expire otherwise)", r),
			fmt.Sprintf(`aws iam put-role-policy --role-name %s --policy-name AWSRevokeOlderSessions --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"%s"}}}]}'`, r, stamp))
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
			u := jsonPath(req, "userName")
			add("Delete IAM user "+u+" created by the attacker (first remove its keys, login profile, policies and group memberships)",
				fmt.Sprintf("aws iam list-access-keys --user-name %[1]s; aws iam list-attached-user-policies --user-name %[1]s; aws iam delete-user --user-name %[1]s", u))
		case "CreateAccessKey":
			k := jsonPath(r.Response, "accessKey", "accessKeyId")
			u := jsonPath(r.Response, "accessKey", "userName")
			add("Delete access key "+k+" created by the attacker", fmt.Sprintf("aws iam delete-access-key --user-name %s --access-key-id %s", u, k))
		case "CreateLoginProfile", "UpdateLoginProfile":
			u := jsonPath(req, "userName")
			add("Remove the console password the attacker set for "+u, "aws iam delete-login-profile --user-name "+u)
		case "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy":
			kind, name := "user", jsonPath(req, "userName")
			if r.Name == "AttachRolePolicy" {
				kind, name = "role", jsonPath(req, "roleName")
			} else if r.Name == "AttachGroupPolicy" {
				kind, name = "group", jsonPath(req, "groupName")
			}
			pol := jsonPath(req, "policyArn")
			add(fmt.Sprintf("Detach %s from %s %s", pol, kind, name),
				fmt.Sprintf("aws iam detach-%s-policy --%s-name %s --policy-arn %s", kind, kind, name, pol))
		case "UpdateAssumeRolePolicy":
			role := jsonPath(req, "roleName")
			add("Restore the trust policy of role "+role+" (the attacker rewrote who may assume it)",
				fmt.Sprintf("aws iam get-role --role-name %[1]s --query Role.AssumeRolePolicyDocument; aws iam update-assume-role-policy --role-name %[1]s --policy-document file://trust-policy-before.json", role))
		case "CreateFunction20150331", "CreateFunction":
			fn := jsonPath(req, "functionName")
			add("Delete Lambda function "+fn+" created by the attacker", "aws lambda delete-function --function-name "+fn)
		case "CreateFunctionUrlConfig20211031", "CreateFunctionUrlConfig":
			fn := jsonPath(req, "functionName")
			add("Remove the public function URL of "+fn, "aws lambda delete-function-url-config --function-name "+fn)
		case "CreateKeyPair", "ImportKeyPair":
			k := jsonPath(req, "keyName")
			add("Delete EC2 key pair "+k+" created by the attacker (and check instances launched with it)", "aws ec2 delete-key-pair --key-name "+k)
		case "AuthorizeSecurityGroupIngress":
			g := jsonPath(req, "groupId")
			add("Revoke the ingress rules the attacker added to security group "+g,
				fmt.Sprintf("aws ec2 describe-security-group-rules --filters Name=group-id,Values=%s; aws ec2 revoke-security-group-ingress --group-id %s --security-group-rule-ids <rule-id>", g, g))
		default:
			add(fmt.Sprintf("Review and remove %s %s (%s at %s)", strings.ToLower(p.Kind), p.Resource, p.EventName, p.EventTime.Format(time.RFC3339)),
				fmt.Sprintf("trailsleuth query \"SELECT raw FROM events WHERE event_id = '%s'\"", p.EventID))
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
			add("Check trail "+trail+" is logging with its full configuration (the attacker tried to change it)",
				fmt.Sprintf("aws cloudtrail get-trail-status --name %[1]s; aws cloudtrail get-event-selectors --trail-name %[1]s; aws cloudtrail start-logging --name %[1]s", trail))
		}
	}
	for _, d := range c.DataAccessed {
		if d.Count == 0 {
			continue
		}
		switch d.Kind {
		case "Secrets Manager secret":
			add("Rotate secret "+d.Resource+" (its value was read)", "aws secretsmanager rotate-secret --secret-id "+d.Resource)
		case "SSM parameter":
			add("Change the value of parameter "+d.Resource+" (it was read)", "aws ssm put-parameter --name "+d.Resource+" --overwrite --type SecureString --value <new-value>")
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
		add("Assess the exposure of bucket "+b+": list every object read (data_accessed) for the data owner",
			fmt.Sprintf("trailsleuth query --format csv \"SELECT event_time, event_name, request_parameters->>'$.key' AS object_key, source_ip FROM events WHERE request_parameters->>'$.bucketName' = '%s' AND event_name IN ('GetObject','CopyObject') ORDER BY event_time\"", b))
	}
	for _, ip := range c.SourceIPs {
		if !cloudtrail.Address(ip.IP) {
			continue // a service name cannot be blocked
		}
		add("Block the attacker address "+ip.IP+" and look for it elsewhere in the organization",
			"trailsleuth investigate --ip "+ip.IP)
		if len(out) > 60 {
			break
		}
	}
	return out
}
