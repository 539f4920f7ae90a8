package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
)

// coverageTextRows bounds each table of the text output; json has all rows.
const coverageTextRows = 30

const coverageStamp = "2006-01-02 15:04Z"

// CoverageFormats are the coverage command's output formats.
var CoverageFormats = []string{"text", "json"}

// WriteCoverage renders coverage as JSON, or as text: the statements, then
// one table per part.
func WriteCoverage(w io.Writer, format string, c event.Coverage) error {
	if format == "json" {
		return jsonout.Write(w, c)
	}
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
		return []string{r.Account, orDash(r.Region), r.First.Format(coverageStamp), r.Last.Format(coverageStamp), fmt.Sprint(r.Events),
			fmt.Sprintf("%d/%d", r.ActiveHours, r.SpanHours), r.Activity, fmt.Sprint(r.MinGapHours), fmt.Sprint(len(r.Days))}
	})
	table("Gaps", len(c.Gaps), "START\tEND\tHOURS\tACCOUNT\tREGION\tKIND\tTRAIL\tACTOR", func(i int) []string {
		g := c.Gaps[i]
		end := g.End.Format(coverageStamp)
		if g.OpenEnded {
			end += " (end of data)"
		}
		return []string{g.Start.Format(coverageStamp), end, fmt.Sprint(g.Hours), g.Account, orDash(g.Region), g.Kind, orDash(g.Trail), orDash(g.Actor)}
	})
	table("Logging changes", len(c.LoggingChanges), "TIME\tEVENT\tTRAIL\tACTOR\tRESULT\tDETAIL", func(i int) []string {
		l := c.LoggingChanges[i]
		result := "ok"
		if l.Denied {
			result = "failed: " + l.ErrorCode
		}
		return []string{l.EventTime.Format(coverageStamp), l.EventName, orDash(l.Trail), l.Actor, result, orDash(l.Detail)}
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

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
