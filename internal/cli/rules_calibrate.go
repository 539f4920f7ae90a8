package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// CalibrateOptions are the rules calibrate command's inputs.
type CalibrateOptions struct {
	F      *Factory
	Rules  *RuleSourceOptions
	Cases  []string
	Format string
	Fired  bool
}

var calibrateFormats = []string{"text", "markdown", "json"}

func newRulesCalibrateCmd(f *Factory, src *RuleSourceOptions, runF func(context.Context, *CalibrateOptions) error) *cobra.Command {
	opts := &CalibrateOptions{F: f, Rules: src}
	cmd := &cobra.Command{
		Use:   "calibrate [CASE.duckdb...]",
		Short: "Count what every rule matches in case databases of background activity",
		Long: `Run every rule, the ones that only feed correlations included, on each case
database (default: --db) and print how many events each matched, and for
correlations how many windows met the condition: one column per case.

Run it on cases of normal activity (your own quiet weeks, or a ctgen corpus
without -attack) to see which rules would be noise there before trusting their
levels; go run ./bench -calibrate does this for the ctgen background and the
shared datasets (docs/detections.md).`,
		Example: `  trailsleuth rules calibrate quiet-week.duckdb
  trailsleuth rules calibrate --fired --format markdown bg.duckdb incident.duckdb`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cases = args
			if len(opts.Cases) == 0 {
				opts.Cases = []string{f.DBPath}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCalibrate(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "text", calibrateFormats, "output `format`: text, markdown or json")
	cmd.Flags().BoolVar(&opts.Fired, "fired", false, "list only rules that matched something in some case")
	return cmd
}

func runCalibrate(ctx context.Context, opts *CalibrateOptions) error {
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	var runs []*detect.CalibrationRun
	for _, path := range opts.Cases {
		run, err := calibrateOne(ctx, opts.F, pack, path)
		if err != nil {
			return err
		}
		runs = append(runs, run)
	}
	if opts.Format == "json" {
		return jsonout.Write(opts.F.IO.Out, runs)
	}
	writeCalibration(opts.F.IO.Out, runs, opts.Format == "markdown", opts.Fired)
	return nil
}

func calibrateOne(ctx context.Context, f *Factory, pack *detect.Pack, path string) (*detect.CalibrationRun, error) {
	st, err := f.storeOptions().OpenReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	prog := f.IO.NewProgress("calibrate "+filepath.Base(path), int64(len(pack.Rules)), iostreams.Count("rules"))
	run, err := detect.CalibrateCase(ctx, st.DB(), caseName(path), pack, detect.RunOptions{
		Progress: func(done, total int, r *sigma.Rule) {
			prog.Update(int64(done), "")
		},
	})
	prog.Done()
	if err != nil {
		return nil, fmt.Errorf("calibrating on %s: %w", path, err)
	}
	for _, c := range run.Rules {
		if c.Error != "" {
			f.IO.Warnf("rule %s (%s) on %s: %s\n", c.Title, c.Source, path, c.Error)
		}
	}
	return run, nil
}

// caseName is the column heading of a case: its file name without .duckdb.
func caseName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// ruleLabel names a rule by its file, without the tactic's parent folders
// and the extension; a correlation also by its document number.
func ruleLabel(source string) string {
	s := strings.TrimPrefix(filepath.ToSlash(source), "builtin:aws/")
	doc := ""
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		s, doc = s[:i], " #"+s[i+1:]
	}
	return strings.TrimSuffix(strings.TrimSuffix(s, ".yml"), ".yaml") + doc
}

// calibrationCell is one rule's count in one case: events, and windows for a
// correlation; "error" when the rule failed there.
func calibrationCell(c detect.RuleCount) string {
	switch {
	case c.Error != "":
		return "error"
	case c.Correlation && c.Events > 0:
		return fmt.Sprintf("%d (%d windows)", c.Events, c.Windows)
	}
	return fmt.Sprint(c.Events)
}

func writeCalibration(w io.Writer, runs []*detect.CalibrationRun, markdown, firedOnly bool) {
	if len(runs) == 0 {
		return
	}
	head := []string{"rule", "level"}
	for _, r := range runs {
		head = append(head, fmt.Sprintf("%s (%d events)", r.Case, r.Events))
	}
	var rows [][]string
	fired := make([]int, len(runs))
	for i, c := range runs[0].Rules {
		row := []string{ruleLabel(c.Source), c.Level}
		if c.Correlation {
			row[1] += ", correlation"
		} else if c.Feeds {
			row[1] += ", feeds a correlation"
		}
		hit := false
		for j, r := range runs {
			rc := r.Rules[i]
			if rc.Events > 0 {
				hit = true
				fired[j]++
			}
			row = append(row, calibrationCell(rc))
		}
		if hit || !firedOnly {
			rows = append(rows, row)
		}
	}
	if markdown {
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat(" --- |", 2)+strings.Repeat(" ---: |", len(runs)))
		for _, row := range rows {
			row[0] = "`" + row[0] + "`"
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	for j, r := range runs {
		fmt.Fprintf(w, "%s: %d of %d rules matched something, %.1f s\n", r.Case, fired[j], len(r.Rules), r.Seconds)
	}
}
