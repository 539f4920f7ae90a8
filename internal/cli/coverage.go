package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/analyze"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
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

var coverageFormats = []string{"text", "json"}

// coverageTextRows bounds each table of the text output; json has all rows.
const coverageTextRows = 30

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
	fl.StringVar(&opts.Format, "format", "", "output `format`: text, json (default: text)")
	return cmd
}

func (o *CoverageOptions) validate() error {
	var err error
	if o.Format, err = pickFormat(o.Format, "", "text", coverageFormats); err != nil {
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
	cov, err := analyze.Coverage(ctx, st.DB(), analyze.CoverageOptions{
		Since: opts.from, Until: opts.to, Accounts: opts.Accounts, Regions: opts.Regions,
		Buckets: opts.Buckets, Functions: opts.Functions,
	})
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(hw)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cov); err != nil {
			return fmt.Errorf("writing coverage: %w", err)
		}
		return nil
	}
	if err := writeCoverageText(hw, cov); err != nil {
		return fmt.Errorf("writing coverage: %w", err)
	}
	return nil
}

const coverageStamp = "2006-01-02 15:04Z"

// writeCoverageText renders the statements, then one table per part.
func writeCoverageText(w io.Writer, c event.Coverage) error {
	c = display.Copy(c) // trail names, regions and actors come from the logs
	fmt.Fprintln(w, "Coverage of the evidence")
	for _, s := range c.Statements {
		fmt.Fprintln(w, "  - "+s)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	table := func(title string, n int, header string, row func(i int) []string) {
		fmt.Fprintf(tw, "\n%s (%d)\n", title, n)
		if n == 0 {
			return
		}
		fmt.Fprintln(tw, header)
		for i := 0; i < n && i < coverageTextRows; i++ {
			fmt.Fprintln(tw, strings.Join(row(i), "\t"))
		}
		if n > coverageTextRows {
			fmt.Fprintf(tw, "… %d more (--format json lists all)\n", n-coverageTextRows)
		}
	}
	table("Accounts and regions", len(c.AccountRegions), "ACCOUNT\tREGION\tFIRST EVENT\tLAST EVENT\tEVENTS\tACTIVE/SPAN HOURS\tACTIVITY\tMIN GAP (H)\tDAYS", func(i int) []string {
		r := c.AccountRegions[i]
		return []string{r.Account, orDashText(r.Region), r.First.Format(coverageStamp), r.Last.Format(coverageStamp), fmt.Sprint(r.Events),
			fmt.Sprintf("%d/%d", r.ActiveHours, r.SpanHours), r.Activity, fmt.Sprint(r.MinGapHours), fmt.Sprint(len(r.Days))}
	})
	table("Gaps", len(c.Gaps), "START\tEND\tHOURS\tACCOUNT\tREGION\tKIND\tTRAIL\tACTOR", func(i int) []string {
		g := c.Gaps[i]
		end := g.End.Format(coverageStamp)
		if g.OpenEnded {
			end += " (end of data)"
		}
		return []string{g.Start.Format(coverageStamp), end, fmt.Sprint(g.Hours), g.Account, orDashText(g.Region), g.Kind, orDashText(g.Trail), orDashText(g.Actor)}
	})
	table("Logging changes", len(c.LoggingChanges), "TIME\tEVENT\tTRAIL\tACTOR\tRESULT\tDETAIL", func(i int) []string {
		l := c.LoggingChanges[i]
		result := "ok"
		if l.Denied {
			result = "failed: " + l.ErrorCode
		}
		return []string{l.EventTime.Format(coverageStamp), l.EventName, orDashText(l.Trail), l.Actor, result, orDashText(l.Detail)}
	})
	table("Data events", len(c.DataEvents), "SERVICE\tRESOURCE\tRECORDED\tDATA EVENTS\tOTHER EVENTS\tFIRST DATA EVENT\tLAST DATA EVENT", func(i int) []string {
		d := c.DataEvents[i]
		first, last := "-", "-"
		if d.FirstDataEvent != nil {
			first, last = d.FirstDataEvent.Format(coverageStamp), d.LastDataEvent.Format(coverageStamp)
		}
		rec := "no"
		if d.Recorded {
			rec = "yes"
		}
		return []string{d.Service, d.Bucket + d.Function, rec, fmt.Sprint(d.DataEvents), fmt.Sprint(d.ManagementEvents), first, last}
	})
	return tw.Flush()
}

func orDashText(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
