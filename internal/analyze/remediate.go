package analyze

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/shell"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
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

// remediationSteps are all the templates, by name. A step that names a
// trailsleuth command takes the case's database as its first value ("db"),
// so the command, pasted, opens this case and no other.
var remediationSteps = map[string]stepTemplate{
	"deactivate-key": {[]string{"user-name", "access-key-id"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Deactivate access key %s of %s (delete it once the investigation no longer needs it)", v[1], v[0]),
			[][]string{{"aws", "iam", "update-access-key", "--user-name", v[0], "--access-key-id", v[1], "--status", "Inactive"}}
	}},
	"revoke-user-sessions": {[]string{"user-name", "time"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Revoke every session of user %s issued before now (console sessions and session tokens outlive a deleted password or key)", v[0]),
			[][]string{{"aws", "iam", "put-user-policy", "--user-name", v[0], "--policy-name", revokePolicyName, "--policy-document", revokeDocument(v[1])}}
	}},
	"delete-login-profile": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return "Delete the console password of " + v[0], [][]string{{"aws", "iam", "delete-login-profile", "--user-name", v[0]}}
	}},
	"revoke-role-sessions": {[]string{"role-name", "time"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Revoke every session of role %s issued before now (temporary credentials stay valid until they expire otherwise)", v[0]),
			[][]string{{"aws", "iam", "put-role-policy", "--role-name", v[0], "--policy-name", revokePolicyName, "--policy-document", revokeDocument(v[1])}}
	}},
	"check-user-empty": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return "List what user " + v[0] + " still holds (access keys, policies, groups, MFA devices): delete-user fails until each is removed",
			[][]string{{"aws", "iam", "list-access-keys", "--user-name", v[0]}, {"aws", "iam", "list-attached-user-policies", "--user-name", v[0]},
				{"aws", "iam", "list-user-policies", "--user-name", v[0]}, {"aws", "iam", "list-groups-for-user", "--user-name", v[0]},
				{"aws", "iam", "list-mfa-devices", "--user-name", v[0]}}
	}},
	"delete-user": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return "Delete IAM user " + v[0] + ", created by the attacker", [][]string{{"aws", "iam", "delete-user", "--user-name", v[0]}}
	}},
	"delete-access-key": {[]string{"user-name", "access-key-id"}, func(v []string) (string, [][]string) {
		return "Delete access key " + v[1] + ", created by the attacker",
			[][]string{{"aws", "iam", "delete-access-key", "--user-name", v[0], "--access-key-id", v[1]}}
	}},
	"detach-policy": {[]string{"kind", "name", "policy-arn"}, func(v []string) (string, [][]string) {
		kind := v[0] // user, role or group: set by the code, never by an event
		return fmt.Sprintf("Detach %s from %s %s", v[2], kind, v[1]),
			[][]string{{"aws", "iam", "detach-" + kind + "-policy", "--" + kind + "-name", v[1], "--policy-arn", v[2]}}
	}},
	"delete-inline-policy": {[]string{"kind", "name", "policy-name"}, func(v []string) (string, [][]string) {
		kind := v[0] // user, role or group: set by the code
		return fmt.Sprintf("Delete inline policy %s of %s %s", v[2], kind, v[1]),
			[][]string{{"aws", "iam", "delete-" + kind + "-policy", "--" + kind + "-name", v[1], "--policy-name", v[2]}}
	}},
	"restore-trust-policy": {[]string{"role-name"}, func(v []string) (string, [][]string) {
		return "Restore the trust policy of role " + v[0] + " (the attacker rewrote who may assume it): save the document you trust as trust-policy-before.json, then update",
			[][]string{{"aws", "iam", "get-role", "--role-name", v[0], "--query", "Role.AssumeRolePolicyDocument"},
				{"aws", "iam", "update-assume-role-policy", "--role-name", v[0], "--policy-document", "file://trust-policy-before.json"}}
	}},
	"delete-role": {[]string{"role-name"}, func(v []string) (string, [][]string) {
		return "Delete role " + v[0] + ", created by the attacker (detach its policies and remove it from instance profiles first: the list commands show them)",
			[][]string{{"aws", "iam", "list-attached-role-policies", "--role-name", v[0]}, {"aws", "iam", "list-role-policies", "--role-name", v[0]},
				{"aws", "iam", "list-instance-profiles-for-role", "--role-name", v[0]}, {"aws", "iam", "delete-role", "--role-name", v[0]}}
	}},
	"delete-policy": {[]string{"policy-arn"}, func(v []string) (string, [][]string) {
		return "Delete managed policy " + v[0] + ", created by the attacker (detach it from every entity the first command lists)",
			[][]string{{"aws", "iam", "list-entities-for-policy", "--policy-arn", v[0]}, {"aws", "iam", "delete-policy", "--policy-arn", v[0]}}
	}},
	"restore-policy-version": {[]string{"policy-arn"}, func(v []string) (string, [][]string) {
		return "Make the version of " + v[0] + " before the attacker's change the default again, then delete the attacker's version",
			[][]string{{"aws", "iam", "list-policy-versions", "--policy-arn", v[0]},
				{"aws", "iam", "set-default-policy-version", "--policy-arn", v[0], "--version-id", "<version-before>"}}
	}},
	"remove-from-group": {[]string{"group-name", "user-name"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Remove user %s from group %s", v[1], v[0]),
			[][]string{{"aws", "iam", "remove-user-from-group", "--group-name", v[0], "--user-name", v[1]}}
	}},
	"delete-group": {[]string{"group-name"}, func(v []string) (string, [][]string) {
		return "Delete group " + v[0] + ", created by the attacker (remove its members and policies first: the list commands show them)",
			[][]string{{"aws", "iam", "get-group", "--group-name", v[0]}, {"aws", "iam", "list-attached-group-policies", "--group-name", v[0]},
				{"aws", "iam", "delete-group", "--group-name", v[0]}}
	}},
	"deactivate-mfa": {[]string{"user-name", "serial-number"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Deactivate and delete MFA device %s of %s, registered by the attacker", v[1], v[0]),
			[][]string{{"aws", "iam", "deactivate-mfa-device", "--user-name", v[0], "--serial-number", v[1]},
				{"aws", "iam", "delete-virtual-mfa-device", "--serial-number", v[1]}}
	}},
	"delete-ssh-key": {[]string{"user-name", "key-id"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Delete SSH public key %s of %s, uploaded by the attacker", v[1], v[0]),
			[][]string{{"aws", "iam", "delete-ssh-public-key", "--user-name", v[0], "--ssh-public-key-id", v[1]}}
	}},
	"delete-function": {[]string{"function-name"}, func(v []string) (string, [][]string) {
		return "Delete Lambda function " + v[0] + ", created by the attacker", [][]string{{"aws", "lambda", "delete-function", "--function-name", v[0]}}
	}},
	"delete-function-url": {[]string{"function-name"}, func(v []string) (string, [][]string) {
		return "Remove the public function URL of " + v[0], [][]string{{"aws", "lambda", "delete-function-url-config", "--function-name", v[0]}}
	}},
	"remove-permission": {[]string{"function-name", "statement-id"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Remove permission %s the attacker added to Lambda function %s", v[1], v[0]),
			[][]string{{"aws", "lambda", "remove-permission", "--function-name", v[0], "--statement-id", v[1]}}
	}},
	"delete-key-pair": {[]string{"key-name"}, func(v []string) (string, [][]string) {
		return "Delete EC2 key pair " + v[0] + ", created by the attacker, and list the instances launched with it",
			[][]string{{"aws", "ec2", "describe-instances", "--filters", "Name=key-name,Values=" + v[0]}, {"aws", "ec2", "delete-key-pair", "--key-name", v[0]}}
	}},
	"stop-instances": {[]string{"instance-ids"}, func(v []string) (string, [][]string) {
		return "Stop the instances the attacker launched (" + v[0] + "), keeping their disks for forensics",
			[][]string{append([]string{"aws", "ec2", "stop-instances", "--instance-ids"}, strings.Fields(v[0])...)}
	}},
	"terminate-instances": {[]string{"instance-ids"}, func(v []string) (string, [][]string) {
		return "Terminate the instances the attacker launched (" + v[0] + ") once their disks are imaged",
			[][]string{append([]string{"aws", "ec2", "terminate-instances", "--instance-ids"}, strings.Fields(v[0])...)}
	}},
	"revoke-ingress-rule": {[]string{"group-id", "rule-id"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Revoke rule %s the attacker added to security group %s", v[1], v[0]),
			[][]string{{"aws", "ec2", "revoke-security-group-ingress", "--group-id", v[0], "--security-group-rule-ids", v[1]}}
	}},
	"revoke-ingress": {[]string{"group-id"}, func(v []string) (string, [][]string) {
		return "Revoke the ingress rules the attacker added to security group " + v[0] + " (the first command lists the rule ids)",
			[][]string{{"aws", "ec2", "describe-security-group-rules", "--filters", "Name=group-id,Values=" + v[0]},
				{"aws", "ec2", "revoke-security-group-ingress", "--group-id", v[0], "--security-group-rule-ids", "<rule-id>"}}
	}},
	"review-persistence": {[]string{"db", "kind", "resource", "event-name", "event-time", "event-id"}, func(v []string) (string, [][]string) {
		return fmt.Sprintf("Review and undo %s %s (%s at %s): the command shows the call", v[1], v[2], v[3], v[4]),
			[][]string{trailsleuth(v[0], "query", "SELECT raw FROM events WHERE event_id = "+sqlquote.String(v[5]))}
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
	"new-owner-key": {[]string{"user-name"}, func(v []string) (string, [][]string) {
		return "Give the owner of " + v[0] + " a new access key, and update where the old one was configured",
			[][]string{{"aws", "iam", "create-access-key", "--user-name", v[0]}}
	}},
	"bucket-exposure": {[]string{"db", "bucket"}, func(v []string) (string, [][]string) {
		return "Assess the exposure of bucket " + v[1] + ": list every object read, for the data owner",
			[][]string{trailsleuth(v[0], "query", "--format", "csv", "SELECT event_time, event_name, request_parameters->>'/key' AS object_key, source_ip FROM events WHERE request_parameters->>'/bucketName' = "+
				sqlquote.String(v[1])+" AND event_name IN ('GetObject','CopyObject') ORDER BY event_time")}
	}},
	"block-address": {[]string{"db", "ip"}, func(v []string) (string, [][]string) {
		return "Block address " + v[1] + " and look for it elsewhere in the organization",
			[][]string{trailsleuth(v[0], "investigate", "--ip", v[1])}
	}},
}

// revokePolicyName is the inline policy name AWS's console uses to revoke
// a role's sessions; the same name on a user keeps them recognisable.
const revokePolicyName = "AWSRevokeOlderSessions"

// revokeDocument denies everything to credentials issued before t.
func revokeDocument(t string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":` + jsonString(t) + `}}}]}`
}

// trailsleuth is a trailsleuth command on the case's database: --db
// first, so the command, pasted anywhere, opens this case.
func trailsleuth(db string, args ...string) []string {
	argv := []string{"trailsleuth"}
	if db != "" {
		argv = append(argv, "--db", db)
	}
	return append(argv, args...)
}

// renderStep builds a step from its template, quoting every word of every
// command; commands are one per line (a quoted value holds no line break:
// shell.Quote writes control characters as escapes).
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
	return event.Remediation{Action: action, Command: strings.Join(lines, "\n")}
}

