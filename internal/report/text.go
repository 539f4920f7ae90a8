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
type textWriter struct{ o Options }

func (tw textWriter) Write(w io.Writer, c *event.Case) error {
	if c == nil {
		return errNilCase
	}
	// Values from the logs are shown escaped: no control character, line
	// break or bidirectional override of theirs reaches the reader.
	cmds := commandLines(c)
	c = display.Copy(c)
	t := &text{width: tw.o.width(), fit: tw.o.Width >= 0, color: tw.o.Color}
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
	t.triage(c)
	t.related(c)
	t.remediation(c, cmds)
	t.coverage(c)
	t.compliance(c)
	t.evidence(c)
	t.notes(c)
	if tw.o.Terminal && len(c.Summary) > 0 {
		// What stays on screen is the story, not the evidence file list.
		t.summary(c, "Summary (repeated)")
	}
	_, err := io.WriteString(w, t.b.String())
	return err
}

// text accumulates the report; a strings.Builder cannot fail, so only the
// final write can. Every line fits in width: prose wraps, table cells and
// tree lines are cut with "…" (the JSON and HTML reports have them whole),
// commands break into continuation lines.
type text struct {
	b     strings.Builder
	width int
	fit   bool // cut tables and lines to width (else only prose wraps)
	color bool
}

func (t *text) line(s string) {
	if t.fit {
		s = truncate(strings.TrimRight(s, " "), t.width)
	}
	t.raw(s)
}

// raw writes a line already fitted (or holding colour codes, which a rune
// count would mistake for text).
func (t *text) raw(s string) {
	t.b.WriteString(strings.TrimRight(s, " "))
	t.b.WriteByte('\n')
}

// fitCommand breaks a command to the width, when fitting.
func (t *text) fitCommand(cmd, prefix string) []string {
	if !t.fit {
		return []string{prefix + cmd}
	}
	return fitCommand(cmd, prefix, t.width)
}

// wrapList and wrapText wrap at the report's width.
func (t *text) wrapList(label string, items []string, note string) []string {
	return wrapList(t.width, label, items, note)
}

func (t *text) wrapText(s, first, rest string) []string { return wrapText(t.width, s, first, rest) }

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

// table writes rows under a header, columns aligned on rune counts and
// fitted to the width (fitColumns), every line prefixed with indent; the
// last column is not padded. paint, when colour is on, colours a cell by
// its column and text after it is padded.
func (t *text) table(indent string, head []string, rows [][]string) {
	t.paintedTable(indent, head, rows, nil)
}

func (t *text) paintedTable(indent string, head []string, rows [][]string, paint func(col int, cell string) string) {
	natural := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for i, cell := range r {
			natural[i] = max(natural[i], utf8.RuneCountInString(cell))
		}
	}
	floors, prose := columnFloors(head, rows, t.width), proseColumns(head, rows)
	widths, shown := natural, len(head)
	if t.fit {
		widths, shown = fitColumns(natural, floors, prose, utf8.RuneCountInString(indent), t.width)
	}
	if shown < len(head) { // room for the "…" that marks columns left out
		widths, shown = fitColumns(natural, floors, prose, utf8.RuneCountInString(indent), t.width-len("  …"))
	}
	for ri, r := range append([][]string{head}, rows...) {
		var sb strings.Builder
		sb.WriteString(indent)
		for i, cell := range r[:min(len(r), shown)] {
			cell = truncate(cell, widths[i])
			pad := widths[i] - utf8.RuneCountInString(cell) + 2
			if t.color && paint != nil && ri > 0 {
				cell = paint(i, cell)
			}
			sb.WriteString(cell)
			if i < min(len(r), shown)-1 {
				sb.WriteString(strings.Repeat(" ", pad))
			}
		}
		if shown < len(r) && ri == 0 {
			sb.WriteString("  …") // columns left out: the JSON report has them
		}
		t.raw(sb.String())
	}
}

// cappedTable writes at most max rows of a table on a terminal, then says
// how many more the JSON and HTML reports list; a file or a pipe gets them
// all (a report kept as evidence lists every object).
func (t *text) cappedTable(indent string, head []string, rows [][]string, max int, what string) {
	if len(rows) <= max || !t.fit {
		t.table(indent, head, rows)
		return
	}
	t.table(indent, head, rows[:max])
	t.linef("%s… %d more %s — the full list is in the JSON and HTML reports", indent, len(rows)-max, what)
}

