package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/analyze"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// SummaryOptions are the summary command's inputs.
type SummaryOptions struct {
	F        *Factory
	Since    string
	Until    string
	Accounts []string
	Regions  []string
	Format   string
	Top      int
	from, to *time.Time
}

func newSummaryCmd(f *Factory, runF func(context.Context, *SummaryOptions) error) *cobra.Command {
	opts := &SummaryOptions{F: f}
	cmd := &cobra.Command{
		Use:   "summary",
		Short: "What the case holds: accounts, regions, time span, principals and access keys",
		Long: `Summarise the case database without SQL: its time span and files, the
accounts and regions its events come from, and every principal (the role
behind a session, or the identity's ARN) and access key with its event count,
denied calls, source addresses and first and last time seen — the inventory
to choose indicators for 'trailsleuth investigate' from. Lists are sorted by
events and cut to --top rows (0: all); the totals count them all.`,
		Example: `  trailsleuth summary
  trailsleuth summary --since 2025-03-11 --top 0
  trailsleuth summary --format json | jq '.access_keys.rows[] | select(.denied > 0)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = pickFormat(opts.Format, "", "text", summaryFormats); err != nil {
				return err
			}
			if opts.Top < 0 {
				return usageErrorf("--top %d: want 0 (all) or more", opts.Top)
			}
			if opts.from, opts.to, err = timeWindow(opts.Since, opts.Until, time.Now()); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSummary(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addScopeFlags(fl, &opts.Since, &opts.Until, &opts.Accounts, &opts.Regions)
	addFormatFlag(fl, &opts.Format, "", summaryFormats, "output `format`: text or json (default: text)")
	fl.IntVar(&opts.Top, "top", 20, "rows per list, most events first (0: all)")
	return cmd
}

func runSummary(ctx context.Context, opts *SummaryOptions) (err error) {
	f := opts.F
	hw := newHashWriter(f.IO.Out)
	defer func() { // after the read-only handle below is closed
		if err == nil {
			f.recordAudit(ctx, nil, store.AuditRead, nil, []store.AuditFile{hw.file("(stdout)")}, "summary")
		}
	}()
	st, err := f.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	where, args := (&analyze.Options{Since: opts.from, Until: opts.to, Accounts: opts.Accounts, Regions: opts.Regions}).ScopeWhere()
	s, err := analyze.Summarize(ctx, st.DB(), where, args, opts.Top)
	if err != nil {
		return err
	}
	s.Database = f.DBPath
	if s.InPlace, err = st.InPlace(ctx, 0); err != nil {
		return err
	}
	if opts.from != nil || opts.to != nil || len(opts.Accounts)+len(opts.Regions) > 0 {
		s.Window = map[string]any{"since": opts.from, "until": opts.to, "accounts": opts.Accounts, "regions": opts.Regions}
	}
	return report.WriteSummary(hw, opts.Format, s, scopeCheck{from: opts.from, to: opts.to, accounts: opts.Accounts, regions: opts.Regions}.flags())
}