// joinCommands renders commands whose values are known to be quotable.
func joinCommands(cmds [][]string) string {
	lines := make([]string, 0, len(cmds))
	for _, argv := range cmds {
		line, _ := shell.Join(argv...) //nolint:errcheck // placeholders replaced every unquotable value
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

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

// Remediation phases, in the order their steps come.
const (
	contain = iota
	eradicate
	recover
)

// plan collects steps with their phase, target and rank, and orders them:
// by phase, then by target (in the order targets first appear in the
// phase), then by rank within the target (a user's keys and policies go
// before the user). A command already planned is not planned again: one
// delete-login-profile, however many findings call for it.
type plan struct {
	steps []planned
	seen  map[string]bool // commands planned
}

type planned struct {
	phase, rank, seq int
	r                event.Remediation
}

func (p *plan) add(phase int, target string, rank int, step string, values ...string) {
	r := renderStep(step, values...)
	if p.seen[r.Command] {
		return
	}
	p.seen[r.Command] = true
	r.Phase, r.Target = event.RemediationPhases()[phase], target
	p.steps = append(p.steps, planned{phase: phase, rank: rank, seq: len(p.steps), r: r})
}

func (p *plan) has(step string, values ...string) bool {
	return p.seen[renderStep(step, values...).Command]
}

func (p *plan) ordered() []event.Remediation {
	type key struct {
		phase  int
		target string
	}
	first := map[key]int{}
	for _, s := range p.steps {
		k := key{s.phase, s.r.Target}
		if _, ok := first[k]; !ok {
			first[k] = s.seq
		}
	}
	sorted := slices.Clone(p.steps)
	slices.SortStableFunc(sorted, func(a, b planned) int {
		return cmp.Or(cmp.Compare(a.phase, b.phase), cmp.Compare(first[key{a.phase, a.r.Target}], first[key{b.phase, b.r.Target}]),
			cmp.Compare(a.rank, b.rank), cmp.Compare(a.seq, b.seq))
	})
	out := make([]event.Remediation, len(sorted))
	for i, s := range sorted {
		out[i] = s.r
	}
	return out
}

// apiName drops the version suffix some services log on event names:
// CreateFunction20150331 → CreateFunction, AddPermission20150331v2 → AddPermission.
func apiName(name string) string {
	if m := versionSuffix.FindStringIndex(name); m != nil {
		return name[:m[0]]
	}
	return name
}

var versionSuffix = regexp.MustCompile(`\d{8}(v\d+)?$`)

// jsonItems reads the string at field of each element of the array at path
// ("instancesSet.items[].instanceId"); nil if absent.
func jsonItems(doc string, field string, path ...string) []string {
	v, err := fastjson.Parse(doc)
	if err != nil {
		return nil
	}
	var out []string
	for _, item := range v.GetArray(path...) {
		if s := string(item.GetStringBytes(field)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// remediation turns what was found into steps, each with the command that
// takes it, grouped contain → eradicate → recover and by credential or
// resource. Values come from the events; nothing is guessed.
func (inv *investigation) remediation(c *event.Case, now time.Time) []event.Remediation {
	p := &plan{seen: map[string]bool{}}
	db := inv.opts.Database
	stamp := now.UTC().Format(time.RFC3339)
	created := inv.createdUsers(c)
	containCredentials(p, c.CompromisedCredentials, created, stamp)
	for _, per := range c.Persistence {
		if per.Removed {
			continue
		}
		r, ok := inv.attacker[per.EventID]
		if !ok {
			continue
		}
		inv.remediatePersistence(p, per, r, db)
	}
	for u := range created {
		if p.has("revoke-user-sessions", u, stamp) {
			p.add(eradicate, userTarget(u), 4, "delete-inline-policy", "user", u, revokePolicyName)
		}
	}
	inv.checkTrails(p, c.DefenseEvasion)
	recoverData(p, c.DataAccessed, db)
	blockAddresses(p, c.SourceIPs, db)
	return p.ordered()
}

// userTarget is the target of a user's steps.
func userTarget(u string) string { return "user " + u }

// createdUsers are the users the attacker created (and nobody removed):
// their own block deletes them, so the owner is not told to get a new key,
// and any revocation policy put on them is deleted before the user.
func (inv *investigation) createdUsers(c *event.Case) map[string]bool {
	created := map[string]bool{}
	for _, per := range c.Persistence {
		if r, ok := inv.attacker[per.EventID]; ok && !per.Removed && r.Name == "CreateUser" {
			created[jsonPath(r.Request, "userName")] = true
		}
	}
	return created
}

// containCredentials plans what stops each compromised credential: keys
// deactivated (and replaced for their owner), console passwords deleted,
// sessions of users and roles revoked as of stamp.
func containCredentials(p *plan, creds []event.Credential, created map[string]bool, stamp string) {
	roles := map[string]bool{}
	for _, cr := range creds {
		user := userOf(cr.PrincipalARN)
		switch {
		case cloudtrail.LongTermKey(cr.AccessKeyID):
			target := "access key " + cr.AccessKeyID
			if user != "" {
				target = userTarget(user)
			}
			p.add(contain, target, 1, "deactivate-key", cmp.Or(user, "<user-name>"), cr.AccessKeyID)
			if user != "" && !created[user] {
				p.add(recover, target, 1, "new-owner-key", user)
			}
		case isConsole(cr.AccessKeyID) && user != "":
			p.add(contain, userTarget(user), 2, "delete-login-profile", user)
			p.add(contain, userTarget(user), 3, "revoke-user-sessions", user, stamp)
		case strings.Contains(cr.PrincipalARN, ":assumed-role/"):
			if r := roleOf(cr.PrincipalARN); r != "" {
				roles[r] = true
			}
		case user != "":
			// A user's temporary credentials (session tokens, console
			// sessions) survive the key or password they came from.
			p.add(contain, userTarget(user), 3, "revoke-user-sessions", user, stamp)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(roles)) {
		p.add(contain, "role "+r, 3, "revoke-role-sessions", r, stamp)
	}
}

// checkTrails plans a check of every trail the attacker stopped, deleted
// or narrowed (or tried to).
func (inv *investigation) checkTrails(p *plan, evasion []event.Action) {
	for _, a := range evasion {
		r := inv.attacker[a.EventID]
		switch a.EventName {
		case "StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors":
			trail := cmp.Or(jsonPath(r.Request, "name"), jsonPath(r.Request, "trailName"), "<trail-name>")
			phase := recover
			if a.ErrorCode == "" {
				phase = contain // logging is off or narrowed now
			}
			p.add(phase, "trail "+trail, 1, "check-trail", trail)
		}
	}
}

// recoverData plans the rotation of the secrets and parameters read, then
// an exposure assessment of each bucket read.
func recoverData(p *plan, data []event.DataAccess, db string) {
	for _, d := range data {
		if d.Count == 0 {
			continue
		}
		switch d.Kind {
		case "Secrets Manager secret":
			p.add(recover, "secret "+d.Resource, 1, "rotate-secret", d.Resource)
		case "SSM parameter":
			p.add(recover, "parameter "+d.Resource, 1, "change-parameter", d.Resource)
		}
	}
	for _, d := range data {
		if d.Count > 0 && strings.HasPrefix(d.Resource, "s3://") {
			b, _, _ := strings.Cut(strings.TrimPrefix(d.Resource, "s3://"), "/")
			p.add(recover, "bucket "+b, 1, "bucket-exposure", db, b)
		}
	}
}

// blockAddresses plans a block of each of the attacker's addresses, the
// busiest first, up to maxBlockSteps.
func blockAddresses(p *plan, ips []event.SourceIP, db string) {
	addresses := 0
	for _, ip := range ips {
		if !cloudtrail.Address(ip.IP) {
			continue // a service name cannot be blocked
		}
		if addresses++; addresses > maxBlockSteps {
			break
		}
		p.add(recover, "address "+ip.IP, 1, "block-address", db, ip.IP)
	}
}

// maxBlockSteps bounds the addresses given a step of their own; all are
// in source_ips.
const maxBlockSteps = 40

// remediatePersistence plans the steps that undo one persistence the
// attacker left (r is the call that made it). When no command undoes it,
// or the event lacks the identifier one needs, the call itself is the
// lead: a review step shows it.
func (inv *investigation) remediatePersistence(p *plan, per event.Persistence, r row, db string) {
	api := apiName(r.Name)
	if undoIdentity(p, api, r) || undoPolicy(p, api, r) || undoCompute(p, api, r) {
		return
	}
	p.add(eradicate, strings.ToLower(per.Kind)+" "+per.Resource, 5, "review-persistence", db, strings.ToLower(per.Kind), per.Resource,
		per.EventName, per.EventTime.Format(time.RFC3339), per.EventID)
}

// undoIdentity plans the undoing of an IAM user, key, password, group
// membership, MFA device or SSH key the call r (api) made; false if it
// made none of those or lacks what the command needs.
func undoIdentity(p *plan, api string, r row) bool {
	req, resp := r.Request, r.Response
	switch api {
	case "CreateUser":
		u := jsonPath(req, "userName")
		p.add(eradicate, userTarget(u), 8, "check-user-empty", u)
		p.add(eradicate, userTarget(u), 9, "delete-user", u)
	case "CreateAccessKey":
		u, k := jsonPath(resp, "accessKey", "userName"), jsonPath(resp, "accessKey", "accessKeyId")
		p.add(contain, userTarget(u), 1, "deactivate-key", u, k)
		p.add(eradicate, userTarget(u), 2, "delete-access-key", u, k)
	case "CreateLoginProfile", "UpdateLoginProfile":
		u := jsonPath(req, "userName")
		p.add(contain, userTarget(u), 2, "delete-login-profile", u)
	case "AddUserToGroup":
		u := jsonPath(req, "userName")
		p.add(eradicate, userTarget(u), 5, "remove-from-group", jsonPath(req, "groupName"), u)
	case "CreateGroup":
		g := jsonPath(req, "groupName")
		p.add(eradicate, "group "+g, 9, "delete-group", g)
	case "EnableMFADevice":
		u := jsonPath(req, "userName")
		p.add(contain, userTarget(u), 4, "deactivate-mfa", u, jsonPath(req, "serialNumber"))
	case "UploadSSHPublicKey":
		u := jsonPath(req, "userName")
		id := cmp.Or(jsonPath(resp, "sSHPublicKey", "sSHPublicKeyId"), jsonPath(resp, "SSHPublicKey", "SSHPublicKeyId"))
		if id == "" {
			return false
		}
		p.add(contain, userTarget(u), 4, "delete-ssh-key", u, id)
	default:
		return false
	}
	return true
}

// undoPolicy plans the undoing of a policy attached, put, created or
// changed, or of a role created or opened, by the call r (api); false if
// it did none of those.
func undoPolicy(p *plan, api string, r row) bool {
	req, resp := r.Request, r.Response
	switch api {
	case "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy", "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy":
		kind, name := "user", jsonPath(req, "userName")
		switch {
		case strings.Contains(r.Name, "Role"):
			kind, name = "role", jsonPath(req, "roleName")
		case strings.Contains(r.Name, "Group"):
			kind, name = "group", jsonPath(req, "groupName")
		}
		if strings.HasPrefix(r.Name, "Attach") {
			p.add(eradicate, kind+" "+name, 3, "detach-policy", kind, name, jsonPath(req, "policyArn"))
		} else {
			p.add(eradicate, kind+" "+name, 4, "delete-inline-policy", kind, name, jsonPath(req, "policyName"))
		}
	case "UpdateAssumeRolePolicy":
		role := jsonPath(req, "roleName")
		p.add(contain, "role "+role, 2, "restore-trust-policy", role)
	case "CreateRole":
		role := jsonPath(req, "roleName")
		p.add(eradicate, "role "+role, 9, "delete-role", role)
	case "CreatePolicy":
		arn := jsonPath(resp, "policy", "arn")
		p.add(eradicate, "policy "+arn, 9, "delete-policy", cmp.Or(arn, "<policy-arn>"))
	case "CreatePolicyVersion", "SetDefaultPolicyVersion":
		arn := jsonPath(req, "policyArn")
		p.add(eradicate, "policy "+arn, 5, "restore-policy-version", arn)
	default:
		return false
	}
	return true
}

// undoCompute plans the undoing of a Lambda function, URL or permission,
// an EC2 key pair, instances or an ingress rule the call r (api) made;
// false if it made none of those or lacks what the command needs.
func undoCompute(p *plan, api string, r row) bool {
	req, resp := r.Request, r.Response
	switch api {
	case "CreateFunction":
		f := jsonPath(req, "functionName")
		p.add(eradicate, "Lambda function "+f, 9, "delete-function", f)
	case "CreateFunctionUrlConfig":
		f := jsonPath(req, "functionName")
		p.add(contain, "Lambda function "+f, 1, "delete-function-url", f)
	case "AddPermission":
		f, sid := jsonPath(req, "functionName"), jsonPath(req, "statementId")
		if r.Source != "lambda.amazonaws.com" || sid == "" {
			return false
		}
		p.add(contain, "Lambda function "+f, 2, "remove-permission", f, sid)
	case "CreateKeyPair", "ImportKeyPair":
		k := jsonPath(req, "keyName")
		p.add(eradicate, "EC2 key pair "+k, 9, "delete-key-pair", k)
	case "RunInstances":
		ids := jsonItems(resp, "instanceId", "instancesSet", "items")
		if len(ids) == 0 {
			return false
		}
		target := "EC2 instances " + strings.Join(ids, " ")
		p.add(contain, target, 1, "stop-instances", strings.Join(ids, " "))
		p.add(eradicate, target, 9, "terminate-instances", strings.Join(ids, " "))
	case "AuthorizeSecurityGroupIngress":
		g := jsonPath(req, "groupId")
		rules := jsonItems(resp, "securityGroupRuleId", "securityGroupRuleSet", "items")
		for _, id := range rules {
			p.add(contain, "security group "+g, 1, "revoke-ingress-rule", g, id)
		}
		if len(rules) == 0 {
			p.add(contain, "security group "+g, 1, "revoke-ingress", g)
		}
	default:
		return false
	}
	return true
}
