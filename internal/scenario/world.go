package scenario

import (
	"sort"
	"time"
)

func sortStrings(s []string) { sort.Strings(s) }

// Options shape a world.
type Options struct {
	Seed uint64
	// Start is the first day of the logs (UTC midnight); Days how many.
	Start time.Time
	Days  int
	// Legacy writes logs as before 2022: no sessionCredentialFromConsole,
	// no tlsDetails, console calls with the console's own user agents.
	Legacy bool
	// DataEvents says which S3 buckets the trail logs data events for:
	// "selected" (the buckets marked so), "all" or "none".
	DataEvents string
}

// World is an organisation's AWS accounts, the people and machines that
// use them, and the records their use leaves.
type World struct {
	opts       Options
	r          rnd
	Start, End time.Time
	Company    string
	Org        string
	Home       string // the home region
	Accounts   []*Account
	People     []*Person
	// Observed is what an imported corpus showed (addresses and tools per
	// key); empty for the model's own worlds.
	Observed map[string]*Usage

	records  []*Record
	vend     *vendor
	usedIPs  map[string]bool
	usedKeys map[string]bool
	// secrets seen per account in an imported corpus, and every data
	// resource its events named.
	secrets  map[string][]string
	seenData map[string]bool
}

// Usage is how one credential was used in an imported corpus.
type Usage struct {
	IPs   map[string]int
	UAs   map[string]int
	First time.Time
	Last  time.Time
	N     int
}

// Account is one AWS account of the organisation.
type Account struct {
	ID, Alias, Kind string // kind: prod, dev, identity, security, external
	Region          string
	Users           []*User
	Roles           []*Role
	Buckets         []*Bucket
	Functions       []*Function
	Instances       []*Instance
	Secrets         []string // ARNs
	Params          []string // SSM parameter names
	KMSKeys         []string // key ids
	Trail           string
	TrailBucket     string
	VPC             string
	Subnets         []string
	SecurityGroups  []string
	NATIPs          []string
	Root            *User // root, as a pseudo-user
}

// Person is someone who works in the accounts.
type Person struct {
	First, Last, Email string
	Job                string // platform, developer, data, security, manager
	TZ                 *time.Location
	HomeNet            string
	Homes              []string // home addresses; the ISP changes them now and then
	Office             string   // "" for a remote worker
	VPN                string   // company VPN exit
	Mobile             string
	DevBox             string // a cloud workstation (EC2) some developers use
	CLI                Tool
	Browser            string
	Terraform          Tool
	StartHour, EndHour int
	OfficeDays         map[time.Weekday]bool
	User               *User // IAM user in the prod account, if any
	DevUser            *User // IAM user in the dev account, if any
	SSORoles           []string
	idcUserID          string
}

// User is an IAM user.
type User struct {
	Account  *Account
	Name, ID string
	Keys     []*Key
	Console  bool // has a password
	MFA      bool
	Person   *Person
	Tags     map[string]bool // ci, backup, bi, breakglass, service, …
}

// ARN is the user's ARN (root's for the root pseudo-user).
func (u *User) ARN() string {
	if u.Name == "" {
		return "arn:aws:iam::" + u.Account.ID + ":root"
	}
	return "arn:aws:iam::" + u.Account.ID + ":user/" + u.Name
}

// Key is an access key of a user.
type Key struct {
	ID      string
	User    *User
	Created time.Time
}

// Role is an IAM role.
type Role struct {
	Account        *Account
	Name, Path, ID string
	Kind           string // ec2, lambda, ecs, sso, xacct, oidc, service, scanner, backup
	Service        string // trusted service principal for service roles
	Instances      []*Instance
}

// ARN is the role's ARN.
func (r *Role) ARN() string {
	return "arn:aws:iam::" + r.Account.ID + ":role/" + r.Path + r.Name
}

// SessionARN is the ARN of one of its sessions.
func (r *Role) SessionARN(session string) string {
	return "arn:aws:sts::" + r.Account.ID + ":assumed-role/" + r.Name + "/" + session
}

// Bucket is an S3 bucket.
type Bucket struct {
	Name       string
	Kind       string // data, app, logs, artifacts, backup, reports, trail, state
	DataEvents bool   // the trail logs its object-level (data) events
	Prefixes   []string
	Region     string
}

// Function is a Lambda function.
type Function struct {
	Name    string
	Role    *Role
	Runtime string
}

// Instance is an EC2 instance.
type Instance struct {
	ID       string
	Role     *Role
	PublicIP string // the address its calls come from (its own or the NAT's)
	PrivIP   string
	Tool     Tool
	// Sessions are the instance-profile credentials it was given, oldest first.
	Sessions []*Cred
}

// sessionAt is the instance's credential in use at t.
func (in *Instance) sessionAt(t time.Time) *Cred {
	var cur *Cred
	for _, s := range in.Sessions {
		if !s.created.After(t) {
			cur = s
		}
	}
	return cur
}

func (w *World) account(kind string) *Account {
	for _, a := range w.Accounts {
		if a.Kind == kind {
			return a
		}
	}
	return nil
}

// Prod is the organisation's production account (the victim of most scenarios).
func (w *World) Prod() *Account { return w.account("prod") }

func (a *Account) user(name string) *User {
	for _, u := range a.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

func (a *Account) userTagged(tag string) *User {
	for _, u := range a.Users {
		if u.Tags[tag] {
			return u
		}
	}
	return nil
}

func (a *Account) roleKind(kind string) *Role {
	for _, r := range a.Roles {
		if r.Kind == kind {
			return r
		}
	}
	return nil
}

func (a *Account) role(name string) *Role {
	for _, r := range a.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (a *Account) bucketKind(kind string) *Bucket {
	for _, b := range a.Buckets {
		if b.Kind == kind {
			return b
		}
	}
	return nil
}

func (w *World) newKey(u *User, created time.Time) *Key {
	k := &Key{ID: w.uniqueKey("AKIA"), User: u, Created: created}
	u.Keys = append(u.Keys, k)
	return k
}

func (w *World) uniqueKey(prefix string) string {
	for {
		k := w.r.keyID(prefix)
		if !w.usedKeys[k] {
			w.usedKeys[k] = true
			return k
		}
	}
}

func (w *World) addUser(a *Account, name string, tags ...string) *User {
	u := &User{Account: a, Name: name, ID: w.uniqueKey("AIDA"), Tags: map[string]bool{}}
	for _, t := range tags {
		u.Tags[t] = true
	}
	a.Users = append(a.Users, u)
	return u
}

func (w *World) addRole(a *Account, name, path, kind, service string) *Role {
	r := &Role{Account: a, Name: name, Path: path, ID: w.uniqueKey("AROA"), Kind: kind, Service: service}
	a.Roles = append(a.Roles, r)
	return r
}

// records in time order.
func (w *World) sorted() []*Record {
	sort.SliceStable(w.records, func(i, j int) bool { return w.records[i].time.Before(w.records[j].time) })
	return w.records
}

// at is a time on day d (0-based) at local hour h in loc, in UTC.
func (w *World) at(d int, h float64, loc *time.Location) time.Time {
	day := w.Start.AddDate(0, 0, d)
	local := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	return local.Add(time.Duration(h * float64(time.Hour))).UTC()
}

func (w *World) days() int { return w.opts.Days }
