package event

import "time"

// Case is everything an investigation found: the one value every report
// format renders. Its JSON encoding is the JSON report (docs/report-schema.md).
type Case struct {
	ReportID    string        `json:"report_id"`
	GeneratedAt time.Time     `json:"generated_at"`
	Tool        ToolInfo      `json:"tool"`
	Accounts    []string      `json:"accounts"`
	Regions     []string      `json:"regions"`
	Timeframe   Timeframe     `json:"timeframe"`
	Scope       Scope         `json:"scope"`
	Triage      []TriageEntry `json:"triage,omitempty"`

	CompromisedCredentials []Credential      `json:"compromised_credentials"`
	CredentialChain        []ChainEdge       `json:"credential_chain"`
	SuspiciousEventCount   int               `json:"suspicious_event_count"`
	SourceIPs              []SourceIP        `json:"source_ips"`
	Actions                []Action          `json:"actions"`
	Sessions               []Session         `json:"sessions"`
	DataAccessed           []DataAccess      `json:"data_accessed"`
	Changes                []Change          `json:"changes"`
	Persistence            []Persistence     `json:"persistence"`
	DefenseEvasion         []Action          `json:"defense_evasion"`
	Findings               []Finding         `json:"findings"`
	RelatedIdentities      []RelatedIdentity `json:"related_identities,omitempty"`
	Remediation            []Remediation     `json:"remediation"`
	Evidence               Evidence          `json:"evidence"`
	Notes                  []string          `json:"notes,omitempty"`
}

// ToolInfo says what made the report.
type ToolInfo struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	CommandLine string `json:"command_line"`
}

// Timeframe is the span of the suspicious activity (or the window asked for).
type Timeframe struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Scope is what the investigation was asked to look at.
type Scope struct {
	Since      *time.Time `json:"since,omitempty"`
	Until      *time.Time `json:"until,omitempty"`
	Accounts   []string   `json:"accounts,omitempty"`
	Regions    []string   `json:"regions,omitempty"`
	Keys       []string   `json:"access_key_ids,omitempty"`
	Principals []string   `json:"principals,omitempty"`
	IPs        []string   `json:"ips,omitempty"`
	// Mode is "indicators" when keys/principals/IPs were given, "triage" otherwise.
	Mode string `json:"mode"`
}

// TriageEntry is one principal ranked by suspicion when no indicator was given.
type TriageEntry struct {
	PrincipalARN string   `json:"principal_arn"`
	AccessKeyIDs []string `json:"access_key_ids"`
	Score        float64  `json:"score"`
	Reasons      []string `json:"reasons"`
}

// Credential is a compromised access key (or console session) and where it came from.
type Credential struct {
	AccessKeyID  string `json:"access_key_id"`
	PrincipalARN string `json:"principal_arn"`
	// DerivedFrom is the access key that obtained or created this one; empty for a seed.
	DerivedFrom string `json:"derived_from"`
	// How is the API call that produced it (AssumeRole, CreateAccessKey, ConsoleLogin, …) or "given".
	How        string    `json:"how"`
	Reason     string    `json:"reason"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	EventCount int       `json:"event_count"`
}

// ChainEdge is one step of the credential chain.
type ChainEdge struct {
	From         string    `json:"from"`
	To           string    `json:"to"`
	How          string    `json:"how"`
	EventID      string    `json:"event_id"`
	EventTime    time.Time `json:"event_time"`
	SourceIP     string    `json:"source_ip"`
	Account      string    `json:"account"`
	PrincipalARN string    `json:"principal_arn"`
}

// SourceIP is an address the compromised credentials were used from.
type SourceIP struct {
	IP         string    `json:"ip"`
	EventCount int       `json:"event_count"`
	UserAgents []string  `json:"user_agents"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
}

// Action is one event of the attacker's timeline.
type Action struct {
	EventTime    time.Time `json:"event_time"`
	EventID      string    `json:"event_id"`
	EventName    string    `json:"event_name"`
	EventSource  string    `json:"event_source"`
	PrincipalARN string    `json:"principal_arn"`
	AccessKeyID  string    `json:"access_key_id"`
	SourceIP     string    `json:"source_ip"`
	AWSRegion    string    `json:"aws_region"`
	ErrorCode    string    `json:"error_code"`
	UserAgent    string    `json:"user_agent,omitempty"`
	Tactic       string    `json:"tactic"`
	Technique    string    `json:"technique"`
	Resource     string    `json:"resource,omitempty"`
	Session      int       `json:"session"`
}

// Session is a run of actions with no gap over 30 minutes.
type Session struct {
	Number     int       `json:"number"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	EventCount int       `json:"event_count"`
	AccessKeys []string  `json:"access_key_ids"`
	SourceIPs  []string  `json:"source_ips"`
	Tactics    []string  `json:"tactics"`
	Denied     int       `json:"denied"`
}

// DataAccess is a data target the credentials read, listed or copied.
type DataAccess struct {
	Resource  string    `json:"resource"`
	Kind      string    `json:"kind"`
	EventName string    `json:"event_name"`
	Count     int       `json:"count"`
	Bytes     int64     `json:"bytes,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Denied    int       `json:"denied,omitempty"`
}

// Change is a write the credentials made, grouped by service and resource.
type Change struct {
	Service    string   `json:"service"`
	Resource   string   `json:"resource"`
	EventNames []string `json:"event_names"`
	Count      int      `json:"count"`
	Denied     int      `json:"denied"`
}

// Persistence is something the attacker left behind.
type Persistence struct {
	Kind      string     `json:"kind"`
	Resource  string     `json:"resource"`
	EventID   string     `json:"event_id"`
	EventName string     `json:"event_name"`
	EventTime time.Time  `json:"event_time"`
	CreatedBy string     `json:"created_by"`
	Removed   bool       `json:"removed"`
	RemovedAt *time.Time `json:"removed_at,omitempty"`
}

// RelatedIdentity is another identity seen from the attacker's IPs.
type RelatedIdentity struct {
	PrincipalARN string   `json:"principal_arn"`
	AccessKeyIDs []string `json:"access_key_ids"`
	SourceIPs    []string `json:"source_ips"`
	EventCount   int      `json:"event_count"`
	Reason       string   `json:"reason"`
}

// Remediation is one step to take, with the command that does it.
type Remediation struct {
	Action  string `json:"action"`
	Command string `json:"command"`
}

// Evidence says what the findings stand on.
type Evidence struct {
	Sources     []EvidenceSource `json:"sources"`
	TotalEvents int64            `json:"total_events"`
	Database    string           `json:"database"`
}

// EvidenceSource is one input file of the case.
type EvidenceSource struct {
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	Events    int64  `json:"events"`
	Status    string `json:"status"`
	Validated *bool  `json:"validated,omitempty"`
}
