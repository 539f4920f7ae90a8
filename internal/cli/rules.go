package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

func newRulesCmd(f *Factory) *cobra.Command {
	var src RuleSourceOptions
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, show, test and compile Sigma detection rules",
		Long: `Work with the Sigma rules hunt runs: the built-in CloudTrail pack and any
--rules folders (SigmaHQ's AWS rules load as they are).`,
	}
	cmd.PersistentFlags().StringArrayVar(&src.Dirs, "rules", nil, "Sigma rule `folder` or file to load as well (repeatable)")
	cmd.PersistentFlags().BoolVar(&src.NoBuiltin, "no-builtin", false, "leave out the built-in rule pack")

	var listFormat string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rules with their level and ATT&CK tactics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := settleFormat(&listFormat, "table", "json"); err != nil {
				return err
			}
			pack, err := src.load()
			if err != nil {
				return err
			}
			if listFormat == "json" {
				type row struct {
					ID, Title, Level, Source string
					Tactics, Techniques      []string
					Correlation              bool
				}
				var out []row
				for _, r := range pack.Rules {
					out = append(out, row{r.ID, r.Title, r.Level, r.Source, r.Tactics(), r.Techniques(), r.IsCorrelation()})
				}
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"rules": out, "skipped": pack.Skipped, "errors": pack.Errors})
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLEVEL\tTACTICS\tTITLE")
			for _, r := range pack.Rules {
				title := r.Title
				if r.IsCorrelation() {
					title += " (correlation)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", shortID(r.ID), r.Level, strings.Join(r.Tactics(), ","), title)
			}
			tw.Flush()
			fmt.Fprintf(f.IO.Out, "%d rules", len(pack.Rules))
			if n := len(pack.Skipped); n > 0 {
				fmt.Fprintf(f.IO.Out, ", %d skipped (not CloudTrail)", n)
			}
			if n := len(pack.Errors); n > 0 {
				fmt.Fprintf(f.IO.Out, ", %d could not be read (--format json lists why)", n)
			}
			fmt.Fprintln(f.IO.Out)
			return nil
		},
	}
	list.Flags().StringVar(&listFormat, "format", "table", "`format`: table or json")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one rule: its metadata, remediation and DuckDB SQL",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pack, err := src.load()
			if err != nil {
				return err
			}
			r, err := pack.Find(args[0])
			if err != nil {
				return err
			}
			w := f.IO.Out
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
			q, err := detect.Compile(r, detect.RunOptions{})
			if err != nil {
				fmt.Fprintf(w, "\nSQL (duckdb): cannot compile: %v\n", err)
				return nil
			}
			fmt.Fprintf(w, "\nSQL (duckdb):\n%s\n", indent(strings.TrimSpace(q), "  "))
			return nil
		},
	}

	var testFormat string
	test := &cobra.Command{
		Use:   "test DIR",
		Short: "Check each rule against its fixtures: DIR/<rule file name>/hit.jsonl and miss.jsonl",
		Long: `Check each rule against its proof: every event of DIR/<rule file stem>/hit.jsonl
must match and none of miss.jsonl; the in-memory matcher and the DuckDB SQL
must agree on every event. For the built-in pack, DIR is rules/testdata in the
source tree. Exit status 1 when a rule fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := settleFormat(&testFormat, "text", "json"); err != nil {
				return err
			}
			pack, err := src.load()
			if err != nil {
				return err
			}
			results, err := detect.TestFixtures(cmd.Context(), pack, args[0])
			if err != nil {
				return err
			}
			failed := 0
			for _, r := range results {
				if len(r.Failures) > 0 {
					failed++
				}
			}
			if testFormat == "json" {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					status := "ok  "
					if len(r.Failures) > 0 {
						status = "FAIL"
					}
					fmt.Fprintf(f.IO.Out, "%s %s (%d hit, %d miss events)\n", status, r.Title, r.Hits, r.Misses)
					for _, fl := range r.Failures {
						fmt.Fprintf(f.IO.Out, "       %s\n", fl)
					}
				}
				fmt.Fprintf(f.IO.Out, "%d passed, %d failed\n", len(results)-failed, failed)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d rules: %w", failed, len(results), detect.ErrFixturesFailed)
			}
			return nil
		},
	}
	test.Flags().StringVar(&testFormat, "format", "text", "`format`: text or json")

	var dialect, table, compileFormat string
	compile := &cobra.Command{
		Use:   "compile [ID]",
		Short: "Print the SQL of the rules for DuckDB, Athena or CloudTrail Lake",
		Long: `Print the SQL each rule compiles to. --dialect athena targets the CloudTrail
table AWS documents for Athena (--table, default cloudtrail_logs); --dialect lake
targets a CloudTrail Lake event data store (--table <event-data-store-id>).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := settleFormat(&compileFormat, "sql", "json"); err != nil {
				return err
			}
			d := sigma.Dialect(dialect)
			valid := false
			for _, x := range sigma.Dialects {
				valid = valid || x == d
			}
			if !valid {
				return usageErrorf("--dialect %q: want duckdb, athena or lake", dialect)
			}
			pack, err := src.load()
			if err != nil {
				return err
			}
			rules := pack.Rules
			if len(args) == 1 {
				r, err := pack.Find(args[0])
				if err != nil {
					return err
				}
				rules = rules[:0:0]
				rules = append(rules, r)
			}
			type out struct {
				ID    string `json:"id"`
				File  string `json:"file"`
				SQL   string `json:"sql"`
				Error string `json:"error"`
			}
			enc := json.NewEncoder(f.IO.Out)
			failed := 0
			for _, r := range rules {
				q, err := sigma.Compile(r, d, sigma.CompileOptions{Table: table})
				o := out{ID: r.ID, File: r.Source, SQL: q}
				if err != nil {
					o.Error = err.Error()
					failed++
				}
				if compileFormat == "json" {
					if err := enc.Encode(o); err != nil {
						return err
					}
					continue
				}
				// Comments hold text from the rule file: escaped (display.Inline),
				// so a line break in a title cannot start a line of SQL.
				fmt.Fprintf(f.IO.Out, "-- %s (%s)\n-- %s\n", display.Inline(r.Title), display.Inline(r.ID), display.Inline(r.Source))
				if o.Error != "" {
					fmt.Fprintf(f.IO.Out, "-- cannot compile: %s\n\n", display.Inline(o.Error))
					continue
				}
				fmt.Fprintf(f.IO.Out, "%s;\n\n", strings.TrimRight(strings.TrimSpace(q), ";"))
			}
			if failed > 0 {
				f.IO.Warnf("%d of %d rules could not be compiled for %s\n", failed, len(rules), dialect)
			}
			// Rules that could not be read are not silently left out: listed,
			// and the exit status says the output is incomplete.
			if len(args) == 0 && len(pack.Errors) > 0 {
				for _, e := range pack.Errors {
					if compileFormat == "json" {
						if err := enc.Encode(out{File: e.Source, Error: e.Error}); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintf(f.IO.Out, "-- could not read %s: %s\n\n", display.Inline(e.Source), display.Inline(e.Error))
				}
				return fmt.Errorf("%d rule files or rules could not be read, so their SQL is missing above: %w", len(pack.Errors), errRulesUnreadable)
			}
			return nil
		},
	}
	compile.Flags().StringVar(&dialect, "dialect", "duckdb", "SQL `dialect`: duckdb, athena, lake")
	compile.Flags().StringVar(&table, "table", "", "table or event data store to query")
	compile.Flags().StringVar(&compileFormat, "format", "sql", "`format`: sql or json (one object per rule)")

	cmd.AddCommand(list, show, test, compile, newRulesCalibrateCmd(f, &src, nil), newRulesCoverageCmd(f, &src, nil))
	return cmd
}

// errRulesUnreadable: some rules given could not be read.
var errRulesUnreadable = errors.New("rules could not be read")

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}
