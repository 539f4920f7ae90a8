package report

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// markdownWriter writes the report as GitHub-flavoured markdown, for
// tickets, pull requests and wikis: the same content as the text report.
type markdownWriter struct{}

func (markdownWriter) Write(w io.Writer, c *event.Case) error {
	if c == nil {
		return errNilCase
	}
	// Values from the logs are shown escaped: no control character, line
	// break or bidirectional override of theirs reaches the reader.
	cmds := commandLines(c)
	c = display.Copy(c)
	m := &md{}
	m.header(c)
	m.scope(c)
	m.credentials(c)
	m.sourceIPs(c)
	m.sessions(c)
	m.dataAccessed(c)
	m.networkFlows(c)
	m.changes(c)
	m.persistence(c)
	m.defenseEvasion(c)
	m.findings(c)
	m.triage(c)
	m.related(c)
	m.remediation(c, cmds)
	m.coverage(c)
	m.compliance(c)
	m.evidence(c)
	m.notes(c)
	_, err := io.WriteString(w, m.b.String())
	return err
}

type md struct{ b strings.Builder }

func (m *md) line(s string) {
	m.b.WriteString(strings.TrimRight(s, " "))
	m.b.WriteByte('\n')
}

// para writes a block followed by a blank line.
func (m *md) para(s string) {
	m.line(s)
	m.line("")
}

func (m *md) heading(level int, title string) {
	m.para(strings.Repeat("#", level) + " " + mdText(title))
}

// bullet writes "- **label:** value"; value is already markdown.
func (m *md) bullet(label, value string) {
	m.line("- **" + mdText(label) + ":** " + value)
}

// table writes a GitHub table; cells are already markdown. An empty table
// is written as none found.
func (m *md) table(head []string, rows [][]string) {
	if len(rows) == 0 {
		m.para(none)
		return
	}
	m.line("| " + strings.Join(head, " | ") + " |")
	m.line("|" + strings.Repeat(" --- |", len(head)))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(c, "\n", " ")
		}
		m.line("| " + strings.Join(cells, " | ") + " |")
	}
	m.line("")
}

// fenced writes lines in a fenced code block of the given language, every
// line prefixed with indent (to nest it in a list item).
func (m *md) fenced(indent, lang string, lines []string) {
	fence := "```"
	for strings.Contains(strings.Join(lines, "\n"), fence) {
		fence += "`"
	}
	m.line(indent + fence + lang)
	for _, l := range lines {
		m.line(indent + l)
	}
	m.line(indent + fence)
}

// mdEscaper escapes the characters markdown would read as formatting.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "|", `\|`)

// mdText escapes plain text for markdown.
func mdText(s string) string { return mdEscaper.Replace(s) }

// mdCode writes an identifier as a code span (pipes escaped for tables).
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// mdCodes writes identifiers as code spans joined by ", ", or none found.
func mdCodes(items []string) string {
	if len(items) == 0 {
		return none
	}
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = mdCode(s)
	}
	return strings.Join(out, ", ")
}

// mdList joins plain-text items, or says none found.
func mdList(items []string) string {
	if len(items) == 0 {
		return none
	}
	return mdText(strings.Join(items, ", "))
}

func (m *md) header(c *event.Case) {
	m.heading(1, "Forensic Report: "+c.ReportID)
	if len(c.Summary) > 0 {
		m.heading(2, "Summary")
		for _, s := range c.Summary {
			m.line("- " + mdText(s))
		}
		m.line("")
	}
	for _, f := range header(c) {
		v := mdList(f.items)
		if len(f.items) > 0 && f.note != "" {
			v += "; " + mdText(f.note)
		}
		m.bullet(f.label, v)
	}
	m.line("")
}

func (m *md) scope(c *event.Case) {
	s := c.Scope
	m.heading(2, "Scope")
	m.bullet("Mode", mdText(modeText(s.Mode)))
	m.bullet("Window", mdText(window(s)))
	m.bullet("Accounts", mdList(orAll(s.Accounts)))
	m.bullet("Regions", mdList(orAll(s.Regions)))
	m.bullet("Regions with activity", mdList(c.Regions))
	if len(s.Keys)+len(s.Principals)+len(s.IPs) == 0 {
		m.bullet("Indicators", "none given")
	} else {
		for _, ind := range indicators(s) {
			m.bullet(ind.label, mdCodes(ind.items))
		}
	}
	m.line("")
}

