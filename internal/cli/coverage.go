package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/coverage"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// CoverageOptions are the coverage command's inputs.
type CoverageOptions struct {
	F         *Factory
	Since     string
	Until     string
	Accounts  []string
	Regions   []string
	Buckets   []string
	Functions []string
	Format    string
	from, to  *time.Time
}

func newCoverageCmd(f *Factory, runF func(context.Context, *CoverageOptions) error) *cobra.Command {
	opts := &CoverageOptions{F: f}
	cmd := &cobra.Command{
		Use:   "coverage",
		Short: "Say what the evidence can and cannot show",
		Long: `Say what the evidence in the case database can and cannot show: which
accounts, regions and days are present; stretches of hours without any event
in an account/region that is otherwise active (kind no_delivery); windows in
which a trail's logging was stopped or deleted (StopLogging until StartLogging,
or until the end of the data) or its event selectors narrowed
(PutEventSelectors, UpdateTrail); every call that changed CloudTrail logging,
refused attempts included; and, for each S3 bucket and Lambda function named
by the events (or given with --bucket/--function), whether data events were
recorded for it — if not, object reads and invocations cannot be seen.

An empty hour is a gap in an account/region with events in at least 90% of
the hours of its span; elsewhere only empty stretches long enough to be
unlikely by chance count (docs/coverage.md gives the rule). Logging changes
are read for the accounts in scope over all time and regions, since a
multi-region trail stopped before --since stays stopped inside the window.

The text output starts with plain-language statements, then tables; json
is the coverage object of the investigation report.`,
		Example: `  trailsleuth coverage
  trailsleuth coverage --since 2025-03-10 --until 2025-03-12 --account 493812077610
  trailsleuth coverage --bucket acme-prod-customer-data --format json | jq .data_events`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCoverage(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addScopeFlags(fl, &opts.Since, &opts.Until, &opts.Accounts, &opts.Regions)
	fl.StringArrayVar(&opts.Buckets, "bucket", nil, "also assess data events of this S3 `bucket` (repeatable)")
	fl.StringArrayVar(&opts.Functions, "function", nil, "also assess data events of this Lambda `function` (repeatable)")
	addFormatFlag(fl, &opts.Format, "", report.CoverageFormats, "output `format`: text, json (default: text)")
	return cmd
}

func (o *CoverageOptions) validate() error {
	var err error
	if o.Format, err = pickFormat(o.Format, "", "text", report.CoverageFormats); err != nil {
		return err
	}
	o.from, o.to, err = timeWindow(o.Since, o.Until, time.Now())
	return err
}

func runCoverage(ctx context.Context, opts *CoverageOptions) (err error) {
	hw := newHashWriter(opts.F.IO.Out)
	defer func() { // after the read-only handle below is closed
		if err == nil {
			opts.F.recordAudit(ctx, nil, store.AuditRead, nil, []store.AuditFile{hw.file("(stdout)")}, "coverage")
		}
	}()
	st, err := opts.F.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	cov, err := coverage.Analyze(ctx, st.DB(), coverage.Options{
		Since: opts.from, Until: opts.to, Accounts: opts.Accounts, Regions: opts.Regions,
		Buckets: opts.Buckets, Functions: opts.Functions,
	})
	if err != nil {
		return err
	}
	if err := report.WriteCoverage(hw, opts.Format, cov); err != nil {
		return fmt.Errorf("writing coverage: %w", err)
	}
	return nil
}
