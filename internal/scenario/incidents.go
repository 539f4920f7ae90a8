package scenario

import (
	"fmt"
	"time"
)

// victim is the account's first IAM user with a key and one of tags; in an
// imported corpus, where tags are guesses, any user with a key will do.
func (w *World) victim(a *Account, tags ...string) *User {
	for _, t := range tags {
		for _, u := range a.Users {
			if u.Tags[t] && len(u.Keys) > 0 {
				return u
			}
		}
	}
	for _, u := range a.Users {
		if len(u.Keys) > 0 && !u.Tags["attacker"] {
			return u
		}
	}
	panic("scenario: no IAM user with a key in account " + a.ID)
}

// ownerTool is the tool the key's owner uses: the person's CLI in the
// model, the most common user agent in an imported corpus.
func (w *World) ownerTool(u *User) Tool {
	if u.Person != nil {
		return u.Person.CLI
	}
	if us := w.Observed[u.Keys[0].ID]; us != nil {
		return staticTool("owner's", mostCommon(us.UAs))
	}
	return cleanCLI
}

func mostCommon(m map[string]int) string {
	best, n := "", -1
	for k, v := range m {
		if v > n || (v == n && k < best) {
			best, n = k, v
		}
	}
	return best
}

func s3URL(b *Bucket) string { return "s3://" + b.Name }

// --- 1. A console user without MFA phished through a reverse proxy ---

func playPhishedConsole(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "no-mfa", "human")
	at := w.newAttacker(browser, "tor-exit", "tor-exit", "digitalocean")
	t := w.attackAt(10.2, cet)
	// The phishing proxy relays the password: a sign-in from a Tor exit.
	login := at.src(0, a.Region)
	sess := w.consoleLogin(t, u, login, false)
	sess.attacker = true
	p.Principal = u.ARN()
	p.obtained(sess.key, "ConsoleLogin (phished password, no MFA)")
	tt := t.Add(8 * time.Second)
	for _, page := range []string{"iam", "s3", "secrets", "iam", "s3"} {
		tt = w.consolePage(tt, sess, login.IP, chromeWin, a, page)
	}
	// Reads the secrets in the console.
	for _, s := range firstN(a.Secrets, 3) {
		w.emit(tt, sess, login, getSecretValue(s))
		p.read(s)
		tt = tt.Add(time.Duration(5+w.r.IntN(20)) * time.Second)
	}
	// A key of their own, made for the user itself in the console.
	c, k := w.createAccessKey(u, tt)
	w.emit(tt, sess, login, c)
	p.persist("iam-access-key", k.ID)
	p.obtained(k.ID, "CreateAccessKey from the phished console session")
	// The session moves to the second exit after a while.
	tt = tt.Add(11 * time.Minute)
	tt = w.consolePage(tt, sess, at.ips[1], chromeWin, a, "ec2")
	// Then the new key from a VPS with the CLI.
	cli := at.src(2, a.Region).withTool(cleanCLI)
	kc := userCred(k)
	tt = tt.Add(23 * time.Minute)
	tt = w.recon(tt, kc, cli, a, []string{"GetCallerIdentity", "ListBuckets", "ListSecrets", "ListUsers", "ListRoles"}, noIAMRead, 4)
	b := w.dataBucket(a)
	w.download(tt, kc, cli, a, b, 140, 0.4)
	p.read(s3URL(b))
	p.Indicator = &Indicator{Flag: "--principal", Value: u.ARN(), Why: "the user reported a sign-in page that looked wrong"}
}

// --- 2. A CI key leaked in a public repository ---

