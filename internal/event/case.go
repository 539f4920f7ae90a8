package event

import "time"

// Case is everything an investigation found: the one value every report
// format renders. Its JSON encoding is the JSON report (docs/report-schema.md).
type Case struct {
	ReportID    string    `json:"report_id"`
	GeneratedAt time.Time `json:"generated_at"`
	Tool        ToolInfo  `json:"tool"`
	// Summary is the story in a few plain sentences, computed once from
	// the rest of the case: who, what, which data, what persists, whether
	// it is still going on, and the first things to do.
	Summary   []string      `json:"summary"`
	Accounts  []string      `json:"accounts"`
	Regions   []string      `json:"regions"`
	Timeframe Timeframe     `json:"timeframe"`
	Scope     Scope         `json:"scope"`
	Triage    []TriageEntry `json:"triage"`

	CompromisedCredentials []Credential      `json:"compromised_credentials"`
	CredentialChain        []ChainEdge       `json:"credential_chain"`
	SuspiciousEventCount   int               `json:"suspicious_event_count"`
	SourceIPs              []SourceIP        `json:"source_ips"`
	Actions                []Action          `json:"actions"`
	Sessions               []Session         `json:"sessions"`
	ConsoleActions         []ConsoleAction   `json:"console_actions"`
	DataAccessed           []DataAccess      `json:"data_accessed"`
	Changes                []Change          `json:"changes"`
	Persistence            []Persistence     `json:"persistence"`
	DefenseEvasion         []Action          `json:"defense_evasion"`
	Findings               []Finding         `json:"findings"`
	RelatedIdentities      []RelatedIdentity `json:"related_identities"`
	Remediation            []Remediation     `json:"remediation"`
	Coverage               Coverage          `json:"coverage"`
	// Compliance maps the finding types present to the controls they are
	// evidence about (investigate --compliance).
	Compliance []ComplianceItem `json:"compliance"`
	// NetworkFlows are the VPC flow log records to and from the attacker's
	// addresses, summed per flow (absent when the case holds no flow logs).
	NetworkFlows []NetworkFlow `json:"network_flows,omitempty"`
	Evidence     Evidence      `json:"evidence"`
	Notes        []string      `json:"notes"`
}

// ToolInfo says what made the report.
type ToolInfo struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	CommandLine string `json:"command_line"`
}

