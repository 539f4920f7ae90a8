package scenario

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// rawEvent is what the importer reads of a record.
type rawEvent struct {
	EventTime       string `json:"eventTime"`
	EventSource     string `json:"eventSource"`
	EventName       string `json:"eventName"`
	AWSRegion       string `json:"awsRegion"`
	SourceIPAddress string `json:"sourceIPAddress"`
	UserAgent       string `json:"userAgent"`
	EventID         string `json:"eventID"`
	EventCategory   string `json:"eventCategory"`
	ManagementEvent *bool  `json:"managementEvent"`
	Recipient       string `json:"recipientAccountId"`
	UserIdentity    struct {
		Type           string `json:"type"`
		PrincipalID    string `json:"principalId"`
		ARN            string `json:"arn"`
		AccountID      string `json:"accountId"`
		AccessKeyID    string `json:"accessKeyId"`
		UserName       string `json:"userName"`
		InvokedBy      string `json:"invokedBy"`
		SessionContext struct {
			SessionIssuer struct {
				Type        string `json:"type"`
				PrincipalID string `json:"principalId"`
				ARN         string `json:"arn"`
				UserName    string `json:"userName"`
			} `json:"sessionIssuer"`
			Attributes struct {
				CreationDate string `json:"creationDate"`
			} `json:"attributes"`
			EC2RoleDelivery string `json:"ec2RoleDelivery"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	RequestParameters   map[string]any `json:"requestParameters"`
	ResponseElements    map[string]any `json:"responseElements"`
	AdditionalEventData map[string]any `json:"additionalEventData"`
}

// importCorpus reads a CloudTrail tree (a ctgen corpus or a copy of a real
// dataset) and builds the world it shows: accounts, users and keys with
// the addresses and tools they were used from, roles and their sessions,
// buckets. The records are kept, marked imported, for truth.
func importCorpus(dir string, seed uint64, side string) (*World, error) {
	var evs []rawEvent
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".json.gz") || strings.HasSuffix(path, ".json")) || filepath.Base(path) == "truth.json" {
			return nil
		}
		got, err := readRecords(path)
		if err != nil {
			return err
		}
		evs = append(evs, got...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", dir, err)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("importing %s: no CloudTrail records", dir)
	}
	w := &World{r: newRnd(seed, 0x1a40), usedIPs: map[string]bool{}, usedKeys: map[string]bool{}, Observed: map[string]*Usage{}, Company: "imported"}
	w.learn(evs, side)
	return w, nil
}

func readRecords(path string) ([]rawEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	var doc struct {
		Records []rawEvent `json:"Records"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc.Records, nil
}

// learn builds the world the records show: first a pass over every
// record, then the accounts, with the principals and buckets placed in them.
func (w *World) learn(evs []rawEvent, side string) {
	l := &learner{w: w, side: side, acctCount: map[string]int{}, regionCount: map[string]map[string]int{},
		users: map[string]*User{}, roles: map[string]*Role{}, buckets: map[string]*Bucket{},
		bucketData: map[string]bool{}, instances: map[string]*Instance{}}
	for i := range evs {
		l.event(&evs[i])
	}
	w.Start, w.End = l.first, l.last.Add(time.Second)
	w.opts = Options{Start: l.first, Days: max(1, int(l.last.Sub(l.first).Hours()/24)+1), Legacy: l.first.Year() < 2022}
	byID := l.accounts()
	l.placeUsers(byID)
	l.placeRoles(byID)
	l.placeBuckets(w.Accounts[0])
	if w.secrets != nil {
		for _, a := range w.Accounts {
			a.Secrets = w.secrets[a.ID]
		}
	}
}

// learner is what the pass over the imported records has gathered before
// the accounts are known: counts, and principals and buckets by name.
type learner struct {
	w           *World
	side        string
	acctCount   map[string]int
	regionCount map[string]map[string]int // account -> region -> records
	users       map[string]*User          // by ARN
	roles       map[string]*Role          // by ARN
	buckets     map[string]*Bucket        // by name
	bucketData  map[string]bool           // buckets with data events
	instances   map[string]*Instance      // by role name/session
	first, last time.Time
}

// event learns from one record; records without a time or an id are skipped.
func (l *learner) event(e *rawEvent) {
	t, err := time.Parse(time.RFC3339, e.EventTime)
	if err != nil || e.EventID == "" {
		return
	}
	if l.first.IsZero() || t.Before(l.first) {
		l.first = t
	}
	if t.After(l.last) {
		l.last = t
	}
	acct := e.Recipient
	l.acctCount[acct]++
	if l.regionCount[acct] == nil {
		l.regionCount[acct] = map[string]int{}
	}
	l.regionCount[acct][e.AWSRegion]++
	l.keepRecord(e, t)
	l.observeKey(e, t)
	switch e.UserIdentity.Type {
	case "IAMUser":
		l.iamUser(e, t)
	case "AssumedRole":
		l.assumedRole(e)
	case "AWSService":
		l.serviceRole(e)
	}
	l.bucket(e)
	if s, ok := e.RequestParameters["secretId"].(string); ok && strings.HasPrefix(s, "arn:") {
		l.w.secretSeen(acct, s)
	}
	l.w.noteResources(e)
}

// keepRecord keeps the record for truth and reserves its address and keys,
// so that generated ones never collide with them.
func (l *learner) keepRecord(e *rawEvent, t time.Time) {
	w := l.w
	rec := &Record{EventID: e.EventID, SourceIPAddress: e.SourceIPAddress, UserAgent: e.UserAgent, RecipientAccountID: e.Recipient, time: t, side: l.side, imported: true}
	rec.UserIdentity.AccessKeyID = e.UserIdentity.AccessKeyID
	rec.UserIdentity.ARN = e.UserIdentity.ARN
	rec.issued = issuedKey(e.ResponseElements)
	if rec.issued != "" {
		w.usedKeys[rec.issued] = true
	}
	w.records = append(w.records, rec)
	w.usedIPs[e.SourceIPAddress] = true
}

// observeKey adds the record to its access key's usage: where from, with
// what, when.
func (l *learner) observeKey(e *rawEvent, t time.Time) {
	w := l.w
	k := e.UserIdentity.AccessKeyID
	if k == "" {
		return
	}
	w.usedKeys[k] = true
	us := w.Observed[k]
	if us == nil {
		us = &Usage{IPs: map[string]int{}, UAs: map[string]int{}, First: t}
		w.Observed[k] = us
	}
	us.N++
	us.IPs[e.SourceIPAddress]++
	us.UAs[e.UserAgent]++
	if t.Before(us.First) {
		us.First = t
	}
	if t.After(us.Last) {
		us.Last = t
	}
}

// iamUser learns an IAM user, its long-term keys and console habit.
func (l *learner) iamUser(e *rawEvent, t time.Time) {
	id := e.UserIdentity
	u := l.users[id.ARN]
	if u == nil && id.UserName != "" {
		u = &User{Name: id.UserName, ID: id.PrincipalID, Tags: tagsFor(id.UserName)}
		u.Account = &Account{ID: id.AccountID}
		l.users[id.ARN] = u
	}
	if u == nil {
		return
	}
	if strings.HasPrefix(id.AccessKeyID, "AKIA") && !hasKey(u, id.AccessKeyID) {
		u.Keys = append(u.Keys, &Key{ID: id.AccessKeyID, User: u, Created: t})
	}
	if e.EventName == "ConsoleLogin" {
		u.Console = true
		u.MFA = fmt.Sprint(e.AdditionalEventData["MFAUsed"]) == "Yes"
	}
}

// assumedRole learns a role from its session; an instance's session also
// gives the instance and its credentials.
func (l *learner) assumedRole(e *rawEvent) {
	id := e.UserIdentity
	is := id.SessionContext.SessionIssuer
	if is.ARN == "" {
		return
	}
	ro := l.roles[is.ARN]
	if ro == nil {
		name, path := roleNamePath(is.ARN)
		ro = &Role{Name: name, Path: path, ID: is.PrincipalID, Kind: "role", Account: &Account{ID: id.AccountID}}
		l.roles[is.ARN] = ro
	}
	session := id.ARN[strings.LastIndex(id.ARN, "/")+1:]
	if strings.HasPrefix(session, "i-") || id.SessionContext.EC2RoleDelivery != "" {
		ro.Kind = "ec2"
	}
	if ro.Kind != "ec2" && ro.Kind != "ecs" {
		return
	}
	in := l.instances[ro.Name+"/"+session]
	if in == nil {
		in = &Instance{ID: session, Role: ro, PublicIP: e.SourceIPAddress}
		l.instances[ro.Name+"/"+session] = in
		ro.Instances = append(ro.Instances, in)
	}
	if id.AccessKeyID != "" && !hasSession(in, id.AccessKeyID) {
		created, _ := time.Parse(time.RFC3339, id.SessionContext.Attributes.CreationDate)
		in.Sessions = append(in.Sessions, &Cred{kind: credRole, role: ro, session: session, key: id.AccessKeyID, created: created, ec2: ro.Kind == "ec2", imported: true})
	}
}

// serviceRole learns a task or function role from ECS or Lambda assuming it.
func (l *learner) serviceRole(e *rawEvent) {
	id := e.UserIdentity
	if e.EventName != "AssumeRole" || !(strings.HasPrefix(id.InvokedBy, "ecs-tasks") || strings.HasPrefix(id.InvokedBy, "lambda")) {
		return
	}
	arn, _ := e.RequestParameters["roleArn"].(string)
	name, path := roleNamePath(arn)
	ro := l.roles[arn]
	if ro == nil {
		ro = &Role{Name: name, Path: path, Account: &Account{ID: e.Recipient}}
		l.roles[arn] = ro
	}
	ro.Kind, ro.Service = "ecs", id.InvokedBy
	if strings.HasPrefix(id.InvokedBy, "lambda") {
		ro.Kind = "lambda"
	}
}

// bucket learns an S3 bucket, whether its data events are logged and the
// top-level prefixes of its keys.
func (l *learner) bucket(e *rawEvent) {
	b, ok := e.RequestParameters["bucketName"].(string)
	if !ok || e.EventSource != "s3.amazonaws.com" {
		return
	}
	bk := l.buckets[b]
	if bk == nil {
		bk = &Bucket{Name: b, Kind: bucketKindFor(b), Region: e.AWSRegion}
		l.buckets[b] = bk
	}
	if e.EventCategory == "Data" || (e.ManagementEvent != nil && !*e.ManagementEvent) || strings.HasSuffix(e.EventName, "Object") {
		l.bucketData[b] = true
		if k, ok := e.RequestParameters["key"].(string); ok {
			if i := strings.Index(k, "/"); i > 0 && !contains(bk.Prefixes, k[:i+1]) {
				bk.Prefixes = append(bk.Prefixes, k[:i+1])
			}
		}
	}
}

// accounts creates the accounts, busiest first: the busiest is the victim
// ("prod").
func (l *learner) accounts() map[string]*Account {
	w := l.w
	var ids []string
	for id := range l.acctCount {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return l.acctCount[ids[i]] > l.acctCount[ids[j]] || (l.acctCount[ids[i]] == l.acctCount[ids[j]] && ids[i] < ids[j])
	})
	byID := map[string]*Account{}
	for i, id := range ids {
		kind := "other"
		if i == 0 {
			kind = "prod"
		}
		a := &Account{ID: id, Alias: id, Kind: kind, Region: mostCommon(l.regionCount[id])}
		a.Root = &User{Account: a, Tags: map[string]bool{"root": true}}
		w.Accounts = append(w.Accounts, a)
		byID[id] = a
	}
	w.Home = w.Accounts[0].Region
	return byID
}

// placeUsers puts each user in its account (users of accounts that
// received no record stay out).
func (l *learner) placeUsers(byID map[string]*Account) {
	for _, arn := range slices.Sorted(maps.Keys(l.users)) {
		u := l.users[arn]
		if a := byID[u.Account.ID]; a != nil {
			u.Account = a
			a.Users = append(a.Users, u)
		}
	}
}

// placeRoles puts each role, its instances and their sessions in its account.
func (l *learner) placeRoles(byID map[string]*Account) {
	for _, arn := range slices.Sorted(maps.Keys(l.roles)) {
		ro := l.roles[arn]
		if (ro.Kind == "ecs" || ro.Kind == "ec2") && len(ro.Instances) == 0 {
			// a task role seen only being handed out: one task to steal from
			ro.Instances = []*Instance{{ID: l.w.r.uuid(), Role: ro}}
		}
		if a := byID[ro.Account.ID]; a != nil {
			ro.Account = a
			a.Roles = append(a.Roles, ro)
			for _, in := range ro.Instances {
				for _, s := range in.Sessions {
					s.acct = a
				}
				a.Instances = append(a.Instances, in)
			}
		}
	}
}

// placeBuckets gives every bucket to prod.
func (l *learner) placeBuckets(prod *Account) {
	for _, name := range slices.Sorted(maps.Keys(l.buckets)) {
		b := l.buckets[name]
		b.DataEvents = l.bucketData[name]
		if len(b.Prefixes) == 0 {
			b.Prefixes = []string{""}
		}
		prod.Buckets = append(prod.Buckets, b)
	}
}

// noteResources remembers the data resources an imported event names, so
// that a real dataset's own data counts for neither side.
func (w *World) noteResources(e *rawEvent) {
	for _, f := range []string{"secretId", "name", "bucketName", "functionName", "tableName", "snapshotId", "keyId", "logGroupName"} {
		v, ok := e.RequestParameters[f].(string)
		if !ok || v == "" {
			continue
		}
		if f == "bucketName" {
			v = "s3://" + v
		}
		if !w.seenData[v] {
			if w.seenData == nil {
				w.seenData = map[string]bool{}
			}
			w.seenData[v] = true
		}
	}
}

func (w *World) secretSeen(acct, arn string) {
	if w.secrets == nil {
		w.secrets = map[string][]string{}
	}
	if !contains(w.secrets[acct], arn) {
		w.secrets[acct] = append(w.secrets[acct], arn)
	}
}

func roleNamePath(arn string) (name, path string) {
	i := strings.Index(arn, ":role/")
	if i < 0 {
		return arn, ""
	}
	rest := arn[i+len(":role/"):]
	j := strings.LastIndex(rest, "/")
	return rest[j+1:], rest[:j+1]
}

// tagsFor guesses what an imported user is for from its name.
func tagsFor(name string) map[string]bool {
	n := strings.ToLower(name)
	t := map[string]bool{}
	for _, kw := range []string{"ci", "deploy", "backup", "terraform", "bi", "report", "grafana", "monitor"} {
		if strings.Contains(n, kw) {
			t[kw] = true
		}
	}
	if t["deploy"] {
		t["ci"] = true
	}
	if strings.Contains(n, ".") || strings.Contains(n, "-") && !t["ci"] && !t["backup"] && !t["terraform"] {
		t["human"], t["developer"] = true, true
	}
	return t
}

func bucketKindFor(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "cloudtrail") || strings.Contains(n, "trail"):
		return "trail"
	case strings.Contains(n, "customer") || strings.Contains(n, "data"):
		return "data"
	case strings.Contains(n, "backup"):
		return "backup"
	case strings.Contains(n, "report"):
		return "reports"
	}
	return "app"
}

func hasKey(u *User, k string) bool {
	for _, x := range u.Keys {
		if x.ID == k {
			return true
		}
	}
	return false
}

func hasSession(in *Instance, k string) bool {
	for _, s := range in.Sessions {
		if s.key == k {
			return true
		}
	}
	return false
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// copyTree copies a dataset folder (read-only, outside the repository)
// into the scenario's folder, so its files sit beside the injected ones.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !strings.HasSuffix(path, ".json.gz") && !strings.HasSuffix(path, ".json") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("copying %s: %w", path, err)
		}
		return os.WriteFile(target, b, 0o644)
	})
}