func playLeakedCIKey(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "ci")
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "leaked (committed to a public repository)")
	at := w.newAttacker(kaliCLI, "tor-exit-2", "tor-exit", "tor-exit-2")
	t := w.attackAt(2.78, time.UTC)
	src := at.src(0, "us-east-1")
	w.emit(t, key, src, getCallerIdentity())
	// Pacu's enumeration: everything, in every region, refusals included.
	penum := src.withTool(pacu)
	t = w.recon(t.Add(40*time.Second), key, penum, a, []string{"ListUsers", "ListRoles", "ListPolicies", "GetAccountAuthorizationDetails", "ListGroups", "GetAccountPasswordPolicy", "ListAccessKeys"}, func(n string) bool {
		return n == "ListRoles" || n == "ListPolicies" || n == "ListUsers"
	}, 0.3)
	t = w.reconRegions(t, key, penum, a, regional([]string{"DescribeInstances", "DescribeSecurityGroups", "ListFunctions20150331", "DescribeDBInstances", "ListSecrets"}, "us-east-1", "us-west-2", "eu-west-1", a.Region, "ap-southeast-1"), func(n string) bool { return n != "DescribeDBInstances" }, 0.25)
	t = w.recon(t, key, penum, a, []string{"ListBuckets", "GetBucketPolicy", "GetBucketAcl", "ListDetectors", "DescribeTrails"}, allowAll, 0.3)
	// Privilege escalation and a user of their own.
	t = t.Add(3 * time.Minute)
	cu, nu := w.createUser(a, "svc-metrics-exporter", t)
	nu.Tags["attacker"] = true
	w.emit(t, key, src, cu)
	w.emit(t.Add(4*time.Second), key, src, attachUserPolicy(nu, adminPolicy))
	ck, k := w.createAccessKey(nu, t.Add(9*time.Second))
	w.emit(t.Add(9*time.Second), key, src, ck)
	w.emit(t.Add(15*time.Second), key, src, createLoginProfile(nu, t.Add(15*time.Second)))
	p.persist("iam-user", nu.ARN(), nu.Name)
	p.persist("iam-access-key", k.ID)
	p.persist("iam-login-profile", nu.Name, nu.ARN())
	p.persist("iam-policy-attachment", nu.Name+" "+adminPolicy, nu.ARN(), nu.Name)
	p.obtained(k.ID, "CreateAccessKey by the leaked key")
	// A federation token: access that survives deleting the user's keys.
	fed := w.getFederationToken(t.Add(40*time.Second), key, src, "ci-cache")
	p.obtained(fed.key, "GetFederationToken by the leaked key")
	fsrc := at.src(1, a.Region).withTool(scriptBoto3)
	for i, s := range firstN(a.Secrets, 2) {
		w.emit(t.Add(time.Duration(90+i*7)*time.Second), fed, fsrc, getSecretValue(s))
		p.read(s)
	}
	w.emit(t.Add(110*time.Second), fed, fsrc, call("ssm.amazonaws.com", "GetParametersByPath", true, M{"path": "/prod/", "recursive": true, "withDecryption": true}))
	// The new user's key from another exit: data.
	nsrc := at.src(2, a.Region).withTool(scriptBoto3)
	nk := userCred(k)
	tt := w.recon(t.Add(31*time.Minute), nk, nsrc, a, []string{"GetCallerIdentity", "ListBuckets"}, allowAll, 1)
	b := w.dataBucket(a)
	w.download(tt, nk, nsrc, a, b, 90, 0.3)
	p.read(s3URL(b))
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "a secret scanner found the key in a public repository"}
}

// --- 3. Instance-role credentials stolen through SSRF and used off the instance ---

func playIMDSTheft(w *World, p *Plan) {
	a := w.Prod()
	in := w.webInstance(a)
	at := w.newAttacker(cleanCLI, "digitalocean", "digitalocean")
	t := w.attackAt(14.1, time.UTC)
	b := w.dataBucket(a)
	for round, start := range []time.Time{t, t.Add(3*time.Hour + 25*time.Minute)} {
		sess := w.stolenSession(in, start)
		p.obtained(sess.key, "stolen from the instance metadata service through SSRF")
		if round == 0 {
			p.Principal = sess.ARN()
		}
		src := at.src(round, a.Region)
		tt := w.recon(start, sess, src, a, []string{"GetCallerIdentity", "ListBuckets", "ListRoles", "ListAttachedRolePolicies", "GetBucketLocation", "ListSecrets", "DescribeInstances"}, appRole, 3)
		tt = w.download(tt, sess, src, a, b, 80+round*60, 0.5)
		p.read(s3URL(b))
		for _, s := range firstN(a.Secrets, 1) {
			w.emit(tt, sess, src, getSecretValue(s))
			p.read(s)
		}
	}
	p.Indicator = &Indicator{Flag: "--ip", Value: at.ips[0], Why: "GuardDuty reported the instance's credentials used from this address outside AWS"}
}

// webInstance is an instance with role credentials to steal.
func (w *World) webInstance(a *Account) *Instance {
	// the busiest instance: in an imported corpus, the one whose sessions
	// are seen most
	var best *Instance
	n := -1
	for _, kind := range []string{"ec2", "ecs"} {
		for _, in := range a.Instances {
			if in.Role.Kind != kind {
				continue
			}
			seen := 0
			for _, s := range in.Sessions {
				if us := w.Observed[s.key]; us != nil {
					seen += us.N
				}
			}
			if seen > n {
				best, n = in, seen
			}
		}
		if best != nil {
			return best
		}
	}
	panic("scenario: no instance or task with a role in " + a.ID)
}