// wrapList writes "label: a, b, c; note" wrapped at width, continuation
// lines aligned under the first item.
func wrapList(width int, label string, items []string, note string) []string {
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
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(item) > width:
			out = append(out, cur)
			cur = pad + item
		default:
			cur += " " + item
		}
	}
	return append(out, cur)
}

// wrapText word-wraps s at width; the first line starts with first, the
// others with rest.
func wrapText(width int, s, first, rest string) []string {
	var out []string
	cur := first
	empty := true
	// A word wider than a line (an ARN, a path) is broken across lines,
	// never cut: prose keeps every character.
	room := max(width-utf8.RuneCountInString(rest), 8)
	var words []string
	for _, w := range strings.Fields(s) {
		for r := []rune(w); len(r) > 0; {
			n := min(len(r), room)
			words = append(words, string(r[:n]))
			r = r[n:]
		}
	}
	for _, word := range words {
		switch {
		case empty:
			cur += word
			empty = false
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) > width:
			out = append(out, cur)
			cur = rest + word
		default:
			cur += " " + word
		}
	}
	return append(out, cur)
}

// summary writes the story's sentences as a list.
func (t *text) summary(c *event.Case, title string) {
	t.section(title)
	for _, s := range c.Summary {
		for _, l := range t.wrapText(s, "- ", "  ") {
			if t.color && (strings.HasPrefix(l, "- Who: the attacker") || strings.HasPrefix(l, "- When:") && strings.Contains(l, "still going on")) {
				l = paint(ansiBold, l)
			}
			t.raw(l)
		}
	}
}

func (t *text) header(c *event.Case) {
	t.line("Forensic Report: " + c.ReportID)
	if len(c.Summary) > 0 {
		t.summary(c, "Summary")
		t.line("")
	}
	for _, f := range header(c) {
		// An item too long for a line of its own is cut: the sections
		// below and the JSON have it whole.
		room := t.width - utf8.RuneCountInString(f.label) - len(": ,")
		items := make([]string, len(f.items))
		for i, item := range f.items {
			items[i] = truncate(item, room)
		}
		t.lines(t.wrapList(f.label, items, f.note))
	}
}

func (t *text) scope(c *event.Case) {
	s := c.Scope
	t.section("Scope")
	t.line("Mode: " + modeText(s.Mode))
	t.line("Window: " + window(s))
	t.lines(t.wrapList("Accounts", orAll(s.Accounts), ""))
	t.lines(t.wrapList("Regions", orAll(s.Regions), ""))
	t.lines(t.wrapList("Regions with activity", c.Regions, ""))
	if len(s.Keys)+len(s.Principals)+len(s.IPs) == 0 {
		t.line("Indicators: none given")
	} else {
		for _, ind := range indicators(s) {
			t.lines(t.wrapList(ind.label, ind.items, ""))
		}
	}
}

