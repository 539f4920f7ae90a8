package coverage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/eventsql"
	"github.com/valyala/fastjson"
)

// call is one CloudTrail event as the coverage analysis reads it: a call
// that may change what is logged.
type call struct {
	ID, Name, Source, Region, IP, ErrorCode string
	Time                                    time.Time
	Account                                 string // recipient account
	Type, ARN, UserName, IssuerARN          string // who made it
	InvokedBy                               string
	Request                                 string // requestParameters, JSON
}

// readCalls reads the events f and cond select, oldest first.
func readCalls(ctx context.Context, db *sql.DB, f eventsql.Filter, cond string, args ...any) ([]call, error) {
	q := `SELECT event_id, event_time, coalesce(event_name, ''), coalesce(event_source, ''), coalesce(aws_region, ''),
		coalesce(source_ip, ''), coalesce(error_code, ''), coalesce(recipient_account_id, ''), coalesce(identity_type, ''),
		coalesce(user_arn, ''), coalesce(user_name, ''), coalesce(session_issuer_arn, ''), coalesce(invoked_by, ''),
		coalesce(request_parameters, '')
		FROM events WHERE (` + f.Where + `) AND (` + cond + `) ORDER BY event_time, event_id`
	rows, err := db.QueryContext(ctx, q, append(append([]any(nil), f.Args...), args...)...)
	if err != nil {
		return nil, fmt.Errorf("querying events: %w", err)
	}
	defer rows.Close()
	var out []call
	for rows.Next() {
		var c call
		var t sql.NullTime
		if err := rows.Scan(&c.ID, &t, &c.Name, &c.Source, &c.Region, &c.IP, &c.ErrorCode, &c.Account, &c.Type,
			&c.ARN, &c.UserName, &c.IssuerARN, &c.InvokedBy, &c.Request); err != nil {
			return nil, err
		}
		if t.Valid {
			c.Time = t.Time.UTC()
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// jsonPath is the string at path in a JSON document, "" when absent.
func jsonPath(doc string, path ...string) string {
	if doc == "" {
		return ""
	}
	return fastjson.GetString([]byte(doc), path...)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
