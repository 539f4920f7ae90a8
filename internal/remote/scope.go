package remote

import (
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// Scope restricts every query: the window and the accounts and regions.
type Scope struct {
	Since, Until      *time.Time
	Accounts, Regions []string
}

// col names a CloudTrail field in the target's dialect.
func (t Target) col(athena, lake string) string {
	if t.lake() {
		return lake
	}
	return athena
}

func (t Target) timeExpr() string {
	return t.col("from_iso8601_timestamp(eventtime)", "eventTime")
}

// timeLiteral matches sigma's literals, so hunts and fetches read the same
// window.
func (t Target) timeLiteral(v time.Time) string {
	if t.lake() {
		return "TIMESTAMP " + sqlquote.String(v.UTC().Format("2006-01-02 15:04:05.999"))
	}
	return "from_iso8601_timestamp(" + sqlquote.String(v.UTC().Format(time.RFC3339Nano)) + ")"
}

// partitionPreds are predicates on the partition columns only. A log file
// sits in the folder of the day it was delivered, at or after its events'
// day and at most a day later, so the window's last day gets one more.
func (t Target) partitionPreds(s Scope) []string {
	if t.lake() || t.Partitions == PartitionsNone || t.Partitions == "" {
		return nil
	}
	var p []string
	if s.Since != nil {
		p = append(p, `"timestamp" >= `+sqlquote.String(s.Since.UTC().Format("2006/01/02")))
	}
	if s.Until != nil {
		p = append(p, `"timestamp" <= `+sqlquote.String(s.Until.Add(-time.Nanosecond).UTC().AddDate(0, 0, 1).Format("2006/01/02")))
	}
	if t.Partitions == PartitionsProjection {
		if len(s.Accounts) > 0 {
			p = append(p, "account IN ("+sqlquote.Strings(s.Accounts)+")")
		}
		if len(s.Regions) > 0 {
			p = append(p, "region IN ("+sqlquote.Strings(s.Regions)+")")
		}
	}
	return p
}

// fieldPreds restrict accounts and regions on the events' own fields.
func (t Target) fieldPreds(s Scope) []string {
	var p []string
	if len(s.Accounts) > 0 {
		p = append(p, t.col("recipientaccountid", "recipientAccountId")+" IN ("+sqlquote.Strings(s.Accounts)+")")
	}
	if len(s.Regions) > 0 {
		p = append(p, t.col("awsregion", "awsRegion")+" IN ("+sqlquote.Strings(s.Regions)+")")
	}
	return p
}

func (t Target) timePreds(s Scope) []string {
	var p []string
	if s.Since != nil {
		p = append(p, t.timeExpr()+" >= "+t.timeLiteral(*s.Since))
	}
	if s.Until != nil {
		p = append(p, t.timeExpr()+" < "+t.timeLiteral(*s.Until))
	}
	return p
}

// wherePreds is the whole scope as predicates.
func (t Target) wherePreds(s Scope) []string {
	return append(append(t.partitionPreds(s), t.fieldPreds(s)...), t.timePreds(s)...)
}

// source is the FROM item of a rule's query: the table, or the table
// narrowed to the partitions, accounts and regions in scope (the rule's
// compiled SQL adds the time window itself).
func (t Target) source(s Scope) string {
	p := append(t.partitionPreds(s), t.fieldPreds(s)...)
	if len(p) == 0 {
		return t.Table
	}
	return "(SELECT * FROM " + t.Table + " WHERE " + strings.Join(p, " AND ") + ") AS scoped"
}