// triage lists the identities triage ranked, briefly: verdict, score,
// addresses and the first reason (the JSON and HTML reports have all).
func (t *text) triage(c *event.Case) {
	if c.Scope.Mode != "triage" && len(c.Triage) == 0 {
		return
	}
	t.section("Triage, most suspicious first")
	if len(c.Triage) == 0 {
		t.line(none)
		return
	}
	w := len(strconv.Itoa(len(c.Triage)))
	for i, e := range c.Triage {
		num := fmt.Sprintf("%*d. ", w, i+1)
		pad := strings.Repeat(" ", len(num))
		for _, l := range t.wrapText(fmt.Sprintf("%s  %s; score %s", cloudtrail.PrincipalLabel(e.PrincipalARN), triageVerdict(e),
			strconv.FormatFloat(e.Score, 'f', -1, 64)), num, pad) {
			if t.color {
				l = paint(verdictColor(e.Verdict), l)
			}
			t.raw(l)
		}
		if len(e.Addresses) > 0 {
			t.lines(t.wrapList(pad+"Addresses", e.Addresses, ""))
		}
		reason, more := triageBrief(e)
		if reason != "" {
			t.lines(t.wrapText(reason, pad+"- ", pad+"  "))
		}
		if more > 0 {
			noun := "reasons and notes"
			if more == 1 {
				noun = "reason or note"
			}
			t.linef("%s(%d more %s in the JSON and HTML reports)", pad, more, noun)
		}
	}
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
			// How and from last: the tree below shows them too, and a
			// narrow terminal leaves the last columns out.
			rows = append(rows, []string{cr.AccessKeyID, cloudtrail.PrincipalLabel(cr.PrincipalARN), strconv.Itoa(cr.EventCount),
				fmtTimePtr(cr.FirstSeen), fmtTimePtr(cr.LastSeen), cr.How, cr.DerivedFrom})
		}
		t.table("", []string{"ACCESS KEY", "PRINCIPAL", "EVENTS", "FIRST SEEN", "LAST SEEN", "HOW", "FROM"}, rows)
		t.line("")
		for _, cr := range c.CompromisedCredentials {
			if cr.Reason != "" {
				t.lines(t.wrapText(cr.Reason, "- "+cmp.Or(cr.AccessKeyID, cloudtrail.PrincipalLabel(cr.PrincipalARN))+": ", "  "))
			}
			if n := noveltyText(cr); n != "" {
				t.lines(t.wrapText("New: "+n, "  ", "  "))
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
		rows = append(rows, []string{ip.IP, strconv.Itoa(ip.EventCount), ipWhere(ip), fmtTime(ip.FirstSeen), fmtTime(ip.LastSeen),
			ipTools(ip), ipNewFor(ip)})
	}
	t.cappedTable("", []string{"IP", "EVENTS", "WHERE", "FIRST SEEN", "LAST SEEN", "TOOLS", "NEW FOR"}, rows, 2*maxListed, "addresses")
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
			t.lines(t.wrapList("  Access keys", v.s.AccessKeys, ""))
			t.lines(t.wrapList("  Source IPs", v.s.SourceIPs, ""))
			t.lines(t.wrapList("  Tactics", tacticLabels(v.s.Tactics), ""))
		}
		if len(v.lines) == 0 {
			t.line("  no actions listed")
			continue
		}
		// Each row names its key and address when the session used more
		// than one (else the lines above say it once).
		keys, ips := len(v.s.AccessKeys) != 1, len(v.s.SourceIPs) != 1
		// What and whom first, tactic and region last: a narrow terminal
		// leaves the last columns out.
		head := []string{"TIME", "EVENT", "ERROR", "RESOURCE"}
		if keys {
			head = append(head, "ACCESS KEY")
		}
		if ips {
			head = append(head, "SOURCE IP")
		}
		head = append(head, "TACTIC", "REGION")
		var rows [][]string
		for _, l := range v.lines {
			row := []string{fmtTime(l.first.EventTime), l.eventLabel(), errorText(l.first.ErrorCode), l.resourceLabel()}
			if keys {
				row = append(row, l.first.AccessKeyID)
			}
			if ips {
				row = append(row, l.first.SourceIP)
			}
			rows = append(rows, append(row, tacticLabel(l.first.Tactic), strings.Join(l.regions, ",")))
		}
		// Not capped: bursts of like calls are folded already, and the
		// attacker's decisive calls come late in a session.
		t.table("  ", head, rows)
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
		// The least needed columns last: a narrow terminal leaves them out.
		rows = append(rows, []string{shortResource(d.Resource), d.EventName, strconv.Itoa(d.Count + d.Denied), dataKind(d), bytesCell(d.Bytes),
			countCell(d.Denied), fmtTime(d.FirstSeen), fmtTime(d.LastSeen)})
	}
	t.cappedTable("", []string{"RESOURCE", "EVENT", "CALLS", "KIND", "BYTES", "DENIED", "FIRST SEEN", "LAST SEEN"}, rows, maxListed, "data targets")
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
		rows = append(rows, []string{strings.TrimSuffix(ch.Service, ".amazonaws.com"), shortResource(ch.Resource), strconv.Itoa(ch.Count), countCell(ch.Denied),
			strings.Join(ch.EventNames, ", ")})
	}
	t.cappedTable("", []string{"SERVICE", "RESOURCE", "COUNT", "DENIED", "EVENTS"}, rows, 2*maxListed, "changed resources")
}

