package report

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// textWriter writes the plain-text report: no colour, aligned tables,
// prose wrapped at 100 columns (tables of ARNs and paths may run wider).
type textWriter struct{}

func (textWriter) Write(w io.Writer, c *event.Case) error {
	if c == nil {
		return errNilCase
	}
	// Values from the logs are shown escaped: no control character, line
	// break or bidirectional override of theirs reaches the reader.
	cmds := commandLines(c)
	c = display.Copy(c)
	t := &text{}
	t.header(c)
	t.scope(c)
	t.credentials(c)
	t.sourceIPs(c)
	t.sessions(c)
	t.dataAccessed(c)
	t.networkFlows(c)
	t.changes(c)
	t.persistence(c)
	t.defenseEvasion(c)
	t.findings(c)
	t.related(c)
	t.remediation(c, cmds)
	t.coverage(c)
	t.compliance(c)
	t.evidence(c)
	t.notes(c)
	_, err := io.WriteString(w, t.b.String())
	return err
}

// text accumulates the report; a strings.Builder cannot fail, so only the
// final write can.
type text struct{ b strings.Builder }

func (t *text) line(s string) {
	t.b.WriteString(strings.TrimRight(s, " "))
	t.b.WriteByte('\n')
}

func (t *text) linef(format string, args ...any) { t.line(fmt.Sprintf(format, args...)) }

func (t *text) lines(ls []string) {
	for _, l := range ls {
		t.line(l)
	}
}

func (t *text) section(title string) {
	t.line("")
	t.line(title)
	t.line(strings.Repeat("-", utf8.RuneCountInString(title)))
}

