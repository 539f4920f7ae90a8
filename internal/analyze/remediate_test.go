package analyze

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// hostileNames are values an attacker can log (a denied call's parameters
// are logged too) to run code in the shell of an analyst who pastes a
// remediation command.
var hostileNames = []string{
	"x$(touch pwned)", "x`touch pwned`", "x; touch pwned", "x && touch pwned #", "x | touch pwned",
	"x\ntouch pwned", "'; touch pwned; '", `"; touch pwned; "`, "x'$(touch pwned)'", "> pwned", "<(touch pwned)",
	"it's !touch", "*", "~", "=ls", "\x1b]0;title\x07", "\u202eexe.txt", "x\\", "a' OR '1'='1", `"},"Effect":"Allow`,
	"$(echo >pwned)", "x;echo>pwned", "",
}

// TestRemediationQuoting feeds hostile names through every remediation
// template and runs the commands in bash with aws and trailsleuth stubbed:
// exactly the argument vectors the template built run, nothing else does,
// and no file appears (touch is stubbed too, so a call of it shows).
func TestRemediationQuoting(t *testing.T) {
	var names []string
	for n := range remediationSteps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		tpl := remediationSteps[name]
		t.Run(name, func(t *testing.T) {
			var script []string
			var want [][]string
			for _, h := range hostileNames {
				values := make([]string, len(tpl.params))
				for i := range values {
					values[i] = h
				}
				r := renderStep(name, values...)
				for _, ru := range r.Command {
					if !unicode.IsPrint(ru) && ru != '\n' {
						t.Errorf("value %q: command holds %U: %q", h, ru, r.Command)
					}
				}
				script = append(script, r.Command)
				_, cmds := tpl.build(values)
				want = append(want, cmds...)
			}
			res := testenv.RunStubbed(t, strings.Join(script, "\n"), "aws", "trailsleuth", "touch")
			if len(res.Created) > 0 {
				t.Errorf("files created: %v\n%s", res.Created, res.Output)
			}
			if !reflect.DeepEqual(res.Calls, want) {
				t.Errorf("ran %d commands, want %d\n got %q\nwant %q\n%s", len(res.Calls), len(want), res.Calls, want, res.Output)
			}
		})
	}
}

// TestRemediationNUL: a value no shell can carry becomes the placeholder,
// and the action says so.
func TestRemediationNUL(t *testing.T) {
	r := renderStep("check-trail", "trail\x00; touch pwned")
	if r.Command != "aws cloudtrail get-trail-status --name '<trail-name>'\naws cloudtrail get-event-selectors --trail-name '<trail-name>'\naws cloudtrail start-logging --name '<trail-name>'" ||
		!strings.Contains(r.Action, "NUL byte") {
		t.Errorf("got %+v", r)
	}
}

