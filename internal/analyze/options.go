package analyze

import (
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
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
	Now       time.Time
	ReportSeq int
	Tool      event.ToolInfo
	Database  string
}

func (o *Options) indicators() bool {
	return len(o.Keys)+len(o.Principals)+len(o.IPs) > 0
}
