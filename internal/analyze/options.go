package analyze

import (
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
	// TriageTop bounds how many triaged principals are investigated.
	TriageTop int
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
	// Logger gets per-step timings at debug level; nil discards them.
	Logger *slog.Logger
}

func (o *Options) indicators() bool {
	return len(o.Keys)+len(o.Principals)+len(o.IPs) > 0
}