// triage lists the identities triage ranked, briefly (the JSON and HTML
// reports have every reason).
func (m *md) triage(c *event.Case) {
	if c.Scope.Mode != "triage" && len(c.Triage) == 0 {
		return
	}
	m.heading(2, "Triage, most suspicious first")
	var rows [][]string
	for i, e := range c.Triage {
		reason, more := triageBrief(e)
		if more > 0 {
			reason += fmt.Sprintf(" (%d more in the JSON report)", more)
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), mdText(triageVerdict(e)), mdText(scoreParts(e)), mdCode(e.PrincipalARN),
			mdCodes(e.Addresses), mdText(reason)})
	}
	m.table([]string{"#", "Verdict", "Score", "Identity", "Addresses", "Reason"}, rows)
}

func (m *md) credentials(c *event.Case) {
	m.heading(2, "Credential Chain")
	if len(c.CompromisedCredentials) == 0 && len(c.CredentialChain) == 0 {
		m.para(none)
		return
	}
	if len(c.CompromisedCredentials) > 0 {
		var rows [][]string
		for _, cr := range c.CompromisedCredentials {
			rows = append(rows, []string{mdCode(cr.AccessKeyID), mdCode(cloudtrail.PrincipalLabel(cr.PrincipalARN)), mdText(cr.How),
				mdCode(cr.DerivedFrom), strconv.Itoa(cr.EventCount), fmtTimePtr(cr.FirstSeen), fmtTimePtr(cr.LastSeen)})
		}
		m.table([]string{"Access key", "Principal", "How", "From", "Events", "First seen", "Last seen"}, rows)
		for _, cr := range c.CompromisedCredentials {
			if cr.Reason != "" {
				m.line("- " + mdCode(cmp.Or(cr.AccessKeyID, cloudtrail.PrincipalLabel(cr.PrincipalARN))) + ": " + mdText(cr.Reason))
			}
			if n := noveltyText(cr); n != "" {
				m.line("  - New: " + mdText(n))
			}
		}
		m.line("")
	}
	m.fenced("", "text", chainLines(c))
	m.line("")
}

func (m *md) sourceIPs(c *event.Case) {
	m.heading(2, "Source IPs")
	var rows [][]string
	for _, ip := range c.SourceIPs {
		rows = append(rows, []string{mdCode(ip.IP), strconv.Itoa(ip.EventCount), fmtTime(ip.FirstSeen), fmtTime(ip.LastSeen),
			mdText(ipWhere(ip)), mdText(ipNewFor(ip)), mdText(ipTools(ip))})
	}
	m.table([]string{"IP", "Events", "First seen", "Last seen", "Where", "New for", "Tools"}, rows)
}

func (m *md) sessions(c *event.Case) {
	m.heading(2, "Session Timeline")
	views := sessionViews(c)
	if len(views) == 0 {
		m.para(none)
		return
	}
	for _, v := range views {
		m.heading(3, v.title())
		if v.s.Number != 0 {
			m.bullet("Access keys", mdCodes(v.s.AccessKeys))
			m.bullet("Source IPs", mdCodes(v.s.SourceIPs))
			m.bullet("Tactics", mdList(tacticLabels(v.s.Tactics)))
			m.line("")
		}
		if len(v.lines) == 0 {
			m.para("no actions listed")
			continue
		}
		var rows [][]string
		for _, l := range v.lines {
			res := mdCode(l.resource)
			if l.n > 1 {
				res = strings.TrimSpace(res + " (until " + fmtTime(l.last) + ")")
			}
			rows = append(rows, []string{fmtTime(l.first.EventTime), mdText(l.eventLabel()), mdText(tacticLabel(l.first.Tactic)),
				mdText(strings.Join(l.regions, ",")), mdText(errorText(l.first.ErrorCode)), res})
		}
		m.table([]string{"Time", "Event", "Tactic", "Region", "Error", "Resource"}, rows)
	}
}