// TestRemediationPersistenceKinds: every persistence kind the attacker
// can leave gets a concrete command built from the event that made it, in
// the right phase; only what no command can undo is left to review.
func TestRemediationPersistenceKinds(t *testing.T) {
	tests := []struct {
		name, source, event, request, response string
		phase, target                          string
		want                                   []string // commands, in order
	}{
		{"user", "iam.amazonaws.com", "CreateUser", `{"userName":"bk"}`, ``, "eradicate", "user bk",
			[]string{"aws iam list-access-keys --user-name bk", "aws iam delete-user --user-name bk"}},
		{"key", "iam.amazonaws.com", "CreateAccessKey", `{"userName":"bk"}`, `{"accessKey":{"userName":"bk","accessKeyId":"AKIAEXAMPLEEXAMPLE01"}}`, "contain", "user bk",
			[]string{"aws iam update-access-key --user-name bk --access-key-id AKIAEXAMPLEEXAMPLE01 --status Inactive",
				"aws iam delete-access-key --user-name bk --access-key-id AKIAEXAMPLEEXAMPLE01"}},
		{"password", "iam.amazonaws.com", "UpdateLoginProfile", `{"userName":"alice"}`, ``, "contain", "user alice",
			[]string{"aws iam delete-login-profile --user-name alice"}},
		{"attached", "iam.amazonaws.com", "AttachRolePolicy", `{"roleName":"r","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}`, ``, "eradicate", "role r",
			[]string{"aws iam detach-role-policy --role-name r --policy-arn arn:aws:iam::aws:policy/AdministratorAccess"}},
		{"inline", "iam.amazonaws.com", "PutUserPolicy", `{"userName":"alice","policyName":"p"}`, ``, "eradicate", "user alice",
			[]string{"aws iam delete-user-policy --user-name alice --policy-name p"}},
		{"trust", "iam.amazonaws.com", "UpdateAssumeRolePolicy", `{"roleName":"r"}`, ``, "contain", "role r",
			[]string{"aws iam get-role --role-name r --query Role.AssumeRolePolicyDocument"}},
		{"role", "iam.amazonaws.com", "CreateRole", `{"roleName":"r2"}`, ``, "eradicate", "role r2",
			[]string{"aws iam list-attached-role-policies --role-name r2", "aws iam delete-role --role-name r2"}},
		{"policy", "iam.amazonaws.com", "CreatePolicy", `{"policyName":"p"}`, `{"policy":{"arn":"arn:aws:iam::111122223333:policy/p"}}`, "eradicate", "policy arn:aws:iam::111122223333:policy/p",
			[]string{"aws iam delete-policy --policy-arn arn:aws:iam::111122223333:policy/p"}},
		{"group", "iam.amazonaws.com", "AddUserToGroup", `{"groupName":"admins","userName":"bk"}`, ``, "eradicate", "user bk",
			[]string{"aws iam remove-user-from-group --group-name admins --user-name bk"}},
		{"mfa", "iam.amazonaws.com", "EnableMFADevice", `{"userName":"alice","serialNumber":"arn:aws:iam::111122223333:mfa/x"}`, ``, "contain", "user alice",
			[]string{"aws iam deactivate-mfa-device --user-name alice --serial-number arn:aws:iam::111122223333:mfa/x"}},
		{"function", "lambda.amazonaws.com", "CreateFunction20150331", `{"functionName":"f"}`, ``, "eradicate", "Lambda function f",
			[]string{"aws lambda delete-function --function-name f"}},
		{"permission", "lambda.amazonaws.com", "AddPermission20150331v2", `{"functionName":"f","statementId":"s1"}`, ``, "contain", "Lambda function f",
			[]string{"aws lambda remove-permission --function-name f --statement-id s1"}},
		{"key pair", "ec2.amazonaws.com", "ImportKeyPair", `{"keyName":"k"}`, ``, "eradicate", "EC2 key pair k",
			[]string{"aws ec2 delete-key-pair --key-name k"}},
		{"instances", "ec2.amazonaws.com", "RunInstances", `{}`, `{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}}`, "contain", "EC2 instances i-1 i-2",
			[]string{"aws ec2 stop-instances --instance-ids i-1 i-2", "aws ec2 terminate-instances --instance-ids i-1 i-2"}},
		{"ingress", "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", `{"groupId":"sg-1"}`, `{"securityGroupRuleSet":{"items":[{"securityGroupRuleId":"sgr-1"}]}}`, "contain", "security group sg-1",
			[]string{"aws ec2 revoke-security-group-ingress --group-id sg-1 --security-group-rule-ids sgr-1"}},
		{"other", "s3.amazonaws.com", "PutBucketPolicy", `{"bucketName":"b"}`, ``, "eradicate", "resource policy (s3) b",
			[]string{"trailsleuth --db 'my case.duckdb' query \"SELECT raw FROM events WHERE event_id = 'e1'\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &plan{seen: map[string]bool{}}
			inv := &investigation{}
			per := event.Persistence{Kind: "Resource policy (S3)", Resource: "b", EventID: "e1", EventName: tt.event}
			r := row{ID: "e1", Name: tt.event, Source: tt.source, Request: tt.request, Response: tt.response}
			inv.remediatePersistence(p, per, r, "my case.duckdb")
			steps := p.ordered()
			if len(steps) == 0 {
				t.Fatal("no step")
			}
			if steps[0].Phase != tt.phase || steps[0].Target != tt.target {
				t.Errorf("first step %s / %s, want %s / %s", steps[0].Phase, steps[0].Target, tt.phase, tt.target)
			}
			var cmds []string
			for _, s := range steps {
				cmds = append(cmds, strings.Split(s.Command, "\n")...)
			}
			at := 0
			for _, w := range tt.want {
				i := slices.Index(cmds[at:], w)
				if i < 0 {
					t.Fatalf("no command %q in order in %q", w, cmds)
				}
				at += i + 1
			}
			if tt.name != "other" && strings.Contains(strings.Join(cmds, "\n"), "trailsleuth") {
				t.Errorf("left to review: %q", cmds)
			}
		})
	}
}

// TestRemediationExample: on the bundled example the steps come contain →
// eradicate → recover, each target's steps together, no command twice, and
// every trailsleuth command names the case's database.
func TestRemediationExample(t *testing.T) {
	dir, _ := exampleTruth(t)
	st, hits := caseDB(t, dir)
	c := investigate(t, st, hits, Options{Database: "/cases/x.duckdb"})
	phase := map[string]int{"contain": 0, "eradicate": 1, "recover": 2}
	seen := map[string]bool{}
	done := map[string]bool{} // phase/target blocks already closed
	last := -1
	prev := ""
	for _, r := range c.Remediation {
		p, ok := phase[r.Phase]
		if !ok || p < last {
			t.Errorf("step %q: phase %q after %d", r.Action, r.Phase, last)
		}
		block := r.Phase + "/" + r.Target
		if block != prev {
			if done[block] {
				t.Errorf("target %s split into two blocks", block)
			}
			done[prev] = true
			prev = block
		}
		last = p
		for _, cmd := range strings.Split(r.Command, "\n") {
			if seen[cmd] {
				t.Errorf("command twice: %s", cmd)
			}
			seen[cmd] = true
			if strings.HasPrefix(cmd, "trailsleuth ") && !strings.HasPrefix(cmd, "trailsleuth --db /cases/x.duckdb ") {
				t.Errorf("trailsleuth command without the case's --db: %s", cmd)
			}
		}
	}
	if n := strings.Count(strings.Join(slices.Collect(maps.Keys(seen)), "\n"), "delete-login-profile --user-name svc-backup-sync"); n != 1 {
		t.Errorf("delete-login-profile for svc-backup-sync %d times, want 1", n)
	}
}
