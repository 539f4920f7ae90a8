// Package attack says what a CloudTrail call means to an investigator: the
// MITRE ATT&CK tactic and technique it serves, and the investigative
// categories it falls in (persistence it plants, persistence it removes, data
// it reads, defences it impairs). It also names the target of a call for
// reports (Resource). The package is pure: no I/O beyond its embedded tables.
//
// # Data
//
// The mapping is data: the tab-separated tables in catalog/*.tsv (one file per
// service family) and techniques.tsv, embedded and parsed once into an
// immutable *Catalog (Default). A row names a service (the eventSource without
// ".amazonaws.com"), an event name, an ATT&CK tactic and technique, the
// investigative kinds and an optional note. A row whose event name ends in
// "*" is a prefix fallback (List*, Describe*, Get*, Create* …) for its
// service, or for every service when the service is "*". A row whose tactic
// is "-" is a call we know and deliberately leave without a technique
// (routine plumbing such as CreateVpc, KMS Encrypt/Decrypt, SSM agent
// heartbeats); its note says why. Parsing checks every row: a known tactic,
// a known technique, and a tactic that ATT&CK lists for that technique.
//
// Lambda event names carry API-version suffixes (CreateFunction20150331,
// UpdateFunctionCode20150331v2); every lookup strips a trailing
// 20YYMMDD(vN) first. A lookup is exact (service, event) first; for a
// service the catalog does not know (or an empty eventSource), the event
// name alone, when every service that has it agrees on the technique; then
// the service's prefix fallbacks; then the global ones; otherwise nothing.
//
// # ATT&CK version
//
// Technique ids follow ATT&CK Enterprise v15–v17 (the cloud matrix: IaaS,
// Identity Provider, SaaS). All ids exist in v15 except two introduced in v16,
// used because they are ATT&CK's documented technique for the call:
// T1666 Modify Cloud Resource Hierarchy (LeaveOrganization,
// RemoveAccountFromOrganization, CreateAccount; in v15 these would be T1562)
// and T1496.004 Cloud Service Hijacking (Bedrock model access and invocation,
// SES sending; in v15 the parent T1496). Names are the v16/v17 names
// (T1562.008 "Disable or Modify Cloud Logs", T1484 "Domain or Tenant Policy
// Modification").
//
// # Choices where ATT&CK is ambiguous
//
//   - Identity discovery: GetCallerIdentity, GetAccessKeyInfo and IAM user,
//     role and key reads are T1087.004 Cloud Account; policy and group reads
//     (ListAttachedRolePolicies, GetPolicyVersion, SimulatePrincipalPolicy)
//     are T1069.003 Cloud Groups, as ATT&CK's text for those techniques
//     describes. Reads of compute, storage, network and database
//     infrastructure are T1580; reads of security services (CloudTrail,
//     GuardDuty, Security Hub, Config, Access Analyzer, CloudWatch alarms) are
//     T1518.001; container services T1613; log reads (LookupEvents,
//     FilterLogEvents) T1654; everything else T1526. ListBuckets and object
//     listings are T1619.
//   - Role assumption: AssumeRole, console SwitchRole and Identity Center
//     GetRoleCredentials/Federate are Lateral Movement T1550.001 (moving to
//     another principal with a token). The same technique is used under
//     Defense Evasion for tokens minted for the same principal
//     (GetSessionToken, GetSigninToken). Federated sign-ins
//     (AssumeRoleWithSAML, AssumeRoleWithWebIdentity, Roles Anywhere
//     CreateSession) and console sign-in (ConsoleLogin, CheckMfa) are Initial
//     Access T1078.004. GetFederationToken is Persistence T1098.001, as
//     ATT&CK describes it (credentials that outlive the key).
//   - Credentials: CreateAccessKey, CreateLoginProfile and UpdateLoginProfile
//     are Persistence T1098.001; MFA device registration T1098.005; MFA
//     deactivation Defense Evasion T1556.006. CreateUser is T1136.003; CreateRole
//     is T1136.003 too (a role is a cloud identity). Granting permissions
//     (Attach*/Put*Policy, AddUserToGroup, CreatePolicyVersion, Identity
//     Center assignments) is Privilege Escalation T1098.003; removing them
//     (Detach*, Delete*Policy, permissions-boundary changes) is Privilege
//     Escalation T1098, since removing a deny or a quarantine policy
//     escalates. Trust changes (SAML/OIDC providers, Roles Anywhere trust
//     anchors and profiles) are Privilege Escalation T1484.002; a role's trust
//     policy (UpdateAssumeRolePolicy) is Persistence T1098.
//   - Deleting identities and their credentials (DeleteUser, DeleteAccessKey,
//     DeleteLoginProfile) is Impact T1531. Other removals keep the technique
//     of the thing removed (DeleteFunction is T1546 like CreateFunction,
//     RevokeSecurityGroupIngress T1562.007 like Authorize…): the call
//     changes the same mechanism, and Removal() tells the direction.
//   - Lambda: ATT&CK has no Lambda-specific persistence technique. Creating
//     or changing functions, versions, layers, permissions, URLs and event
//     source mappings, and EventBridge rules and targets, is Persistence T1546
//     Event Triggered Execution (the function runs when its trigger fires);
//     Invoke is Execution T1648 Serverless Execution.
//   - Compute: RunInstances is Defense Evasion T1578.002 Create Cloud
//     Instance (not Impact T1496, which needs evidence of mining), and
//     TerminateInstances T1578.003; CreateSnapshot/CreateImage/CreateDBSnapshot
//     T1578.001; launch templates, Auto Scaling and the serial-console switch
//     T1578.005. SendCommand, StartSession and user-data changes
//     (ModifyInstanceAttribute) are Execution T1651. EC2 key pairs are
//     Persistence T1098.004; EC2 Instance Connect is Lateral Movement
//     T1021.004.
//   - Data: S3, DynamoDB, SQS and EBS direct reads, ECR image pulls are
//     Collection T1530; Secrets Manager and SSM Parameter Store reads are
//     Credential Access T1555.006 (Parameter Store SecureString is a cloud
//     secrets store); GetPasswordData is T1552 Unsecured Credentials (not
//     T1552.005, which is the instance metadata API). Sharing snapshots and
//     images, exports, replication and resource policies that open
//     data-holding resources (S3, SNS, SQS, ECR, Secrets Manager, DynamoDB)
//     to other accounts are Exfiltration T1537. KMS key policies and grants
//     are Persistence T1098. KMS Decrypt/GenerateDataKey have no technique
//     (they accompany a data read that has one) but are DataAccess "KMS
//     decrypt".
//   - Security groups and network ACLs are Defense Evasion T1562.007;
//     security tooling (GuardDuty, Security Hub, Config, Access Analyzer,
//     Macie, Inspector, alarms) T1562.001; logging (CloudTrail, flow logs,
//     log groups, resolver query logs, S3 access logs, Bedrock invocation
//     logs) T1562.008. Deleting backups and snapshots (DeleteSnapshot,
//     DeleteDBSnapshot, S3 versioning) is Impact T1490; deleting data
//     T1485; ScheduleKeyDeletion T1485 (data made unrecoverable), importing
//     key material or changing bucket encryption T1486.
//   - Others: CloudFormation stacks and CloudShell are Execution T1059.009
//     Cloud API; ECS tasks and services T1610 Deploy Container and ECS Exec
//     T1609; traffic mirroring Credential Access T1040; EnableRegion Defense
//     Evasion T1535; Bedrock model access and invocation and SES sending
//     Impact T1496.004.
package attack

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed catalog/*.tsv techniques.tsv matrix.tsv
var tables embed.FS

// Technique is an ATT&CK (Enterprise, cloud) tactic and technique. The zero
// value means the call has no technique: unknown, or known and routine.
type Technique struct {
	Tactic      string // one of the tactics in Tactics; "" if unknown
	TacticID    string // TA0001…
	Technique   string // e.g. "T1580 Cloud Infrastructure Discovery"
	TechniqueID string // e.g. "T1580" or "T1098.001"
}

// tactics are the ATT&CK tactics the catalog uses, in ATT&CK's order, with
// their ids and the short names the tables use.
var tactics = [...]struct{ short, name, id string }{
	{"initial-access", "Initial Access", "TA0001"},
	{"execution", "Execution", "TA0002"},
	{"persistence", "Persistence", "TA0003"},
	{"privilege-escalation", "Privilege Escalation", "TA0004"},
	{"defense-evasion", "Defense Evasion", "TA0005"},
	{"credential-access", "Credential Access", "TA0006"},
	{"discovery", "Discovery", "TA0007"},
	{"lateral-movement", "Lateral Movement", "TA0008"},
	{"collection", "Collection", "TA0009"},
	{"exfiltration", "Exfiltration", "TA0010"},
	{"impact", "Impact", "TA0040"},
}

// Tactics returns the names of the tactics Classify can return, in ATT&CK's
// order.
func Tactics() []string {
	out := make([]string, len(tactics))
	for i, t := range tactics {
		out[i] = t.name
	}
	return out
}

// category is an investigative category of a call.
type category int

const (
	catPersistence category = iota
	catRemoval
	catData
	catEvasion
	nCategories
)

var categoryNames = [nCategories]string{"persistence", "removal", "data", "evasion"}

// entry is one row of the catalog.
type entry struct {
	service string // "iam"; "*" for a global fallback
	name    string // normalised event name; a fallback's prefix without "*"
	prefix  bool   // name is a verb prefix (the row said "List*")
	benign  bool   // known, deliberately without a technique
	// ambiguous marks a by-name entry whose services disagree on the
	// technique: it gives kinds they agree on but no technique.
	ambiguous bool
	tech      Technique
	kinds     [nCategories]string
	note      string
	where     string // file:line, for errors and tests
}

type key struct{ service, name string }

// Catalog is the parsed, immutable mapping. Its methods are safe for
// concurrent use.
type Catalog struct {
	exact    map[key]*entry
	patterns map[string][]*entry // service ("*" for any) → prefix rows, longest first
	byName   map[string]*entry   // name → merged entry, for unknown services
	services map[string]bool     // services with exact rows
	// enumeration: for each name with exact rows, whether it is enumeration
	// without looking at its verb: -1 some row has a tactic other than
	// Discovery, 1 every row is Discovery or routine and one is Discovery,
	// 0 every row is routine.
	enumeration map[string]int8
	rows        []*entry // exact rows in file order
	techs       map[string]techInfo
	matrix      []MatrixEntry // matrix.tsv, in ATT&CK's tactic order
}

// Default returns the catalog built from the embedded tables. It is built
// once, on first use, and shared; a malformed table is a programming error
// and panics (the package's tests build it).
func Default() *Catalog { return defaultCatalog() }

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := parse(tables)
	if err != nil {
		panic("attack: " + err.Error())
	}
	return c
})

// Classify maps an API call to an ATT&CK tactic and technique. A call that
// failed (errorCode set) has the same intent and the same technique; the
// caller decides how to weigh it. Unknown and routine calls give the zero
// Technique.
func (c *Catalog) Classify(eventSource, eventName string) Technique {
	e := c.lookup(eventSource, eventName)
	if e == nil || e.benign {
		return Technique{}
	}
	return e.tech
}

// Benign tells whether the catalog knows the call and deliberately gives it
// no technique (routine plumbing); Note says why.
func (c *Catalog) Benign(eventSource, eventName string) bool {
	e := c.lookup(eventSource, eventName)
	return e != nil && e.benign
}

// Note is the catalog's remark on a call, if any (why a routine call has no
// technique, or what to check in its parameters).
func (c *Catalog) Note(eventSource, eventName string) string {
	if e := c.lookup(eventSource, eventName); e != nil {
		return e.note
	}
	return ""
}

// Persistence tells whether the call plants or changes a persistence
// mechanism, and which kind ("IAM user", "IAM access key", "Lambda function",
// "Resource policy (S3)", …).
func (c *Catalog) Persistence(eventSource, eventName string) (kind string, ok bool) {
	return c.kind(eventSource, eventName, catPersistence)
}

// Removal tells whether the call undoes a persistence kind (DeleteUser →
// "IAM user", DeleteAccessKey → "IAM access key", DetachUserPolicy → "IAM
// policy attachment", …). The kind is one Persistence returns.
func (c *Catalog) Removal(eventSource, eventName string) (kind string, ok bool) {
	return c.kind(eventSource, eventName, catRemoval)
}

// DataAccess tells whether the call reads, copies or shares data, and which
// kind ("S3 object", "Secrets Manager secret", "EBS snapshot", …). Whether a
// parameter read decrypted its value is for the caller to see in the request.
func (c *Catalog) DataAccess(eventSource, eventName string) (kind string, ok bool) {
	return c.kind(eventSource, eventName, catData)
}

// DefenseEvasion tells whether the call impairs logging, detection or
// preventive controls, and which kind ("CloudTrail trail", "GuardDuty
// detector", "Security group rule", …).
func (c *Catalog) DefenseEvasion(eventSource, eventName string) (kind string, ok bool) {
	return c.kind(eventSource, eventName, catEvasion)
}

func (c *Catalog) kind(eventSource, eventName string, cat category) (string, bool) {
	e := c.lookup(eventSource, eventName)
	if e == nil || e.kinds[cat] == "" {
		return "", false
	}
	return e.kinds[cat], true
}

// lookup finds the row for a call: exact, then by name for an unknown
// service (when its services agree on the technique), then the service's
// prefix rows, then the global ones, then an ambiguous by-name entry (for
// the kinds its services agree on).
func (c *Catalog) lookup(eventSource, eventName string) *entry {
	svc := serviceOf(eventSource)
	name := NormalizeEventName(eventName)
	if e := c.exact[key{svc, name}]; e != nil {
		return e
	}
	var byName *entry
	if !c.services[svc] {
		byName = c.byName[name]
		if byName != nil && !byName.ambiguous {
			return byName
		}
	}
	for _, p := range c.patterns[svc] {
		if hasVerb(name, p.name) {
			return p
		}
	}
	for _, p := range c.patterns["*"] {
		if hasVerb(name, p.name) {
			return p
		}
	}
	return byName
}

// serviceOf turns an eventSource ("iam.amazonaws.com") into the service
// name the tables use ("iam"). A bare service name is returned as is.
func serviceOf(eventSource string) string {
	if i := strings.Index(eventSource, ".amazonaws.com"); i > 0 {
		return eventSource[:i]
	}
	return eventSource
}

// parse reads techniques.tsv and every catalog/*.tsv of fsys.
func parse(fsys fs.FS) (*Catalog, error) {
	techs, err := parseTechniques(fsys, "techniques.tsv")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "catalog/*.tsv")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no catalog/*.tsv")
	}
	c := &Catalog{
		exact:       map[key]*entry{},
		patterns:    map[string][]*entry{},
		byName:      map[string]*entry{},
		services:    map[string]bool{},
		enumeration: map[string]int8{},
		techs:       techs,
	}
	for _, f := range files {
		if err := c.parseFile(fsys, f, techs); err != nil {
			return nil, err
		}
	}
	for _, ps := range c.patterns {
		sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].name) > len(ps[j].name) })
	}
	c.index()
	if err := c.parseMatrix(fsys, "matrix.tsv"); err != nil {
		return nil, err
	}
	return c, nil
}

type techInfo struct {
	name    string
	tactics map[string]bool // short tactic names
}

func parseTechniques(fsys fs.FS, file string) (map[string]techInfo, error) {
	out := map[string]techInfo{}
	err := eachRow(fsys, file, func(where string, cols []string) error {
		if len(cols) != 3 {
			return fmt.Errorf("%s: want 3 columns (id, tactics, name), have %d", where, len(cols))
		}
		id, name := cols[0], cols[2]
		if !validTechniqueID(id) {
			return fmt.Errorf("%s: bad technique id %q", where, id)
		}
		if _, dup := out[id]; dup {
			return fmt.Errorf("%s: technique %s listed twice", where, id)
		}
		ti := techInfo{name: name, tactics: map[string]bool{}}
		for _, t := range strings.Split(cols[1], ",") {
			if tacticByShort(t) < 0 {
				return fmt.Errorf("%s: unknown tactic %q", where, t)
			}
			ti.tactics[t] = true
		}
		out[id] = ti
		return nil
	})
	return out, err
}

func (c *Catalog) parseFile(fsys fs.FS, file string, techs map[string]techInfo) error {
	return eachRow(fsys, file, func(where string, cols []string) error {
		if len(cols) < 5 || len(cols) > 6 {
			return fmt.Errorf("%s: want 5 or 6 columns (service, event, tactic, technique, kinds[, note]), have %d", where, len(cols))
		}
		base := entry{where: where}
		if len(cols) == 6 {
			base.note = cols[5]
		}
		tactic, tech := cols[2], cols[3]
		switch {
		case tactic == "-" && tech == "-":
			base.benign = true
		case tactic == "-" || tech == "-":
			return fmt.Errorf("%s: tactic and technique are both \"-\" or neither", where)
		default:
			ti := tacticByShort(tactic)
			if ti < 0 {
				return fmt.Errorf("%s: unknown tactic %q", where, tactic)
			}
			info, ok := techs[tech]
			if !ok {
				return fmt.Errorf("%s: technique %s is not in techniques.tsv", where, tech)
			}
			if !info.tactics[tactic] {
				return fmt.Errorf("%s: ATT&CK does not list %s under %s", where, tech, tactic)
			}
			base.tech = Technique{
				Tactic:      tactics[ti].name,
				TacticID:    tactics[ti].id,
				Technique:   tech + " " + info.name,
				TechniqueID: tech,
			}
		}
		if base.benign && base.note == "" {
			return fmt.Errorf("%s: a routine row needs a note saying why", where)
		}
		if cols[4] != "-" {
			for _, kv := range strings.Split(cols[4], ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
				cat := categoryByName(k)
				if !ok || cat < 0 || v == "" {
					return fmt.Errorf("%s: bad kind %q (want persistence=…, removal=…, data=… or evasion=…)", where, kv)
				}
				if base.kinds[cat] != "" {
					return fmt.Errorf("%s: %s kind given twice", where, k)
				}
				base.kinds[cat] = v
			}
		}
		for _, svc := range strings.Split(cols[0], ",") {
			for _, name := range strings.Split(cols[1], ",") {
				if err := c.add(base, svc, name); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (c *Catalog) add(base entry, svc, name string) error {
	e := base
	e.service = svc
	if svc == "" || strings.ContainsAny(svc, " .") {
		return fmt.Errorf("%s: bad service %q", e.where, svc)
	}
	if p, ok := strings.CutSuffix(name, "*"); ok {
		if p == "" || e.kinds != [nCategories]string{} {
			return fmt.Errorf("%s: a prefix row needs a prefix and has no kinds", e.where)
		}
		e.name, e.prefix = p, true
		c.patterns[svc] = append(c.patterns[svc], &e)
		return nil
	}
	if svc == "*" {
		return fmt.Errorf("%s: service \"*\" is for prefix rows only", e.where)
	}
	if name == "" || name != NormalizeEventName(name) || strings.ContainsAny(name, " *") {
		return fmt.Errorf("%s: bad event name %q (write it without an API-version suffix)", e.where, name)
	}
	e.name = name
	k := key{svc, name}
	if old, dup := c.exact[k]; dup {
		return fmt.Errorf("%s: %s %s already at %s", e.where, svc, name, old.where)
	}
	c.exact[k] = &e
	c.services[svc] = true
	c.rows = append(c.rows, &e)
	return nil
}

// index builds the by-name and enumeration indexes from the exact rows.
func (c *Catalog) index() {
	groups := map[string][]*entry{}
	for _, e := range c.rows {
		groups[e.name] = append(groups[e.name], e)
	}
	for name, es := range groups {
		m := *es[0]
		m.service, m.where = "", ""
		var enum int8
		for _, e := range es {
			if e.tech != m.tech || e.benign != m.benign {
				m.tech, m.benign, m.ambiguous = Technique{}, false, true
			}
			for k := range m.kinds {
				if e.kinds[k] != m.kinds[k] {
					m.kinds[k] = ""
				}
			}
			if e.note != m.note {
				m.note = ""
			}
			switch {
			case e.benign:
			case e.tech.Tactic != "Discovery":
				enum = -1
			case enum == 0:
				enum = 1
			}
		}
		c.byName[name] = &m
		c.enumeration[name] = enum
	}
}

// eachRow calls fn with the tab-separated columns of every line of file that
// is neither blank nor a comment (#).
func eachRow(fsys fs.FS, file string, fn func(where string, cols []string) error) error {
	f, err := fsys.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if err := fn(fmt.Sprintf("%s:%d", path.Base(file), n), cols); err != nil {
			return err
		}
	}
	return sc.Err()
}

func tacticByShort(s string) int {
	for i, t := range tactics {
		if t.short == s {
			return i
		}
	}
	return -1
}

func categoryByName(s string) category {
	for i, n := range categoryNames {
		if n == s {
			return category(i)
		}
	}
	return -1
}

// validTechniqueID accepts T1234 and T1234.001.
func validTechniqueID(id string) bool {
	main, sub, hasSub := strings.Cut(id, ".")
	if len(main) != 5 || main[0] != 'T' || !allDigits(main[1:]) {
		return false
	}
	return !hasSub || (len(sub) == 3 && allDigits(sub))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
