package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/timespec"
	"github.com/trailsleuth/trailsleuth/rules"
)

// RuleSourceOptions choose rule packs; shared by hunt and rules.
type RuleSourceOptions struct {
	Dirs      []string
	NoBuiltin bool
}

func (o *RuleSourceOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Dirs, "rules", nil, "Sigma rule `folder` or file to load as well (repeatable); a rule with a built-in's id replaces it")
	cmd.Flags().BoolVar(&o.NoBuiltin, "no-builtin", false, "leave out the built-in rule pack")
}

func (o *RuleSourceOptions) load() (*detect.Pack, error) {
	if o.NoBuiltin && len(o.Dirs) == 0 {
		return nil, usageErrorf("--no-builtin needs at least one --rules folder")
	}
	return detect.Load(detect.LoadOptions{Builtin: rules.FS, NoBuiltin: o.NoBuiltin, Dirs: o.Dirs})
}

// HuntOptions are the hunt command's inputs.
type HuntOptions struct {
	F       *Factory
	Rules   RuleSourceOptions
	Level   string
	FailOn  string
	Format  string
	Since   string
	Until   string
	minimum event.Severity
	failAt  event.Severity
	from    *time.Time
	to      *time.Time
}

func newHuntCmd(f *Factory, runF func(context.Context, *HuntOptions) error) *cobra.Command {
	opts := &HuntOptions{F: f}
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Run Sigma detection rules on the case database",
		Long: `Run Sigma detection rules on the case database: the built-in CloudTrail pack
(trailsleuth rules list) and any --rules folders, SigmaHQ's AWS rules included.
Each hit lists the rule, its level, ATT&CK tags and the matching event ids.

Exit status: 0 when the hunt ran, hits or not; 3 when --fail-on LEVEL is
given and a hit at or above that level exists; 1 on error; 2 on bad usage.`,
		Example: `  trailsleuth hunt
  trailsleuth hunt --level high --format json
  trailsleuth hunt --rules ./sigma/rules/cloud/aws --fail-on high
  trailsleuth hunt --since 2025-03-11 --format sarif > hunt.sarif`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runHunt(cmd.Context(), opts)
		},
	}
	opts.Rules.addFlags(cmd)
	cmd.Flags().StringVar(&opts.Level, "level", "", "run only rules at or above `level`: informational, low, medium, high, critical")
	cmd.Flags().StringVar(&opts.FailOn, "fail-on", "", "exit 3 when a hit at or above `level` exists")
	cmd.Flags().StringVar(&opts.Format, "format", "", "output `format`: table, json, jsonl, sarif (default: table on a terminal, json otherwise)")
	cmd.Flags().StringVar(&opts.Since, "since", "", "only events at or after `time` (RFC 3339, date, or 72h / 7d ago)")
	cmd.Flags().StringVar(&opts.Until, "until", "", "only events before `time`")
	return cmd
}

func (o *HuntOptions) validate() error {
	if o.Format == "" {
		o.Format = "json"
		if o.F.IO.OutTTY {
			o.Format = "table"
		}
	}
	if !slices.Contains(detect.Formats, o.Format) {
		return usageErrorf("--format %q: want one of %s", o.Format, strings.Join(detect.Formats, ", "))
	}
	for _, lv := range []struct {
		flag, val string
		dst       *event.Severity
	}{{"--level", o.Level, &o.minimum}, {"--fail-on", o.FailOn, &o.failAt}} {
		if lv.val == "" {
			continue
		}
		s, ok := event.ParseSeverity(lv.val)
		if !ok {
			return usageErrorf("%s %q: want informational, low, medium, high or critical", lv.flag, lv.val)
		}
		*lv.dst = s
	}
	now := time.Now()
	for _, tv := range []struct {
		flag, val string
		dst       **time.Time
	}{{"--since", o.Since, &o.from}, {"--until", o.Until, &o.to}} {
		if tv.val == "" {
			continue
		}
		t, err := timespec.Parse(tv.val, now)
		if err != nil {
			return usageErrorf("%s: %v", tv.flag, err)
		}
		*tv.dst = &t
	}
	return nil
}

func runHunt(ctx context.Context, opts *HuntOptions) error {
	f := opts.F
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	st, err := store.OpenReadOnly(ctx, f.DBPath)
	if err != nil {
		return err
	}
	defer st.Close()
	prog := f.IO.NewProgress("hunt", int64(len(pack.Rules)))
	res, err := detect.Run(ctx, st.DB(), pack, detect.RunOptions{
		MinLevel: opts.minimum, TimeFrom: opts.from, TimeTo: opts.to,
		Progress: func(done, total int, r *sigma.Rule) {
			prog.Update(int64(done), fmt.Sprintf("%d/%d rules", done, total))
		},
	})
	prog.Done()
	if err != nil {
		return err
	}
	if err := detect.Write(f.IO.Out, opts.Format, res, VersionString(f.Version)); err != nil {
		return err
	}
	for _, e := range res.Errors {
		f.IO.Warnf("rule %s (%s): %s\n", e.Title, e.Source, e.Error)
	}
	if opts.failAt != event.SeverityUnknown {
		for _, h := range res.Hits {
			if s, _ := event.ParseSeverity(h.Level); s >= opts.failAt {
				return errFindings
			}
		}
	}
	return nil
}
