package scenario

import (
	"strings"
	"time"
)

// attacker is someone using stolen access: their addresses and tools.
type attacker struct {
	w    *World
	ips  []string
	tool Tool
}

// newAttacker allocates one address in each named network.
func (w *World) newAttacker(tool Tool, nets ...string) *attacker {
	a := &attacker{w: w, tool: tool}
	for _, n := range nets {
		a.ips = append(a.ips, w.addrIn(n))
	}
	return a
}

// src is the attacker's i-th address with their tool.
func (a *attacker) src(i int, region string) Source {
	return Source{IP: a.ips[i%len(a.ips)], Tool: a.tool, Region: region, side: sideAttacker}
}

// withTool is a source with another tool (a browser, a second script).
func (s Source) withTool(t Tool) Source  { s.Tool, s.UA = t, ""; return s }
func (s Source) withUA(ua string) Source { s.UA = ua; return s }

// Attackers' tools.
var (
	kaliCLI     = awsCLI2Old("2.13.4", "3.11.4", "Linux/6.3.0-kali1-amd64", "exe/x86_64.kali.2023")
	pacu        = staticTool("pacu (boto3 on kali)", "Boto3/1.26.90 Python/3.11.2 Linux/6.1.0-kali7-amd64 Botocore/1.29.90")
	cleanCLI    = awsCLI2("2.17.46", "0.21.2", "linux", "6.8.0-45-generic", "x86_64", "3.11.9", "exe", "ubuntu.24")
	winCLI      = awsCLI2("2.18.1", "0.21.5", "windows", "10", "x86_64", "3.12.6", "msi", "")
	scriptBoto3 = boto3("1.35.20", "1.35.20", "linux", "5.15.0-119-generic", "3.10.12", "")
	ec2Boto3    = boto3("1.35.44", "1.35.44", "linux", "6.1.109-118.189.amzn2023.x86_64", "3.9.20", "")
	winBoto3    = boto3("1.34.162", "1.34.162", "windows", "10", "3.12.4", "")
	attackerGo  = goSDKv2("1.30.5", "1.22.7", "linux", "")
	browser     = staticTool("chrome on windows", chromeWin)
	rclone      = staticTool("rclone", rcloneUA)
)

// perms says which calls a stolen credential may make.
type perms func(name string) bool

func allowAll(string) bool { return true }

// noIAMRead: no IAM, Organizations or account-wide reads (a typical
// application or pipeline policy).
func noIAMRead(name string) bool {
	switch name {
	case "ListUsers", "ListRoles", "ListGroups", "ListPolicies", "GetAccountAuthorizationDetails", "GetAccountSummary",
		"ListAccessKeys", "ListAttachedUserPolicies", "ListUserPolicies", "ListAttachedRolePolicies", "ListRolePolicies",
		"GetRole", "GetUser", "GetPolicy", "GetPolicyVersion", "ListMFADevices", "GenerateCredentialReport", "GetCredentialReport",
		"ListAccounts", "DescribeOrganization", "ListSAMLProviders", "ListOpenIDConnectProviders", "ListVirtualMFADevices",
		"ListInstanceProfiles", "ListServerCertificates", "GetAccountPasswordPolicy", "GetLoginProfile", "ListGroupsForUser":
		return false
	}
	return true
}

// appRole: an application role's narrow policy: S3, its secret and
// parameters, nothing else.
func appRole(name string) bool {
	switch {
	case name == "GetCallerIdentity", name == "ListBuckets", strings.HasPrefix(name, "GetBucket"), strings.HasPrefix(name, "ListObjects"),
		name == "GetObject", name == "GetParameter", name == "GetParameters", name == "GetSecretValue", name == "Decrypt":
		return true
	}
	return false
}

// recon emits names with cred, refused where p says no; gap is the
// typical pause in seconds (a script: well under one; a person: several).
func (w *World) recon(t time.Time, cred *Cred, src Source, a *Account, names []string, p perms, gap float64) time.Time {
	for _, n := range names {
		if n == "GetCallerIdentity" || p(n) {
			w.read(t, cred, src, a, n)
		} else {
			w.readDenied(t, cred, src, a, n)
		}
		t = t.Add(time.Duration((0.15 + w.r.ExpFloat64()*gap) * float64(time.Second)))
	}
	return t
}

// regional repeats names in each region.
func regional(names []string, regions ...string) [][2]string {
	var out [][2]string
	for _, r := range regions {
		for _, n := range names {
			out = append(out, [2]string{r, n})
		}
	}
	return out
}

// reconRegions enumerates regional services region by region.
func (w *World) reconRegions(t time.Time, cred *Cred, src Source, a *Account, pairs [][2]string, p perms, gap float64) time.Time {
	for _, rn := range pairs {
		c, errCode := w.readCall(a, rn[1])
		c.Region = rn[0]
		switch {
		case !p(rn[1]):
			c = deny(c, cred, "")
		case errCode != "":
			c = benignError(c, errCode)
		}
		w.emit(t, cred, src, c)
		t = t.Add(time.Duration((0.15 + w.r.ExpFloat64()*gap) * float64(time.Second)))
	}
	return t
}

// download reads n objects of b, as a sync or a script does.
func (w *World) download(t time.Time, cred *Cred, src Source, a *Account, b *Bucket, n int, gap float64) time.Time {
	for _, p := range b.Prefixes {
		w.emit(t, cred, src, w.listObjects(a, b, p, true))
		t = t.Add(time.Duration(300+w.r.IntN(700)) * time.Millisecond)
	}
	for i := 0; i < n; i++ {
		w.emit(t, cred, src, w.getObject(a, b, w.objectKey(b), int64(2000+w.r.IntN(3_000_000))))
		t = t.Add(time.Duration((0.05 + w.r.ExpFloat64()*gap) * float64(time.Second)))
	}
	return t
}

// attackDay is the day (0-based) incidents happen on: late enough for a
// baseline, early enough for the owners to go on working after it.
func (w *World) attackDay() int { return w.days() - 3 }

// attackAt is when an incident starts: on the attack day at hour h in
// loc; in a corpus shorter than a few days (a real dataset), a few minutes
// after its last event.
func (w *World) attackAt(h float64, loc *time.Location) time.Time {
	if w.days() < 4 {
		return w.End.Add(7 * time.Minute).Truncate(time.Second)
	}
	return w.at(w.attackDay(), h, loc)
}

func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

func firstFunctions(a *Account, n int) []*Function { return a.Functions[:min(n, len(a.Functions))] }

// dataBucket is the bucket an attacker goes for: the customer data, or in
// an imported corpus the bucket whose objects are logged.
func (w *World) dataBucket(a *Account) *Bucket {
	if b := a.bucketKind("data"); b != nil && (b.DataEvents || len(w.Observed) == 0) {
		return b
	}
	for _, b := range a.Buckets {
		if b.DataEvents && b.Kind != "trail" {
			return b
		}
	}
	if len(a.Buckets) > 0 {
		return a.Buckets[0]
	}
	b := &Bucket{Name: a.ID + "-data", Kind: "data", Prefixes: []string{"exports/"}, Region: a.Region}
	a.Buckets = append(a.Buckets, b)
	return b
}