// stolenSession is the instance's credential at t; for a task or function
// role without recorded sessions the service issues one now.
func (w *World) stolenSession(in *Instance, t time.Time) *Cred {
	if s := in.sessionAt(t); s != nil && !s.imported {
		return s
	}
	// An imported session still in use at t: the owner goes on using it.
	for _, s := range in.Sessions {
		if us := w.Observed[s.key]; s.imported && us != nil && !us.First.After(t) && !us.Last.Before(t) {
			return s
		}
	}
	// In an imported corpus the sessions' lifetimes are unknown: the
	// service issues a fresh one shortly before (a task or instance
	// restart), as the owner's side of the story.
	svc := "ec2.amazonaws.com"
	if in.Role.Kind == "ecs" {
		svc = "ecs-tasks.amazonaws.com"
	}
	s := w.serviceAssumeRole(t.Add(-9*time.Minute), svc, in.Role, in.ID)
	in.Sessions = append(in.Sessions, s)
	return s
}

// --- 4. An Identity Center user's session taken over ---

func playIdCCompromise(w *World, p *Plan) {
	a := w.Prod()
	var victim *Person
	for _, pe := range w.People {
		if pe.Job == "platform" {
			victim = pe
		}
	}
	at := w.newAttacker(browser, "m247-vpn", "m247-vpn")
	t := w.attackAt(16.4, cet)
	sess := w.idcConsoleVisit(t, victim, a, "AdministratorAccess", at.ips[0], true)
	p.Principal = sess.ARN()
	p.obtained(sess.key, "AssumeRoleWithSAML by the hijacked Identity Center session")
	src := at.src(0, a.Region).withUA(chromeWin)
	tt := t.Add(6 * time.Second)
	for _, page := range []string{"iam", "s3", "secrets", "iam"} {
		tt = w.consolePage(tt, sess, at.ips[0], chromeWin, a, page)
	}
	cu, nu := w.createUser(a, "support-automation", tt)
	nu.Tags["attacker"] = true
	w.emit(tt, sess, src, cu)
	w.emit(tt.Add(20*time.Second), sess, src, createLoginProfile(nu, tt.Add(20*time.Second)))
	w.emit(tt.Add(41*time.Second), sess, src, attachUserPolicy(nu, adminPolicy))
	ck, k := w.createAccessKey(nu, tt.Add(70*time.Second))
	w.emit(tt.Add(70*time.Second), sess, src, ck)
	p.persist("iam-user", nu.ARN(), nu.Name)
	p.persist("iam-login-profile", nu.Name, nu.ARN())
	p.persist("iam-policy-attachment", nu.Name+" "+adminPolicy, nu.ARN(), nu.Name)
	p.persist("iam-access-key", k.ID)
	p.obtained(k.ID, "CreateAccessKey in the hijacked console session")
	// The new key from the VPN's other exit with the CLI on Windows.
	nk := userCred(k)
	cli := at.src(1, a.Region).withTool(winCLI)
	tt = w.recon(tt.Add(17*time.Minute), nk, cli, a, []string{"GetCallerIdentity", "ListSecrets", "ListBuckets"}, allowAll, 5)
	for _, s := range a.Secrets {
		w.emit(tt, nk, cli, getSecretValue(s))
		p.read(s)
		tt = tt.Add(time.Duration(3+w.r.IntN(9)) * time.Second)
	}
	b := w.dataBucket(a)
	w.download(tt, nk, cli, a, b, 45, 1.5)
	p.read(s3URL(b))
	p.Indicator = &Indicator{Flag: "--principal", Value: sess.ARN(), Why: "the identity provider flagged the user's sign-in as risky"}
}

// --- 5. From a development account's key into production through a trusted role ---

