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
	fl.StringVar(&opts.Format, "format", "", "output `format`: text or json (default: text)")
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
	if opts.from != nil || opts.to != nil || len(opts.Accounts)+len(opts.Regions) > 0 {
		s.Window = map[string]any{"since": opts.from, "until": opts.to, "accounts": opts.Accounts, "regions": opts.Regions}
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(hw)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return writeSummary(hw, s, scopeCheck{from: opts.from, to: opts.to, accounts: opts.Accounts, regions: opts.Regions}.flags())
}

// writeSummary prints the summary as text: a header and one table a list;
// scope names the flags that narrowed it.
func writeSummary(w io.Writer, s *analyze.CaseSummary, scope string) error {
	s = display.Copy(s) // names come from the evidence: escaped
	fmt.Fprintf(w, "Case %s: %d events from %d files, %s to %s\n", s.Database, s.Events, s.Files, fmtTime(s.FirstEvent), fmtTime(s.LastEvent))
	if scope != "" {
		fmt.Fprintf(w, "Only %s\n", scope)
	}
	for _, l := range []struct {
		title string
		list  analyze.SummaryList
		key   bool
	}{{"Accounts", s.Accounts, false}, {"Regions", s.Regions, false}, {"Principals", s.Principals, false}, {"Access keys", s.AccessKeys, true}} {
		fmt.Fprintf(w, "\n%s (%d)\n", l.title, l.list.Total)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := []string{"EVENTS", "DENIED", "IPS", "FIRST SEEN", "LAST SEEN", "NAME"}
		if l.key {
			head = append(head, "PRINCIPAL")
		}
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for _, r := range l.list.Rows {
			cells := []string{fmt.Sprint(r.Events), fmt.Sprint(r.Denied), fmt.Sprint(r.SourceIPs), fmtTime(r.FirstSeen), fmtTime(r.LastSeen), r.Name}
			if l.key {
				cells = append(cells, r.Principal)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if more := l.list.Total - len(l.list.Rows); more > 0 {
			fmt.Fprintf(w, "  … and %d more (--top 0 lists all)\n", more)
		}
	}
	return nil
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05")
}
