package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// principalExpr names who made a call: the role behind a session, else
// the identity's ARN, else the service or identity type.
const principalExpr = "coalesce(session_issuer_arn, user_arn, invoked_by, identity_type, '(unknown)')"

// Summarize reads what the events where selects hold, at a glance (the
// summary command prints it).
func Summarize(ctx context.Context, db *sql.DB, where string, args []any, top int) (*event.CaseSummary, error) {
	s := &event.CaseSummary{}
	var first, last sql.NullTime
	q := "SELECT count(*), min(event_time), max(event_time), count(DISTINCT source_id) FROM events WHERE " + where
	if err := db.QueryRowContext(ctx, q, args...).Scan(&s.Events, &first, &last, &s.Files); err != nil {
		return nil, fmt.Errorf("summarising the case: %w", err)
	}
	s.FirstEvent, s.LastEvent = timePtr(first), timePtr(last)
	lists := []struct {
		dst            *event.SummaryList
		key, principal string
		notNull        string
	}{
		{&s.Accounts, "recipient_account_id", "", "recipient_account_id"},
		{&s.Regions, "aws_region", "", "aws_region"},
		{&s.Principals, principalExpr, "", ""},
		{&s.AccessKeys, "access_key_id", principalExpr, "access_key_id"},
	}
	for _, l := range lists {
		list, err := summaryList(ctx, db, where, args, l.key, l.principal, l.notNull, top)
		if err != nil {
			return nil, err
		}
		*l.dst = list
	}
	return s, nil
}

// summaryList groups the events by key (with the most frequent principal
// of each group when principal is set).
func summaryList(ctx context.Context, db *sql.DB, where string, args []any, key, principal, notNull string, top int) (event.SummaryList, error) {
	cond := where
	if notNull != "" {
		cond = "(" + where + ") AND " + notNull + " IS NOT NULL AND " + notNull + " <> ''"
	}
	pcol := "''"
	if principal != "" {
		pcol = "mode(" + principal + ")"
	}
	limit := ""
	if top > 0 {
		limit = fmt.Sprintf(" LIMIT %d", top)
	}
	q := `SELECT ` + key + ` AS k, ` + pcol + `, count(*) AS n, count(*) FILTER (WHERE ` + cloudtrail.DeniedSQL("error_code") + `),
		count(DISTINCT source_ip), min(event_time), max(event_time), count(*) OVER ()
		FROM events WHERE ` + cond + ` GROUP BY 1 ORDER BY n DESC, k` + limit
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return event.SummaryList{}, fmt.Errorf("summarising %s: %w", key, err)
	}
	defer rows.Close()
	list := event.SummaryList{Rows: []event.SummaryRow{}}
	for rows.Next() {
		var r event.SummaryRow
		var first, last sql.NullTime
		if err := rows.Scan(&r.Name, &r.Principal, &r.Events, &r.Denied, &r.SourceIPs, &first, &last, &list.Total); err != nil {
			return event.SummaryList{}, fmt.Errorf("summarising %s: %w", key, err)
		}
		r.FirstSeen, r.LastSeen = timePtr(first), timePtr(last)
		list.Rows = append(list.Rows, r)
	}
	return list, rows.Err()
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
