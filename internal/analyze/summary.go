package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// judgement is what an indicator's uses were judged (scope.go, seedSplit):
// which of them counted. The summary names the attacker only where the
// attribution did (docs/attribution.md).
type judgement struct {
	label string
	pick  verdict // the uses that counted: attacker's, else unusual, else all
	given bool    // an address: everything from it counts, on the investigator's word
	none  bool    // nothing in scope matched
}

const (
	summaryItems = 4 // items a summary sentence names before "and N more"
	// ongoingWithin: an attacker event this close to the end of the
	// evidence means the attack may be going on as the logs stop.
	ongoingWithin = time.Hour
)

// summary tells the case in a few plain sentences, from the finished case:
// who (the credentials and where from), what (actions by ATT&CK tactic),
// which data, what persists at the end of the evidence, whether activity
// runs to the end of the evidence, and the first three steps. It says so
// when the evidence names no attacker, and never calls the attacker's a
// credential the attribution judged the owner's or only unusual.
func (inv *investigation) summary(c *event.Case) []string {
	if len(c.CompromisedCredentials) == 0 {
		return inv.emptySummary(c)
	}
	confirmed := true
	for _, j := range inv.judged {
		confirmed = confirmed && !j.given && !j.none && j.pick == verdictAttacker
	}
	var out []string
	actor := "the attacker"
	if confirmed {
		out = append(out, fmt.Sprintf("Who: the attacker used %s, from %s.", credentialList(c.CompromisedCredentials), addressList(c.SourceIPs)))
	} else {
		actor = "the activity listed"
		for _, j := range inv.judged {
			out = append(out, j.sentence())
		}
		out = append(out, fmt.Sprintf("Credentials followed: %s, from %s.", credentialList(c.CompromisedCredentials), addressList(c.SourceIPs)))
	}
	if what := tacticSentence(c.Actions); what != "" {
		out = append(out, "What, by ATT&CK tactic: "+what+".")
	}
	out = append(out, dataSentence(c))
	if s := persistenceSentence(c.Persistence); s != "" {
		out = append(out, s)
	}
	if s := ongoingSentence(c, actor); s != "" {
		out = append(out, s)
	}
	if s := firstSteps(c.Remediation, confirmed); s != "" {
		out = append(out, s)
	}
	if n := len(c.Coverage.Gaps); n > 0 {
		out = append(out, fmt.Sprintf("The evidence has %s (see Coverage and Gaps): what happened in them cannot be seen.", display.Plural(n, "gap")))
	}
	return out
}

// emptySummary is the story of a case with no credential followed.
func (inv *investigation) emptySummary(c *event.Case) []string {
	span := evidenceSpan(c.Coverage)
	if c.Scope.Mode != "triage" {
		var out []string
		for _, j := range inv.judged {
			out = append(out, j.sentence())
		}
		return append(out, fmt.Sprintf("No credential was followed: nothing in scope matched the indicators given (%s). Check the indicator and the window against the case's principals and time span.", span))
	}
	out := []string{fmt.Sprintf("No credential shows signs of an attacker in the evidence (%s).", span)}
	var unusual []string
	for _, e := range c.Triage {
		if e.Verdict == "unsure" {
			unusual = append(unusual, cloudtrail.PrincipalLabel(e.PrincipalARN))
		}
	}
	if len(unusual) > 0 {
		out = append(out, fmt.Sprintf("Unusual but not enough to name an attacker: %s. Review them under Triage; none is named the attacker's.", capList(unusual)))
	}
	out = append(out, "Nothing to contain on this evidence. To follow a lead, investigate it with --key, --principal or --ip.")
	if n := len(c.Coverage.Gaps); n > 0 {
		out = append(out, fmt.Sprintf("The evidence has %s (see Coverage and Gaps): what happened in them cannot be seen.", display.Plural(n, "gap")))
	}
	return out
}

func (j judgement) sentence() string {
	switch {
	case j.none:
		return fmt.Sprintf("The %s matched no event in scope.", j.label)
	case j.given:
		return fmt.Sprintf("Everything from %s is listed as the attacker's on the investigator's word, not on evidence found here.", j.label)
	case j.pick == verdictAttacker:
		return fmt.Sprintf("The %s shows evidence of an attacker in its use.", j.label)
	case j.pick == verdictUnsure:
		return fmt.Sprintf("No use of the %s shows clear evidence of an attacker; its unusual uses are listed, unconfirmed: do not treat them as the attacker's without review.", j.label)
	}
	return fmt.Sprintf("Nothing in the use of the %s tells an attacker from its owner: all its events are listed as given, none confirmed as an attacker's.", j.label)
}

