package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Span is a set of events' count and first and last times.
type Span struct {
	N           int64
	First, Last sql.NullTime
}

func (s Span) String() string {
	if !s.First.Valid {
		return fmt.Sprintf("%d events, none with a time", s.N)
	}
	return fmt.Sprintf("%d events from %s to %s", s.N, s.First.Time.UTC().Format(time.RFC3339), s.Last.Time.UTC().Format(time.RFC3339))
}

// ValueCount is one value of a column and how many events hold it.
type ValueCount struct {
	Value string
	N     int64
}

// ScopeQuery is what a command will read of the case: a window, accounts
// and regions, and indicators.
type ScopeQuery struct {
	Since, Until          *time.Time
	Accounts, Regions     []string
	Keys, Principals, IPs []string
}

// IndicatorFacts is what the case holds for one indicator.
type IndicatorFacts struct {
	Flag, Value string // "--key", "--principal" or "--ip", and its value
	InScope     Span   // its events inside the window, accounts and regions
	// Anywhere is its events in the whole case, read only when InScope is empty.
	Anywhere Span
	// Identities are the identities a matching --principal names, the most
	// frequent first ("ARN (N events)"-worthy values).
	Identities []ValueCount
}

// ScopeFacts is what a scope check needs to say, before a command runs,
// whether the case, the window and the indicators hold events. Reading
// stops at the first empty answer: All empty leaves the rest unread,
// InScope empty reads the case's accounts and regions instead of the
// indicators.
type ScopeFacts struct {
	All, InScope      Span
	Accounts, Regions []ValueCount // the case's, when InScope is empty
	Indicators        []IndicatorFacts
}

// ReadScope reads the facts of q from the case.
func ReadScope(ctx context.Context, db *sql.DB, q ScopeQuery) (ScopeFacts, error) {
	var f ScopeFacts
	var err error
	if f.All, err = readSpan(ctx, db, "true"); err != nil || f.All.N == 0 {
		return f, err
	}
	where, args := (&Options{Since: q.Since, Until: q.Until, Accounts: q.Accounts, Regions: q.Regions}).ScopeWhere()
	if f.InScope, err = readSpan(ctx, db, where, args...); err != nil {
		return f, err
	}
	if f.InScope.N == 0 {
		if f.Accounts, err = valueCounts(ctx, db, "recipient_account_id", "true", nil); err != nil {
			return f, fmt.Errorf("listing the case's accounts: %w", err)
		}
		if f.Regions, err = valueCounts(ctx, db, "aws_region", "true", nil); err != nil {
			return f, fmt.Errorf("listing the case's regions: %w", err)
		}
		return f, nil
	}
	f.Indicators, err = readIndicators(ctx, db, q, where, args)
	return f, err
}

// indicatorCond is one indicator as a condition over events.
type indicatorCond struct {
	flag, value, cond string
	args              []any
}

func indicatorConds(ctx context.Context, db *sql.DB, q ScopeQuery, where string, args []any) ([]indicatorCond, error) {
	var inds []indicatorCond
	for _, k := range q.Keys {
		inds = append(inds, indicatorCond{"--key", k, "access_key_id = ?", []any{k}})
	}
	for _, p := range q.Principals {
		inds = append(inds, indicatorCond{"--principal", p, PrincipalWhere, []any{p, p, p, p}})
	}
	for _, ip := range q.IPs {
		ips, err := ExpandIPs(ctx, db, []string{ip}, where, args)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			ips = []string{ip} // a CIDR with no address in scope: matches nothing
		}
		ipArgs := make([]any, len(ips))
		for i, s := range ips {
			ipArgs[i] = s
		}
		cond := "source_ip IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ips)), ",") + ")"
		inds = append(inds, indicatorCond{"--ip", ip, cond, ipArgs})
	}
	return inds, nil
}

func readIndicators(ctx context.Context, db *sql.DB, q ScopeQuery, where string, args []any) ([]IndicatorFacts, error) {
	conds, err := indicatorConds(ctx, db, q, where, args)
	if err != nil {
		return nil, err
	}
	out := make([]IndicatorFacts, 0, len(conds))
	for _, c := range conds {
		in := IndicatorFacts{Flag: c.flag, Value: c.value}
		inWhere, inArgs := "("+where+") AND ("+c.cond+")", append(append([]any(nil), args...), c.args...)
		if in.InScope, err = readSpan(ctx, db, inWhere, inArgs...); err != nil {
			return nil, err
		}
		switch {
		case in.InScope.N == 0:
			if in.Anywhere, err = readSpan(ctx, db, c.cond, c.args...); err != nil {
				return nil, err
			}
		case c.flag == "--principal":
			if in.Identities, err = valueCounts(ctx, db, "coalesce(session_issuer_arn, user_arn, user_name, '?')", inWhere, inArgs); err != nil {
				return nil, fmt.Errorf("listing the identities of --principal %s: %w", c.value, err)
			}
		}
		out = append(out, in)
	}
	return out, nil
}

func readSpan(ctx context.Context, db *sql.DB, where string, args ...any) (Span, error) {
	var s Span
	err := db.QueryRowContext(ctx, "SELECT count(*), min(event_time), max(event_time) FROM events WHERE "+where, args...).Scan(&s.N, &s.First, &s.Last)
	if err != nil {
		return s, fmt.Errorf("counting the events in scope: %w", err)
	}
	return s, nil
}

// valueCounts lists the values of expr over the events where selects, the
// most frequent first.
func valueCounts(ctx context.Context, db *sql.DB, expr, where string, args []any) ([]ValueCount, error) {
	rows, err := db.QueryContext(ctx, "SELECT "+expr+" AS v, count(*) AS n FROM events WHERE ("+where+") AND "+expr+" IS NOT NULL GROUP BY 1 ORDER BY n DESC, v", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ValueCount
	for rows.Next() {
		var v ValueCount
		if err := rows.Scan(&v.Value, &v.N); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