func playCrossAccountPivot(w *World, p *Plan) {
	dev, prod := w.account("dev"), w.Prod()
	u := w.victim(dev, "ci")
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "leaked (found in a build log)")
	at := w.newAttacker(scriptBoto3, "vultr", "vultr")
	t := w.attackAt(21.3, time.UTC)
	src := at.src(0, dev.Region)
	t = w.recon(t, key, src, dev, []string{"GetCallerIdentity", "ListRoles", "ListBuckets", "DescribeParameters", "GetParameter", "ListFunctions20150331", "ListUsers"}, noIAMRead, 2)
	role := prod.role("deploy-from-dev")
	sess := w.assumeRole(t.Add(30*time.Second), key, src.withUA(""), role, "botocore-session-"+fmt.Sprint(t.Unix()), "")
	sess.attacker = true
	p.obtained(sess.key, "AssumeRole from the development account into production")
	psrc := at.src(0, prod.Region)
	tt := w.recon(t.Add(40*time.Second), sess, psrc, prod, []string{"GetCallerIdentity", "ListBuckets", "ListUsers", "ListRoles", "ListFunctions20150331", "ListSecrets"}, allowAll, 1.5)
	b := w.dataBucket(prod)
	tt = w.download(tt, sess, psrc, prod, b, 80, 0.3)
	p.read(s3URL(b))
	// Backdoors: a second key for an existing service user, and the
	// deploy role made assumable from the attacker's own account.
	mon := prod.userTagged("monitoring")
	if mon == nil {
		mon = w.victim(prod)
	}
	ck, k := w.createAccessKey(mon, tt.Add(time.Minute))
	w.emit(tt.Add(time.Minute), sess, psrc, ck)
	p.persist("iam-access-key", k.ID)
	p.obtained(k.ID, "CreateAccessKey for an existing service user by the cross-account session")
	outside := w.r.accountID()
	w.emit(tt.Add(90*time.Second), sess, psrc, updateAssumeRolePolicy(role, trustAccount(outside)))
	p.persist("iam-role-trust-policy", role.ARN(), role.Name)
	nk := userCred(k)
	nsrc := at.src(1, prod.Region)
	w.recon(tt.Add(2*time.Hour), nk, nsrc, prod, []string{"GetCallerIdentity", "ListBuckets", "GetMetricData"}, allowAll, 3)
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "the key was found in a public build log"}
}

// --- 6. An insider with legitimate access takes data before leaving ---

func playInsider(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "data")
	pe := u.Person
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "the insider's own key")
	// Saturday night, from home, with rclone.
	d := w.attackDay()
	for weekend(w.at(d, 12, cet)) == false && d > 2 {
		d--
	}
	home := pe.Homes[(d/6)%len(pe.Homes)]
	src := Source{IP: home, Tool: rclone, Region: a.Region, side: sideAttacker}
	t := w.at(d, 23.2, pe.TZ)
	w.emit(t, key, src, listBuckets(a))
	b := w.dataBucket(a)
	t = w.download(t.Add(3*time.Second), key, src, a, b, 520, 0.15)
	rb := a.bucketKind("reports")
	t = w.download(t, key, src, a, rb, 60, 0.15)
	p.read(s3URL(b), s3URL(rb))
	// A key for a service account the data team manages: access after
	// the insider's own user is gone.
	svc := a.userTagged("bi")
	if svc == nil {
		svc = w.victim(a)
	}
	cli := Source{IP: home, Tool: pe.CLI, Region: a.Region, side: sideAttacker}
	ck, k := w.createAccessKey(svc, t.Add(4*time.Minute))
	w.emit(t.Add(4*time.Minute), key, cli, ck)
	p.persist("iam-access-key", k.ID)
	p.obtained(k.ID, "CreateAccessKey for a service user, by the insider")
	// Monday night, through a VPN, with the service user's new key.
	vpn := w.newAttacker(rclone, "mullvad-vpn")
	nk := userCred(k)
	t2 := w.at(d+2, 22.5, pe.TZ)
	w.download(t2, nk, vpn.src(0, a.Region), a, b, 180, 0.2)
	p.Indicator = &Indicator{Flag: "--principal", Value: u.ARN(), Why: "HR asked for a review of a departing employee's access"}
}

// --- 7. S3 ransomware: versioning off, objects re-encrypted with the attacker's key, originals deleted ---

