package scenario

import "time"

// Record is one CloudTrail event as CloudTrail writes it, fields in
// CloudTrail's order. Only what a record of its kind carries is set; the
// zero values are left out.
type Record struct {
	EventVersion        string      `json:"eventVersion"`
	UserIdentity        Identity    `json:"userIdentity"`
	EventTime           string      `json:"eventTime"`
	EventSource         string      `json:"eventSource"`
	EventName           string      `json:"eventName"`
	AWSRegion           string      `json:"awsRegion"`
	SourceIPAddress     string      `json:"sourceIPAddress"`
	UserAgent           string      `json:"userAgent"`
	ErrorCode           string      `json:"errorCode,omitempty"`
	ErrorMessage        string      `json:"errorMessage,omitempty"`
	RequestParameters   any         `json:"requestParameters"`
	ResponseElements    any         `json:"responseElements"`
	AdditionalEventData any         `json:"additionalEventData,omitempty"`
	RequestID           string      `json:"requestID,omitempty"`
	EventID             string      `json:"eventID"`
	ReadOnly            *bool       `json:"readOnly,omitempty"`
	Resources           []Resource  `json:"resources,omitempty"`
	EventType           string      `json:"eventType"`
	APIVersion          string      `json:"apiVersion,omitempty"`
	ManagementEvent     *bool       `json:"managementEvent,omitempty"`
	RecipientAccountID  string      `json:"recipientAccountId"`
	ServiceEventDetails any         `json:"serviceEventDetails,omitempty"`
	SharedEventID       string      `json:"sharedEventID,omitempty"`
	VPCEndpointID       string      `json:"vpcEndpointId,omitempty"`
	EventCategory       string      `json:"eventCategory,omitempty"`
	TLSDetails          *TLSDetails `json:"tlsDetails,omitempty"`
	// SessionCredentialFromConsole is "true" on calls made with a console
	// session's credentials, in logs written since 2022.
	SessionCredentialFromConsole string `json:"sessionCredentialFromConsole,omitempty"`

	time     time.Time // eventTime, for sorting and delivery
	side     string    // who made it: sideAttacker, sideOwner or sideNeutral
	imported bool      // read from an existing corpus, not written by us
	data     bool      // a data event
	issued   string    // the access key the call handed out (AssumeRole, CreateAccessKey, …)
}

// issuedKey is the access key id a response hands out, "" for none.
func issuedKey(resp any) string {
	m, ok := resp.(map[string]any)
	if !ok {
		return ""
	}
	for _, field := range []string{"credentials", "accessKey"} {
		if sub, ok := m[field].(map[string]any); ok {
			if k, ok := sub["accessKeyId"].(string); ok {
				return k
			}
		}
	}
	return ""
}

// Identity is userIdentity.
type Identity struct {
	Type             string          `json:"type,omitempty"`
	PrincipalID      string          `json:"principalId,omitempty"`
	ARN              string          `json:"arn,omitempty"`
	AccountID        string          `json:"accountId,omitempty"`
	AccessKeyID      string          `json:"accessKeyId,omitempty"`
	UserName         string          `json:"userName,omitempty"`
	IdentityProvider string          `json:"identityProvider,omitempty"`
	SessionContext   *SessionContext `json:"sessionContext,omitempty"`
	InvokedBy        string          `json:"invokedBy,omitempty"`
}

// SessionContext is userIdentity.sessionContext.
type SessionContext struct {
	SessionIssuer       SessionIssuer  `json:"sessionIssuer"`
	WebIDFederationData map[string]any `json:"webIdFederationData"`
	Attributes          Attributes     `json:"attributes"`
	SourceIdentity      string         `json:"sourceIdentity,omitempty"`
	EC2RoleDelivery     string         `json:"ec2RoleDelivery,omitempty"`
}

// SessionIssuer is empty ({}) for an IAM user's or root's console session.
type SessionIssuer struct {
	Type        string `json:"type,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// Attributes are the session's creation time and MFA state.
type Attributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// Resource is one entry of resources.
type Resource struct {
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
	ARN       string `json:"ARN,omitempty"`
	ARNPrefix string `json:"ARNPrefix,omitempty"`
}

// TLSDetails is tlsDetails (client calls over the network, since 2021).
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

const (
	sideOwner    = "owner"
	sideAttacker = "attacker"
	sideNeutral  = "neutral" // a real dataset's own events
)

func ptr[T any](v T) *T { return &v }

// ctTime is CloudTrail's eventTime format.
func ctTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// stsTime is the format of credentials.expiration in STS responses.
func stsTime(t time.Time) string { return t.UTC().Format("Jan 2, 2006, 3:04:05 PM") }

// iamTime is the format of createDate in IAM responses.
func iamTime(t time.Time) string { return t.UTC().Format("Jan 2, 2006 3:04:05 PM") }
