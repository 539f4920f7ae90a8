package report

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// This file derives, from a Case, what text and markdown both show: the
// header summary and the names and labels shown for keys, principals,
// resources and user agents (timelines and the credential tree: timeline.go).
// Keeping it in one place keeps the two formats saying the same thing.

const (
	none        = "none found"
	headerItems = 10 // items a header line lists before "… N more"
	maxSources  = 20 // evidence sources listed before "… N more"
	lineWidth   = 100
	timeLayout  = "2006-01-02T15:04:05Z"
	unknownTime = "unknown"
	moreFmt     = "… %d more"
)

// commandLines are each remediation step's commands, one per line as the
// Command field holds them, each line escaped for display (display.Inline);
// blank lines dropped.
func commandLines(c *event.Case) [][]string {
	out := make([][]string, len(c.Remediation))
	for i, r := range c.Remediation {
		for _, l := range strings.Split(strings.TrimSpace(r.Command), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out[i] = append(out[i], display.Inline(l))
			}
		}
	}
	return out
}

// conflictLines says, for the evidence section, how many events came in
// copies that disagree and from which files the copies set aside came.
func conflictLines(e event.Evidence) []string {
	if e.ConflictTotal == 0 && len(e.Conflicts) == 0 {
		return nil
	}
	total := max(e.ConflictTotal, len(e.Conflicts))
	out := []string{fmt.Sprintf("%d events came in copies that disagree (same eventID, name and time, other content): one copy of each is used, the others are set aside (SELECT * FROM event_conflicts)", total)}
	type file struct {
		n          int
		validation string
		differs    map[string]bool
	}
	files := map[string]*file{}
	var order []string
	for _, c := range e.Conflicts {
		for _, a := range c.SetAside {
			f := files[a.Path]
			if f == nil {
				f = &file{validation: a.Validation, differs: map[string]bool{}}
				files[a.Path] = f
				order = append(order, a.Path)
			}
			f.n++
			for _, d := range a.Differs {
				f.differs[d] = true
			}
		}
	}
	for _, p := range order {
		f := files[p]
		out = append(out, fmt.Sprintf("set aside: %d copies from %s (%s), differing in %s", f.n, p, validationLabel(f.validation),
			strings.Join(slices.Sorted(maps.Keys(f.differs)), ", ")))
	}
	return out
}

// conflictRows are the listed conflicts as table rows: time, event, copies
// set aside, copy used, why.
// With short, files are named by their base name (the lines above the
// table give the full paths), so a narrow table keeps what tells copies
// apart.
func conflictRows(e event.Evidence, short bool) [][]string {
	var rows [][]string
	for _, c := range e.Conflicts[:min(len(e.Conflicts), maxSources)] {
		at := unknownTime
		if c.EventTime != nil {
			at = fmtTime(*c.EventTime)
		}
		var aside []string
		for _, a := range c.SetAside {
			aside = append(aside, copyLabel(a, short))
		}
		rows = append(rows, []string{at, c.EventName + " " + c.EventID, strings.Join(aside, "; "), copyLabel(c.Used, short), c.Why})
	}
	return rows
}