func (m *md) dataAccessed(c *event.Case) {
	m.heading(2, "Data Accessed")
	var rows [][]string
	for _, d := range c.DataAccessed {
		rows = append(rows, []string{mdCode(d.Resource), mdText(dataKind(d)), mdText(d.EventName), strconv.Itoa(d.Count + d.Denied),
			bytesCell(d.Bytes), countCell(d.Denied), fmtTime(d.FirstSeen), fmtTime(d.LastSeen)})
	}
	m.table([]string{"Resource", "Kind", "Event", "Calls", "Bytes", "Denied", "First seen", "Last seen"}, rows)
}

func (m *md) changes(c *event.Case) {
	m.heading(2, "Changes")
	var rows [][]string
	for _, ch := range changesByService(c.Changes) {
		rows = append(rows, []string{mdText(ch.Service), mdCode(ch.Resource), strconv.Itoa(ch.Count), countCell(ch.Denied),
			mdText(strings.Join(ch.EventNames, ", "))})
	}
	m.table([]string{"Service", "Resource", "Count", "Denied", "Events"}, rows)
}

func (m *md) persistence(c *event.Case) {
	m.heading(2, "Persistence")
	var rows [][]string
	for _, p := range c.Persistence {
		rows = append(rows, []string{mdText(p.Kind), mdCode(p.Resource), mdText(p.EventName), fmtTime(p.EventTime),
			mdCode(p.CreatedBy), removedText(p)})
	}
	m.table([]string{"Kind", "Resource", "Event", "Time", "Created by", "Removed"}, rows)
}

func (m *md) defenseEvasion(c *event.Case) {
	m.heading(2, "Defense Evasion")
	var rows [][]string
	for _, a := range byTime(c.DefenseEvasion) {
		rows = append(rows, []string{fmtTime(a.EventTime), mdText(a.EventName), mdText(a.AWSRegion), mdText(resultText(a.ErrorCode)),
			mdCode(a.AccessKeyID), mdCode(shortResource(a.Resource))})
	}
	m.table([]string{"Time", "Event", "Region", "Result", "Access key", "Resource"}, rows)
}

func (m *md) findings(c *event.Case) {
	m.heading(2, "Findings")
	var rows [][]string
	for _, f := range findingsBySeverity(c.Findings) {
		rows = append(rows, []string{mdText(f.Level), mdText(f.Title), mdText(strings.Join(f.Tactics, ", ")), strconv.Itoa(f.Count)})
	}
	m.table([]string{"Level", "Title", "Tactics", "Events"}, rows)
}

func (m *md) related(c *event.Case) {
	m.heading(2, "Related Identities")
	var rows [][]string
	for _, r := range c.RelatedIdentities {
		rows = append(rows, []string{mdCode(r.PrincipalARN), strconv.Itoa(r.EventCount), mdCodes(r.AccessKeyIDs),
			mdCodes(r.SourceIPs), mdText(r.Reason)})
	}
	m.table([]string{"Principal", "Events", "Access keys", "Source IPs", "Reason"}, rows)
}

func (m *md) remediation(c *event.Case, cmds [][]string) {
	m.heading(2, "Remediation")
	if len(c.Remediation) == 0 {
		m.para(none)
		return
	}
	for _, p := range remediationPhases(c, cmds) {
		if p.title != "" {
			m.heading(3, p.title)
		}
		for _, b := range p.blocks {
			if b.target != "" {
				m.para("**" + mdText(b.target) + "**")
			}
			for _, st := range b.steps {
				num := strconv.Itoa(st.num) + ". "
				m.line(num + mdText(st.action))
				if len(st.cmds) > 0 {
					m.line("")
					m.fenced(strings.Repeat(" ", len(num)), "sh", st.cmds)
				}
				m.line("")
			}
		}
	}
}

