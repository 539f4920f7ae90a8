package analyze

import (
	"context"
	"log/slog"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ipinfo"
)

// Options say what to investigate.
type Options struct {
	Since, Until      *time.Time
	Accounts, Regions []string
	// Indicators: access key ids, principals (ARN or IAM user name), source
	// IPs or CIDRs. With none, the investigation triages.
	Keys, Principals, IPs []string
	// Findings are detection hits (from hunt) over the case: they raise
	// suspicion in triage and are listed in the report.
	Findings []event.Finding
	// SessionGap separates sessions (default 30 minutes).
	SessionGap time.Duration
	// Now and ReportSeq make the report id: AWS-IR-<Now as YYYYMMDD>-<seq>.
	// Now is when the report id was first given, so a re-run reproduces
	// the report; GeneratedAt (default Now) is when this copy was made.
	Now         time.Time
	GeneratedAt time.Time
	ReportSeq   int
	Tool        event.ToolInfo
	Database    string
	// IPInfo enriches source addresses (country, ASN, AWS ranges); nil
	// leaves them unenriched.
	IPInfo *ipinfo.Enricher
	// Detect, when set in indicator mode, runs the detection rules over the
	// given events only (the indicators' events, then the credentials
	// derived from them) instead of relying on Findings from a hunt over
	// the whole case: on a large case that is seconds instead of a full
	// hunt. Its findings are added to Findings.
	// The events are those matching any of the conditions.
	Detect func(ctx context.Context, conds []Cond) ([]event.Finding, error)
	// Logger gets per-step timings at debug level; nil discards them.
	Logger *slog.Logger
}

func (o *Options) indicators() bool {
	return len(o.Keys)+len(o.Principals)+len(o.IPs) > 0
}

// Cond is a SQL condition on the events table with its arguments. Several
// are kept apart rather than OR-ed: each alone is pushed into DuckDB's
// scan. They may overlap; rules count distinct events.
type Cond struct {
	Where string
	Args  []any
}
