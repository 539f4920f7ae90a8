package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// Output formats of the rules subcommands.
var (
	RuleListFormats = []string{"table", "json"}
	FixtureFormats  = []string{"text", "json"}
	CompiledFormats = []string{"sql", "json"}
)

// WriteRuleList renders the rules of a pack, with what was skipped and
// what could not be read.
func WriteRuleList(w io.Writer, format string, pack *detect.Pack) error {
	if format == "json" {
		type row struct {
			ID, Title, Level, Source string
			Tactics, Techniques      []string
			Correlation              bool
		}
		var out []row
		for _, r := range pack.Rules {
			out = append(out, row{r.ID, r.Title, r.Level, r.Source, r.Tactics(), r.Techniques(), r.IsCorrelation()})
		}
		return jsonout.Write(w, map[string]any{"rules": out, "skipped": pack.Skipped, "errors": pack.Errors})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tTACTICS\tTITLE")
	for _, r := range pack.Rules {
		title := r.Title
		if r.IsCorrelation() {
			title += " (correlation)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", shortID(r.ID), r.Level, strings.Join(r.Tactics(), ","), title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d rules", len(pack.Rules))
	if n := len(pack.Skipped); n > 0 {
		fmt.Fprintf(w, ", %d skipped (not CloudTrail)", n)
	}
	if n := len(pack.Errors); n > 0 {
		fmt.Fprintf(w, ", %d could not be read (--format json lists why)", n)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// WriteRule renders one rule: its metadata, remediation and its DuckDB SQL
// (or why it does not compile).
func WriteRule(w io.Writer, r *sigma.Rule, sql string, compileErr error) {
	fmt.Fprintf(w, "%s\n  id:       %s\n  level:    %s\n  status:   %s\n  tactics:  %s\n  techniques: %s\n  source:   %s\n",
		r.Title, r.ID, r.Level, r.Status, strings.Join(r.Tactics(), ", "), strings.Join(r.Techniques(), ", "), r.Source)
	if d := strings.TrimSpace(r.Description); d != "" {
		fmt.Fprintf(w, "\n%s\n", d)
	}
	if len(r.FalsePositives) > 0 {
		fmt.Fprintf(w, "\nFalse positives:\n  - %s\n", strings.Join(r.FalsePositives, "\n  - "))
	}
	if rem, ok := r.Custom["remediation"].(string); ok {
		fmt.Fprintf(w, "\nRemediation:\n%s\n", indent(strings.TrimSpace(rem), "  "))
	}
	if compileErr != nil {
		fmt.Fprintf(w, "\nSQL (duckdb): cannot compile: %v\n", compileErr)
		return
	}
	fmt.Fprintf(w, "\nSQL (duckdb):\n%s\n", indent(strings.TrimSpace(sql), "  "))
}

// WriteFixtureResults renders rules test's results and returns how many
// rules failed.
func WriteFixtureResults(w io.Writer, format string, results []detect.FixtureResult) (int, error) {
	failed := 0
	for _, r := range results {
		if len(r.Failures) > 0 {
			failed++
		}
	}
	if format == "json" {
		return failed, jsonout.Write(w, results)
	}
	for _, r := range results {
		status := "ok  "
		if len(r.Failures) > 0 {
			status = "FAIL"
		}
		fmt.Fprintf(w, "%s %s (%d hit, %d miss events)\n", status, r.Title, r.Hits, r.Misses)
		for _, fl := range r.Failures {
			fmt.Fprintf(w, "       %s\n", fl)
		}
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed\n", len(results)-failed, failed)
	return failed, err
}

// CompiledRule is a rule and the SQL it compiled to, or why it did not.
type CompiledRule struct {
	Rule *sigma.Rule
	SQL  string
	Err  error
}

// WriteCompiled renders rules compile: each rule's SQL statement (or JSON
// line), then the rule files that could not be read, so none is silently
// missing.
func WriteCompiled(w io.Writer, format string, rules []CompiledRule, unread []detect.RuleError) error {
	type out struct {
		ID    string `json:"id"`
		File  string `json:"file"`
		SQL   string `json:"sql"`
		Error string `json:"error"`
	}
	enc := jsonout.NewLines(w)
	for _, c := range rules {
		o := out{ID: c.Rule.ID, File: c.Rule.Source, SQL: c.SQL}
		if c.Err != nil {
			o.Error = c.Err.Error()
		}
		if format == "json" {
			if err := enc.Write(o); err != nil {
				return err
			}
			continue
		}
		// Comments hold text from the rule file: escaped (display.Inline),
		// so a line break in a title cannot start a line of SQL.
		fmt.Fprintf(w, "-- %s (%s)\n-- %s\n", display.Inline(c.Rule.Title), display.Inline(c.Rule.ID), display.Inline(c.Rule.Source))
		if o.Error != "" {
			fmt.Fprintf(w, "-- cannot compile: %s\n\n", display.Inline(o.Error))
			continue
		}
		fmt.Fprintf(w, "%s;\n\n", strings.TrimRight(strings.TrimSpace(c.SQL), ";"))
	}
	for _, e := range unread {
		if format == "json" {
			if err := enc.Write(out{File: e.Source, Error: e.Error}); err != nil {
				return err
			}
			continue
		}
		if _, err := fmt.Fprintf(w, "-- could not read %s: %s\n\n", display.Inline(e.Source), display.Inline(e.Error)); err != nil {
			return err
		}
	}
	return nil
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}