// Timeframe is the span of the suspicious activity or, when none was
// found, of the window asked for or of the evidence; Of says which. Times
// are null when nothing bounds them.
type Timeframe struct {
	Start *time.Time `json:"start"`
	End   *time.Time `json:"end"`
	// Of is "attacker activity", "window" (the --since/--until asked for,
	// nothing suspicious in it) or "evidence" (the case's events, nothing
	// suspicious in them).
	Of string `json:"of"`
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

// TriageEntry is one identity ranked by suspicion when no indicator was
// given: an IAM user, root, or a role (whose sessions share a history),
// with the credentials derived from it folded in.
type TriageEntry struct {
	Rank         int      `json:"rank"`
	PrincipalARN string   `json:"principal_arn"`
	AccessKeyIDs []string `json:"access_key_ids"`
	// Score is the sum of Parts: severity-weighted distinct detections,
	// tooling, logging weakened, new infrastructure, denials and the
	// kill-chain shape, over the uses that are not the identity's routine.
	Score float64     `json:"score"`
	Parts []ScorePart `json:"parts"`
	// Verdict is "attacker" when at least one use (an address it acted
	// from) shows evidence of an attacker, "unsure" when uses are unusual
	// but not enough to say so, "owner" otherwise.
	Verdict string `json:"verdict"`
	// Investigated is true when the investigation followed its attacker uses.
	Investigated bool `json:"investigated"`
	// Addresses are the source addresses of its attacker and unsure uses.
	Addresses []string `json:"addresses"`
	// Reasons are the uses' verdicts in one sentence each.
	Reasons []string `json:"reasons"`
	// Benign lists detections left out because their context explains them
	// (reads of CloudTrail's own logs, console browsing, logging turned on,
	// calls made by AWS services), with counts.
	Benign []string `json:"benign"`
}

// ScorePart is one component of a triage score.
type ScorePart struct {
	Kind   string  `json:"kind"` // detections, tooling, logging, where, tools, mfa, denials, kill-chain, lineage
	Points float64 `json:"points"`
	Detail string  `json:"detail"`
}

// Credential is a compromised access key (or console session) and where it came from.
type Credential struct {
	AccessKeyID  string `json:"access_key_id"`
	PrincipalARN string `json:"principal_arn"`
	// DerivedFrom is the access key that obtained or created this one; empty for a seed.
	DerivedFrom string `json:"derived_from"`
	// How is the API call that produced it (AssumeRole, CreateAccessKey, ConsoleLogin, …) or "given".
	How    string `json:"how"`
	Reason string `json:"reason"`
	// SignInMFA is, for a console sign-in, whether it used MFA ("Yes",
	// "No", as CloudTrail's MFAUsed says); empty otherwise.
	SignInMFA string `json:"sign_in_mfa,omitempty"`
	// FirstSeen and LastSeen are null for a credential obtained but never
	// used in the evidence (EventCount 0).
	FirstSeen  *time.Time `json:"first_seen"`
	LastSeen   *time.Time `json:"last_seen"`
	EventCount int        `json:"event_count"`
	// What this credential did that it had not done before its baseline
	// ended: source addresses, user agents (one example string per new
	// tool family), APIs (source:name), regions, and, with the databases,
	// countries and ASNs.
	NewSourceIPs  []string  `json:"new_source_ips"`
	NewUserAgents []string  `json:"new_user_agents"`
	NewAPIs       []string  `json:"new_apis"`
	NewRegions    []string  `json:"new_regions"`
	NewCountries  []string  `json:"new_countries,omitempty"`
	NewASNs       []string  `json:"new_asns,omitempty"`
	Baseline      *Baseline `json:"baseline,omitempty"`
}

// Baseline is what was normal for a credential before the window: its
// activity before --since or, without one, in its first 24 hours of use.
type Baseline struct {
	// Until is when the baseline ended; null when the credential had no use
	// before the attacker's first (Note says so).
	Until *time.Time `json:"until"`
	// Note explains an empty baseline.
	Note       string   `json:"note,omitempty"`
	Events     int      `json:"events"`
	SourceIPs  []string `json:"source_ips"`
	UserAgents []string `json:"user_agents"`
	Regions    []string `json:"regions"`
	APIs       int      `json:"api_count"`
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
	// Kind is ipv4 or ipv6 for addresses; aws-service (a service's DNS
	// name, e.g. lambda.amazonaws.com), aws-internal or other for what
	// CloudTrail records when a service made the call.
	Kind string `json:"kind"`
	// Country (ISO 3166-1 alpha-2) and autonomous system, from the
	// databases listed in evidence.enrichment; empty when unknown.
	Country string `json:"country"`
	ASN     int    `json:"asn"`
	ASOrg   string `json:"as_org,omitempty"`
	// AWS marks an AWS-owned address ("AWS range EC2 us-east-1") when
	// --aws-ip-ranges was given.
	AWS              string   `json:"aws"`
	Principals       []string `json:"principals"`
	UserAgentClasses []string `json:"user_agent_classes"`
	// NewFor lists the access keys and principals for which this address
	// was first seen after their baseline; empty if none.
	NewFor []string `json:"new_for"`
	// Novelty in the whole evidence, not only for the credentials above:
	// when the address was first seen in the account it acted on (by any
	// identity) and in any account of the case (the organisation's, as far
	// as the evidence goes), how many events came from it there before the
	// attacker's first use, and whether it was new. Null times mean the
	// address's events carry no time.
	AccountFirstSeen  *time.Time `json:"account_first_seen"`
	PriorEvents       int        `json:"prior_events"`
	NewToAccount      bool       `json:"new_to_account"`
	OrgFirstSeen      *time.Time `json:"organization_first_seen"`
	NewToOrganization bool       `json:"new_to_organization"`
	// NewNetwork is true when its autonomous system (with --asn) had not
	// been seen in the account before; false when unknown.
	NewNetwork bool `json:"new_network"`
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
	// ConsoleGroup numbers the console page load this call belongs to
	// (see Case.ConsoleActions); 0 when it is not part of one.
	ConsoleGroup int `json:"console_group,omitempty"`
	// Log names the log the action comes from when it is not CloudTrail
	// ("S3 server access log"); EventID is then the record's place in it.
	Log string `json:"log,omitempty"`
}

// ConsoleAction is one user action in the console — a page load that made
// several API calls in the same moment — with the calls kept underneath.
type ConsoleAction struct {
	Group        int       `json:"group"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	PrincipalARN string    `json:"principal_arn"`
	AccessKeyID  string    `json:"access_key_id"`
	SourceIP     string    `json:"source_ip"`
	Services     []string  `json:"services"`
	EventNames   []string  `json:"event_names"`
	EventIDs     []string  `json:"event_ids"`
	Denied       int       `json:"denied"`
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
	// Source is the log the access was seen in when it is not CloudTrail
	// ("S3 server access log"); absent: CloudTrail.
	Source string `json:"source,omitempty"`
	// Bucket, Key, ObjectSize and HTTPStatus describe an object access seen
	// in an S3 server access log (Key URL-decoded; the statuses returned).
	Bucket     string `json:"bucket,omitempty"`
	Key        string `json:"key,omitempty"`
	ObjectSize int64  `json:"object_size,omitempty"`
	HTTPStatus []int  `json:"http_status,omitempty"`
}

// NetworkFlow sums the VPC flow log records of one flow to or from an
// attacker's address: same source, destination, destination port,
// protocol and action.
type NetworkFlow struct {
	SrcAddr    string    `json:"srcaddr"`
	DstAddr    string    `json:"dstaddr"`
	DstPort    int       `json:"dstport"`
	Protocol   int       `json:"protocol"`
	Action     string    `json:"action"` // ACCEPT or REJECT
	Records    int64     `json:"records"`
	Packets    int64     `json:"packets"`
	Bytes      int64     `json:"bytes"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Interfaces []string  `json:"interfaces"`
	// Direction is "inbound" when the attacker's address is the source,
	// "outbound" when it is the destination.
	Direction string `json:"direction"`
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
	// Counted is true when its events at those addresses are counted as
	// the attacker's (its own activity there shows signs too).
	Counted bool   `json:"counted"`
	Reason  string `json:"reason"`
}

// Remediation is one step to take, with the command that does it. Steps
// come in phase order (contain, eradicate, recover) and, within a phase,
// grouped by target: one block per credential or resource.
type Remediation struct {
	// Phase is "contain" (cut the attacker off), "eradicate" (remove what
	// the attacker left) or "recover" (restore and assess).
	Phase string `json:"phase"`
	// Target is the credential or resource the step acts on ("user
	// ci-deploy", "role infra-admin", "Lambda function f").
	Target  string `json:"target"`
	Action  string `json:"action"`
	Command string `json:"command"`
}

// RemediationPhases returns the phases in the order steps come in.
func RemediationPhases() []string { return []string{"contain", "eradicate", "recover"} }

// Evidence says what the findings stand on.
type Evidence struct {
	Sources     []EvidenceSource `json:"sources"`
	TotalEvents int64            `json:"total_events"`
	Database    string           `json:"database"`
	// CaseState ties the report to the case it was made from: the last
	// audit-log entry that changed the case (trailsleuth audit).
	CaseState *CaseState `json:"case_state,omitempty"`
	// InPlace: the case reads these events' original text from their
	// input files (ingest --originals in-place), which must stay unchanged.
	InPlace   *InPlaceTotals `json:"originals_in_place,omitempty"`
	Integrity Integrity      `json:"integrity"`
	// Enrichment names the IP databases used (country, ASN, AWS ranges).
	Enrichment []string `json:"enrichment,omitempty"`
	// Conflicts lists events delivered in copies that disagree (same
	// eventID, name and time, other content: a forged or altered log):
	// the copy the analysis used, those set aside, and why. ConflictTotal
	// counts them all; the list may be cut.
	Conflicts     []CopyConflict `json:"conflicts,omitempty"`
	ConflictTotal int            `json:"conflict_total,omitempty"`
}

// CopyConflict is one event whose copies disagree.
type CopyConflict struct {
	EventID   string      `json:"event_id"`
	EventName string      `json:"event_name"`
	EventTime *time.Time  `json:"event_time,omitempty"`
	Used      EventCopy   `json:"used"`
	SetAside  []EventCopy `json:"set_aside"`
	// Why the copy used was chosen: its source validated against
	// CloudTrail's signed digests when the others' were not, or, the
	// sources alike, the first ingested.
	Why string `json:"why"`
}

// EventCopy is one copy of an event: the file it came from, what that
// file's validation said, and what the copy says.
type EventCopy struct {
	Path       string `json:"path"`
	SHA256     string `json:"sha256,omitempty"`
	Validation string `json:"validation,omitempty"`
	Position   int64  `json:"position"`
	SourceIP   string `json:"source_ip"`
	// Differs names the case-database columns (docs/schema.md) in which a
	// set-aside copy differs from the copy used.
	Differs []string `json:"differs,omitempty"`
}

// CaseState is an audit-log entry's sequence number and hash.
type CaseState struct {
	AuditSeq  int64  `json:"audit_seq"`
	AuditHash string `json:"audit_hash"`
}

// EvidenceSource is one input file of the case.
type EvidenceSource struct {
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	Events    int64  `json:"events"`
	Status    string `json:"status"`
	Validated *bool  `json:"validated,omitempty"`
	// Validation is what log file integrity validation said: valid,
	// unverified, hash_mismatch, unlisted, not_covered, …; empty when the
	// file was not checked (no digests or no public keys at ingest).
	Validation string `json:"validation,omitempty"`
	// Log names a source that is not CloudTrail ("S3 server access log",
	// "VPC flow log"): Events then counts its records, and it is not in
	// the digest validation counts (those logs have no digests).
	Log string `json:"log,omitempty"`
}

// Integrity sums up the sources' validation against signed digests.
type Integrity struct {
	Validated int    `json:"validated"`
	Failed    int    `json:"failed"`
	Unchecked int    `json:"unchecked"`
	Summary   string `json:"summary"`
}

// ComplianceItem is one finding type of the case and the controls it is
// evidence about.
type ComplianceItem struct {
	FindingType string   `json:"finding_type"`
	Title       string   `json:"title"`
	Count       int      `json:"count"`
	Controls    Controls `json:"controls"`
	Why         string   `json:"why"`
}

// Controls lists control ids per framework.
type Controls struct {
	SOC2      []string `json:"soc2"`
	ISO27001  []string `json:"iso27001"`
	NIST80053 []string `json:"nist_800_53"`
	NISTCSF   []string `json:"nist_csf"`
}
