package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/attack"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
)

// RulesCoverageOptions are the rules coverage command's inputs.
type RulesCoverageOptions struct {
	F      *Factory
	Rules  *RuleSourceOptions
	Format string
}

var rulesCoverageFormats = []string{"text", "markdown", "json"}

func newRulesCoverageCmd(f *Factory, src *RuleSourceOptions, runF func(context.Context, *RulesCoverageOptions) error) *cobra.Command {
	opts := &RulesCoverageOptions{F: f, Rules: src}
	cmd := &cobra.Command{
		Use:   "coverage",
		Short: "Show the ATT&CK tactics and techniques the loaded rules cover, and what they miss",
		Long: `Map the loaded rules (the built-in pack and any --rules folders) onto MITRE
ATT&CK from their tags: for each tactic, the techniques of the AWS-relevant
cloud matrix with the rules that cover them, the cells no rule covers, and the
other techniques the rules name. Rules that only feed correlations are not
counted; their correlations are. A rule tagged with a sub-technique
(T1098.001) covers its parent cell (T1098) too.

The matrix is the curated list in internal/attack/matrix.tsv: the techniques of
ATT&CK's IaaS and Identity Provider platforms that CloudTrail can show.`,
		Example: `  trailsleuth rules coverage
  trailsleuth rules coverage --format markdown > coverage.md
  trailsleuth rules coverage --rules ./sigma/rules/cloud/aws --format json | jq '.uncovered'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRulesCoverage(opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "text", rulesCoverageFormats, "output `format`: text, markdown or json")
	return cmd
}

func runRulesCoverage(opts *RulesCoverageOptions) error {
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	opts.F.warnRuleErrors(pack.Errors)
	cov := detect.ComputeAttackCoverage(pack, attack.Default())
	w := opts.F.IO.Out
	switch opts.Format {
	case "json":
		return jsonout.Write(w, cov)
	case "markdown":
		writeRuleCoverageMarkdown(w, cov)
	default:
		writeRuleCoverageText(w, cov)
	}
	return nil
}

func coverageSummary(cov *detect.AttackCoverage) string {
	return fmt.Sprintf("%d rules; %d of %d cells of the AWS cloud matrix have a rule, %d have none.",
		cov.Rules, cov.MatrixCovered, cov.MatrixTechniques, len(cov.Uncovered))
}

// techniqueLabel is a technique's name, marked when it is outside the matrix
// or unknown to the catalogue.
func techniqueLabel(t detect.TechniqueCoverage) string {
	switch {
	case t.Name == "":
		return "(technique not in trailsleuth's ATT&CK catalogue)"
	case !t.InMatrix:
		return t.Name + " *"
	}
	return t.Name
}

func ruleCount(n int) string {
	switch n {
	case 0:
		return "none"
	case 1:
		return "1 rule"
	}
	return fmt.Sprintf("%d rules", n)
}

func writeRuleCoverageText(w io.Writer, cov *detect.AttackCoverage) {
	fmt.Fprintln(w, coverageSummary(cov))
	for _, tc := range cov.Tactics {
		fmt.Fprintf(w, "\n%s", tc.Name)
		if tc.ID != "" {
			fmt.Fprintf(w, " (%s)", tc.ID)
		}
		fmt.Fprintf(w, ": %d of %d matrix techniques covered\n", tc.Covered, tc.Matrix)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, t := range tc.Techniques {
			mark := " "
			if len(t.Rules) == 0 {
				mark = "-"
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", mark, t.ID, techniqueLabel(t), ruleCount(len(t.Rules)))
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\n* not in the AWS cloud matrix list; - no rule.")
	if len(cov.Uncovered) > 0 {
		fmt.Fprintln(w, "\nNot covered:")
		for _, c := range cov.Uncovered {
			name, _, _ := attack.Tactic(c.Tactic)
			fmt.Fprintf(w, "  %s %s (%s)\n", c.Technique, c.Name, name)
		}
	}
	if len(cov.Untagged) > 0 {
		fmt.Fprintf(w, "\n%d rules name no ATT&CK technique:\n", len(cov.Untagged))
		for _, r := range cov.Untagged {
			fmt.Fprintf(w, "  %s (%s)\n", r.Title, r.ID)
		}
	}
}

func writeRuleCoverageMarkdown(w io.Writer, cov *detect.AttackCoverage) {
	fmt.Fprintf(w, "%s\n\n| Tactic | Technique | Name | Rules |\n| --- | --- | --- | ---: |\n", coverageSummary(cov))
	for _, tc := range cov.Tactics {
		first := true
		for _, t := range tc.Techniques {
			tactic := ""
			if first {
				tactic = fmt.Sprintf("**%s** (%d/%d)", tc.Name, tc.Covered, tc.Matrix)
				first = false
			}
			n := fmt.Sprint(len(t.Rules))
			if len(t.Rules) == 0 {
				n = "**none**"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", tactic, t.ID, strings.ReplaceAll(techniqueLabel(t), "|", "\\|"), n)
		}
	}
	fmt.Fprintln(w, "\n\\* not in the AWS cloud matrix list.")
	if len(cov.Untagged) > 0 {
		fmt.Fprintf(w, "\nRules naming no ATT&CK technique: %d.\n", len(cov.Untagged))
	}
}
