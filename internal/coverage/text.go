package coverage

// The sentences of the coverage analysis: what coverage.go measured, said
// for an investigator, apart from the SQL that measured it.

import (
	"fmt"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// statements says the limits of the evidence in plain words: what it
// covers, then logging stopped or narrowed, failed attempts, data events,
// missing hours and unreadable input.
func (cv *coverage) statements() []string {
	o := &cv.out
	out := []string{}
	if o.Start == nil {
		out = append(out, "No event with a time is in scope: the evidence shows nothing for this scope.")
	} else {
		out = append(out, fmt.Sprintf("The evidence covers %s, %s and %s (%d events, %s to %s).",
			display.Plural(len(o.Accounts), "account"), display.Plural(len(o.Regions), "region"), display.Plural(len(o.Days), "day"),
			o.Events, o.Start.Format(stamp), o.End.Format(stamp)))
	}
	var quiet []event.Gap
	for _, g := range o.Gaps {
		switch g.Kind {
		case event.GapLoggingStopped:
			out = append(out, stoppedStatement(g))
		case event.GapSelectorsChanged:
			until := "until " + g.End.Format(stamp)
			if g.OpenEnded {
				until = "and not changed back before the end of the data (" + g.End.Format(stamp) + ")"
			}
			if !g.End.After(g.Start) {
				until = "as the account's last event in the evidence"
			}
			out = append(out, fmt.Sprintf("What trail %s records was narrowed by %s at %s (%s) %s: %s.",
				g.Trail, g.Actor, g.Start.Format(stamp), g.EventName, until, g.Detail))
		case event.GapNoDelivery:
			quiet = append(quiet, g)
		}
	}
	out = append(out, attemptStatements(o.LoggingChanges)...)
	out = append(out, dataStatements(o.DataEvents)...)
	out = append(out, quietStatements(quiet, o.AccountRegions)...)
	var inter int
	for _, rc := range o.AccountRegions {
		if rc.Activity == "intermittent" {
			inter++
		}
	}
	if inter > 0 {
		verb := "have"
		if inter == 1 {
			verb = "has"
		}
		out = append(out, fmt.Sprintf("%d of %s %s events in fewer than %.0f%% of their hours: an empty hour is normal there, so only empty stretches long enough to be unlikely by chance are reported as gaps (see min_gap_hours).",
			inter, display.Plural(len(o.AccountRegions), "account/region"), verb, continuousShare*100))
	}
	if o.UntimedEvents > 0 {
		out = append(out, fmt.Sprintf("%d events in scope have no eventTime: no statement about time covers them.", o.UntimedEvents))
	}
	if o.UnreadSources > 0 {
		out = append(out, fmt.Sprintf("%s of the case failed or were read only in part (see trailsleuth query on sources): events may be missing from them.", display.Plural(int(o.UnreadSources), "input file")))
	}
	return out
}

// attemptStatements names failed calls that would have weakened logging,
// one statement per actor, call, trail and error.
func attemptStatements(lcs []event.LoggingChange) []string {
	type attempt struct {
		first, last event.LoggingChange
		n           int
	}
	var order []string
	byKey := map[string]*attempt{}
	for _, lc := range lcs {
		// Only a failed call that would have weakened logging shows an intent
		// to see less: a refused CreateTrail, StartLogging or an UpdateTrail
		// adding CloudWatch Logs delivery shows the opposite.
		if !lc.Denied || lc.Effect != cloudtrail.Weakens.String() {
			continue
		}
		k := strings.Join([]string{lc.Actor, lc.EventName, lc.Trail, lc.ErrorCode}, "\x00")
		a := byKey[k]
		if a == nil {
			a = &attempt{first: lc}
			byKey[k] = a
			order = append(order, k)
		}
		a.last = lc
		a.n++
	}
	var out []string
	for _, k := range order {
		a := byKey[k]
		how := "failed"
		if cloudtrail.Denied(a.first.ErrorCode) {
			how = "was refused"
		}
		when := "at " + a.first.EventTime.Format(stamp)
		if a.n > 1 {
			when = fmt.Sprintf("%d times from %s to %s", a.n, a.first.EventTime.Format(stamp), a.last.EventTime.Format(stamp))
			how = strings.Replace(how, "was", "was each time", 1)
		}
		out = append(out, fmt.Sprintf("%s tried %s on %s %s and %s (%s): it changed nothing, but shows an intent to weaken logging.",
			a.first.Actor, a.first.EventName, orUnknown(a.first.Trail), when, how, a.first.ErrorCode))
	}
	return out
}

func stoppedStatement(g event.Gap) string {
	what := "Logging for trail " + g.Trail + " was stopped"
	if g.Detail == "trail deleted" {
		what = "Trail " + g.Trail + " was deleted"
	}
	s := fmt.Sprintf("%s by %s at %s (%s, account %s)", what, g.Actor, g.Start.Format(stamp), g.EventName, g.Account)
	if g.OpenEnded {
		s += fmt.Sprintf(" and logging was not restarted before the end of the data (%s)", g.End.Format(stamp))
	} else {
		s += fmt.Sprintf(" until %s (%.2f h)", g.End.Format(stamp), g.Hours)
	}
	s += ": events in that window are missing from this trail's logs"
	switch {
	case g.OpenEnded && !g.End.After(g.Start):
		s = fmt.Sprintf("%s by %s at %s (%s, account %s): it is the account's last event in the evidence, so what followed cannot be seen", what, g.Actor, g.Start.Format(stamp), g.EventName, g.Account)
	case g.EventsInside > 0:
		s += fmt.Sprintf("; the account still has %s inside it (from another trail or region), so this evidence is not blind there", display.Plural(int(g.EventsInside), "event"))
	case g.End.After(g.Start):
		s += "; no event of the account was recorded in it"
	}
	return s + "."
}

func dataStatements(ds []event.DataEventStatus) []string {
	var out []string
	for _, svc := range []struct{ service, what, one, sees string }{
		{"s3", "S3 data events", "S3 data event", "object reads and writes cannot be seen"},
		{"lambda", "Lambda data events (Invoke)", "Lambda data event (Invoke)", "invocations cannot be seen"},
	} {
		var missing, fromLogs []string
		var recorded int
		for _, d := range ds {
			if d.Service != svc.service {
				continue
			}
			switch {
			case d.Recorded:
				recorded++
			case d.AccessLogRecords > 0:
				fromLogs = append(fromLogs, d.Bucket)
			default:
				missing = append(missing, d.Bucket+d.Function)
			}
		}
		if len(fromLogs) > 0 {
			out = append(out, fmt.Sprintf("Object-level activity of %s %s is visible from S3 server access logs, not from CloudTrail data events: object reads, writes and deletes are taken from them.",
				display.Plural(len(fromLogs), "bucket"), listShort(fromLogs, 10)))
		}
		if len(missing) == 0 {
			continue
		}
		if recorded == 0 && len(fromLogs) > 0 {
			recorded = -1 // the "none at all" wording would be wrong: say it per bucket
		}
		kind := "bucket"
		if svc.service == "lambda" {
			kind = "function"
		}
		switch {
		case recorded == 0:
			out = append(out, fmt.Sprintf("%s were not recorded for any of the %s involved (%s): none is in the evidence at all, so %s.",
				svc.what, display.Plural(len(missing), kind), listShort(missing, 10), svc.sees))
		default:
			for _, m := range missing {
				if recorded < 0 {
					out = append(out, fmt.Sprintf("Neither an %s nor an S3 server access log record is in the evidence for %s %s: %s.", svc.one, kind, m, svc.sees))
					continue
				}
				out = append(out, fmt.Sprintf("No %s is recorded for %s %s, though data events are recorded for %s: the trail may not select it, or nothing used it at object level; if it is not selected, %s.",
					svc.one, kind, m, display.Plural(recorded, "other "+kind), svc.sees))
			}
		}
	}
	return out
}

// quietStatements names each no_delivery gap, or sums them up when there
// are many.
func quietStatements(gs []event.Gap, regions []event.RegionCoverage) []string {
	const each = 5
	var out []string
	if len(gs) <= each {
		for _, g := range gs {
			var rc event.RegionCoverage
			for _, r := range regions {
				if r.Account == g.Account && r.Region == g.Region {
					rc = r
				}
			}
			out = append(out, fmt.Sprintf("No event from %s to %s in %s of account %s (%g h), where %d of the %d hours have events: events of that stretch may be missing.",
				g.Start.Format(stamp), g.End.Format(stamp), regionLabel(g.Region), g.Account, g.Hours, rc.ActiveHours, rc.SpanHours))
		}
		return out
	}
	longest := gs[0]
	var total float64
	for _, g := range gs {
		total += g.Hours
		if g.Hours > longest.Hours {
			longest = g
		}
	}
	return append(out, fmt.Sprintf("%d stretches without any event (%g h in all); the longest from %s to %s in %s of account %s (%g h). See gaps.",
		len(gs), total, longest.Start.Format(stamp), longest.End.Format(stamp), regionLabel(longest.Region), longest.Account, longest.Hours))
}

func listShort(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}
