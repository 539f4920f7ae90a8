package analyze

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// consoleBurst is how close in time the calls of one console page load are:
// a page fires its API calls together, so within about a second.
const consoleBurst = time.Second

// isConsoleCall reports whether an action was made through the console: a
// console user agent (browser or console backend) or AWS Internal as source.
func isConsoleCall(a event.Action, class func(string) useragent.Class) bool {
	return cloudtrail.ConsoleCall(false, a.SourceIP, class(a.UserAgent).Kind == useragent.Console)
}

// groupConsole collapses console calls into page loads: calls of the same
// credential through the console, each within consoleBurst of the previous
// one, form one ConsoleAction when there are at least two. The actions must
// be in time order; their ConsoleGroup is set.
func groupConsole(actions []event.Action, class func(string) useragent.Class) []event.ConsoleAction {
	type open struct {
		idx  []int
		last time.Time
	}
	var groups [][]int
	cur := map[string]*open{}
	closeGroup := func(k string) {
		if o := cur[k]; o != nil && len(o.idx) >= 2 {
			groups = append(groups, o.idx)
		}
		delete(cur, k)
	}
	for i, a := range actions {
		if !isConsoleCall(a, class) {
			continue
		}
		k := a.AccessKeyID + "|" + a.PrincipalARN
		if o := cur[k]; o != nil && a.EventTime.Sub(o.last) <= consoleBurst {
			o.idx = append(o.idx, i)
			o.last = a.EventTime
			continue
		}
		closeGroup(k)
		cur[k] = &open{idx: []int{i}, last: a.EventTime}
	}
	for _, k := range slices.Sorted(maps.Keys(cur)) {
		closeGroup(k)
	}
	slices.SortFunc(groups, func(a, b []int) int { return a[0] - b[0] })
	out := make([]event.ConsoleAction, 0, len(groups))
	for n, idx := range groups {
		first := actions[idx[0]]
		ca := event.ConsoleAction{Group: n + 1, Start: first.EventTime, End: actions[idx[len(idx)-1]].EventTime,
			PrincipalARN: first.PrincipalARN, AccessKeyID: first.AccessKeyID, SourceIP: first.SourceIP}
		for _, i := range idx {
			a := &actions[i]
			a.ConsoleGroup = ca.Group
			svc := strings.TrimSuffix(a.EventSource, ".amazonaws.com")
			if !slices.Contains(ca.Services, svc) {
				ca.Services = append(ca.Services, svc)
			}
			if !slices.Contains(ca.EventNames, a.EventName) {
				ca.EventNames = append(ca.EventNames, a.EventName)
			}
			ca.EventIDs = append(ca.EventIDs, a.EventID)
			if cloudtrail.Denied(a.ErrorCode) {
				ca.Denied++
			}
		}
		out = append(out, ca)
	}
	return out
}
