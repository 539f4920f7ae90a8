package main

import (
	"strings"
)

// Truth is the dataset's ground truth, written as JSON next to it.
type Truth struct {
	Description string   `json:"description"`
	Synthetic   bool     `json:"synthetic"`
	Generator   string   `json:"generator"`
	Regenerate  string   `json:"regenerate"`
	Account     string   `json:"account"`
	Regions     []string `json:"regions"`
	Trail       string   `json:"trail"`
	TrailBucket string   `json:"trail_bucket"`
	FirstEvent  string   `json:"first_event"`
	LastEvent   string   `json:"last_event"`

	Totals   Totals      `json:"totals"`
	Digest   *digestInfo `json:"digest"`
	Baseline Baseline    `json:"baseline"`
	Incident Incident    `json:"incident"`
}

type Totals struct {
	Events             int            `json:"events"`
	BackgroundEvents   int            `json:"background_events"`
	IncidentEvents     int            `json:"incident_events"`
	LogFiles           int            `json:"log_files"`
	DigestFiles        int            `json:"digest_files"`
	GzipBytes          int            `json:"gzip_bytes"`
	DataEvents         int            `json:"data_events"`
	ErrorEvents        int            `json:"error_events"`
	BackgroundErrors   int            `json:"background_error_events"`
	ConsoleLogins      int            `json:"console_logins"`
	EventsByRegion     map[string]int `json:"events_by_region"`
	LogFilesByRegion   map[string]int `json:"log_files_by_region"`
	EventsByDay        map[string]int `json:"events_by_day"`
	LogFilesByDayDir   map[string]int `json:"log_files_by_date_folder"`
	EventsByIdentity   map[string]int `json:"events_by_identity_type"`
	DistinctEventNames int            `json:"distinct_event_names"`
}

type Baseline struct {
	Note           string   `json:"note"`
	CIDeployUser   string   `json:"ci_deploy_user"`
	CIDeployKey    string   `json:"ci_deploy_access_key_id"`
	CIDeployIP     string   `json:"ci_deploy_ip"`
	CIDeployAgents []string `json:"ci_deploy_user_agents"`
	CIDeployEvents int      `json:"ci_deploy_key_events_outside_incident"`
	KnownIPs       []string `json:"known_human_and_partner_ips"`
}

type Key struct {
	AccessKeyID string `json:"access_key_id"`
	Kind        string `json:"kind"`
	Principal   string `json:"principal"`
	Events      int    `json:"events"`
}

type Incident struct {
	Definition      string         `json:"definition"`
	Start           string         `json:"start"`
	End             string         `json:"end"`
	Events          int            `json:"events"`
	LeakedKey       Key            `json:"leaked_key"`
	AttackerKeys    []Key          `json:"attacker_keys"`
	AttackerIPs     []string       `json:"attacker_ips"`
	AttackerAgents  []string       `json:"attacker_user_agents"`
	Persistence     Persistence    `json:"persistence"`
	DataAccessed    DataAccessed   `json:"data_accessed"`
	Failed          []Failed       `json:"failed_calls"`
	EventsByPhase   map[string]int `json:"events_by_phase"`
	EventsByName    map[string]int `json:"events_by_name"`
	EventsByRegion  map[string]int `json:"events_by_region"`
	EventIDs        []string       `json:"event_ids"`
	Timeline        []TEvent       `json:"timeline"`
	ConsoleLoginID  string         `json:"console_login_event_id"`
	StopLoggingID   string         `json:"stop_logging_event_id"`
	ExternalAccount string         `json:"external_account_trusted"`
}

type Persistence struct {
	User             string `json:"iam_user_created"`
	UserID           string `json:"iam_user_id"`
	AccessKey        string `json:"access_key_created"`
	PolicyAttached   string `json:"policy_attached"`
	LoginProfile     bool   `json:"login_profile_created"`
	RoleTrustChanged string `json:"role_trust_policy_changed"`
	RoleAssumed      string `json:"role_assumed"`
	SessionArn       string `json:"role_session_arn"`
	LambdaFunction   string `json:"lambda_function_created"`
	LambdaURLAuth    string `json:"lambda_function_url_auth_type"`
	KeyPair          string `json:"ec2_key_pair_imported"`
	KeyPairID        string `json:"ec2_key_pair_id"`
	SecurityGroup    string `json:"security_group_opened"`
	SecurityGroupRul string `json:"security_group_rule_id"`
	IngressRule      string `json:"ingress_rule"`
}

type DataAccessed struct {
	Bucket              string   `json:"bucket"`
	ListObjectsEvents   int      `json:"list_objects_events"`
	GetObjectEvents     int      `json:"get_object_events"`
	DistinctObjects     int      `json:"distinct_objects"`
	BytesTransferredOut int64    `json:"bytes_transferred_out"`
	Secrets             []string `json:"secrets_read"`
}

type Failed struct {
	EventID   string `json:"event_id"`
	EventTime string `json:"event_time"`
	EventName string `json:"event_name"`
	Region    string `json:"region"`
	ErrorCode string `json:"error_code"`
}

