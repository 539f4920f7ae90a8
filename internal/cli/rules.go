package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/detect/fixture"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

func newRulesCmd(f *Factory) *cobra.Command {
	src := &RuleSourceOptions{}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, show, test and compile Sigma detection rules",
		Long: `Work with the Sigma rules hunt runs: the built-in CloudTrail pack and any
--rules folders (SigmaHQ's AWS rules load as they are).`,
	}
	cmd.PersistentFlags().StringArrayVar(&src.Dirs, "rules", nil, "Sigma rule `folder` or file to load as well (repeatable)")
	cmd.PersistentFlags().BoolVar(&src.NoBuiltin, "no-builtin", false, "leave out the built-in rule pack")
	cmd.AddCommand(newRulesListCmd(f, src, nil), newRulesShowCmd(f, src, nil), newRulesTestCmd(f, src, nil),
		newRulesCompileCmd(f, src, nil), newRulesCalibrateCmd(f, src, nil), newRulesCoverageCmd(f, src, nil))
	return cmd
}

// RulesListOptions are the rules list command's inputs.
type RulesListOptions struct {
	F      *Factory
	Rules  *RuleSourceOptions
	Format string
}

func newRulesListCmd(f *Factory, src *RuleSourceOptions, runF func(context.Context, *RulesListOptions) error) *cobra.Command {
	opts := &RulesListOptions{F: f, Rules: src}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the rules with their level and ATT&CK tactics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRulesList(opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "table", report.RuleListFormats, "`format`: table or json")
	return cmd
}

func runRulesList(opts *RulesListOptions) error {
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	return report.WriteRuleList(opts.F.IO.Out, opts.Format, pack)
}

// RulesShowOptions are the rules show command's inputs.
type RulesShowOptions struct {
	F     *Factory
	Rules *RuleSourceOptions
	ID    string
}

func newRulesShowCmd(f *Factory, src *RuleSourceOptions, runF func(context.Context, *RulesShowOptions) error) *cobra.Command {
	opts := &RulesShowOptions{F: f, Rules: src}
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one rule: its metadata, remediation and DuckDB SQL",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRulesShow(opts)
		},
	}
}

func runRulesShow(opts *RulesShowOptions) error {
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	r, err := pack.Find(opts.ID)
	if err != nil {
		return err
	}
	q, compileErr := detect.Compile(r, detect.RunOptions{})
	report.WriteRule(opts.F.IO.Out, r, q, compileErr)
	return nil
}

// RulesTestOptions are the rules test command's inputs.
type RulesTestOptions struct {
	F      *Factory
	Rules  *RuleSourceOptions
	Dir    string
	Format string
}

func newRulesTestCmd(f *Factory, src *RuleSourceOptions, runF func(context.Context, *RulesTestOptions) error) *cobra.Command {
	opts := &RulesTestOptions{F: f, Rules: src}
	cmd := &cobra.Command{
		Use:   "test DIR",
		Short: "Check each rule against its fixtures: DIR/<rule file name>/hit.jsonl and miss.jsonl",
		Long: `Check each rule against its proof: every event of DIR/<rule file stem>/hit.jsonl
must match and none of miss.jsonl; the in-memory matcher and the DuckDB SQL
must agree on every event. For the built-in pack, DIR is rules/testdata in the
source tree. Exit status 1 when a rule fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRulesTest(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "text", report.FixtureFormats, "`format`: text or json")
	return cmd
}

func runRulesTest(ctx context.Context, opts *RulesTestOptions) error {
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	results, err := fixture.Check(ctx, pack, opts.Dir)
	if err != nil {
		return err
	}
	failed, err := report.WriteFixtureResults(opts.F.IO.Out, opts.Format, results)
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d rules: %w", failed, len(results), detect.ErrFixturesFailed)
	}
	return nil
}

// RulesCompileOptions are the rules compile command's inputs.
type RulesCompileOptions struct {
	F       *Factory
	Rules   *RuleSourceOptions
	ID      string // one rule, or all when empty
	Dialect string
	Table   string
	Format  string
}

func newRulesCompileCmd(f *Factory, src *RuleSourceOptions, runF func(context.Context, *RulesCompileOptions) error) *cobra.Command {
	opts := &RulesCompileOptions{F: f, Rules: src}
	cmd := &cobra.Command{
		Use:   "compile [ID]",
		Short: "Print the SQL of the rules for DuckDB, Athena or CloudTrail Lake",
		Long: `Print the SQL each rule compiles to. --dialect athena targets the CloudTrail
table AWS documents for Athena (--table, default cloudtrail_logs); --dialect lake
targets a CloudTrail Lake event data store (--table <event-data-store-id>).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRulesCompile(opts)
		},
	}
	dialects := make([]string, len(sigma.Dialects))
	for i, d := range sigma.Dialects {
		dialects[i] = string(d)
	}
	addEnumFlag(cmd.Flags(), &opts.Dialect, "dialect", "duckdb", dialects, "SQL `dialect`: duckdb, athena, lake")
	cmd.Flags().StringVar(&opts.Table, "table", "", "table or event data store to query")
	addFormatFlag(cmd.Flags(), &opts.Format, "sql", report.CompiledFormats, "`format`: sql or json (one object per rule)")
	return cmd
}

func runRulesCompile(opts *RulesCompileOptions) error {
	f := opts.F
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	rules := pack.Rules
	if opts.ID != "" {
		r, err := pack.Find(opts.ID)
		if err != nil {
			return err
		}
		rules = []*sigma.Rule{r}
	}
	compiled := make([]report.CompiledRule, len(rules))
	failed := 0
	for i, r := range rules {
		q, err := sigma.Compile(r, sigma.Dialect(opts.Dialect), sigma.CompileOptions{Table: opts.Table})
		compiled[i] = report.CompiledRule{Rule: r, SQL: q, Err: err}
		if err != nil {
			failed++
		}
	}
	// Rules that could not be read are not silently left out: listed,
	// and the exit status says the output is incomplete.
	var unread []detect.RuleError
	if opts.ID == "" {
		unread = pack.Errors
	}
	if err := report.WriteCompiled(f.IO.Out, opts.Format, compiled, unread); err != nil {
		return err
	}
	if failed > 0 {
		f.IO.Warnf("%d of %d rules could not be compiled for %s\n", failed, len(rules), opts.Dialect)
	}
	if len(unread) > 0 {
		return fmt.Errorf("%d rule files or rules could not be read, so their SQL is missing above: %w", len(unread), errRulesUnreadable)
	}
	return nil
}

// errRulesUnreadable: some rules given could not be read.
var errRulesUnreadable = errors.New("rules could not be read")
