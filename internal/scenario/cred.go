package scenario

import (
	"strings"
	"time"
)

// Credential kinds: how a call was authenticated, which decides the shape
// of userIdentity.
const (
	credUserKey     = iota // IAM user, long-term key (AKIA)
	credUserSess           // IAM user, temporary key: console session or GetSessionToken (ASIA)
	credUserLogin          // IAM user signing in (ConsoleLogin, no key)
	credRootSess           // root console session (ASIA)
	credRootLogin          // root signing in
	credRole               // assumed-role session (ASIA)
	credFederated          // GetFederationToken session (ASIA)
	credService            // an AWS service acting itself
	credServiceEvt         // an AwsServiceEvent: accountId + invokedBy only
	credAWSAccount         // a caller in another account, as the target account logs it
	credSAML               // AssumeRoleWithSAML caller
	credWebIdentity        // AssumeRoleWithWebIdentity caller
	credIdC                // IAM Identity Center portal user (management account)
)

// Cred is what signed a request.
type Cred struct {
	kind      int
	acct      *Account
	user      *User
	role      *Role
	key       string
	session   string
	created   time.Time
	mfa       bool
	console   bool // a console session (sessionCredentialFromConsole)
	ec2       bool // instance-profile credentials (ec2RoleDelivery)
	invokedBy string
	// credAWSAccount: the caller's account and principal id.
	callerAcct, callerID string
	// credSAML / credWebIdentity / credIdC / credFederated.
	subject, provider string
	fedUser           *User
	// attacker marks a credential only the attacker holds (a session or
	// key the attacker created): its console page loads are theirs.
	attacker bool
	// imported: a session read from an existing corpus.
	imported bool
}

// KeyID is the access key id; "" for calls without one.
func (c *Cred) KeyID() string { return c.key }

// ARN is the principal's ARN as CloudTrail writes userIdentity.arn.
func (c *Cred) ARN() string {
	switch c.kind {
	case credUserKey, credUserSess, credUserLogin:
		return c.user.ARN()
	case credRootSess, credRootLogin:
		return "arn:aws:iam::" + c.acct.ID + ":root"
	case credRole:
		return c.role.SessionARN(c.session)
	case credFederated:
		return "arn:aws:sts::" + c.acct.ID + ":federated-user/" + c.session
	}
	return ""
}

// userCred is an IAM user's long-term key.
func userCred(k *Key) *Cred {
	return &Cred{kind: credUserKey, acct: k.User.Account, user: k.User, key: k.ID}
}

func (w *World) consoleSession(u *User, created time.Time, mfa bool) *Cred {
	if u.Name == "" {
		return &Cred{kind: credRootSess, acct: u.Account, user: u, key: w.uniqueKey("ASIA"), created: created, mfa: mfa, console: true}
	}
	return &Cred{kind: credUserSess, acct: u.Account, user: u, key: w.uniqueKey("ASIA"), created: created, mfa: mfa, console: true}
}

func loginCred(u *User) *Cred {
	if u.Name == "" {
		return &Cred{kind: credRootLogin, acct: u.Account, user: u}
	}
	return &Cred{kind: credUserLogin, acct: u.Account, user: u}
}

func (w *World) roleSession(r *Role, session string, created time.Time) *Cred {
	return &Cred{kind: credRole, acct: r.Account, role: r, session: session, key: w.uniqueKey("ASIA"), created: created}
}

func serviceCred(a *Account, svc string) *Cred {
	return &Cred{kind: credService, acct: a, invokedBy: svc}
}

func (c *Cred) with(f func(*Cred)) *Cred {
	d := *c
	f(&d)
	return &d
}

func (w *World) identity(c *Cred) Identity {
	switch c.kind {
	case credUserKey:
		return Identity{Type: "IAMUser", PrincipalID: c.user.ID, ARN: c.user.ARN(), AccountID: c.acct.ID, AccessKeyID: c.key, UserName: c.user.Name, InvokedBy: c.invokedBy}
	case credUserSess:
		return Identity{Type: "IAMUser", PrincipalID: c.user.ID, ARN: c.user.ARN(), AccountID: c.acct.ID, AccessKeyID: c.key, UserName: c.user.Name,
			SessionContext: &SessionContext{WebIDFederationData: map[string]any{}, Attributes: attrs(c)}, InvokedBy: c.invokedBy}
	case credUserLogin:
		return Identity{Type: "IAMUser", PrincipalID: c.user.ID, ARN: c.user.ARN(), AccountID: c.acct.ID, UserName: c.user.Name}
	case credRootSess:
		return Identity{Type: "Root", PrincipalID: c.acct.ID, ARN: c.ARN(), AccountID: c.acct.ID, AccessKeyID: c.key,
			SessionContext: &SessionContext{WebIDFederationData: map[string]any{}, Attributes: attrs(c)}, InvokedBy: c.invokedBy}
	case credRootLogin:
		return Identity{Type: "Root", PrincipalID: c.acct.ID, ARN: c.ARN(), AccountID: c.acct.ID}
	case credRole:
		sc := &SessionContext{
			SessionIssuer:       SessionIssuer{Type: "Role", PrincipalID: c.role.ID, ARN: c.role.ARN(), AccountID: c.acct.ID, UserName: c.role.Name},
			WebIDFederationData: map[string]any{},
			Attributes:          attrs(c),
		}
		if c.ec2 {
			sc.EC2RoleDelivery = "2.0"
		}
		return Identity{Type: "AssumedRole", PrincipalID: c.role.ID + ":" + c.session, ARN: c.ARN(), AccountID: c.acct.ID, AccessKeyID: c.key, SessionContext: sc, InvokedBy: c.invokedBy}
	case credFederated:
		u := c.fedUser
		return Identity{Type: "FederatedUser", PrincipalID: c.acct.ID + ":" + c.session, ARN: c.ARN(), AccountID: c.acct.ID, AccessKeyID: c.key,
			SessionContext: &SessionContext{
				SessionIssuer:       SessionIssuer{Type: "IAMUser", PrincipalID: u.ID, ARN: u.ARN(), AccountID: c.acct.ID, UserName: u.Name},
				WebIDFederationData: map[string]any{},
				Attributes:          attrs(c),
			}}
	case credService:
		return Identity{Type: "AWSService", InvokedBy: c.invokedBy}
	case credServiceEvt:
		return Identity{AccountID: c.acct.ID, InvokedBy: c.invokedBy}
	case credAWSAccount:
		return Identity{Type: "AWSAccount", PrincipalID: c.callerID, AccountID: c.callerAcct}
	case credSAML:
		return Identity{Type: "SAMLUser", PrincipalID: c.provider + ":" + c.subject, UserName: c.subject, IdentityProvider: c.provider}
	case credWebIdentity:
		return Identity{Type: "WebIdentityUser", PrincipalID: c.provider + ":sts.amazonaws.com:" + c.subject, UserName: c.subject, IdentityProvider: c.provider}
	case credIdC:
		return Identity{Type: "Unknown", PrincipalID: c.provider + ":" + c.subject, AccountID: c.acct.ID, UserName: c.session}
	}
	panic("scenario: unknown credential kind")
}

func attrs(c *Cred) Attributes {
	return Attributes{CreationDate: ctTime(c.created), MFAAuthenticated: boolString(c.mfa)}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// servicePrefix is the IAM action prefix of an event source.
func servicePrefix(source string) string {
	p := strings.TrimSuffix(source, ".amazonaws.com")
	switch p {
	case "monitoring":
		return "cloudwatch"
	case "elasticloadbalancing":
		return "elasticloadbalancing"
	}
	return p
}