type TEvent struct {
	EventID     string `json:"event_id"`
	EventTime   string `json:"event_time"`
	EventSource string `json:"event_source"`
	EventName   string `json:"event_name"`
	Region      string `json:"region"`
	AccessKeyID string `json:"access_key_id"`
	SourceIP    string `json:"source_ip"`
	ErrorCode   string `json:"error_code,omitempty"`
	Phase       string `json:"phase"`
}

// truth describes the dataset: totals over every record and file, the
// ci-deploy baseline and the incident.
func (g *gen) truth(files []*logFile, digest *digestInfo) *Truth {
	t := g.truthHeader(digest)
	tl := tally{names: map[string]bool{}, keyEvents: map[string]int{},
		seenIP: map[string]bool{}, seenUA: map[string]bool{}, ciAgents: map[string]bool{}}
	t.Totals.init()
	t.Incident.init()
	for _, r := range g.recs {
		key, _ := r.ev.UserIdentity.get("accessKeyId").(string)
		t.Totals.count(r, tl.names)
		if r.phase == "" {
			t.Baseline.countCI(r.ev, key, g.w.ciDeploy.key, tl.ciAgents)
			continue
		}
		t.Incident.count(r, key, &tl)
	}
	t.Totals.DistinctEventNames = len(tl.names)
	t.Totals.countFiles(files, digest)
	t.Baseline.describe(&g.w)
	t.Incident.describe(&g.w, &g.facts, t.Totals.IncidentEvents, tl.keyEvents)
	return t
}

// tally is what one pass over the records has seen so far; lists keep
// the order in which their items were first seen.
type tally struct {
	names          map[string]bool // "source name" of every record
	keyEvents      map[string]int  // incident records per access key
	seenIP, seenUA map[string]bool // attacker addresses and agents
	ciAgents       map[string]bool // ci-deploy's background agents
}

func (g *gen) truthHeader(digest *digestInfo) *Truth {
	return &Truth{
		Description: "Synthetic CloudTrail export of one AWS account over two days (2025-03-10 and 2025-03-11 UTC) with an embedded intrusion. Generated by trailsleuth's examples/gen; no event comes from a real account.",
		Synthetic:   true,
		Generator:   "examples/gen",
		Regenerate:  "go run ./examples/gen -out examples/incident",
		Account:     acct,
		Regions:     regions,
		Trail:       "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/" + trailName,
		TrailBucket: trailBkt,
		FirstEvent:  ts(g.recs[0].t),
		LastEvent:   ts(g.recs[len(g.recs)-1].t),
		Digest:      digest,
	}
}

func (tot *Totals) init() {
	tot.EventsByRegion = map[string]int{}
	tot.LogFilesByRegion = map[string]int{}
	tot.EventsByDay = map[string]int{}
	tot.LogFilesByDayDir = map[string]int{}
	tot.EventsByIdentity = map[string]int{}
}

// count adds one record, background or incident, to the totals.
func (tot *Totals) count(r *rec, names map[string]bool) {
	ev := r.ev
	tot.Events++
	tot.EventsByRegion[ev.AWSRegion]++
	tot.EventsByDay[r.t.Format("2006-01-02")]++
	typ, _ := ev.UserIdentity.get("type").(string)
	tot.EventsByIdentity[typ]++
	names[ev.EventSource+" "+ev.EventName] = true
	if ev.EventCategory == "Data" {
		tot.DataEvents++
	}
	if ev.ErrorCode != "" || ev.ErrorMessage != "" {
		tot.ErrorEvents++
		if r.phase == "" {
			tot.BackgroundErrors++
		}
	}
	if ev.EventName == "ConsoleLogin" {
		tot.ConsoleLogins++
	}
	if r.phase == "" {
		tot.BackgroundEvents++
	} else {
		tot.IncidentEvents++
	}
}

// countFiles adds the log files and the digest.
func (tot *Totals) countFiles(files []*logFile, digest *digestInfo) {
	tot.LogFiles = len(files)
	tot.DigestFiles = 1
	for _, f := range files {
		tot.LogFilesByRegion[f.Region]++
		tot.LogFilesByDayDir[f.Delivered.Format("2006/01/02")]++
		tot.GzipBytes += f.GzipBytes
	}
	tot.GzipBytes += digest.GzipBytes
}

// countCI counts a background record made with ci-deploy's key: its
// legitimate use, beside the attacker's.
func (b *Baseline) countCI(ev *Event, key, ciKey string, seen map[string]bool) {
	if key != ciKey {
		return
	}
	b.CIDeployEvents++
	if !seen[ev.UserAgent] {
		seen[ev.UserAgent] = true
		b.CIDeployAgents = append(b.CIDeployAgents, ev.UserAgent)
	}
}

func (b *Baseline) describe(w *world) {
	b.Note = "Before the incident ci-deploy's key is only used from the CI runner's Elastic IP, for GetCallerIdentity, AssumeRole into infra-admin, s3 cp of build artifacts and ECS service updates. Office, remote, on-premises IPs are documentation ranges (RFC 5737)."
	b.CIDeployUser = w.ciDeploy.arn()
	b.CIDeployKey = w.ciDeploy.key
	b.CIDeployIP = ciIP
	b.KnownIPs = []string{officeIP, remoteIP, onPremIP, ciIP}
}

