package scenario

import (
	"fmt"
	"strings"
	"time"
)

// Background plays the owners' routine over the whole window: people at
// work, pipelines, machines, services, a posture scanner and monitoring.
func (w *World) Background() {
	prod, dev, ident := w.account("prod"), w.account("dev"), w.account("identity")
	for d := 0; d < w.days(); d++ {
		for _, p := range w.People {
			w.personDay(d, p)
		}
		for _, a := range []*Account{prod, dev} {
			w.githubActionsDay(d, a)
			w.ciRunnerDay(d, a)
			w.instancesDay(d, a)
			w.lambdasDay(d, a)
			w.configDay(d, a)
			w.scannerDay(d, a)
			w.backupServiceDay(d, a)
			w.serviceEventsDay(d, a)
		}
		if d%3 == 0 {
			w.configDay(d, ident)
		}
		w.crossDeployDay(d, dev, prod)
		w.saasDay(d, prod)
		w.backupServerDay(d, prod)
	}
}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// where a person works from on day d at local hour h.
func (w *World) where(p *Person, d int, h float64) string {
	day := w.at(d, h, p.TZ).In(p.TZ)
	home := p.Homes[(d/6)%len(p.Homes)] // the ISP hands out a new address now and then
	switch {
	case w.r.chance(0.03):
		return p.Mobile
	case p.Office != "" && p.OfficeDays[day.Weekday()] && h < float64(p.EndHour):
		return p.Office
	case w.r.chance(0.25):
		return p.VPN
	}
	return home
}

// personDay: a person's working day — CLI work with their key, console
// visits through Identity Center, terraform for the platform engineer.
func (w *World) personDay(d int, p *Person) {
	day := w.at(d, 12, p.TZ)
	work := !weekend(day.In(p.TZ))
	if !work && !w.r.chance(0.12) { // an occasional weekend look
		return
	}
	sessions := w.r.between(1, 3)
	if !work {
		sessions = 1
	}
	for i := 0; i < sessions; i++ {
		h := float64(p.StartHour) + w.r.Float64()*float64(p.EndHour-p.StartHour)
		if w.r.chance(0.08) {
			h = 20 + w.r.Float64()*3 // evening
		}
		t := w.at(d, h, p.TZ)
		ip := w.where(p, d, h)
		if p.DevBox != "" && w.r.chance(0.35) {
			ip = p.DevBox // a cloud workstation in AWS, same CLI
		}
		if p.User != nil && w.r.chance(0.7) {
			w.cliSession(t, p, p.User, ip)
		}
		if p.DevUser != nil && w.r.chance(0.4) {
			w.cliSession(t.Add(time.Duration(w.r.IntN(3600))*time.Second), p, p.DevUser, ip)
		}
		if w.r.chance(0.6) {
			acct := w.account("prod")
			if w.r.chance(0.35) {
				acct = w.account("dev")
			}
			w.idcConsoleVisit(t.Add(time.Duration(w.r.IntN(5400))*time.Second), p, acct, p.SSORoles[w.r.IntN(len(p.SSORoles))], ip, false)
		}
	}
	if p.Job == "platform" && work && w.r.chance(0.4) {
		t := w.at(d, float64(p.StartHour)+w.r.Float64()*8, p.TZ)
		key := p.User.Keys[0]
		if tf := w.account("prod").userTagged("terraform"); tf != nil && w.r.chance(0.5) {
			key = tf.Keys[0] // the shared terraform key, from the same laptop
		}
		w.terraformRun(t, p, userCred(key), Source{IP: w.where(p, d, 14), Tool: p.Terraform}, w.account("prod"), w.r.chance(0.3))
		// debugging the pipeline with its key, from the laptop
		if ci := w.account("prod").userTagged("ci"); ci != nil && w.r.chance(0.3) {
			w.terraformRun(t.Add(40*time.Minute), p, userCred(ci.Keys[0]), Source{IP: w.where(p, d, 15), Tool: p.Terraform}, w.account("prod"), false)
		}
	}
}

