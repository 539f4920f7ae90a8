package analyze

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode"

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