// evidenceSpan is "3229 events, 2025-03-10T00:00:39Z to 2025-03-11T23:54:18Z".
func evidenceSpan(cv event.Coverage) string {
	s := display.Plural(int(cv.Events), "event")
	if cv.Start != nil && cv.End != nil {
		s += ", " + cv.Start.UTC().Format(time.RFC3339) + " to " + cv.End.UTC().Format(time.RFC3339)
	}
	return s
}

// capList joins items, naming at most summaryItems.
func capList(items []string) string {
	if len(items) <= summaryItems {
		return joinAnd(items)
	}
	return strings.Join(items[:summaryItems], ", ") + fmt.Sprintf(" and %d more", len(items)-summaryItems)
}

// joinAnd is "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// credentialName says what a credential is in a few words. Role sessions
// are named by role and session name: many sessions of one role read as
// one item with a count (credentialList).
func credentialName(cr event.Credential) string {
	user := userOf(cr.PrincipalARN)
	label := cloudtrail.PrincipalLabel(cr.PrincipalARN)
	switch {
	case isConsole(cr.AccessKeyID):
		return "a console sign-in as " + cmp.Or(user, label, strings.TrimPrefix(cr.AccessKeyID, "console:"))
	case strings.Contains(cr.PrincipalARN, ":assumed-role/"):
		return "role session " + strings.TrimPrefix(label, "assumed-role/")
	case cloudtrail.LongTermKey(cr.AccessKeyID) && user != "":
		return "access key " + cr.AccessKeyID + " of user " + user
	case user != "":
		return "session key " + cr.AccessKeyID + " of user " + user
	}
	return cmp.Or(cr.AccessKeyID, label)
}

// credentialList names the credentials the case started from, then those
// derived from them; repeated names (sessions of one role) are counted.
func credentialList(crs []event.Credential) string {
	var origins, derived []string
	for _, cr := range crs {
		if cr.DerivedFrom == "" {
			origins = append(origins, credentialName(cr))
		} else {
			derived = append(derived, credentialName(cr))
		}
	}
	s := capList(counted(origins))
	if len(derived) > 0 {
		with := "with it"
		if len(origins) > 1 {
			with = "with them"
		}
		s += fmt.Sprintf(", and %s obtained or created %s (%s)", display.Plural(len(derived), "credential"), with, capList(counted(derived)))
	}
	return s
}

// counted folds repeated names into one with a count: "role session r/s"
// three times → "3 × role session r/s".
func counted(names []string) []string {
	n := map[string]int{}
	var order []string
	for _, name := range names {
		if n[name] == 0 {
			order = append(order, name)
		}
		n[name]++
	}
	for i, name := range order {
		if n[name] > 1 {
			order[i] = fmt.Sprintf("%d × %s", n[name], name)
		}
	}
	return order
}

// addressList names the network addresses with their countries.
func addressList(ips []event.SourceIP) string {
	var out []string
	services := 0
	for _, ip := range ips {
		if !cloudtrail.Address(ip.IP) {
			services++
			continue
		}
		s := ip.IP
		if ip.Country != "" {
			s += " (" + ip.Country + ")"
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "no network address (only AWS services acted for it)"
	}
	return capList(out)
}

// tacticSentence counts the actions by tactic, in order of first
// appearance, naming the commonest calls of each.
func tacticSentence(actions []event.Action) string {
	type tally struct {
		n, denied int
		names     []string
		count     map[string]int
		allDenied map[string]bool
	}
	var order []string
	by := map[string]*tally{}
	sorted := slices.Clone(actions)
	slices.SortStableFunc(sorted, func(a, b event.Action) int { return a.EventTime.Compare(b.EventTime) })
	for _, a := range sorted {
		if a.Tactic == "" {
			continue // plumbing behind a call (the KMS Decrypt of a secret read)
		}
		t := by[a.Tactic]
		if t == nil {
			t = &tally{count: map[string]int{}, allDenied: map[string]bool{}}
			by[a.Tactic] = t
			order = append(order, a.Tactic)
		}
		t.n++
		denied := cloudtrail.Denied(a.ErrorCode)
		if denied {
			t.denied++
		}
		name := apiName(a.EventName)
		if t.count[name] == 0 {
			t.names = append(t.names, name)
			t.allDenied[name] = denied
		}
		t.count[name]++
		t.allDenied[name] = t.allDenied[name] && denied
	}
	var parts []string
	for _, tac := range order {
		t := by[tac]
		names := slices.Clone(t.names)
		slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(t.count[b], t.count[a]) })
		var shown []string
		for _, n := range names[:min(len(names), 3)] {
			s := n
			if k := t.count[n]; k > 1 {
				s += fmt.Sprintf(" ×%d", k)
			}
			if t.allDenied[n] {
				s += " (denied)"
			}
			shown = append(shown, s)
		}
		detail := strings.Join(shown, ", ")
		if len(names) > 3 {
			detail += fmt.Sprintf(" and %d more", len(names)-3)
		}
		if t.denied > 0 && !(len(names) == 1 && t.allDenied[names[0]]) {
			detail += fmt.Sprintf("; %d denied", t.denied)
		}
		parts = append(parts, fmt.Sprintf("%s %d (%s)", event.TacticTitle(tac), t.n, detail))
	}
	return strings.Join(parts, "; ")
}