var jobReads = map[string][]string{
	"platform":  {"GetCallerIdentity", "DescribeInstances", "DescribeStacks", "FilterLogEvents", "ListBuckets", "DescribeLogGroups", "GetParameter", "DescribeSecurityGroups", "ListFunctions20150331", "DescribeAlarms", "GetRole", "ListAttachedRolePolicies", "DescribeDBInstances", "ListClusters"},
	"developer": {"GetCallerIdentity", "FilterLogEvents", "DescribeLogStreams", "GetFunction20150331v2", "ListFunctions20150331", "GetParameter", "DescribeStacks", "DescribeStackEvents", "DescribeTable", "ListTables"},
	"data":      {"GetCallerIdentity", "ListBuckets", "DescribeTable", "GetParameter", "DescribeDBInstances"},
}

// cliSession is someone working in a terminal with their IAM user's key.
func (w *World) cliSession(t time.Time, p *Person, u *User, ip string) {
	if len(u.Keys) == 0 {
		return
	}
	cred := userCred(u.Keys[0])
	src := Source{IP: ip, Tool: p.CLI, Region: u.Account.Region}
	a := u.Account
	n := w.r.between(3, 18)
	vocab := jobReads[p.Job]
	if vocab == nil {
		vocab = jobReads["developer"]
	}
	for i := 0; i < n; i++ {
		switch {
		case p.Job == "data" && w.r.chance(0.5):
			b := a.bucketKind(w.r.pick([]string{"data", "reports"}))
			if w.r.chance(0.4) {
				w.emit(t, cred, src, w.listObjects(a, b, b.Prefixes[w.r.IntN(len(b.Prefixes))], true))
			} else {
				w.emit(t, cred, src, w.getObject(a, b, w.objectKey(b), int64(20000+w.r.IntN(4000000))))
			}
		case p.Job == "developer" && a.Kind == "dev" && w.r.chance(0.1):
			f := a.Functions[w.r.IntN(len(a.Functions))]
			w.emit(t, cred, src, call("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", false, M{"functionName": f.Name, "publish": false, "dryRun": false}))
		case w.r.chance(0.05):
			w.readDenied(t, cred, src, a, w.r.pick([]string{"ListUsers", "GetAccountAuthorizationDetails", "DescribeSecret", "ListSecrets", "GetParameters", "DescribeDBSnapshots"}))
		case w.r.chance(0.1) && len(a.Secrets) > 0 && p.Job != "data":
			w.emit(t, cred, src, getSecretValue(a.Secrets[w.r.IntN(len(a.Secrets))]))
		default:
			w.read(t, cred, src, a, vocab[w.r.IntN(len(vocab))])
		}
		t = t.Add(time.Duration(2+w.r.ExpFloat64()*40) * time.Second)
	}
}

func (w *World) objectKey(b *Bucket) string {
	p := b.Prefixes[w.r.IntN(len(b.Prefixes))]
	switch b.Kind {
	case "reports":
		return fmt.Sprintf("%s%d/report-%04d.csv", p, 2025, w.r.IntN(400))
	case "data":
		return fmt.Sprintf("%scustomer-%06d.json.gz", p, w.r.IntN(200000))
	case "backup":
		return fmt.Sprintf("%s%s.tar.zst", p, w.r.str(12, lowerDigits))
	case "trail":
		return p + w.r.str(20, lowerDigits) + ".json.gz"
	}
	return fmt.Sprintf("%s%s.bin", p, w.r.str(10, lowerDigits))
}

