package evidence

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// checkUnlisted classifies the tree's log files no digest lists: inside
// the window the digests cover they are possible injections; inside a
// missing digest's window or outside every window they are not covered.
func (v *verifier) checkUnlisted(ctx context.Context, logPaths []string) {
	notCovered := map[string]int{}
	for _, path := range logPaths {
		if v.listed[path] {
			continue
		}
		_, key := v.src.Location(path)
		n, named := ParseLogName(key)
		r := v.read(ctx, path, nil, v.opts.MaxLogBytes)
		st := StatusNotCovered
		if !named {
			st = StatusUnlisted
			v.add(Problem{Kind: KindUnlistedLog, Severity: SeverityError, Path: path,
				Detail: "file in a CloudTrail log folder, named unlike CloudTrail's log files and listed in no digest: possible injection"})
		} else if within(v.missing[n.scope()], n.Time, true) {
			notCovered[n.scope()]++
		} else if within(v.covered[n.scope()], n.Time, false) {
			st = StatusUnlisted
			v.add(Problem{Kind: KindUnlistedLog, Severity: SeverityError, Chain: scopeName(n), Path: path,
				Detail: fmt.Sprintf("log file delivered %s, inside the digests' window, but listed in no digest: possible injection", n.Time.Format(time.RFC3339))})
		} else {
			notCovered[n.scope()]++
		}
		// An unlisted file is reported as such; a damaged one that no
		// digest could cover is reported for its damage.
		if st == StatusNotCovered {
			if bad, isBad := v.objectProblem(scopeName(n), path, r); isBad {
				st = bad
			}
		}
		v.setFile(FileStatus{Path: path, SHA256: r.h.Stored, Status: st})
	}
	for _, s := range slices.Sorted(maps.Keys(notCovered)) {
		parts := strings.Split(s, "|")
		n := LogName{Prefix: parts[0], Org: parts[1], Account: parts[2], Region: parts[3]}
		v.add(Problem{Kind: KindNotCovered, Severity: SeverityInfo, Chain: scopeName(n),
			Detail: fmt.Sprintf("%d log files outside any present digest's window (before validation was on, after the newest digest, or under a missing digest)", notCovered[s])})
	}
}

// within reports whether t falls in one of the spans. Missing digests'
// spans (lenient) have unknown edges and take the delivery margin on both
// sides; a zero start is open. Present digests' spans are merged where
// they touch, and a file named within the margin before the end of a
// merged span may have been delivered after it.
func within(spans []span, t time.Time, lenient bool) bool {
	if lenient {
		for _, s := range spans {
			if (s.from.IsZero() || !t.Before(s.from.Add(-deliveryMargin))) && !t.After(s.to.Add(deliveryMargin)) {
				return true
			}
		}
		return false
	}
	ss := append([]span(nil), spans...)
	sort.Slice(ss, func(i, j int) bool { return ss[i].from.Before(ss[j].from) })
	var merged []span
	for _, s := range ss {
		if n := len(merged); n > 0 && !s.from.After(merged[n-1].to.Add(time.Second)) {
			if s.to.After(merged[n-1].to) {
				merged[n-1].to = s.to
			}
			continue
		}
		merged = append(merged, s)
	}
	for _, s := range merged {
		if !t.Before(s.from) && t.Before(s.to.Add(-deliveryMargin)) {
			return true
		}
	}
	return false
}

func scopeName(n LogName) string {
	s := n.Prefix + "AWSLogs/"
	if n.Org != "" {
		s += n.Org + "/"
	}
	return s + n.Account + " " + n.Region
}