func playS3Ransomware(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "backup")
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "stolen from the backup server's configuration")
	at := w.newAttacker(scriptBoto3, "tor-exit", "tor-exit-2")
	t := w.attackAt(3.5, time.UTC)
	src := at.src(0, a.Region)
	t = w.recon(t, key, src, a, []string{"GetCallerIdentity", "ListBuckets"}, allowAll, 1)
	var targets []*Bucket
	for _, k := range []string{"data", "backup"} {
		if b := a.bucketKind(k); b != nil && b.DataEvents {
			targets = append(targets, b)
		}
	}
	if len(targets) == 0 {
		targets = append(targets, w.dataBucket(a))
	}
	for _, b := range targets {
		p.read(s3URL(b))
		w.emit(t, key, src, bucketCall(a, "GetBucketVersioning", b, true, M{"versioning": ""}))
		w.emit(t.Add(2*time.Second), key, src, bucketCall(a, "PutBucketVersioning", b, false, M{"versioning": "", "VersioningConfiguration": M{"Status": "Suspended", "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}}))
		w.emit(t.Add(3*time.Second), key, src, bucketCall(a, "PutBucketLifecycle", b, false, M{"lifecycle": "", "LifecycleConfiguration": M{"Rule": M{"ID": "cleanup", "Status": "Enabled", "NoncurrentVersionExpiration": M{"NoncurrentDays": 1}}}}))
		t = t.Add(5 * time.Second)
		w.emit(t, key, src, w.listObjectVersions(a, b))
		var objs []string
		for i := 0; i < 110; i++ {
			k := w.objectKey(b)
			objs = append(objs, k)
			w.emit(t, key, src, w.copyObject(a, b, k, k, int64(10000+w.r.IntN(5000000)), true))
			t = t.Add(time.Duration(200+w.r.IntN(600)) * time.Millisecond)
		}
		for i := 0; i < len(objs); i += 50 {
			w.emit(t, key, src, w.deleteObjects(a, b, objs[i:min(i+50, len(objs))]))
			t = t.Add(2 * time.Second)
		}
		w.emit(t, key, src, w.putObject(a, b, "README-RECOVER-YOUR-FILES.txt", 2104))
		t = t.Add(20 * time.Second)
	}
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "the ransom note names no key; the backup appliance's key is the only one with write access to both buckets"}
}

// --- 8. A Lambda backdoor: a function with an admin role, a public URL and a schedule ---

func playLambdaBackdoor(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "terraform")
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "leaked (in a Terraform state file)")
	at := w.newAttacker(attackerGo, "hetzner-fi")
	t := w.attackAt(19.7, time.UTC)
	src := at.src(0, a.Region)
	t = w.recon(t, key, src, a, []string{"GetCallerIdentity", "ListFunctions20150331", "ListRoles", "GetRole", "ListAttachedRolePolicies", "ListUsers"}, allowAll, 2)
	role := a.role("ops-automation")
	fn := "cloudwatch-metrics-sync"
	fnARN := "arn:aws:lambda:" + a.Region + ":" + a.ID + ":function:" + fn
	w.emit(t, key, src, w.createFunction(a, fn, role, "python3.12"))
	w.emit(t.Add(6*time.Second), key, src, call("lambda.amazonaws.com", "AddPermission20150331v2", false, M{"functionName": fn, "statementId": "FunctionURLAllowPublicAccess", "action": "lambda:InvokeFunctionUrl", "principal": "*", "functionUrlAuthType": "NONE"}))
	w.emit(t.Add(9*time.Second), key, src, call("lambda.amazonaws.com", "CreateFunctionUrlConfig", false, M{"functionName": fn, "authType": "NONE"}).
		resp(M{"functionUrl": "https://" + w.r.str(32, lowerDigits) + ".lambda-url." + a.Region + ".on.aws/", "functionArn": fnARN, "authType": "NONE"}))
	rule := "metrics-sync-schedule"
	w.emit(t.Add(14*time.Second), key, src, call("events.amazonaws.com", "PutRule", false, M{"name": rule, "scheduleExpression": "rate(6 hours)", "state": "ENABLED"}))
	w.emit(t.Add(17*time.Second), key, src, call("events.amazonaws.com", "PutTargets", false, M{"rule": rule, "targets": []M{{"id": "1", "arn": fnARN}}}))
	p.persist("lambda-function", fnARN, fn)
	p.persist("lambda-function-url", fnARN, fn)
	p.persist("lambda-permission", fnARN, fn)
	p.persist("eventbridge-rule", "arn:aws:events:"+a.Region+":"+a.ID+":rule/"+rule, rule)
	// The backdoor runs on its schedule: each run the service hands it
	// the admin role, and the first run gives a dormant admin user a key.
	bg := a.userTagged("breakglass")
	if bg == nil {
		bg = w.victim(a)
	}
	var stolen *Key
	for run := 0; run < 4; run++ {
		rt := t.Add(time.Duration(run*6)*time.Hour + 3*time.Minute)
		sess := w.assumeRole(rt, serviceCred(a, "lambda.amazonaws.com"), Source{IP: "lambda.amazonaws.com", UA: "lambda.amazonaws.com", side: sideAttacker}, role, fn, "")
		sess.attacker = true
		p.obtained(sess.key, "AssumeRole by Lambda for the backdoor function")
		ip := w.addrIn("aws-" + a.Region)
		lsrc := Source{IP: ip, UA: lambdaWorkerUA, Region: a.Region, side: sideAttacker}
		w.emit(rt.Add(time.Second), sess, lsrc, call("logs.amazonaws.com", "CreateLogStream", false, M{"logGroupName": "/aws/lambda/" + fn, "logStreamName": rt.Format("2006/01/02") + "/[$LATEST]" + w.r.str(32, hexLower)}))
		fsrc := lsrc.withUA(lambdaPyUA)
		w.emit(rt.Add(2*time.Second), sess, fsrc, iamCall("ListAccessKeys", true, M{"userName": bg.Name}))
		if run == 0 {
			ck, k := w.createAccessKey(bg, rt.Add(3*time.Second))
			w.emit(rt.Add(3*time.Second), sess, fsrc, ck)
			stolen = k
			p.persist("iam-access-key", k.ID)
			p.obtained(k.ID, "CreateAccessKey by the backdoor function")
		}
	}
	// The attacker uses the dormant admin's new key.
	bk := userCred(stolen)
	bsrc := at.src(0, a.Region)
	tt := w.recon(t.Add(7*time.Hour), bk, bsrc, a, []string{"GetCallerIdentity", "ListBuckets", "ListSecrets"}, allowAll, 2)
	b := w.dataBucket(a)
	w.download(tt, bk, bsrc, a, b, 35, 0.6)
	p.read(s3URL(b))
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "a public Terraform state file held this key"}
}