func (t *text) persistence(c *event.Case) {
	t.section("Persistence")
	if len(c.Persistence) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, p := range c.Persistence {
		rows = append(rows, []string{p.Kind, shortResource(p.Resource), removedText(p), fmtTime(p.EventTime), p.EventName, p.CreatedBy})
	}
	t.table("", []string{"KIND", "RESOURCE", "REMOVED", "TIME", "EVENT", "CREATED BY"}, rows)
}

func (t *text) defenseEvasion(c *event.Case) {
	t.section("Defense Evasion")
	if len(c.DefenseEvasion) == 0 {
		t.line(none)
		return
	}
	var rows [][]string
	for _, a := range byTime(c.DefenseEvasion) {
		rows = append(rows, []string{fmtTime(a.EventTime), a.EventName, resultText(a.ErrorCode), shortResource(a.Resource),
			a.AccessKeyID, a.AWSRegion})
	}
	t.table("", []string{"TIME", "EVENT", "RESULT", "RESOURCE", "ACCESS KEY", "REGION"}, rows)
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
	t.paintedTable("", []string{"LEVEL", "TITLE", "TACTICS", "EVENTS"}, rows, func(col int, cell string) string {
		if col != 0 {
			return cell
		}
		return paint(levelColor(cell), cell)
	})
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
			t.lines(t.wrapText(r.Reason, "  ", "  "))
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
	for pi, p := range remediationPhases(c, cmds) {
		if pi > 0 {
			t.line("")
		}
		if p.title != "" {
			t.line(p.title)
		}
		for _, b := range p.blocks {
			indent := ""
			if b.target != "" {
				t.line("  " + b.target)
				indent = "    "
			}
			for _, st := range b.steps {
				num := fmt.Sprintf("%s%*d. ", indent, w, st.num)
				pad := strings.Repeat(" ", utf8.RuneCountInString(num))
				t.lines(t.wrapText(st.action, num, pad))
				for _, cmd := range st.cmds {
					// Never cut: broken into continuation lines that
					// run as the same command.
					for _, l := range t.fitCommand(cmd, pad) {
						t.raw(l)
					}
				}
			}
		}
	}
}

func (t *text) evidence(c *event.Case) {
	e := c.Evidence
	t.section("Evidence")
	t.line("Database: " + cmp.Or(e.Database, "unknown"))
	t.linef("Total events: %d", e.TotalEvents)
	t.linef("Input files: %d", len(e.Sources))
	if e.InPlace != nil {
		t.linef("Original events: %d read from their %d input files in place (ingest --originals in-place): the files must stay at their paths, unchanged", e.InPlace.Events, e.InPlace.Files)
	}
	if e.Integrity.Summary != "" {
		t.lines(t.wrapText(e.Integrity.Summary, "Integrity: ", "  "))
	}
	for _, en := range e.Enrichment {
		t.lines(t.wrapText(en, "IP enrichment: ", "  "))
	}
	if lines := conflictLines(e); len(lines) > 0 {
		t.lines(t.wrapText(lines[0], "Conflicting copies: ", "  "))
		for _, l := range lines[1:] {
			t.lines(t.wrapText(l, "  ", "    "))
		}
		// One wrapped line per conflict, not a table: which copy was set
		// aside and why must survive a narrow terminal whole.
		for _, r := range conflictRows(e, true) {
			t.lines(t.wrapText(fmt.Sprintf("%s %s: set aside %s; used %s — %s", r[0], r[1], r[2], r[3], r[4]), "  - ", "    "))
		}
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
		// The file list is the manifest's and the JSON report's to hold
		// whole; findings, not files, are what a text report is read for.
		listed := min(len(e.Sources), maxListed)
		for _, s := range e.Sources[:listed] {
			row := []string{s.Path, s.SHA256, strconv.FormatInt(s.Events, 10), s.Status}
			if validated {
				row = append(row, validatedText(s.Validated))
			}
			rows = append(rows, row)
		}
		t.table("", head, rows)
		if n := len(e.Sources) - listed; n > 0 {
			t.linef("… %d more input files — the full list is in the JSON and HTML reports", n)
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
		t.lines(t.wrapText(n, "- ", "  "))
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
		t.lines(t.wrapText(s, "- ", "  "))
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
