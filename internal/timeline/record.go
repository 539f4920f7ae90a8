package timeline

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/attack"
)

// Record is one event as the exporters need it: the typed columns of the
// events table (empty strings for NULL) plus trailsleuth's enrichment.
type Record struct {
	EventID         string
	Time            time.Time // UTC; never zero (events without a time are skipped)
	EventVersion    string
	EventName       string
	EventSource     string
	Region          string
	SourceIP        string
	UserAgent       string
	ErrorCode       string
	ErrorMessage    string
	ReadOnly        *bool
	EventType       string
	EventCategory   string
	ManagementEvent *bool
	RecipientAcct   string
	SharedEventID   string
	RequestID       string
	VPCEndpointID   string
	APIVersion      string

	IdentityType     string
	PrincipalID      string
	UserARN          string
	AccountID        string // userIdentity.accountId
	AccessKeyID      string
	UserName         string
	InvokedBy        string
	IssuerType       string
	IssuerARN        string
	IssuerUserName   string
	IssuerAccountID  string
	IssuerPrincipal  string
	SessionMFA       *bool
	SessionCreated   time.Time // zero when absent
	WebIDProvider    string
	SAMLProvider     string
	RequestParams    string // JSON text or ""
	ResponseElements string
	AdditionalData   string
	Resources        string
	TLSDetails       string
	ServiceDetails   string

	// Enrichment.
	Tactic      string   // ATT&CK tactic name, "" for routine calls
	TacticID    string   // TA0007
	Technique   string   // "T1580 Cloud Infrastructure Discovery"
	TechniqueID string   // T1580
	Resource    string   // attack.Resource: "s3://bucket/key", "iam user bob"
	Rules       []string // titles of the detection rules that matched the event
}

// selectColumns is the SELECT list scan reads, in order. The session
// issuer's principalId has no column of its own and comes from raw.
const selectColumns = `event_id, event_time, coalesce(event_version, ''), coalesce(event_name, ''),
	coalesce(event_source, ''), coalesce(aws_region, ''), coalesce(source_ip, ''), coalesce(user_agent, ''),
	coalesce(error_code, ''), coalesce(error_message, ''), read_only, coalesce(event_type, ''),
	coalesce(event_category, ''), management_event, coalesce(recipient_account_id, ''),
	coalesce(shared_event_id, ''), coalesce(request_id, ''), coalesce(vpc_endpoint_id, ''),
	coalesce(api_version, ''), coalesce(identity_type, ''), coalesce(principal_id, ''), coalesce(user_arn, ''),
	coalesce(account_id, ''), coalesce(access_key_id, ''), coalesce(user_name, ''), coalesce(invoked_by, ''),
	coalesce(session_issuer_type, ''), coalesce(session_issuer_arn, ''), coalesce(session_issuer_user_name, ''),
	coalesce(session_issuer_account_id, ''),
	coalesce(json_extract_string(raw, '$.userIdentity.sessionContext.sessionIssuer.principalId'), ''),
	session_mfa, session_creation_date, coalesce(web_id_federation_provider, ''), coalesce(saml_provider, ''),
	coalesce(request_parameters, ''), coalesce(response_elements, ''), coalesce(additional_event_data, ''),
	coalesce(resources, ''), coalesce(tls_details, ''), coalesce(service_event_details, '')`

// scanner reads rows of selectColumns into a reused Record.
type scanner struct {
	r                Record
	t, created       sql.NullTime
	ro, mgmt, mfa    sql.NullBool
	roV, mgmtV, mfaV bool
	dest             []any
	cat              *attack.Catalog
	hits             map[string][]string
}

func newScanner(hits map[string][]string) *scanner {
	s := &scanner{cat: attack.Default(), hits: hits}
	r := &s.r
	s.dest = []any{&r.EventID, &s.t, &r.EventVersion, &r.EventName, &r.EventSource, &r.Region, &r.SourceIP,
		&r.UserAgent, &r.ErrorCode, &r.ErrorMessage, &s.ro, &r.EventType, &r.EventCategory, &s.mgmt,
		&r.RecipientAcct, &r.SharedEventID, &r.RequestID, &r.VPCEndpointID, &r.APIVersion, &r.IdentityType,
		&r.PrincipalID, &r.UserARN, &r.AccountID, &r.AccessKeyID, &r.UserName, &r.InvokedBy, &r.IssuerType,
		&r.IssuerARN, &r.IssuerUserName, &r.IssuerAccountID, &r.IssuerPrincipal, &s.mfa, &s.created,
		&r.WebIDProvider, &r.SAMLProvider, &r.RequestParams, &r.ResponseElements, &r.AdditionalData,
		&r.Resources, &r.TLSDetails, &r.ServiceDetails}
	return s
}