// dataSentence says which data was read, copied or shared: objects per
// bucket with their bytes, and other kinds by name or count. Listings are
// discovery, not data, and are left to the actions.
func dataSentence(c *event.Case) string {
	type bucket struct {
		objects map[string]bool
		bytes   int64
	}
	var bucketOrder, kindOrder []string
	buckets := map[string]*bucket{}
	kinds := map[string][]string{}
	denied := 0
	for _, d := range c.DataAccessed {
		denied += d.Denied
		if d.Count == 0 || strings.Contains(d.Kind, "listing") || strings.HasSuffix(d.Kind, "bucket list") || d.Kind == "KMS decrypt" {
			continue // listings are discovery; a decrypt is the means of another read
		}
		if rest, ok := strings.CutPrefix(d.Resource, "s3://"); ok && d.Kind == "S3 object" {
			name, key, _ := strings.Cut(rest, "/")
			b := buckets[name]
			if b == nil {
				b = &bucket{objects: map[string]bool{}}
				buckets[name] = b
				bucketOrder = append(bucketOrder, name)
			}
			b.objects[key] = true
			b.bytes += d.Bytes
			continue
		}
		if _, ok := kinds[d.Kind]; !ok {
			kindOrder = append(kindOrder, d.Kind)
		}
		name := d.Resource
		if p := strings.SplitN(name, ":", 6); len(p) == 6 && p[0] == "arn" {
			// arn:aws:secretsmanager:r:a:secret:prod/x → prod/x
			name = p[5]
			if t, rest, ok := strings.Cut(name, ":"); ok && !strings.Contains(t, "/") {
				name = rest
			}
		}
		if !slices.Contains(kinds[d.Kind], name) {
			kinds[d.Kind] = append(kinds[d.Kind], name)
		}
	}
	var parts []string
	for _, name := range bucketOrder {
		b := buckets[name]
		s := fmt.Sprintf("%s from s3://%s", display.Plural(len(b.objects), "object"), name)
		if b.bytes > 0 {
			s += fmt.Sprintf(" (%s)", display.Bytes(b.bytes))
		}
		parts = append(parts, s)
	}
	for _, k := range kindOrder {
		parts = append(parts, fmt.Sprintf("%s (%s)", display.Plural(len(kinds[k]), k), capList(kinds[k])))
	}
	if len(parts) == 0 {
		s := "Data: no read, copy or share of data is recorded"
		if n := unrecordedBuckets(c.Coverage); n > 0 {
			s += fmt.Sprintf(" (object reads are not recorded for %s: see Coverage)", display.Plural(n, "bucket"))
		}
		if denied > 0 {
			s += fmt.Sprintf("; %s denied", display.Plural(denied, "attempt"))
		}
		return s + "."
	}
	s := "Data read, copied or shared: " + joinAnd(parts)
	if denied > 0 {
		s += fmt.Sprintf("; %s denied", display.Plural(denied, "more attempt"))
	}
	return s + "."
}

func unrecordedBuckets(cv event.Coverage) int {
	n := 0
	for _, d := range cv.DataEvents {
		if d.Service == "s3" && !d.Recorded {
			n++
		}
	}
	return n
}