func copyLabel(c event.EventCopy, short bool) string {
	p := c.Path
	if short {
		p = path.Base(strings.ReplaceAll(p, `\`, "/"))
	}
	return fmt.Sprintf("%s #%d (%s) %s", p, c.Position, validationLabel(c.Validation), cmp.Or(c.SourceIP, "-"))
}

func validationLabel(v string) string { return cmp.Or(v, "not validated") }

// fmtTime formats t in UTC to the second; the zero time is "unknown".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return unknownTime
	}
	return t.UTC().Format(timeLayout)
}

// triageVerdict says in a few words what triage concluded about an entry.
func triageVerdict(e event.TriageEntry) string {
	v := map[string]string{"attacker": "evidence of an attacker", "unsure": "unusual, not enough to name an attacker", "owner": "routine"}[e.Verdict]
	if v == "" {
		v = e.Verdict
	}
	if e.Investigated {
		v += "; investigated"
	}
	return v
}

// scoreParts prints a triage score as its parts: "74.5 = detections 36 +
// tools 24 + …".
func scoreParts(e event.TriageEntry) string {
	if len(e.Parts) == 0 {
		return strconv.FormatFloat(e.Score, 'f', -1, 64)
	}
	parts := make([]string, len(e.Parts))
	for i, p := range e.Parts {
		parts[i] = p.Kind + " " + strconv.FormatFloat(p.Points, 'f', -1, 64)
	}
	return strconv.FormatFloat(e.Score, 'f', -1, 64) + " = " + strings.Join(parts, " + ")
}

// fmtTimePtr formats an optional time; nil is "unknown".
func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return unknownTime
	}
	return fmtTime(*t)
}

// headerField is one "Label: a, b, c" line of the report header.
type headerField struct {
	label string
	items []string // joined with ", "; none found when empty
	note  string   // follows the items after a semicolon ("45 of 266 events listed")
}

func header(c *event.Case) []headerField {
	actions, listed := tacticSummary(c)
	var basis string
	switch c.Timeframe.Of {
	case "window":
		basis = "the window asked for: no attacker activity found in it"
	case "evidence":
		basis = "the evidence: no attacker activity found in it"
	}
	return []headerField{
		{label: "Account", items: c.Accounts},
		{label: "Timeframe", items: []string{fmtTimePtr(c.Timeframe.Start) + " to " + fmtTimePtr(c.Timeframe.End)}, note: basis},
		{label: "Compromised Credentials", items: capItems(credentialSummary(c))},
		{label: "Suspicious Events", items: []string{strconv.Itoa(c.SuspiciousEventCount)}},
		{label: "Source IPs", items: capItems(ipSummary(c))},
		{label: "Actions Taken", items: actions, note: listed},
		{label: "Data Accessed", items: capItems(dataSummary(c))},
		{label: "Persistence Mechanisms", items: capItems(persistenceSummary(c))},
	}
}

// capItems keeps the first headerItems items and counts the rest.
func capItems(items []string) []string {
	if len(items) <= headerItems {
		return items
	}
	return append(slices.Clip(items[:headerItems]), fmt.Sprintf(moreFmt, len(items)-headerItems))
}

func credentialSummary(c *event.Case) []string {
	var out []string
	for _, cr := range c.CompromisedCredentials {
		name := principalName(cr.PrincipalARN)
		switch {
		case cr.AccessKeyID == "":
			out = append(out, cmp.Or(name, "unknown"))
		case name == "":
			out = append(out, cr.AccessKeyID)
		default:
			out = append(out, cr.AccessKeyID+" ("+name+")")
		}
	}
	return out
}

func ipSummary(c *event.Case) []string {
	var out []string
	services := 0
	for _, ip := range c.SourceIPs {
		if ip.Kind != "" && ip.Kind != "ipv4" && ip.Kind != "ipv6" {
			services++
			continue
		}
		out = append(out, ip.IP)
	}
	if services > 0 {
		plural := "s"
		if services == 1 {
			plural = ""
		}
		out = append(out, fmt.Sprintf("(and %d AWS service source%s)", services, plural))
	}
	return out
}

// tacticSummary counts the actions by tactic, in order of first appearance,
// and says how many of the suspicious events the actions cover when not all.
func tacticSummary(c *event.Case) (items []string, note string) {
	type count struct{ n, denied int }
	var order []string
	counts := map[string]*count{}
	for _, a := range byTime(c.Actions) {
		k := counts[a.Tactic]
		if k == nil {
			k = &count{}
			counts[a.Tactic] = k
			order = append(order, a.Tactic)
		}
		k.n++
		if cloudtrail.Denied(a.ErrorCode) {
			k.denied++
		}
	}
	for _, t := range order {
		s := fmt.Sprintf("%s %d", tacticTitle(t), counts[t].n)
		if d := counts[t].denied; d > 0 {
			s += fmt.Sprintf(" (%d denied)", d)
		}
		items = append(items, s)
	}
	if n := len(c.Actions); n > 0 && n != c.SuspiciousEventCount {
		note = fmt.Sprintf("%d of %d events listed", n, c.SuspiciousEventCount)
	}
	return items, note
}

// dataSummary groups the data accessed by resource: "s3://b (150 GetObject,
// 4 ListObjects, 770.9 MB)".
func dataSummary(c *event.Case) []string {
	type group struct {
		calls         []string
		counts        map[string]int
		objects       map[string]bool
		bytes         int64
		denied, count int
	}
	var order []string
	groups := map[string]*group{}
	for _, d := range c.DataAccessed {
		// S3 objects are summed up per bucket: the header names targets,
		// data_accessed lists every object.
		r, object := shortResource(d.Resource), ""
		if rest, ok := strings.CutPrefix(r, "s3://"); ok {
			bucket, key, _ := strings.Cut(rest, "/")
			r, object = "s3://"+bucket, key
		}
		if r == "" {
			r = "account"
		}
		g := groups[r]
		if g == nil {
			g = &group{counts: map[string]int{}, objects: map[string]bool{}}
			groups[r] = g
			order = append(order, r)
		}
		if g.counts[d.EventName] == 0 {
			g.calls = append(g.calls, d.EventName)
		}
		g.counts[d.EventName] += d.Count
		if object != "" && !strings.HasSuffix(object, "/") && d.Count > 0 {
			g.objects[object] = true
		}
		g.bytes += d.Bytes
		g.denied += d.Denied
	}
	var out []string
	for _, r := range order {
		g := groups[r]
		var detail []string
		if n := len(g.objects); n > 1 {
			detail = append(detail, fmt.Sprintf("%d objects", n))
		}
		for _, name := range g.calls {
			if n := g.counts[name]; n > 0 {
				detail = append(detail, fmt.Sprintf("%d %s", n, name))
			}
		}
		if g.bytes > 0 {
			detail = append(detail, humanBytes(g.bytes))
		}
		if g.denied > 0 {
			detail = append(detail, fmt.Sprintf("%d denied", g.denied))
		}
		out = append(out, r+" ("+strings.Join(detail, ", ")+")")
	}
	return out
}

func persistenceSummary(c *event.Case) []string {
	var out []string
	for _, p := range c.Persistence {
		s := kindLabel(p.Kind) + " " + persistenceName(p.Resource)
		if p.Removed {
			s += " (removed)"
		}
		out = append(out, s)
	}
	return out
}

// kindLabels names the persistence kinds the analysis reports; any other
// kind is shown with its hyphens as spaces.
var kindLabels = map[string]string{
	"iam-user":               "IAM user",
	"iam-access-key":         "access key",
	"iam-login-profile":      "login profile",
	"iam-role":               "IAM role",
	"iam-role-trust-policy":  "role trust policy",
	"iam-policy-attachment":  "policy attachment",
	"lambda-function":        "Lambda function",
	"lambda-function-url":    "Lambda function URL",
	"lambda-permission":      "Lambda permission",
	"ec2-key-pair":           "EC2 key pair",
	"security-group-ingress": "security group ingress",
}

func kindLabel(k string) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return strings.ReplaceAll(k, "-", " ")
}

// tacticTitle turns an ATT&CK tactic name into a title: "credential-access"
// → "Credential Access"; an empty tactic (a call with no technique of its own, such as the KMS Decrypt behind a secret read) is "No ATT&CK tactic".
func tacticTitle(t string) string {
	if t == "" {
		return "No ATT&CK tactic"
	}
	return event.TacticTitle(t)
}

func errorText(code string) string {
	if cloudtrail.Denied(code) {
		return "DENIED " + code
	}
	return code
}

// principalName drops the type from principalLabel: "ci-deploy",
// "infra-admin/backup-sync".
func principalName(arn string) string {
	l := cloudtrail.PrincipalLabel(arn)
	for _, prefix := range []string{"user/", "assumed-role/", "role/", "federated-user/", "group/"} {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			return rest
		}
	}
	return l
}

// shortResource drops the partition, service, region and account of an
// ARN, and writes S3 ARNs as s3:// URLs. The full value stays in the JSON.
func shortResource(r string) string {
	p := strings.SplitN(r, ":", 6)
	if len(p) < 6 || p[0] != "arn" {
		return r
	}
	if p[2] == "s3" {
		return "s3://" + p[5]
	}
	return p[5]
}

// lastSegment is what follows the last '/' or ':' (ignoring a trailing '/').
func lastSegment(s string) string {
	t := strings.TrimSuffix(s, "/")
	if strings.Contains(t, "://") && strings.Count(t, "/") == 2 {
		return t // a bare URL host: keep it whole
	}
	if i := strings.LastIndexAny(t, "/:"); i >= 0 && i < len(t)-1 {
		return t[i+1:]
	}
	return s
}

// humanBytes writes a byte count with SI units: 770947289 → "770.9 MB".
func humanBytes(n int64) string { return display.Bytes(n) }

// uaMarkers are user-agent fragments an investigator wants to see even in a
// shortened user agent: attack tools and penetration-testing distributions.
var uaMarkers = []struct{ needle, label string }{
	{"pacu", "Pacu"}, {"cloudfox", "CloudFox"}, {"stratus", "Stratus Red Team"}, {"weirdaal", "WeirdAAL"},
	{"scoutsuite", "ScoutSuite"}, {"prowler", "Prowler"}, {"kali", "Kali"}, {"parrot", "Parrot"}, {"pentoo", "Pentoo"},
}

// shortUA shortens a user agent to its product and version, plus any
// marker: "Boto3/1.34.11 (Pacu, Kali)", "Firefox/115.0", "aws-cli/2.15.0 (Kali)".
func shortUA(ua string) string {
	fields := strings.Fields(ua)
	if len(fields) == 0 {
		return ""
	}
	base := fields[0]
	if strings.HasPrefix(base, "Mozilla/") {
		for _, browser := range []string{"Edg/", "Firefox/", "Chrome/", "Safari/"} {
			if i := slices.IndexFunc(fields, func(f string) bool { return strings.HasPrefix(f, browser) }); i >= 0 {
				base = fields[i]
				break
			}
		}
	} else if i := slices.IndexFunc(fields, func(f string) bool { return strings.HasPrefix(f, "Terraform/") }); i >= 0 {
		base = fields[i]
	}
	var marks []string
	lower := strings.ToLower(ua)
	for _, m := range uaMarkers {
		if strings.Contains(lower, m.needle) {
			marks = append(marks, m.label)
		}
	}
	if len(marks) > 0 {
		base += " (" + strings.Join(marks, ", ") + ")"
	}
	return base
}

// shortUAs shortens and deduplicates user agents, keeping their order.
func shortUAs(uas []string) []string {
	var out []string
	for _, ua := range uas {
		if s := shortUA(ua); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// levelRank orders finding levels for display, most severe first.
func levelRank(level string) event.Severity {
	s, _ := event.ParseSeverity(level)
	return s
}

// findingsBySeverity returns the findings most severe first, ties in order.
func findingsBySeverity(fs []event.Finding) []event.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b event.Finding) int { return cmp.Compare(levelRank(b.Level), levelRank(a.Level)) })
	return out
}

// changesByService groups the changes by service, services in order of
// first appearance, resources in their order.
func changesByService(cs []event.Change) []event.Change {
	rank := map[string]int{}
	for _, c := range cs {
		if _, ok := rank[c.Service]; !ok {
			rank[c.Service] = len(rank)
		}
	}
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b event.Change) int { return cmp.Compare(rank[a.Service], rank[b.Service]) })
	return out
}

// orNothing returns the items joined by ", ", or "none".
func orNothing(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

// removedText is "no", "yes" or "yes, <time>".
func removedText(p event.Persistence) string {
	switch {
	case !p.Removed:
		return "no"
	case p.RemovedAt != nil:
		return "yes, " + fmtTime(*p.RemovedAt)
	}
	return "yes"
}

// validatedText shows a digest validation result: "yes", "no" or "".
func validatedText(v *bool) string {
	switch {
	case v == nil:
		return ""
	case *v:
		return "yes"
	}
	return "no"
}

// anyValidated reports whether any source was checked against a digest.
func anyValidated(srcs []event.EvidenceSource) bool {
	return slices.ContainsFunc(srcs, func(s event.EvidenceSource) bool { return s.Validated != nil })
}

// window describes Scope.Since/Until.
func window(s event.Scope) string {
	from, to := "the first event", "the last event"
	if s.Since != nil {
		from = fmtTime(*s.Since)
	}
	if s.Until != nil {
		to = fmtTime(*s.Until)
	}
	return from + " to " + to
}

// indicators lists the kinds of indicator given, with their values.
func indicators(s event.Scope) []headerField {
	var out []headerField
	for _, f := range []headerField{{label: "Access keys", items: s.Keys}, {label: "Principals", items: s.Principals},
		{label: "IPs", items: s.IPs}} {
		if len(f.items) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// modeText explains the scope mode.
func modeText(mode string) string {
	switch mode {
	case "triage":
		return "triage (no indicator given: principals ranked by suspicion)"
	case "indicators":
		return "indicators (followed from the given keys, principals and IPs)"
	case "":
		return "unknown"
	}
	return mode
}

// noveltyText says what a credential did that its baseline had not: the
// sentence both text and markdown print under the credential table.
func noveltyText(cr event.Credential) string {
	if cr.Baseline == nil {
		return ""
	}
	if cr.Baseline.Until == nil || cr.Baseline.Until.IsZero() {
		return "no baseline: the key was not used before its first event here."
	}
	var parts []string
	add := func(label string, items []string, max int) {
		if len(items) == 0 {
			return
		}
		shown := items
		if len(shown) > max {
			shown = shown[:max]
		}
		s := label + " " + strings.Join(shown, ", ")
		if len(items) > max {
			s += fmt.Sprintf(" and %d more", len(items)-max)
		}
		parts = append(parts, s)
	}
	add("addresses", cr.NewSourceIPs, 5)
	add("countries", cr.NewCountries, 5)
	add("networks", cr.NewASNs, 3)
	add("user agents", shortUAs(cr.NewUserAgents), 3)
	add("regions", cr.NewRegions, 5)
	add(fmt.Sprintf("%d APIs:", len(cr.NewAPIs)), cr.NewAPIs, 5)
	if len(parts) == 0 {
		return fmt.Sprintf("nothing new after its baseline (until %s, %d events).", fmtTime(*cr.Baseline.Until), cr.Baseline.Events)
	}
	return fmt.Sprintf("first seen after its baseline (until %s, %d events): %s.", fmtTime(*cr.Baseline.Until), cr.Baseline.Events, strings.Join(parts, "; "))
}

// ipWhere is an address's country, network and AWS ownership in one cell.
func ipWhere(ip event.SourceIP) string {
	var parts []string
	if ip.Country != "" {
		parts = append(parts, ip.Country)
	}
	if ip.ASN != 0 {
		parts = append(parts, fmt.Sprintf("AS%d %s", ip.ASN, ip.ASOrg))
	}
	if ip.AWS != "" {
		parts = append(parts, ip.AWS)
	}
	return strings.TrimSpace(strings.Join(parts, "; "))
}

// ipNewFor summarises for whom an address was new.
func ipNewFor(ip event.SourceIP) string {
	var parts []string
	switch {
	case ip.NewToOrganization && ip.AccountFirstSeen != nil:
		parts = append(parts, "the whole evidence (first seen "+fmtTime(*ip.AccountFirstSeen)+")")
	case ip.NewToAccount && ip.AccountFirstSeen != nil:
		parts = append(parts, "the account (first seen "+fmtTime(*ip.AccountFirstSeen)+")")
	case ip.AccountFirstSeen != nil:
		parts = append(parts, fmt.Sprintf("not new: %d earlier events in the account since %s", ip.PriorEvents, fmtTime(*ip.AccountFirstSeen)))
	}
	if ip.NewNetwork {
		parts = append(parts, "its network")
	}
	switch n := len(ip.NewFor); {
	case n == 1 || n == 2:
		parts = append(parts, strings.Join(ip.NewFor, ", "))
	case n > 2:
		parts = append(parts, fmt.Sprintf("%s and %d more", ip.NewFor[0], n-1))
	}
	return strings.Join(parts, "; ")
}

// ipTools prefers the user-agent classes; older cases only have the strings.
func ipTools(ip event.SourceIP) string {
	if len(ip.UserAgentClasses) > 0 {
		return strings.Join(ip.UserAgentClasses, ", ")
	}
	return strings.Join(shortUAs(ip.UserAgents), ", ")
}

// daysLabel shows a day list briefly: "2025-03-10 to 2025-03-12 (3 days)".
func daysLabel(days []string) string {
	switch len(days) {
	case 0:
		return "none"
	case 1:
		return days[0]
	}
	return fmt.Sprintf("%s to %s (%d days)", days[0], days[len(days)-1], len(days))
}

// gapRows are the coverage gaps as table rows.
func gapRows(gaps []event.Gap) [][]string {
	rows := make([][]string, 0, len(gaps))
	for _, g := range gaps {
		end := fmtTime(g.End)
		if g.OpenEnded {
			end += " (open)"
		}
		rows = append(rows, []string{g.Kind, fmtTime(g.Start), end, g.Account, cmp.Or(g.Region, "all"), g.Detail})
	}
	return rows
}

// bareName drops the resource-type words the persistence kind already says
// ("IAM user iam user x" reads "IAM user x").
// persistenceName names a persisted resource in one item of a list: an
// inline policy on an identity ("iam user bob, inline policy x") reads
// "x on user bob", never as two items.
func persistenceName(r string) string {
	if owner, policy, ok := strings.Cut(r, ", inline policy "); ok {
		return policy + " on " + strings.TrimPrefix(bareName(owner), "iam ")
	}
	return bareName(lastSegment(shortResource(r)))
}

func bareName(r string) string {
	for _, p := range []string{"iam user ", "iam role ", "iam group ", "iam policy ", "lambda ", "key pair ", "access key "} {
		if rest, ok := strings.CutPrefix(r, p); ok && !strings.Contains(rest, ",") {
			return strings.ReplaceAll(rest, " of iam user ", " of user ")
		}
	}
	return strings.ReplaceAll(r, " of iam user ", " of user ")
}

// tacticLabel shows a tactic in a table: its title, empty when none.
func tacticLabel(t string) string {
	if t == "" {
		return ""
	}
	return tacticTitle(t)
}

func tacticLabels(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = tacticTitle(t)
	}
	return out
}

// phaseTitles say what each remediation phase is for.
var phaseTitles = map[string]string{
	"contain":   "Contain — cut the attacker off now",
	"eradicate": "Eradicate — remove what the attacker left",
	"recover":   "Recover — restore, rotate and assess",
}

// remediationPhase is one phase's steps, in blocks by target.
type remediationPhase struct {
	title  string
	blocks []remediationBlock
}

type remediationBlock struct {
	target string
	steps  []remediationStep
}

type remediationStep struct {
	num    int // 1-based, across the whole list
	action string
	cmds   []string
}

// remediationPhases groups the steps by phase and, within a phase, by
// consecutive target, keeping their order and numbers. Steps without a
// phase (reports made before phases) form one untitled group.
func remediationPhases(c *event.Case, cmds [][]string) []remediationPhase {
	var out []remediationPhase
	for i, r := range c.Remediation {
		title := phaseTitles[r.Phase]
		if title == "" && r.Phase != "" {
			title = r.Phase
		}
		if len(out) == 0 || out[len(out)-1].title != title {
			out = append(out, remediationPhase{title: title})
		}
		p := &out[len(out)-1]
		if len(p.blocks) == 0 || p.blocks[len(p.blocks)-1].target != r.Target {
			p.blocks = append(p.blocks, remediationBlock{target: r.Target})
		}
		b := &p.blocks[len(p.blocks)-1]
		b.steps = append(b.steps, remediationStep{num: i + 1, action: r.Action, cmds: cmds[i]})
	}
	return out
}

// maxTriageReason bounds the one reason a triage entry shows in text and
// markdown; the JSON and HTML reports have them all.
const maxTriageReason = 240

// triageBrief is a triage entry's first reason, cut, and how many more
// reasons and benign notes the JSON holds.
func triageBrief(e event.TriageEntry) (reason string, more int) {
	if len(e.Reasons) == 0 {
		return "", len(e.Benign)
	}
	return truncate(e.Reasons[0], maxTriageReason), len(e.Reasons) - 1 + len(e.Benign)
}

// truncate cuts s to n runes, the last one "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 1 {
		return s
	}
	return string(r[:n-1]) + "…"
}