// idcConsoleVisit: sign-in through IAM Identity Center and some pages.
func (w *World) idcConsoleVisit(t time.Time, p *Person, a *Account, permSet, ip string, attacker bool) *Cred {
	ident := w.account("identity")
	if ident != nil {
		portal := &Cred{kind: credIdC, acct: ident, provider: "d-" + w.r.str(10, "0123456789abcdef"), subject: p.idcUserID, session: p.Email}
		src := Source{IP: ip, UA: p.Browser}
		if attacker {
			src = src.attacker()
		}
		if !attacker || w.r.chance(0.5) {
			w.emit(t.Add(-40*time.Second), portal, src, Call{Source: "signin.amazonaws.com", Name: "CredentialChallenge", Type: "AwsServiceEvent", Region: ident.Region, Add: M{"CredentialType": "PASSWORD"}, Resp: M{"status": "SUCCESS"}})
			w.emit(t.Add(-30*time.Second), portal, src, Call{Source: "signin.amazonaws.com", Name: "UserAuthentication", Type: "AwsServiceEvent", Region: ident.Region, Add: M{"AuthWorkflowID": w.r.uuid(), "LoginTo": "https://" + w.Company + ".awsapps.com/start/", "CredentialType": "PASSWORD"}, Resp: M{"status": "SUCCESS"}})
		}
		w.emit(t.Add(-20*time.Second), portal, src, Call{Source: "sso.amazonaws.com", Name: "ListAccounts", RO: true, Region: ident.Region})
		w.emit(t.Add(-5*time.Second), portal, src, Call{Source: "sso.amazonaws.com", Name: "Federate", RO: true, Region: ident.Region, Req: M{"roleName": permSet, "accountId": a.ID}})
	}
	var role *Role
	for _, r := range a.Roles {
		if r.Kind == "sso" && strings.HasPrefix(r.Name, "AWSReservedSSO_"+permSet+"_") {
			role = r
		}
	}
	src := Source{IP: ip, UA: p.Browser}
	if attacker {
		src = src.attacker()
	}
	saml := &Cred{kind: credSAML, acct: a, provider: w.r.b64(21)[:28], subject: p.Email}
	sess := w.roleSession(role, p.Email, t)
	sess.console = true
	sess.attacker = attacker
	w.emit(t, saml, src, call("sts.amazonaws.com", "AssumeRoleWithSAML", true, M{
		"sAMLAssertionID": "_" + w.r.uuid(), "roleSessionName": p.Email, "roleArn": role.ARN(),
		"principalArn": "arn:aws:iam::" + a.ID + ":saml-provider/AWSSSO_" + w.r.str(16, hexLower) + "_DO_NOT_DELETE", "durationSeconds": 43200,
	}).resp(M{
		"credentials":     M{"accessKeyId": sess.key, "sessionToken": w.r.sessionToken(), "expiration": stsTime(t.Add(12 * time.Hour))},
		"assumedRoleUser": M{"assumedRoleId": role.ID + ":" + p.Email, "arn": role.SessionARN(p.Email)},
		"subject":         p.Email, "subjectType": "persistent", "issuer": "https://portal.sso." + w.Home + ".amazonaws.com/saml/assertion/" + w.r.b64(24),
		"audience": "https://signin.aws.amazon.com/saml", "nameQualifier": w.r.b64(21),
	}).res(Resource{AccountID: a.ID, Type: "AWS::IAM::Role", ARN: role.ARN()}).in(w.Home))
	login := sess.with(func(c *Cred) { c.key = "" })
	w.emit(t.Add(time.Second), login, src, Call{Source: "signin.amazonaws.com", Name: "ConsoleLogin", Type: "AwsConsoleSignIn", Region: w.Home,
		Resp: M{"ConsoleLogin": "Success"}, Add: M{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No", "SamlProviderArn": "arn:aws:iam::" + a.ID + ":saml-provider/AWSSSO_DO_NOT_DELETE"}})
	if attacker {
		return sess
	}
	pages := []string{"ec2", "s3", "cloudwatch", "lambda", "rds", "vpc", "ssm", "kms", "billing", "cloudtrail", "iam"}
	if permSet == "SecurityAudit" {
		pages = []string{"iam", "cloudtrail", "s3", "kms", "ec2", "vpc"}
	}
	tt := t.Add(5 * time.Second)
	for i, n := 0, w.r.between(1, 6); i < n; i++ {
		tt = w.consolePage(tt, sess, ip, p.Browser, a, pages[w.r.IntN(len(pages))])
	}
	return sess
}

// terraformRun is a plan (refreshing every resource), sometimes an apply.
func (w *World) terraformRun(t time.Time, p *Person, cred *Cred, src Source, a *Account, apply bool) {
	src.Region = a.Region
	t = w.burst(t, cred, src, a, w.sample(planReads, w.r.between(25, 50)), 0.4, 0)
	w.emit(t, cred, src, w.getObject(a, a.bucketKind("state"), "env/prod/terraform.tfstate", 180000))
	if !apply {
		return
	}
	t = t.Add(2 * time.Minute)
	for _, c := range []Call{
		ec2Call("CreateTags", M{"resourcesSet": M{"items": []M{{"resourceId": a.Instances[0].ID}}}, "tagSet": M{"items": []M{{"key": "CostCenter", "value": "platform"}}}}),
		call("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", false, M{"functionName": a.Functions[w.r.IntN(len(a.Functions))].Name, "timeout": 30}),
		bucketCall(a, "PutBucketTagging", a.bucketKind("app"), false, M{"tagging": ""}),
		iamCall("PutRolePolicy", false, M{"roleName": a.Functions[0].Role.Name, "policyName": "app-access", "policyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}`}),
	} {
		w.emit(t, cred, src, c)
		t = t.Add(time.Duration(1+w.r.IntN(4)) * time.Second)
	}
	w.emit(t, cred, src, w.putObject(a, a.bucketKind("state"), "env/prod/terraform.tfstate", 181000))
}

// githubActionsDay: pipeline runs through OIDC from GitHub-hosted runners,
// each on a fresh Azure address.
func (w *World) githubActionsDay(d int, a *Account) {
	day := w.at(d, 12, cet)
	runs := w.r.between(1, 5)
	if weekend(day) {
		runs = w.r.IntN(2)
	}
	role := a.roleKind("oidc")
	cli := awsCLI2("2.22.30", "0.23.4", "linux", "6.5.0-1025-azure", "x86_64", "3.12.6", "exe", "ubuntu.22")
	for i := 0; i < runs; i++ {
		t := w.at(d, 8+w.r.Float64()*10, cet)
		ip := w.addrIn("azure-github")
		subject := "repo:" + w.Company + "/platform:ref:refs/heads/main"
		provider := "arn:aws:iam::" + a.ID + ":oidc-provider/token.actions.githubusercontent.com"
		wi := &Cred{kind: credWebIdentity, acct: a, subject: subject, provider: provider}
		sess := w.roleSession(role, "GitHubActions", t)
		w.emit(t, wi, Source{IP: ip, UA: ghActionUA}, call("sts.amazonaws.com", "AssumeRoleWithWebIdentity", true, M{"roleArn": role.ARN(), "roleSessionName": "GitHubActions", "durationSeconds": 3600}).
			resp(M{"credentials": M{"accessKeyId": sess.key, "sessionToken": w.r.sessionToken(), "expiration": stsTime(t.Add(time.Hour))},
				"subjectFromWebIdentityToken": subject, "assumedRoleUser": M{"assumedRoleId": role.ID + ":GitHubActions", "arn": role.SessionARN("GitHubActions")},
				"provider": provider, "audience": "sts.amazonaws.com"}).res(Resource{AccountID: a.ID, Type: "AWS::IAM::Role", ARN: role.ARN()}).in(a.Region))
		src := Source{IP: ip, Tool: cli, Region: a.Region}
		t = t.Add(20 * time.Second)
		w.emit(t, sess, src, getCallerIdentity())
		w.emit(t.Add(2*time.Second), sess, src, call("ecr.amazonaws.com", "GetAuthorizationToken", true, M{"registryIds": []string{a.ID}}))
		repo := a.Alias + "/orders-api"
		for _, n := range []string{"BatchCheckLayerAvailability", "InitiateLayerUpload", "CompleteLayerUpload", "PutImage"} {
			t = t.Add(time.Duration(3+w.r.IntN(20)) * time.Second)
			w.emit(t, sess, src, call("ecr.amazonaws.com", n, n == "BatchCheckLayerAvailability", M{"repositoryName": repo, "registryId": a.ID}))
		}
		f := a.Functions[w.r.IntN(len(a.Functions))]
		t = t.Add(30 * time.Second)
		w.emit(t, sess, src, call("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", false, M{"functionName": f.Name, "imageUri": a.ID + ".dkr.ecr." + a.Region + ".amazonaws.com/" + repo + ":" + w.r.str(7, hexLower), "publish": true}))
		w.emit(t.Add(5*time.Second), sess, src, call("lambda.amazonaws.com", "GetFunction20150331v2", true, M{"functionName": f.Name}))
	}
}

// ciRunnerDay: the legacy ci-deploy key on self-hosted runners in AWS:
// a nightly plan and deploys on workdays.
func (w *World) ciRunnerDay(d int, a *Account) {
	u := a.userTagged("ci")
	if u == nil {
		return
	}
	var runners []string
	for tag := range u.Tags {
		if ip, ok := strings.CutPrefix(tag, "runner:"); ok {
			runners = append(runners, ip)
		}
	}
	sortStrings(runners)
	cred := userCred(u.Keys[0])
	tf := terraform("1.9.8", "5.78.0", "1.32.4", "linux", "amd64")
	cli := awsCLI2("2.22.12", "0.23.4", "linux", "6.1.112-124.190.amzn2023.x86_64", "x86_64", "3.12.6", "exe", "amzn.2023")
	if w.opts.Legacy {
		cli = awsCLI2Old("2.2.10", "3.8.8", "Linux/4.14.232-176.381.amzn2.x86_64", "exe/x86_64.amzn.2")
	}
	t := w.at(d, 1+w.r.Float64(), cet)
	if a.Kind == "prod" || d%3 == 0 { // the nightly plan
		w.burst(t, cred, Source{IP: runners[w.r.IntN(len(runners))], Tool: tf, Region: a.Region}, a, w.sample(planReads, w.r.between(15, 30)), 0.3, 0.01)
	}
	if weekend(t) {
		return
	}
	for i := 0; i < w.r.between(0, 3); i++ {
		t := w.at(d, 9+w.r.Float64()*8, cet)
		src := Source{IP: runners[w.r.IntN(len(runners))], Tool: cli, Region: a.Region}
		w.emit(t, cred, src, getCallerIdentity())
		w.emit(t.Add(4*time.Second), cred, src, call("ecs.amazonaws.com", "UpdateService", false, M{"cluster": a.Alias, "service": "web", "forceNewDeployment": true}))
		w.emit(t.Add(9*time.Second), cred, src, call("ecs.amazonaws.com", "DescribeServices", true, M{"cluster": a.Alias, "services": []string{"web"}}))
		w.emit(t.Add(70*time.Second), cred, src, call("ecs.amazonaws.com", "DescribeServices", true, M{"cluster": a.Alias, "services": []string{"web"}}))
	}
}

// crossDeployDay: the dev pipeline promotes a build into prod through a
// cross-account role.
func (w *World) crossDeployDay(d int, dev, prod *Account) {
	t := w.at(d, 16+w.r.Float64()*2, cet)
	if weekend(t) || w.r.chance(0.3) {
		return
	}
	u := dev.userTagged("ci")
	role := prod.role("deploy-from-dev")
	var ip string
	for tag := range u.Tags {
		if v, ok := strings.CutPrefix(tag, "runner:"); ok {
			ip = v
		}
	}
	cli := awsCLI2("2.22.12", "0.23.4", "linux", "6.1.112-124.190.amzn2023.x86_64", "x86_64", "3.12.6", "exe", "amzn.2023")
	src := Source{IP: ip, Tool: cli, Region: prod.Region}
	sess := w.assumeRole(t, userCred(u.Keys[0]), src, role, "promote-"+w.r.str(8, hexLower), "")
	f := prod.Functions[w.r.IntN(len(prod.Functions))]
	w.emit(t.Add(3*time.Second), sess, src, w.getObject(dev, dev.bucketKind("artifacts"), "lambda/"+f.Name+".zip", 5400000))
	w.emit(t.Add(9*time.Second), sess, src, call("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", false, M{"functionName": f.Name, "s3Bucket": dev.bucketKind("artifacts").Name, "s3Key": "lambda/" + f.Name + ".zip", "publish": true}))
}

// instancesDay: instance-profile credentials renewed every few hours, and
// what the applications and the SSM agent call with them.
func (w *World) instancesDay(d int, a *Account) {
	for _, in := range a.Instances {
		for h := 0; h < 24; h += 6 {
			t := w.at(d, float64(h)+w.r.Float64()*0.2, time.UTC)
			sess := w.serviceAssumeRole(t, "ec2.amazonaws.com", in.Role, in.ID)
			in.Sessions = append(in.Sessions, sess)
			src := Source{IP: in.PublicIP, Tool: in.Tool, Region: a.Region}
			agent := Source{IP: in.PublicIP, UA: ssmAgentUA, Region: a.Region}
			w.emit(t.Add(time.Duration(60+w.r.IntN(3000))*time.Second), sess, agent, call("ssm.amazonaws.com", "UpdateInstanceInformation", false, M{"instanceId": in.ID, "agentVersion": "3.3.987.0", "agentStatus": "Active", "platformType": "Linux", "platformName": "Amazon Linux", "platformVersion": "2023"}))
			busy := 1 + int(4*dayCurve(t))
			for i := 0; i < busy; i++ {
				tt := t.Add(time.Duration(w.r.IntN(6*3600)) * time.Second)
				switch in.Role.Name[len(a.Kind)+1:] {
				case "web-ec2":
					switch w.r.IntN(3) {
					case 0:
						w.emit(tt, sess, src, getSecretValue(a.Secrets[0]))
					case 1:
						w.emit(tt, sess, src, w.kmsCall(a, "Decrypt", a.KMSKeys[0], M{"aws:s3:arn": "arn:aws:s3:::" + a.bucketKind("app").Name}))
					default:
						w.emit(tt, sess, src, call("ssm.amazonaws.com", "GetParameters", true, M{"names": []string{a.Params[0]}, "withDecryption": true}))
					}
				default: // the worker reads and writes customer data through the VPC endpoint
					vsrc := Source{IP: "10.0." + fmt.Sprint(w.r.IntN(4)) + "." + fmt.Sprint(10+w.r.IntN(200)), Tool: in.Tool, Region: a.Region, VPCE: "vpce-0" + a.ID[:8] + "e1f"}
					b := a.bucketKind("data")
					if w.r.chance(0.5) {
						w.emit(tt, sess, vsrc, w.getObject(a, b, w.objectKey(b), int64(5000+w.r.IntN(900000))))
					} else {
						w.emit(tt, sess, vsrc, w.putObject(a, b, w.objectKey(b), int64(5000+w.r.IntN(900000))))
					}
				}
			}
		}
	}
}

// dayCurve is 0 at night and 1 in the European afternoon.
func dayCurve(t time.Time) float64 {
	h := float64(t.UTC().Hour())
	x := (h - 13) / 5
	v := 1 / (1 + x*x)
	if weekend(t) {
		v *= 0.4
	}
	return v
}

// lambdasDay: execution environments start with fresh role credentials,
// write their log stream and call what the function needs.
func (w *World) lambdasDay(d int, a *Account) {
	for _, f := range a.Functions {
		envs := 1 + int(2*dayCurve(w.at(d, 13, time.UTC)))
		if strings.HasSuffix(f.Name, "nightly-report") {
			envs = 1
		}
		for i := 0; i < envs; i++ {
			t := w.at(d, w.r.Float64()*24, time.UTC)
			if strings.HasSuffix(f.Name, "nightly-report") {
				t = w.at(d, 2+w.r.Float64()*0.1, time.UTC)
			}
			sess := w.serviceAssumeRole(t, "lambda.amazonaws.com", f.Role, f.Name)
			ip := w.addrIn("aws-" + w.Home)
			w.emit(t.Add(time.Second), sess, Source{IP: ip, UA: lambdaWorkerUA, Region: a.Region}, call("logs.amazonaws.com", "CreateLogStream", false, M{"logGroupName": "/aws/lambda/" + f.Name, "logStreamName": t.Format("2006/01/02") + "/[$LATEST]" + w.r.str(32, hexLower)}))
			src := Source{IP: ip, UA: lambdaPyUA, Region: a.Region}
			w.emit(t.Add(2*time.Second), sess, src, getSecretValue(a.Secrets[w.r.IntN(len(a.Secrets)-1)]))
			if strings.HasSuffix(f.Name, "nightly-report") {
				b := a.bucketKind("reports")
				for k := 0; k < 3; k++ {
					w.emit(t.Add(time.Duration(30+k*20)*time.Second), sess, src, w.putObject(a, b, fmt.Sprintf("daily/%s/report-%d.csv", t.Format("2006-01-02"), k), int64(40000+w.r.IntN(300000))))
				}
			}
		}
	}
}

// configDay: AWS Config's recorder describing resources.
func (w *World) configDay(d int, a *Account) {
	role := a.role("AWSServiceRoleForConfig")
	for h := 0; h < 24; h += 12 {
		t := w.at(d, float64(h)+w.r.Float64(), time.UTC)
		sess := w.serviceAssumeRole(t, "config.amazonaws.com", role, "AWSConfig-Describe")
		sess.invokedBy = "config.amazonaws.com"
		src := Source{IP: "config.amazonaws.com", UA: "config.amazonaws.com", Region: a.Region}
		w.burst(t.Add(time.Second), sess, src, a, w.sample([]string{"DescribeInstances", "DescribeSecurityGroups", "DescribeVpcs", "DescribeSubnets", "DescribeVolumes", "DescribeNetworkInterfaces", "GetBucketAcl", "GetBucketPolicy", "GetBucketVersioning", "GetRole", "ListAttachedRolePolicies", "ListRolePolicies"}, w.r.between(4, 10)), 0.5, 0)
	}
}

// scannerDay: a third-party posture scanner assumes its read-only role
// from the vendor's account once a day and reads everything, with the
// refusals and "not found" errors such scans collect.
func (w *World) scannerDay(d int, a *Account) {
	role := a.roleKind("scanner")
	v := w.vendor()
	caller := &Cred{kind: credRole, acct: v.acct, role: v.role, session: "collector-" + w.r.str(8, hexLower), key: w.uniqueKey("ASIA"), created: w.at(d, 3, time.UTC)}
	ips := w.vendorIPs()
	t := w.at(d, 3+w.r.Float64(), time.UTC)
	src := Source{IP: ips[w.r.IntN(len(ips))], Tool: goSDKv2("1.32.4", "1.22.8", "linux", "cspm-collector"), Region: "us-east-1"}
	sess := w.assumeRole(t, caller, src, role, "cspm-"+w.r.str(8, hexLower), "cspm-"+a.ID)
	names := w.sample(scanReads, w.r.between(20, 35))
	w.burst(t.Add(2*time.Second), sess, src, a, names, 0.3, 0.04)
}

// vendor is the posture-scanning company: its own account, the role its
// collector runs as, and the AWS addresses it scans from.
type vendor struct {
	acct *Account
	role *Role
	ips  []string
}

func (w *World) vendor() *vendor {
	if w.vend == nil {
		a := &Account{ID: w.r.accountID(), Kind: "external", Region: "us-east-1"}
		w.vend = &vendor{acct: a, role: &Role{Account: a, Name: "cspm-collector", ID: w.uniqueKey("AROA")},
			ips: []string{w.addrIn("aws-us-east-1"), w.addrIn("aws-us-east-1"), w.addrIn("aws-us-east-1")}}
	}
	return w.vend
}

func (w *World) vendorIPs() []string { return w.vendor().ips }

// backupServiceDay: AWS Backup snapshots volumes every night.
func (w *World) backupServiceDay(d int, a *Account) {
	role := a.roleKind("backup")
	t := w.at(d, 0.5+w.r.Float64()*0.2, time.UTC)
	sess := w.serviceAssumeRole(t, "backup.amazonaws.com", role, "AWSBackup-"+w.r.str(10, alnum))
	sess.invokedBy = "backup.amazonaws.com"
	src := Source{IP: "backup.amazonaws.com", UA: "backup.amazonaws.com", Region: a.Region}
	for i, in := range a.Instances[:min(2, len(a.Instances))] {
		w.emit(t.Add(time.Duration(5+i)*time.Second), sess, src, ec2Call("CreateSnapshot", M{"volumeId": "vol-0" + in.ID[3:], "description": "This snapshot is created by the AWS Backup service."}).resp(M{"snapshotId": "snap-0" + w.r.str(16, hexLower), "status": "pending"}))
	}
}

// serviceEventsDay: events AWS services record on their own, such as KMS
// rotating a key on schedule.
func (w *World) serviceEventsDay(d int, a *Account) {
	if d%7 != 3 || len(a.KMSKeys) == 0 {
		return
	}
	k := a.KMSKeys[d%len(a.KMSKeys)]
	c := Call{Source: "kms.amazonaws.com", Name: "RotateKey", Type: "AwsServiceEvent", Details: M{"keyId": k},
		Res: []Resource{{AccountID: a.ID, Type: "AWS::KMS::Key", ARN: "arn:aws:kms:" + a.Region + ":" + a.ID + ":key/" + k}}}
	w.emit(w.at(d, 4+w.r.Float64(), time.UTC), &Cred{kind: credServiceEvt, acct: a, invokedBy: "AWS Internal"}, Source{IP: "AWS Internal", UA: "AWS Internal"}, c)
}

// saasDay: monitoring and BI services reading with keys from their own
// AWS-hosted addresses.
func (w *World) saasDay(d int, a *Account) {
	if mon := a.userTagged("monitoring"); mon != nil {
		ips := tagValues(mon, "saas:")
		src := Source{IP: ips[0], Tool: goSDKv2("1.30.3", "1.22.5", "linux", "grafana"), Region: a.Region}
		for h := 0; h < 24; h += 2 {
			t := w.at(d, float64(h)+w.r.Float64(), time.UTC)
			w.read(t, userCred(mon.Keys[0]), src, a, w.r.pick([]string{"GetMetricData", "ListMetrics", "DescribeAlarms"}))
		}
	}
	if bi := a.userTagged("bi"); bi != nil {
		ips := tagValues(bi, "saas:")
		src := Source{IP: ips[w.r.IntN(len(ips))], UA: "aws-sdk-java/1.12.772 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS java/17.0.13 vendor/Amazon.com_Inc. cfg/retry-mode/standard", Region: a.Region}
		t := w.at(d, 6+w.r.Float64()*0.5, time.UTC)
		b := a.bucketKind("reports")
		cred := userCred(bi.Keys[0])
		w.emit(t, cred, src, w.listObjects(a, b, "daily/", true))
		for i := 0; i < w.r.between(3, 8); i++ {
			t = t.Add(time.Duration(1+w.r.IntN(5)) * time.Second)
			w.emit(t, cred, src, w.getObject(a, b, w.objectKey(b), int64(40000+w.r.IntN(300000))))
		}
	}
}

// backupServerDay: the office backup appliance copies files to S3 at night.
func (w *World) backupServerDay(d int, a *Account) {
	u := a.userTagged("backup")
	if u == nil {
		return
	}
	office := ""
	for _, p := range w.People {
		if p.Office != "" {
			office = p.Office
		}
	}
	src := Source{IP: office, UA: "APN/1.0 Veeam/1.0 Backup/12.2", Region: a.Region}
	cred := userCred(u.Keys[0])
	t := w.at(d, 1.5+w.r.Float64()*0.3, cet)
	b := a.bucketKind("backup")
	w.emit(t, cred, src, listBuckets(a))
	w.emit(t.Add(time.Second), cred, src, bucketCall(a, "GetBucketLocation", b, true, M{"location": ""}))
	for i := 0; i < w.r.between(4, 12); i++ {
		t = t.Add(time.Duration(5+w.r.IntN(60)) * time.Second)
		w.emit(t, cred, src, w.putObject(a, b, w.objectKey(b), int64(50_000_000+w.r.IntN(400_000_000))))
	}
}

func tagValues(u *User, prefix string) []string {
	var out []string
	for tag := range u.Tags {
		if v, ok := strings.CutPrefix(tag, prefix); ok {
			out = append(out, v)
		}
	}
	sortStrings(out)
	return out
}