// persistenceSentence says what the attacker left that is still in place
// at the end of the evidence.
func persistenceSentence(ps []event.Persistence) string {
	if len(ps) == 0 {
		return "Persistence: none found (no new user, key, password, role, policy, function, key pair or instance)."
	}
	var left []string
	removed := 0
	for _, p := range ps {
		if p.Removed {
			removed++
			continue
		}
		left = append(left, p.Kind+" "+persistenceLabel(p.Resource))
	}
	if len(left) == 0 {
		return fmt.Sprintf("Persists now: nothing — all %s found were removed before the end of the evidence.", display.Plural(removed, "item"))
	}
	s := "Still in place at the end of the evidence: " + joinAnd(left[:min(len(left), 2*summaryItems)])
	if n := len(left) - 2*summaryItems; n > 0 {
		s = strings.Replace(s, " and ", ", ", strings.Count(s, " and ")) + fmt.Sprintf(" and %d more", n)
	}
	if removed > 0 {
		s += fmt.Sprintf(" (%d more removed)", removed)
	}
	return s + "."
}

// persistenceLabel drops the type words the kind already says: "iam user
// x" → "x", "access key K of iam user u" → "K of user u", "iam user u,
// policy arn:…/P" → "P on user u".
func persistenceLabel(r string) string {
	if owner, policy, ok := strings.Cut(r, ", policy "); ok {
		return policy[strings.LastIndexAny(policy, "/:")+1:] + " on " + strings.TrimPrefix(owner, "iam ")
	}
	if owner, policy, ok := strings.Cut(r, ", inline policy "); ok {
		return policy + " on " + strings.TrimPrefix(owner, "iam ")
	}
	for _, p := range []string{"iam user ", "iam role ", "iam group ", "lambda ", "key pair ", "access key "} {
		if rest, ok := strings.CutPrefix(r, p); ok {
			return strings.ReplaceAll(rest, " of iam user ", " of user ")
		}
	}
	return r
}

// ongoingSentence compares the last event followed with the end of the
// evidence.
func ongoingSentence(c *event.Case, actor string) string {
	var last time.Time
	for _, a := range c.Actions {
		if a.EventTime.After(last) {
			last = a.EventTime
		}
	}
	for _, cr := range c.CompromisedCredentials {
		if cr.LastSeen != nil && cr.LastSeen.After(last) {
			last = *cr.LastSeen
		}
	}
	end := c.Coverage.End
	if last.IsZero() || end == nil {
		return ""
	}
	when := "When: " + last.UTC().Format(time.RFC3339)
	if c.Timeframe.Start != nil && c.Timeframe.Of == "attacker activity" && c.Timeframe.Start.Before(last) {
		when = "When: " + c.Timeframe.Start.UTC().Format(time.RFC3339) + " to " + last.UTC().Format(time.RFC3339)
	}
	if gap := end.Sub(last); gap <= ongoingWithin {
		return fmt.Sprintf("%s — still going on: the last event of %s is within an hour of the end of the evidence (%s); assume it continues now.",
			when, actor, end.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("%s, then quiet: no event of %s in the last %s of the evidence (to %s), which does not prove it stopped while its credentials and persistence stand.",
		when, actor, roundDuration(end.Sub(last)), end.UTC().Format(time.RFC3339))
}

// roundDuration is a duration to the hour or, under one, to the minute:
// "20h", "45m".
func roundDuration(d time.Duration) string {
	if d >= time.Hour {
		return fmt.Sprintf("%dh", int(d.Round(time.Hour).Hours()))
	}
	return fmt.Sprintf("%dm", int(d.Round(time.Minute).Minutes()))
}

// firstSteps names the first three remediation steps, their actions cut to
// the deed (the report has the whole step and its command).
func firstSteps(rs []event.Remediation, confirmed bool) string {
	if len(rs) == 0 {
		return ""
	}
	var steps []string
	for i, r := range rs[:min(3, len(rs))] {
		a := r.Action
		if j := strings.Index(a, " ("); j > 0 {
			a = a[:j]
		}
		if j := strings.Index(a, ": "); j > 0 {
			a = a[:j]
		}
		steps = append(steps, fmt.Sprintf("%d. %s", i+1, strings.TrimSuffix(a, ",")))
	}
	lead := "First: "
	if !confirmed {
		lead = "If confirmed, first: "
	}
	return lead + strings.Join(steps, "; ") + " (see Remediation for the commands)."
}