func (m *md) evidence(c *event.Case) {
	e := c.Evidence
	m.heading(2, "Evidence")
	m.bullet("Database", mdCode(cmp.Or(e.Database, "unknown")))
	m.bullet("Total events", strconv.FormatInt(e.TotalEvents, 10))
	m.bullet("Input files", strconv.Itoa(len(e.Sources)))
	if e.InPlace != nil {
		m.bullet("Original events", fmt.Sprintf("%d read from their %d input files in place (ingest --originals in-place): the files must stay at their paths, unchanged", e.InPlace.Events, e.InPlace.Files))
	}
	if e.Integrity.Summary != "" {
		m.bullet("Integrity", mdText(e.Integrity.Summary))
	}
	for _, en := range e.Enrichment {
		m.bullet("IP enrichment", mdText(en))
	}
	if lines := conflictLines(e); len(lines) > 0 {
		m.bullet("Conflicting copies", mdText(lines[0]))
		for _, l := range lines[1:] {
			m.line("  - " + mdText(l))
		}
	}
	m.bullet("Generated", mdText(generated(c)))
	if c.Tool.CommandLine != "" {
		m.bullet("Command", mdCode(c.Tool.CommandLine))
	}
	m.line("")
	if len(e.Sources) == 0 {
		return
	}
	head := []string{"Path", "SHA-256", "Events", "Status"}
	validated := anyValidated(e.Sources)
	if validated {
		head = append(head, "Validated")
	}
	var rows [][]string
	for _, s := range e.Sources[:min(len(e.Sources), maxSources)] {
		row := []string{mdCode(s.Path), mdCode(s.SHA256), strconv.FormatInt(s.Events, 10), mdText(s.Status)}
		if validated {
			row = append(row, validatedText(s.Validated))
		}
		rows = append(rows, row)
	}
	m.table(head, rows)
	if n := len(e.Sources) - maxSources; n > 0 {
		m.para(fmt.Sprintf(moreFmt, n) + " (see `--format json`)")
	}
	if rows := conflictRows(e, false); len(rows) > 0 {
		m.heading(3, "Conflicting copies")
		for _, r := range rows {
			for i := range r {
				r[i] = mdText(r[i])
			}
		}
		m.table([]string{"Time", "Event", "Set aside", "Copy used", "Why"}, rows)
		if n := len(e.Conflicts) - maxSources; n > 0 {
			m.para(fmt.Sprintf(moreFmt, n) + " (see `--format json`)")
		}
	}
}

func (m *md) notes(c *event.Case) {
	m.heading(2, "Notes")
	if len(c.Notes) == 0 {
		m.line(none)
		return
	}
	for _, n := range c.Notes {
		m.line("- " + mdText(n))
	}
}

func (m *md) coverage(c *event.Case) {
	cv := c.Coverage
	m.heading(2, "Coverage and Gaps")
	for _, s := range cv.Statements {
		m.line("- " + mdText(s))
	}
	if len(cv.Statements) > 0 {
		m.line("")
	}
	m.para(mdText(fmt.Sprintf("Accounts: %s; regions: %s; days: %s.", orNothing(cv.Accounts), orNothing(cv.Regions), daysLabel(cv.Days))))
	if len(cv.Gaps) > 0 {
		rows := gapRows(cv.Gaps)
		for _, r := range rows {
			for i := range r {
				r[i] = mdText(r[i])
			}
		}
		m.table([]string{"Kind", "Start", "End", "Account", "Region", "Detail"}, rows)
	}
}

func (m *md) compliance(c *event.Case) {
	if len(c.Compliance) == 0 {
		return
	}
	m.heading(2, "Compliance Mapping")
	m.para("Controls each finding type is evidence about (a mapping, not an audit opinion).")
	var rows [][]string
	for _, x := range c.Compliance {
		rows = append(rows, []string{mdText(x.Title), strconv.Itoa(x.Count), mdText(strings.Join(x.Controls.SOC2, ", ")),
			mdText(strings.Join(x.Controls.ISO27001, ", ")), mdText(strings.Join(x.Controls.NIST80053, ", ")),
			mdText(strings.Join(x.Controls.NISTCSF, ", ")), mdText(x.Why)})
	}
	m.table([]string{"Finding", "N", "SOC 2", "ISO 27001", "NIST 800-53", "NIST CSF", "Why"}, rows)
}