// table writes rows under a header, columns aligned on rune counts, every
// line prefixed with indent; the last column is not padded.
func (t *text) table(indent string, head []string, rows [][]string) {
	widths := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range append([][]string{head}, rows...) {
		var sb strings.Builder
		sb.WriteString(indent)
		for i, cell := range r {
			sb.WriteString(cell)
			if i < len(r)-1 {
				sb.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		t.line(sb.String())
	}
}

// wrapList writes "label: a, b, c; note" wrapped at lineWidth, continuation
// lines aligned under the first item.
func wrapList(label string, items []string, note string) []string {
	prefix := label + ": "
	if len(items) == 0 {
		return []string{prefix + none}
	}
	pad := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var out []string
	cur := prefix
	tokens := make([]string, 0, len(items)+1)
	for i, item := range items {
		switch {
		case i < len(items)-1:
			item += ","
		case note != "":
			item += ";"
		}
		tokens = append(tokens, item)
	}
	if note != "" {
		tokens = append(tokens, note)
	}
	for i, item := range tokens {
		switch {
		case i == 0:
			cur += item
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(item) > lineWidth:
			out = append(out, cur)
			cur = pad + item
		default:
			cur += " " + item
		}
	}
	return append(out, cur)
}

// wrapText word-wraps s at lineWidth; the first line starts with first, the
// others with rest.
func wrapText(s, first, rest string) []string {
	var out []string
	cur := first
	empty := true
	for _, word := range strings.Fields(s) {
		switch {
		case empty:
			cur += word
			empty = false
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) > lineWidth:
			out = append(out, cur)
			cur = rest + word
		default:
			cur += " " + word
		}
	}
	return append(out, cur)
}

func (t *text) header(c *event.Case) {
	t.line("Forensic Report: " + c.ReportID)
	for _, f := range header(c) {
		// An item too long for a line of its own is cut: the sections
		// below and the JSON have it whole.
		room := lineWidth - utf8.RuneCountInString(f.label) - len(": ,")
		items := make([]string, len(f.items))
		for i, item := range f.items {
			items[i] = truncate(item, room)
		}
		t.lines(wrapList(f.label, items, f.note))
	}
}

func (t *text) scope(c *event.Case) {
	s := c.Scope
	t.section("Scope")
	t.line("Mode: " + modeText(s.Mode))
	t.line("Window: " + window(s))
	t.lines(wrapList("Accounts", orAll(s.Accounts), ""))
	t.lines(wrapList("Regions", orAll(s.Regions), ""))
	t.lines(wrapList("Regions with activity", c.Regions, ""))
	if len(s.Keys)+len(s.Principals)+len(s.IPs) == 0 {
		t.line("Indicators: none given")
	} else {
		for _, ind := range indicators(s) {
			t.lines(wrapList(ind.label, ind.items, ""))
		}
	}
	if s.Mode != "triage" && len(c.Triage) == 0 {
		return
	}
	t.line("")
	if len(c.Triage) == 0 {
		t.line("Triage: " + none)
		return
	}
	t.line("Triage, most suspicious first:")
	w := len(strconv.Itoa(len(c.Triage)))
	for i, e := range c.Triage {
		num := fmt.Sprintf("%*d. ", w, i+1)
		pad := strings.Repeat(" ", len(num))
		t.linef("%s%s  %s", num, e.PrincipalARN, triageVerdict(e))
		t.lines(wrapText(scoreParts(e), pad+"Score: ", pad+"       "))
		if len(e.Addresses) > 0 {
			t.lines(wrapList(pad+"Addresses", e.Addresses, ""))
		}
		t.lines(wrapList(pad+"Access keys", e.AccessKeyIDs, ""))
		for _, r := range e.Reasons {
			t.lines(wrapText(r, pad+"- ", pad+"  "))
		}
		for _, b := range e.Benign {
			t.lines(wrapText("left out, benign context: "+b, pad+"- ", pad+"  "))
		}
	}
}

// truncate cuts s to n runes, the last one "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// orAll stands for an unrestricted scope list.
func orAll(items []string) []string {
	if len(items) == 0 {
		return []string{"all"}
	}
	return items
}

func (t *text) credentials(c *event.Case) {
	t.section("Credential Chain")
	if len(c.CompromisedCredentials) == 0 && len(c.CredentialChain) == 0 {
		t.line(none)
		return
	}
	if len(c.CompromisedCredentials) > 0 {
		var rows [][]string
		for _, cr := range c.CompromisedCredentials {
			rows = append(rows, []string{cr.AccessKeyID, cloudtrail.PrincipalLabel(cr.PrincipalARN), cr.How, cr.DerivedFrom,
				strconv.Itoa(cr.EventCount), fmtTimePtr(cr.FirstSeen), fmtTimePtr(cr.LastSeen)})
		}
		t.table("", []string{"ACCESS KEY", "PRINCIPAL", "HOW", "FROM", "EVENTS", "FIRST SEEN", "LAST SEEN"}, rows)
		t.line("")
		for _, cr := range c.CompromisedCredentials {
			if cr.Reason != "" {
				t.lines(wrapText(cr.Reason, "- "+cmp.Or(cr.AccessKeyID, cloudtrail.PrincipalLabel(cr.PrincipalARN))+": ", "  "))
			}
			if n := noveltyText(cr); n != "" {
				t.lines(wrapText("New: "+n, "  ", "  "))
			}
		}
		t.line("")
	}
	t.lines(chainLines(c))
}

func (t *text) sourceIPs(c *event.Case) {
	t.section("Source IPs")
	if len(c.SourceIPs) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, ip := range c.SourceIPs {
		rows = append(rows, []string{ip.IP, strconv.Itoa(ip.EventCount), fmtTime(ip.FirstSeen), fmtTime(ip.LastSeen),
			ipWhere(ip), ipNewFor(ip), ipTools(ip)})
	}
	t.table("", []string{"IP", "EVENTS", "FIRST SEEN", "LAST SEEN", "WHERE", "NEW FOR", "TOOLS"}, rows)
}

func (t *text) sessions(c *event.Case) {
	t.section("Session Timeline")
	views := sessionViews(c)
	if len(views) == 0 {
		t.line(none)
		return
	}
	for i, v := range views {
		if i > 0 {
			t.line("")
		}
		t.line(v.title())
		if v.s.Number != 0 {
			t.lines(wrapList("  Access keys", v.s.AccessKeys, ""))
			t.lines(wrapList("  Source IPs", v.s.SourceIPs, ""))
			t.lines(wrapList("  Tactics", tacticLabels(v.s.Tactics), ""))
		}
		if len(v.lines) == 0 {
			t.line("  no actions listed")
			continue
		}
		var rows [][]string
		for _, l := range v.lines {
			rows = append(rows, []string{fmtTime(l.first.EventTime), l.eventLabel(), tacticLabel(l.first.Tactic),
				strings.Join(l.regions, ","), errorText(l.first.ErrorCode), l.resourceLabel()})
		}
		t.table("  ", []string{"TIME", "EVENT", "TACTIC", "REGION", "ERROR", "RESOURCE"}, rows)
	}
}

func (t *text) dataAccessed(c *event.Case) {
	t.section("Data Accessed")
	if len(c.DataAccessed) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, d := range c.DataAccessed {
		rows = append(rows, []string{d.Resource, dataKind(d), d.EventName, strconv.Itoa(d.Count + d.Denied), bytesCell(d.Bytes),
			countCell(d.Denied), fmtTime(d.FirstSeen), fmtTime(d.LastSeen)})
	}
	t.table("", []string{"RESOURCE", "KIND", "EVENT", "CALLS", "BYTES", "DENIED", "FIRST SEEN", "LAST SEEN"}, rows)
}

// bytesCell and countCell leave a table cell empty for zero.
func bytesCell(n int64) string {
	if n == 0 {
		return ""
	}
	return humanBytes(n)
}

func countCell(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func (t *text) changes(c *event.Case) {
	t.section("Changes")
	if len(c.Changes) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, ch := range changesByService(c.Changes) {
		rows = append(rows, []string{ch.Service, ch.Resource, strconv.Itoa(ch.Count), countCell(ch.Denied),
			strings.Join(ch.EventNames, ", ")})
	}
	t.table("", []string{"SERVICE", "RESOURCE", "COUNT", "DENIED", "EVENTS"}, rows)
}

func (t *text) persistence(c *event.Case) {
	t.section("Persistence")
	if len(c.Persistence) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, p := range c.Persistence {
		rows = append(rows, []string{p.Kind, p.Resource, p.EventName, fmtTime(p.EventTime), p.CreatedBy, removedText(p)})
	}
	t.table("", []string{"KIND", "RESOURCE", "EVENT", "TIME", "CREATED BY", "REMOVED"}, rows)
}

func (t *text) defenseEvasion(c *event.Case) {
	t.section("Defense Evasion")
	if len(c.DefenseEvasion) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, a := range byTime(c.DefenseEvasion) {
		rows = append(rows, []string{fmtTime(a.EventTime), a.EventName, a.AWSRegion, resultText(a.ErrorCode),
			a.AccessKeyID, shortResource(a.Resource)})
	}
	t.table("", []string{"TIME", "EVENT", "REGION", "RESULT", "ACCESS KEY", "RESOURCE"}, rows)
}

// resultText is the error text of a call, or "succeeded".
func resultText(code string) string {
	if code == "" {
		return "succeeded"
	}
	return errorText(code)
}

func (t *text) findings(c *event.Case) {
	t.section("Findings")
	if len(c.Findings) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, f := range findingsBySeverity(c.Findings) {
		rows = append(rows, []string{f.Level, f.Title, strings.Join(f.Tactics, ", "), strconv.Itoa(f.Count)})
	}
	t.table("", []string{"LEVEL", "TITLE", "TACTICS", "EVENTS"}, rows)
}

func (t *text) related(c *event.Case) {
	t.section("Related Identities")
	if len(c.RelatedIdentities) == 0 {
		t.line(none)
		return
	}
	for i, r := range c.RelatedIdentities {
		if i > 0 {
			t.line("")
		}
		t.line(r.PrincipalARN)
		t.linef("  Events: %d; access keys: %s; source IPs: %s", r.EventCount, orNothing(r.AccessKeyIDs), orNothing(r.SourceIPs))
		if r.Reason != "" {
			t.lines(wrapText(r.Reason, "  ", "  "))
		}
	}
}

func (t *text) remediation(c *event.Case, cmds [][]string) {
	t.section("Remediation")
	if len(c.Remediation) == 0 {
		t.line(none)
		return
	}
	w := len(strconv.Itoa(len(c.Remediation)))
	for i, r := range c.Remediation {
		num := fmt.Sprintf("%*d. ", w, i+1)
		pad := strings.Repeat(" ", len(num))
		t.lines(wrapText(r.Action, num, pad))
		for _, cmd := range cmds[i] {
			t.line(pad + "    " + cmd)
		}
	}
}

func (t *text) evidence(c *event.Case) {
	e := c.Evidence
	t.section("Evidence")
	t.line("Database: " + cmp.Or(e.Database, "unknown"))
	t.linef("Total events: %d", e.TotalEvents)
	t.linef("Input files: %d", len(e.Sources))
	if e.Integrity.Summary != "" {
		t.lines(wrapText(e.Integrity.Summary, "Integrity: ", "  "))
	}
	for _, en := range e.Enrichment {
		t.lines(wrapText(en, "IP enrichment: ", "  "))
	}
	if lines := conflictLines(e); len(lines) > 0 {
		t.lines(wrapText(lines[0], "Conflicting copies: ", "  "))
		for _, l := range lines[1:] {
			t.lines(wrapText(l, "  ", "    "))
		}
		t.table("  ", []string{"TIME", "EVENT", "COPY USED", "SET ASIDE", "WHY"}, conflictRows(e))
		if n := len(e.Conflicts) - maxSources; n > 0 {
			t.line("  " + fmt.Sprintf(moreFmt, n) + " (see --format json)")
		}
	}
	if len(e.Sources) > 0 {
		head := []string{"PATH", "SHA256", "EVENTS", "STATUS"}
		validated := anyValidated(e.Sources)
		if validated {
			head = append(head, "VALIDATED")
		}
		var rows [][]string
		for _, s := range e.Sources[:min(len(e.Sources), maxSources)] {
			row := []string{s.Path, s.SHA256, strconv.FormatInt(s.Events, 10), s.Status}
			if validated {
				row = append(row, validatedText(s.Validated))
			}
			rows = append(rows, row)
		}
		t.table("", head, rows)
		if n := len(e.Sources) - maxSources; n > 0 {
			t.line(fmt.Sprintf(moreFmt, n) + " (see --format json)")
		}
	}
	t.line("Generated: " + generated(c))
	if c.Tool.CommandLine != "" {
		t.line("Command: " + c.Tool.CommandLine)
	}
}

// generated is "<time> by <tool> <version>".
func generated(c *event.Case) string {
	s := fmtTime(c.GeneratedAt)
	if tool := strings.TrimSpace(c.Tool.Name + " " + c.Tool.Version); tool != "" {
		s += " by " + tool
	}
	return s
}

func (t *text) notes(c *event.Case) {
	t.section("Notes")
	if len(c.Notes) == 0 {
		t.line(none)
		return
	}
	for _, n := range c.Notes {
		t.lines(wrapText(n, "- ", "  "))
	}
}

func (t *text) coverage(c *event.Case) {
	cv := c.Coverage
	t.section("Coverage and Gaps")
	if len(cv.Statements) == 0 && len(cv.Gaps) == 0 {
		t.linef("Accounts: %s; regions: %s; days: %s.", orNothing(cv.Accounts), orNothing(cv.Regions), daysLabel(cv.Days))
		t.line("Nothing found that the evidence cannot show.")
		return
	}
	for _, s := range cv.Statements {
		t.lines(wrapText(s, "- ", "  "))
	}
	t.line("")
	t.linef("Accounts: %s; regions: %s; days: %s.", orNothing(cv.Accounts), orNothing(cv.Regions), daysLabel(cv.Days))
	if len(cv.Gaps) > 0 {
		t.line("")
		t.table("", []string{"KIND", "START", "END", "ACCOUNT", "REGION", "DETAIL"}, gapRows(cv.Gaps))
	}
}

func (t *text) compliance(c *event.Case) {
	if len(c.Compliance) == 0 {
		return
	}
	t.section("Compliance Mapping")
	t.line("Controls each finding type is evidence about (a mapping, not an audit opinion):")
	t.line("")
	var rows [][]string
	for _, m := range c.Compliance {
		rows = append(rows, []string{m.Title, strconv.Itoa(m.Count), strings.Join(m.Controls.SOC2, " "),
			strings.Join(m.Controls.ISO27001, " "), strings.Join(m.Controls.NIST80053, " "), strings.Join(m.Controls.NISTCSF, " ")})
	}
	t.table("", []string{"FINDING", "N", "SOC 2", "ISO 27001", "NIST 800-53", "NIST CSF"}, rows)
}
