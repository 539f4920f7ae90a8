// Package event holds trailsleuth's model of a CloudTrail event: the typed
// fields investigators filter on, plus the original bytes, kept exactly as read.
// It depends on the standard library only, so every other package can use it.
package event

import "time"

// Event is one CloudTrail record. String fields are empty when the record did
// not carry them; the store writes those as NULL.
type Event struct {
	EventID string
	// SyntheticID is set when the record had no eventID and EventID was derived
	// from a hash of its bytes, so it stays stable across re-ingests.
	SyntheticID bool
	// EventTime is zero when the record had no usable time.
	EventTime    time.Time
	EventVersion string
	EventName    string
	EventSource  string
	AWSRegion    string
	SourceIP     string
	UserAgent    string
	ErrorCode    string
	ErrorMessage string
	// ReadOnly and ManagementEvent are tri-state: nil when absent.
	ReadOnly        *bool
	ManagementEvent *bool
	// SessionCredentialFromConsole: the call used a console session's credentials.
	SessionCredentialFromConsole *bool
	EventType                    string
	EventCategory                string
	RecipientAccountID           string
	SharedEventID                string
	RequestID                    string
	VPCEndpointID                string
	APIVersion                   string

	Identity Identity

	// JSON sub-documents, as JSON text; empty when absent or JSON null.
	RequestParameters   string
	ResponseElements    string
	AdditionalEventData string
	Resources           string
	TLSDetails          string
	ServiceEventDetails string

	// Insight marks CloudTrail Insights records (eventType AwsCloudTrailInsight).
	Insight bool

	// Raw is the event's JSON exactly as read from the source (for a
	// lookup-events entry, the unescaped CloudTrailEvent string).
	Raw string

	Provenance Provenance
}

// Identity is the flattened userIdentity block.
type Identity struct {
	Type        string
	PrincipalID string
	ARN         string
	AccountID   string
	AccessKeyID string
	UserName    string
	InvokedBy   string

	SessionIssuerType        string
	SessionIssuerARN         string
	SessionIssuerUserName    string
	SessionIssuerAccountID   string
	SessionIssuerPrincipalID string
	// MFAAuthenticated is nil when the session context did not say.
	MFAAuthenticated    *bool
	SessionCreationDate time.Time
	SourceIdentity      string

	WebIDFederationProvider string
	// SAMLProvider is userIdentity.identityProvider, set for SAML federation.
	SAMLProvider string
	// OnBehalfOfUserID is Identity Center's onBehalfOf.userId: the human
	// behind an identity-center role session.
	OnBehalfOfUserID        string
	OnBehalfOfIdentityStore string
	CredentialID            string
}

// Provenance says where an event came from, so every row can be traced back
// to the exact input bytes.
type Provenance struct {
	SourceID int64
	// Index is the event's position (0-based) among the events of its source.
	Index int64
	// Offset is the byte offset of the event in the decompressed source stream.
	Offset int64
	// InPlace: Raw is exactly the bytes at Offset of the decompressed
	// source, which ingest read whole, so a case may record where the
	// event lies instead of keeping a copy (ingest --originals in-place).
	InPlace bool
}
