package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
)

// WriteSummary renders the case summary as JSON, or as text: a header and
// one table a list; scope names the flags that narrowed it.
func WriteSummary(w io.Writer, format string, s *event.CaseSummary, scope string) error {
	if format == "json" {
		return jsonout.Write(w, s)
	}
	s = display.Copy(s) // names come from the evidence: escaped
	fmt.Fprintf(w, "Case %s: %d events from %d files, %s to %s\n", s.Database, s.Events, s.Files, summaryTime(s.FirstEvent), summaryTime(s.LastEvent))
	if s.InPlace != nil {
		fmt.Fprintf(w, "Original events: %d are read from their %d input files in place (ingest --originals in-place): the files must stay at their paths, unchanged; 'trailsleuth audit verify' checks them\n",
			s.InPlace.Events, s.InPlace.Files)
	}
	if scope != "" {
		fmt.Fprintf(w, "Only %s\n", scope)
	}
	for _, l := range []struct {
		title string
		list  event.SummaryList
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
			cells := []string{fmt.Sprint(r.Events), fmt.Sprint(r.Denied), fmt.Sprint(r.SourceIPs), summaryTime(r.FirstSeen), summaryTime(r.LastSeen), r.Name}
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

// summaryTime is a time in the summary's tables, or "-".
func summaryTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05")
}