// --- 9. Blinding the defenders: GuardDuty, Config, a trail, alarms and flow logs ---

func playEvasion(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "platform")
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "stolen from the engineer's laptop")
	at := w.newAttacker(cleanCLI, "ovh")
	t := w.attackAt(4.1, time.UTC)
	src := at.src(0, a.Region)
	t = w.recon(t, key, src, a, []string{"GetCallerIdentity", "DescribeTrails", "GetTrailStatus", "GetEventSelectors", "ListDetectors", "GetDetector", "DescribeConfigurationRecorders", "DescribeFlowLogs", "DescribeAlarms", "DescribeHub"}, allowAll, 2)
	orgTrail := "arn:aws:cloudtrail:" + a.Region + ":" + w.Accounts[0].ID + ":trail/" + a.Trail
	local := "prod-security-trail"
	localARN := "arn:aws:cloudtrail:" + a.Region + ":" + a.ID + ":trail/" + local
	ct := func(name string, req M) Call { return call("cloudtrail.amazonaws.com", name, false, req) }
	steps := []Call{
		ct("StopLogging", M{"name": orgTrail}).fail("AccessDeniedException", "This operation is not permitted on an organization trail from a member account."),
		ct("PutEventSelectors", M{"trailName": local, "eventSelectors": []M{{"readWriteType": "ReadOnly", "includeManagementEvents": true, "dataResources": []M{}}}}).resp(M{"trailARN": localARN}),
		ct("StopLogging", M{"name": localARN}),
		ct("DeleteTrail", M{"name": localARN}),
		call("guardduty.amazonaws.com", "UpdateDetector", false, M{"detectorId": w.detectorID(a), "enable": false}),
		call("guardduty.amazonaws.com", "DeleteDetector", false, M{"detectorId": w.detectorID(a)}),
		call("config.amazonaws.com", "StopConfigurationRecorder", false, M{"configurationRecorderName": "default"}),
		call("config.amazonaws.com", "DeleteDeliveryChannel", false, M{"deliveryChannelName": "default"}),
		call("monitoring.amazonaws.com", "DeleteAlarms", false, M{"alarmNames": []string{"root-login", "iam-policy-changes", "cloudtrail-changes"}}),
		call("logs.amazonaws.com", "DeleteLogGroup", false, M{"logGroupName": "/aws/cloudtrail/prod"}),
		ec2Call("DeleteFlowLogs", M{"DeleteFlowLogsRequest": M{"FlowLogId": M{"tag": 1, "content": "fl-0" + w.r.str(16, hexLower)}}}),
		call("securityhub.amazonaws.com", "DisableSecurityHub", false, nil),
	}
	for _, c := range steps {
		w.emit(t, key, src, c)
		t = t.Add(time.Duration(4+w.r.IntN(25)) * time.Second)
	}
	// In the dark: a way in, and an open door.
	t = t.Add(4 * time.Minute)
	cu, nu := w.createUser(a, "aws-health-reporter", t)
	nu.Tags["attacker"] = true
	w.emit(t, key, src, cu)
	w.emit(t.Add(5*time.Second), key, src, attachUserPolicy(nu, adminPolicy))
	ck, k := w.createAccessKey(nu, t.Add(9*time.Second))
	w.emit(t.Add(9*time.Second), key, src, ck)
	sg := a.SecurityGroups[0]
	w.emit(t.Add(30*time.Second), key, src, ec2Call("AuthorizeSecurityGroupIngress", M{"groupId": sg, "ipPermissions": M{"items": []M{{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": M{"items": []M{{"cidrIp": "0.0.0.0/0"}}}}}}}).resp(M{"_return": true}))
	p.persist("iam-user", nu.ARN(), nu.Name)
	p.persist("iam-policy-attachment", nu.Name+" "+adminPolicy, nu.ARN(), nu.Name)
	p.persist("iam-access-key", k.ID)
	p.persist("security-group-ingress", sg)
	p.obtained(k.ID, "CreateAccessKey by the stolen key")
	nk := userCred(k)
	w.recon(t.Add(2*time.Hour), nk, at.src(0, a.Region), a, []string{"GetCallerIdentity", "DescribeInstances", "ListBuckets"}, allowAll, 3)
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "the security team noticed GuardDuty had gone quiet"}
}

// --- 10. Low and slow: a few calls a day for weeks, from rotating residential proxies ---

func playLowAndSlow(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "bi")
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "leaked by the BI vendor")
	nets := []string{"vodafone-de-proxy", "telefonica-es", "orange-fr", "kpn-nl", "claro-br", "charter-us"}
	at := w.newAttacker(winBoto3)
	b := w.dataBucket(a)
	first := w.days() / 3
	n := 0
	for d := first; d < w.days()-1; d++ {
		if w.r.chance(0.3) {
			continue
		}
		at.ips = append(at.ips, w.addrIn(nets[n%len(nets)]))
		src := at.src(n, a.Region)
		t := w.at(d, w.r.Float64()*24, time.UTC)
		if n == 0 {
			t = w.recon(t, key, src, a, []string{"GetCallerIdentity", "ListBuckets"}, allowAll, 5)
		}
		if w.r.chance(0.5) {
			w.emit(t, key, src, w.listObjects(a, b, b.Prefixes[w.r.IntN(len(b.Prefixes))], true))
			t = t.Add(time.Duration(3+w.r.IntN(20)) * time.Second)
		}
		for i, k := 0, w.r.between(2, 7); i < k; i++ {
			w.emit(t, key, src, w.getObject(a, b, w.objectKey(b), int64(5000+w.r.IntN(800000))))
			t = t.Add(time.Duration(5+w.r.IntN(60)) * time.Second)
		}
		n++
	}
	p.read(s3URL(b))
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "the BI vendor disclosed a breach of its customers' keys"}
}

// --- 11. A developer's key abused from an EC2 instance in someone else's account (crypto-mining) ---

func playAWSAddressAbuse(w *World, p *Plan) {
	a := w.Prod()
	var u *User
	for _, pe := range w.People {
		if pe.DevBox != "" && pe.User != nil {
			u = pe.User
		}
	}
	if u == nil {
		u = w.victim(a, "developer")
	}
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "leaked (a dotfile in a public gist)")
	at := w.newAttacker(ec2Boto3, "aws-us-east-2", "aws-ap-southeast-1")
	t := w.attackAt(7.9, time.UTC)
	src := at.src(0, "us-east-2")
	t = w.recon(t, key, src, a, []string{"GetCallerIdentity", "DescribeRegions", "GetSendQuota"}, allowAll, 1)
	regions := []string{"us-east-1", "us-east-2", "us-west-2", "ap-southeast-1", "sa-east-1"}
	t = w.reconRegions(t, key, src, a, regional([]string{"DescribeInstances", "DescribeInstanceTypes", "DescribeImages", "DescribeSecurityGroups"}, regions...), allowAll, 0.3)
	for i, r := range regions[:4] {
		kp := "ops-" + w.r.str(6, lowerDigits)
		sg := "sg-0" + w.r.str(16, hexLower)
		w.emit(t, key, src, ec2Call("ImportKeyPair", M{"keyName": kp, "publicKeyMaterial": "<sensitiveDataRemoved>"}).resp(M{"keyName": kp, "keyPairId": "key-0" + w.r.str(16, hexLower), "keyFingerprint": w.r.str(32, hexLower)}).in(r))
		w.emit(t.Add(2*time.Second), key, src, ec2Call("CreateSecurityGroup", M{"groupName": "default-ssh", "groupDescription": "default"}).resp(M{"_return": true, "groupId": sg}).in(r))
		w.emit(t.Add(3*time.Second), key, src, ec2Call("AuthorizeSecurityGroupIngress", M{"groupId": sg, "ipPermissions": M{"items": []M{{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": M{"items": []M{{"cidrIp": "0.0.0.0/0"}}}}}}}).resp(M{"_return": true}).in(r))
		run := ec2Call("RunInstances", M{"instancesSet": M{"items": []M{{"imageId": "ami-0" + w.r.str(16, hexLower), "minCount": 8, "maxCount": 8}}}, "instanceType": "g4dn.12xlarge", "keyName": kp, "groupSet": M{"items": []M{{"groupId": sg}}}}).in(r)
		if i%2 == 1 {
			run = run.fail("Client.VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of 64 allows for the instance bucket that the specified instance type belongs to.")
		} else {
			run = run.resp(M{"instancesSet": M{"items": []M{{"instanceId": "i-0" + w.r.str(16, hexLower), "instanceType": "g4dn.12xlarge"}}}})
		}
		w.emit(t.Add(6*time.Second), key, src, run)
		p.persist("ec2-key-pair", kp)
		p.persist("security-group-ingress", sg)
		t = t.Add(time.Duration(30+w.r.IntN(60)) * time.Second)
	}
	w.emit(t, key, at.src(1, "us-east-1"), call("servicequotas.amazonaws.com", "RequestServiceQuotaIncrease", false, M{"serviceCode": "ec2", "quotaCode": "L-DB2E81BA", "desiredValue": 512}).in("us-east-1"))
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "the bill showed GPU instances nobody ordered"}
}

// --- 12. An attacker who copies the owner's user agent ---

func playUAMimic(w *World, p *Plan) {
	a := w.Prod()
	u := w.victim(a, "developer", "human")
	for _, cand := range a.Users {
		if cand.Person != nil && cand.Person.HomeNet == "meo-pt" && len(cand.Keys) > 0 {
			u = cand
		}
	}
	key := userCred(u.Keys[0])
	p.Principal = u.ARN()
	p.obtained(key.key, "stolen with the developer's ~/.aws folder")
	at := w.newAttacker(w.ownerTool(u), "m247-vpn", "mullvad-vpn")
	t := w.attackAt(13.4, time.UTC)
	src := at.src(0, a.Region)
	t = w.recon(t, key, src, a, []string{"GetCallerIdentity", "ListBuckets", "ListUsers", "GetBucketPolicy", "ListSecrets", "ListFunctions20150331"}, noIAMRead, 6)
	b := w.dataBucket(a)
	outside := w.r.accountID()
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"replication","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + outside + `:root"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::` + b.Name + `","arn:aws:s3:::` + b.Name + `/*"]}]}`
	w.emit(t, key, src, bucketCall(a, "PutBucketPolicy", b, false, M{"policy": "", "bucketPolicy": policy}))
	p.persist("s3-bucket-policy", s3URL(b), b.Name, "arn:aws:s3:::"+b.Name)
	p.read(s3URL(b))
	t = t.Add(2 * time.Minute)
	for _, s := range firstN(a.Secrets, 3) {
		w.emit(t, key, src, getSecretValue(s))
		p.read(s)
		t = t.Add(time.Duration(8+w.r.IntN(30)) * time.Second)
	}
	for _, f := range firstFunctions(a, 2) {
		w.emit(t, key, src, call("lambda.amazonaws.com", "GetFunction20150331v2", true, M{"functionName": f.Name}))
		t = t.Add(time.Duration(5+w.r.IntN(20)) * time.Second)
	}
	// Next day, the other VPN: the parameters.
	src2 := at.src(1, a.Region)
	t2 := w.at(w.attackDay()+1, 9.2, time.UTC)
	w.emit(t2, key, src2, call("ssm.amazonaws.com", "GetParametersByPath", true, M{"path": "/prod/", "recursive": true, "withDecryption": true}))
	w.download(t2.Add(time.Minute), key, src2, a, b, 25, 2)
	p.Indicator = &Indicator{Flag: "--key", Value: key.key, Why: "the developer's laptop was stolen"}
}