// scan reads the current row into the scanner's Record, which the next
// scan overwrites. The query leaves out events without a time.
func (s *scanner) scan(rows *sql.Rows) (*Record, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, fmt.Errorf("reading event: %w", err)
	}
	r := &s.r
	if !s.t.Valid {
		return nil, fmt.Errorf("event %s has no time", r.EventID)
	}
	r.Time = s.t.Time.UTC()
	r.ReadOnly, r.ManagementEvent, r.SessionMFA = nil, nil, nil
	if s.ro.Valid {
		s.roV = s.ro.Bool
		r.ReadOnly = &s.roV
	}
	if s.mgmt.Valid {
		s.mgmtV = s.mgmt.Bool
		r.ManagementEvent = &s.mgmtV
	}
	if s.mfa.Valid {
		s.mfaV = s.mfa.Bool
		r.SessionMFA = &s.mfaV
	}
	r.SessionCreated = time.Time{}
	if s.created.Valid {
		r.SessionCreated = s.created.Time.UTC()
	}
	// "null" is how an absent JSON document can still arrive; treat it as absent.
	for _, p := range []*string{&r.RequestParams, &r.ResponseElements, &r.AdditionalData, &r.Resources, &r.TLSDetails, &r.ServiceDetails} {
		if *p == "null" {
			*p = ""
		}
	}
	tech := s.cat.Classify(r.EventSource, r.EventName)
	r.Tactic, r.TacticID, r.Technique, r.TechniqueID = tech.Tactic, tech.TacticID, tech.Technique, tech.TechniqueID
	r.Resource = attack.Resource(r.EventSource, r.EventName, r.RequestParams, r.Resources)
	r.Rules = s.hits[r.EventID]
	return r, nil
}

// Principal is the ARN the call was made as, or the AWS service that made
// it when there is no ARN.
func (r *Record) Principal() string {
	if r.UserARN != "" {
		return r.UserARN
	}
	return r.InvokedBy
}

// IsIP tells whether sourceIPAddress is a network address rather than an
// AWS service name ("ec2.amazonaws.com") or "AWS Internal".
func (r *Record) IsIP() bool { return net.ParseIP(r.SourceIP) != nil }

// Failed tells whether the call failed: an error code, or a console sign-in
// whose response says Failure.
func (r *Record) Failed() bool {
	if r.ErrorCode != "" || r.ErrorMessage != "" {
		return true
	}
	return strings.EqualFold(r.consoleLoginResult(), "Failure")
}

// consoleLoginResult is responseElements.ConsoleLogin ("Success",
// "Failure") for sign-in events, "" otherwise.
func (r *Record) consoleLoginResult() string {
	if r.EventName != "ConsoleLogin" || r.ResponseElements == "" {
		return ""
	}
	var v struct {
		ConsoleLogin string `json:"ConsoleLogin"`
	}
	json.Unmarshal([]byte(r.ResponseElements), &v) //nolint:errcheck // not an object: no result
	return v.ConsoleLogin
}

// Tags are the labels a timeline tool shows on the event: the ATT&CK
// tactic and the titles of matching rules.
func (r *Record) Tags() []string {
	tags := make([]string, 0, 1+len(r.Rules))
	if r.Tactic != "" {
		tags = append(tags, r.Tactic)
	}
	return append(tags, r.Rules...)
}

// jsonDoc returns s as raw JSON for embedding, nil when empty or invalid
// (the store only holds valid JSON, but a value written by hand may not be).
func jsonDoc(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}

// jsonObject decodes s into a map when it is a JSON object.
func jsonObject(s string) map[string]any {
	if s == "" || s[0] != '{' {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// str returns the string at path in m, "" when there is none.
func str(m map[string]any, path ...string) string {
	var v any = m
	for _, k := range path {
		switch o := v.(type) {
		case map[string]any:
			v = o[k]
		case obj:
			v = o[k]
		default:
			return ""
		}
	}
	s, _ := v.(string)
	return s
}
