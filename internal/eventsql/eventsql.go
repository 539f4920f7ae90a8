// Package eventsql holds the SQL conditions over the events table that
// more than one reader shares (analyze, coverage): a scope of window,
// accounts and regions, and lists tested the fast way. The table itself is
// store's, specified in docs/schema.md.
package eventsql

import (
	"slices"
	"strings"
	"time"
)

// Filter is a condition over events and its arguments.
type Filter struct {
	Where string
	Args  []any
}

// Scope is a question's window, accounts and regions.
type Scope struct {
	Since, Until      *time.Time
	Accounts, Regions []string
}

// Filter selects the events in s; without window, in its accounts and
// regions at any time (baselines and logging changes look before it).
func (s Scope) Filter(window bool) Filter {
	var conds []string
	var args []any
	if window && s.Since != nil {
		conds = append(conds, "event_time >= ?")
		args = append(args, *s.Since)
	}
	if window && s.Until != nil {
		conds = append(conds, "event_time < ?")
		args = append(args, *s.Until)
	}
	if len(s.Accounts) > 0 {
		c, a := InList("recipient_account_id", s.Accounts)
		conds, args = append(conds, c), append(args, a...)
	}
	if len(s.Regions) > 0 {
		c, a := InList("aws_region", s.Regions)
		conds, args = append(conds, c), append(args, a...)
	}
	if len(conds) == 0 {
		return Filter{Where: "true"}
	}
	return Filter{Where: strings.Join(conds, " AND "), Args: args}
}

// InList returns "list_contains(?, col)" and its argument; "false" when
// empty. Not "col IN (?,?,…)": DuckDB applies list_contains inside its scan
// of the column, while an IN list is tested after every column the query
// reads has been read for every row: 0.01 s against 0.5–1.3 s for two
// addresses on the 5 M-event bench case (docs/performance.md).
func InList(col string, vals []string) (string, []any) {
	if len(vals) == 0 {
		return "false", nil
	}
	return "list_contains(?, " + col + ")", []any{slices.Clone(vals)}
}

// WindowCond adds since and until (both inclusive) on col to where.
func WindowCond(where string, args []any, col string, since, until *time.Time) (string, []any) {
	if since != nil {
		where += " AND " + col + " >= ?"
		args = append(args, *since)
	}
	if until != nil {
		where += " AND " + col + " <= ?"
		args = append(args, *until)
	}
	return where, args
}

// GrantEvents are the calls that produce credentials or open a way to
// them, which investigations follow from caller to credential.
var GrantEvents = []string{
	"AssumeRole", "GetSessionToken", "GetFederationToken",
	"CreateAccessKey", "CreateUser", "CreateLoginProfile", "UpdateLoginProfile", "UpdateAssumeRolePolicy",
}

// GrantCond selects the successful grant calls not made by an AWS service
// (services assume roles all day and never hold an attacker's key): the
// events whose JSON fields the case keeps apart in grant_json.
func GrantCond() Filter {
	c, a := InList("event_name", GrantEvents)
	return Filter{Where: c + " AND error_code IS NULL AND coalesce(identity_type, '') <> 'AWSService'", Args: a}
}
