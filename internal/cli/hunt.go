package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/store"
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
	F      *Factory
	Rules  RuleSourceOptions
	Level  string
	FailOn string
	Format string
	Since  string
	Until  string
	Engine EngineOptions
	// AllowEmpty hunts even when the case or the window holds no event.
	AllowEmpty bool
	minimum    event.Severity
	failAt     event.Severity
	from       *time.Time
	to         *time.Time
}

func newHuntCmd(f *Factory, runF func(context.Context, *HuntOptions) error) *cobra.Command {
	opts := &HuntOptions{F: f}
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Run Sigma detection rules on the case database",
		Long: `Run Sigma detection rules on the case database: the built-in CloudTrail pack
(trailsleuth rules list) and any --rules folders, SigmaHQ's AWS rules included.
Each hit lists the rule, its level, ATT&CK tags and the matching event ids.

With --engine athena or --engine lake the rules run where the logs are, on
Amazon Athena (AWS's documented CloudTrail table, see trailsleuth athena ddl)
or a CloudTrail Lake event data store, four queries at a time; rules the
dialect cannot express are reported per rule. The data scanned and its cost
estimate are printed on standard error (per query with --log-level debug).

Exit status: 0 when the hunt ran, hits or not; 3 when --fail-on LEVEL is
given and a hit at or above that level exists; 4 when the case or the window
holds no event (--allow-empty hunts anyway); 1 on error; 2 on bad usage.`,
		Example: `  trailsleuth hunt
  trailsleuth hunt --level high --format json
  trailsleuth hunt --rules ./sigma/rules/cloud/aws --fail-on high
  trailsleuth hunt --since 2025-03-11 --format sarif > hunt.sarif
  trailsleuth hunt --engine athena --athena-database security --athena-table cloudtrail_logs \
      --athena-partitions projection --since 7d --aws-region eu-west-1`,
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
	addFormatFlag(cmd.Flags(), &opts.Format, "", report.HuntFormats, "output `format`: table, json, jsonl, sarif (default: table; text is the same)")
	addWindowFlags(cmd.Flags(), &opts.Since, &opts.Until)
	addAllowEmptyFlag(cmd.Flags(), &opts.AllowEmpty)
	opts.Engine.addFlags(cmd)
	return cmd
}

func (o *HuntOptions) validate() error {
	if err := o.Engine.validate(); err != nil {
		return err
	}
	var err error
	if o.Format, err = pickFormat(o.Format, "", "table", report.HuntFormats); err != nil {
		return err
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
	if o.from, o.to, err = timeWindow(o.Since, o.Until, time.Now()); err != nil {
		return err
	}
	return nil
}

func runHunt(ctx context.Context, opts *HuntOptions) error {
	f := opts.F
	pack, err := opts.Rules.load()
	if err != nil {
		return err
	}
	if opts.Engine.remote() {
		res, err := huntRemote(ctx, opts, pack)
		if err != nil {
			return err
		}
		return writeHunt(opts, res)
	}
	st, err := f.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// No hit in a window without events says nothing: say that instead.
	if err := checkScope(ctx, f, st.DB(), scopeCheck{from: opts.from, to: opts.to, allowEmpty: opts.AllowEmpty}); err != nil {
		return err
	}
	res, err := f.runRules(ctx, st, pack, detect.RunOptions{MinLevel: opts.minimum, TimeFrom: opts.from, TimeTo: opts.to})
	st.Close() // now: the audit entry below opens the case read-write
	if err != nil {
		return err
	}
	err = writeHunt(opts, res)
	if err == nil || errors.Is(err, errFindings) {
		f.recordAudit(ctx, nil, store.AuditRead, nil, nil, fmt.Sprintf("hunt: %d rules, %d hits", len(pack.Rules), len(res.Hits)))
	}
	return err
}

// writeHunt prints the result and applies --fail-on.
func writeHunt(opts *HuntOptions, res *detect.Result) error {
	f := opts.F
	if err := report.WriteHunt(f.IO.Out, opts.Format, res, VersionString(f.Version)); err != nil {
		return err
	}
	f.warnRuleErrors(res.Errors)
	if opts.failAt != event.SeverityUnknown {
		for _, h := range res.Hits {
			if s, _ := event.ParseSeverity(h.Level); s >= opts.failAt {
				return errFindings
			}
		}
	}
	return nil
}

// warnRuleErrors reports rules that could not be read or run, one line
// each, in one format for every command.
func (f *Factory) warnRuleErrors(errs []detect.RuleError) {
	for _, e := range errs {
		f.IO.Warnf("%s\n", e)
	}
}

// runRules runs the pack over the case, with a progress bar of rules.
func (f *Factory) runRules(ctx context.Context, st *store.Store, pack *detect.Pack, ro detect.RunOptions) (*detect.Result, error) {
	prog := f.IO.NewProgress("hunt", int64(len(pack.Rules)), iostreams.Count("rules"))
	ro.Logger = f.Logger
	ro.Progress = func(done, _ int, _ *sigma.Rule) { prog.Update(int64(done), "") }
	res, err := detect.Run(ctx, st.DB(), pack, ro)
	prog.Done()
	return res, err
}