func (inc *Incident) init() {
	inc.EventsByPhase = map[string]int{}
	inc.EventsByName = map[string]int{}
	inc.EventsByRegion = map[string]int{}
}

// count adds one incident record (made with key, "" for none).
func (inc *Incident) count(r *rec, key string, tl *tally) {
	ev := r.ev
	if inc.Start == "" {
		inc.Start = ev.EventTime
	}
	inc.End = ev.EventTime
	inc.EventsByPhase[r.phase]++
	inc.EventsByName[ev.EventName]++
	inc.EventsByRegion[ev.AWSRegion]++
	inc.EventIDs = append(inc.EventIDs, ev.EventID)
	if key != "" {
		tl.keyEvents[key]++
	}
	// Calls AWS services made for the attacker are not the attacker's address.
	if !strings.HasSuffix(ev.SourceIPAddress, ".amazonaws.com") && ev.SourceIPAddress != "AWS Internal" {
		if !tl.seenIP[ev.SourceIPAddress] {
			tl.seenIP[ev.SourceIPAddress] = true
			inc.AttackerIPs = append(inc.AttackerIPs, ev.SourceIPAddress)
		}
		if !tl.seenUA[ev.UserAgent] {
			tl.seenUA[ev.UserAgent] = true
			inc.AttackerAgents = append(inc.AttackerAgents, ev.UserAgent)
		}
	}
	if ev.ErrorCode != "" {
		inc.Failed = append(inc.Failed, Failed{ev.EventID, ev.EventTime, ev.EventName, ev.AWSRegion, ev.ErrorCode})
	}
	if ev.EventSource == "s3.amazonaws.com" && ev.EventName == "GetObject" {
		inc.DataAccessed.GetObjectEvents++
	}
	if ev.EventSource == "s3.amazonaws.com" && ev.EventName == "ListObjects" {
		inc.DataAccessed.ListObjectsEvents++
	}
	inc.Timeline = append(inc.Timeline, TEvent{ev.EventID, ev.EventTime, ev.EventSource, ev.EventName, ev.AWSRegion, key, ev.SourceIPAddress, ev.ErrorCode, r.phase})
}

// describe fills in what the intrusion created (f), its keys with their
// record counts, and the definition of an incident record.
func (inc *Incident) describe(w *world, f *incidentFacts, events int, keyEvents map[string]int) {
	inc.Definition = "Incident events are exactly: the records made with ci-deploy's key " + f.LeakedKey + " from " + attackerIP1 +
		"; every record made with the three keys the attacker obtained (the AKIA created for " + backdoorUser +
		", the ASIA of the infra-admin session, the ASIA of the console session); and the ConsoleLogin of " + backdoorUser +
		". That includes 3 kms Decrypt records Secrets Manager made with the attacker's session (source secretsmanager.amazonaws.com)." +
		" No background record uses an attacker IP or an attacker-obtained key; ci-deploy's key is also used legitimately (see baseline)."
	inc.Events = events
	backdoorArn := "arn:aws:iam::" + acct + ":user/" + backdoorUser
	inc.LeakedKey = Key{f.LeakedKey, "AKIA (leaked, long-term key of ci-deploy)", w.ciDeploy.arn(), keyEvents[f.LeakedKey]}
	inc.AttackerKeys = []Key{
		inc.LeakedKey,
		{f.CreatedKey, "AKIA (created by the attacker)", backdoorArn, keyEvents[f.CreatedKey]},
		{f.SessionKey, "ASIA (AssumeRole into infra-admin)", f.SessionArn, keyEvents[f.SessionKey]},
		{f.ConsoleKey, "ASIA (console session of " + backdoorUser + ")", backdoorArn, keyEvents[f.ConsoleKey]},
	}
	inc.Persistence = Persistence{
		User: backdoorUser, UserID: f.CreatedUserID, AccessKey: f.CreatedKey, PolicyAttached: adminArn, LoginProfile: true,
		RoleTrustChanged: w.infraAdmin.arn(), RoleAssumed: w.infraAdmin.arn(), SessionArn: f.SessionArn,
		LambdaFunction: f.FunctionArn, LambdaURLAuth: "NONE", KeyPair: backdoorKeyPair, KeyPairID: f.KeyPairID,
		SecurityGroup: f.SecurityGroupID, SecurityGroupRul: f.RuleID, IngressRule: "tcp/22 from 0.0.0.0/0",
	}
	inc.DataAccessed.Bucket = bktCustomer
	inc.DataAccessed.DistinctObjects = len(f.Objects)
	inc.DataAccessed.BytesTransferredOut = f.Bytes
	inc.DataAccessed.Secrets = f.Secrets
	inc.ConsoleLoginID = f.ConsoleLoginID
	inc.StopLoggingID = f.StopLoggingID
	inc.ExternalAccount = attackerAccount
}
