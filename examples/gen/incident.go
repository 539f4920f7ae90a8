package main

import (
	"fmt"
	"time"
)

// The intrusion, on 2025-03-11 between about 02:13 and 03:28 UTC.
const (
	attackerIP1     = "185.220.101.47"  // first Tor exit: leaked key, enumeration, persistence
	attackerIP2     = "185.220.100.253" // second Tor exit: new key, role session, console
	attackerAccount = "730335491617"    // external account written into infra-admin's trust policy
	backdoorUser    = "svc-backup-sync"
	backdoorFunc    = "backup-sync-handler"
	backdoorKeyPair = "backup-sync"
	roleSessionName = "backup-sync"

	kaliCLI  = "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off command/"
	pacuUA   = "Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.11 Pacu"
	kaliFox  = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
	iamSrc   = "iam.amazonaws.com"
	ec2Src   = "ec2.amazonaws.com"
	stsSrc   = "sts.amazonaws.com"
	s3Src    = "s3.amazonaws.com"
	lamSrc   = "lambda.amazonaws.com"
	smSrc    = "secretsmanager.amazonaws.com"
	ctSrc    = "cloudtrail.amazonaws.com"
	adminArn = "arn:aws:iam::aws:policy/AdministratorAccess"
)

// Phases (MITRE ATT&CK tactics) used in the ground truth.
const (
	phInitial   = "initial-access"
	phDiscovery = "discovery"
	phPersist   = "persistence"
	phPrivEsc   = "privilege-escalation"
	phCollect   = "collection"
	phCred      = "credential-access"
	phEvasion   = "defense-evasion"
)

// incidentFacts is what the intrusion created, for the ground truth.
type incidentFacts struct {
	LeakedKey       string
	CreatedUserID   string
	CreatedKey      string
	SessionKey      string
	SessionArn      string
	ConsoleKey      string
	Secrets         []string
	Objects         []string
	Bytes           int64
	RuleID          string
	KeyPairID       string
	FunctionArn     string
	ConsoleLoginID  string
	StopLoggingID   string
	SecurityGroupID string
}

// intrusion is the attacker's clock and credentials while the incident
// plays; each step advances t and records what it created in f.
type intrusion struct {
	g       *gen
	w       *world
	f       *incidentFacts
	t       time.Time
	leaked  obj      // ci-deploy's leaked key, as the attacker calls with it
	session *session // the infra-admin session, once assumed
	sid     obj      // its identity
}

// probe is one read-only call of Pacu's enumeration.
type probe struct {
	region, src, name string
	req               any
	deny              bool
}

// incident plays the intrusion, step by step; the order of the steps is the
// order of the random draws, so it is part of the dataset.
func (g *gen) incident() {
	ci := g.w.ciDeploy
	x := &intrusion{g: g, w: &g.w, f: &g.facts, t: time.Date(2025, 3, 11, 2, 13, 47, 0, time.UTC), leaked: ci.identKey(ci.key)}
	x.f.LeakedKey = ci.key
	x.tryLeakedKey()
	x.enumerate()
	backdoor := x.createBackdoorUser()
	x.assumeInfraAdmin(backdoor)
	x.collectCustomerData()
	x.readSecrets()
	x.tryStopLogging()
	x.trustAttackerAccount()
	x.lambdaBackdoor()
	x.openSSH()
	x.consoleSession(backdoor)
}

func (x *intrusion) next(lo, hi int) { x.t = x.t.Add(x.g.jitter(lo, hi)) }

// at emits c at the intrusion's clock (us-east-1 unless c says otherwise).
func (x *intrusion) at(c call, phase string) *Event {
	c.t = x.t
	if c.region == "" {
		c.region = usEast1
	}
	return x.g.emit(c, phase)
}

// as emits c as the infra-admin session from the second Tor exit.
func (x *intrusion) as(c call, phase string) *Event {
	c.ident, c.ip = x.sid, attackerIP2
	return x.at(c, phase)
}

// 1. The leaked key is tried from a Tor exit.
func (x *intrusion) tryLeakedKey() {
	x.at(call{ident: x.leaked, ip: attackerIP1, ua: kaliCLI + "sts.get-caller-identity", src: stsSrc, name: "GetCallerIdentity", ro: true}, phInitial)
}

// 2. Pacu enumeration with the same key, module by module.
func (x *intrusion) enumerate() {
	x.next(70, 110)
	x.pacu(x.whoamiProbes())
	x.pacu(x.iamProbes())
	x.pacu(x.keyProbes())
	for _, region := range regions {
		x.pacu(regionProbes(region))
	}
	x.pacu([]probe{
		{"", s3Src, "ListBuckets", o("Host", "s3.amazonaws.com"), false},
		{"", ctSrc, "DescribeTrails", o("includeShadowTrails", true), false},
		{"", ctSrc, "GetTrailStatus", o("name", "arn:aws:cloudtrail:us-east-1:"+acct+":trail/"+trailName), false},
		{"", "organizations.amazonaws.com", "DescribeOrganization", nil, true},
	})
}

// pacu runs one Pacu module: its probes a few seconds apart, then a pause.
func (x *intrusion) pacu(ps []probe) {
	for _, p := range ps {
		c := call{region: p.region, ident: x.leaked, ip: attackerIP1, ua: pacuUA, src: p.src, name: p.name, req: p.req, ro: true}
		if p.deny {
			c.err, c.msg = denied(p.src, p.name, x.leaked)
		}
		x.at(c, phDiscovery)
		x.next(0, 3)
	}
	x.next(15, 60)
}

// whoamiProbes is whoami and iam__enum_permissions.
func (x *intrusion) whoamiProbes() []probe {
	ci := x.w.ciDeploy
	ciPolicy := "arn:aws:iam::" + acct + ":policy/ci-deploy-policy"
	return []probe{
		{"", stsSrc, "GetCallerIdentity", nil, false},
		{"", iamSrc, "GetUser", nil, false},
		{"", iamSrc, "ListGroupsForUser", o("userName", ci.name), false},
		{"", iamSrc, "ListUserPolicies", o("userName", ci.name), false},
		{"", iamSrc, "ListAttachedUserPolicies", o("userName", ci.name), false},
		{"", iamSrc, "GetPolicy", o("policyArn", ciPolicy), false},
		{"", iamSrc, "GetPolicyVersion", o("policyArn", ciPolicy, "versionId", "v7"), false},
	}
}

// iamProbes is iam__enum_users_roles_policies_groups (the markers are drawn
// here, before the module runs).
func (x *intrusion) iamProbes() []probe {
	g := x.g
	return []probe{
		{"", iamSrc, "ListUsers", nil, false},
		{"", iamSrc, "ListRoles", nil, false},
		{"", iamSrc, "ListRoles", o("marker", g.alnum(40)), false},
		{"", iamSrc, "ListPolicies", o("scope", "Local"), false},
		{"", iamSrc, "ListPolicies", o("scope", "All", "onlyAttached", true), false},
		{"", iamSrc, "ListGroups", nil, false},
		{"", iamSrc, "GetAccountAuthorizationDetails", o("filter", []string{"User", "Role", "Group", "LocalManagedPolicy"}), false},
		{"", iamSrc, "GetAccountAuthorizationDetails", o("filter", []string{"User", "Role", "Group", "LocalManagedPolicy"}, "marker", g.alnum(40)), false},
		{"", iamSrc, "GetAccountPasswordPolicy", nil, false},
		{"", iamSrc, "GetAccountSummary", nil, false},
	}
}

// keyProbes lists the users' keys and MFA devices and the roles' policies.
func (x *intrusion) keyProbes() []probe {
	var ps []probe
	for _, u := range []string{"ci-deploy", "j.harper", "bi-reporting"} {
		ps = append(ps, probe{"", iamSrc, "ListAccessKeys", o("userName", u), false}, probe{"", iamSrc, "ListMFADevices", o("userName", u), false})
	}
	for _, r := range []*role{x.w.infraAdmin, x.w.ordersTask, x.w.orderProc} {
		ps = append(ps, probe{"", iamSrc, "ListAttachedRolePolicies", o("roleName", r.name), false})
	}
	return ps
}

// regionProbes is ec2__enum, lambda__enum and friends in one region.
func regionProbes(region string) []probe {
	f := func(set string) any { return o(set, o(), "filterSet", o()) }
	return []probe{
		{region, ec2Src, "DescribeInstances", f("instancesSet"), false},
		{region, ec2Src, "DescribeSecurityGroups", o("securityGroupSet", o(), "securityGroupIdSet", o(), "filterSet", o()), false},
		{region, ec2Src, "DescribeVpcs", f("vpcSet"), false},
		{region, ec2Src, "DescribeSubnets", f("subnetSet"), false},
		{region, ec2Src, "DescribeKeyPairs", o("keySet", o(), "keyPairIdSet", o(), "filterSet", o()), false},
		{region, ec2Src, "DescribeImages", o("executableBySet", o(), "imagesSet", o(), "ownersSet", o("items", []obj{o("owner", "self")}), "filterSet", o()), false},
		{region, ec2Src, "DescribeSnapshots", o("snapshotSet", o(), "ownersSet", o("items", []obj{o("owner", "self")}), "sharedUsersSet", o(), "filterSet", o()), false},
		{region, ec2Src, "DescribeVolumes", f("volumeSet"), false},
		{region, ec2Src, "DescribeAddresses", o("publicIpsSet", o(), "allocationIdsSet", o(), "filterSet", o()), false},
		{region, ec2Src, "DescribeLaunchTemplates", nil, false},
		{region, ec2Src, "DescribeNetworkInterfaces", o("networkInterfaceIdSet", o(), "filterSet", o()), false},
		{region, ec2Src, "DescribeRouteTables", o("routeTableIdSet", o(), "filterSet", o()), false},
		{region, ec2Src, "DescribeInternetGateways", o("internetGatewayIdSet", o(), "filterSet", o()), false},
		{region, ec2Src, "DescribeNatGateways", o("DescribeNatGatewaysRequest", o()), false},
		{region, ec2Src, "DescribeVpcEndpoints", f("vpcEndpointIdSet"), false},
		{region, ec2Src, "DescribeFlowLogs", o("DescribeFlowLogsRequest", o()), false},
		{region, lamSrc, "ListFunctions20150331", nil, false},
		{region, lamSrc, "ListLayers20181031", nil, false},
		{region, lamSrc, "GetAccountSettings20160819", nil, false},
		{region, smSrc, "ListSecrets", nil, true},
		{region, "rds.amazonaws.com", "DescribeDBInstances", nil, true},
		{region, "guardduty.amazonaws.com", "ListDetectors", nil, true},
	}
}

// 3. Persistence: a new admin user with a key and a console password.
func (x *intrusion) createBackdoorUser() *user {
	g, leaked := x.g, x.leaked
	x.t = time.Date(2025, 3, 11, 2, 34, 10, 0, time.UTC)
	newUser := &user{name: backdoorUser, id: g.keyID("AIDA")}
	x.f.CreatedUserID = newUser.id
	x.at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.create-user", src: iamSrc, name: "CreateUser",
		req:  o("userName", backdoorUser),
		resp: o("user", o("path", "/", "userName", backdoorUser, "userId", newUser.id, "arn", newUser.arn(), "createDate", javaTime(x.t)))}, phPersist)
	x.next(9, 20)
	newUser.key = g.keyID("AKIA")
	x.f.CreatedKey = newUser.key
	x.at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.create-access-key", src: iamSrc, name: "CreateAccessKey",
		req:  o("userName", backdoorUser),
		resp: o("accessKey", o("userName", backdoorUser, "accessKeyId", newUser.key, "status", "Active", "createDate", javaTime(x.t)))}, phPersist)
	x.next(12, 25)
	x.at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.attach-user-policy", src: iamSrc, name: "AttachUserPolicy",
		req: o("userName", backdoorUser, "policyArn", adminArn)}, phPrivEsc)
	x.next(15, 30)
	x.at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.create-login-profile", src: iamSrc, name: "CreateLoginProfile",
		req:  o("userName", backdoorUser, "passwordResetRequired", false),
		resp: o("loginProfile", o("userName", backdoorUser, "createDate", javaTime(x.t), "passwordResetRequired", false))}, phPersist)
	return newUser
}

// 4. The new key, from a second exit, assumes infra-admin.
func (x *intrusion) assumeInfraAdmin(newUser *user) {
	g, w := x.g, x.w
	x.t = time.Date(2025, 3, 11, 2, 41, 35, 0, time.UTC)
	nk := newUser.identKey(newUser.key)
	x.at(call{ident: nk, ip: attackerIP2, ua: kaliCLI + "sts.get-caller-identity", src: stsSrc, name: "GetCallerIdentity", ro: true}, phInitial)
	x.next(20, 40)
	s := &session{role: w.infraAdmin, name: roleSessionName, key: g.keyID("ASIA"), created: x.t, exp: x.t.Add(time.Hour)}
	x.f.SessionKey, x.f.SessionArn = s.key, s.arn()
	x.at(call{ident: nk, ip: attackerIP2, ua: kaliCLI + "sts.assume-role", src: stsSrc, name: "AssumeRole",
		req:  o("roleArn", w.infraAdmin.arn(), "roleSessionName", roleSessionName),
		resp: g.assumeResp(s), ro: true, res: roleRes(w.infraAdmin)}, phPrivEsc)
	x.session, x.sid = s, s.ident()
}

// 5. Collection from the customer-data bucket.
func (x *intrusion) collectCustomerData() {
	g := x.g
	x.next(40, 70)
	x.as(call{ua: kaliCLI + "s3.ls", src: s3Src, name: "ListBuckets", req: o("Host", "s3.amazonaws.com"), ro: true,
		add: g.s3Add("TLS_AES_128_GCM_SHA256", 0, 2214, "")}, phDiscovery)
	for _, prefix := range []string{"", "exports/", "exports/crm/", "exports/billing/"} {
		x.next(8, 30)
		x.as(g.listObjects(call{ua: kaliCLI + "s3.ls"}, bktCustomer, prefix), phDiscovery)
	}
	x.next(20, 45)
	for i, k := range stolenObjects() {
		size := 1_500_000 + g.r.IntN(7_000_000)
		if len(k) > 14 && k[len(k)-14:] == "_manifest.json" {
			size = 4_000 + g.r.IntN(8_000)
		}
		x.as(g.getObject(call{ua: kaliCLI + "s3.sync"}, bktCustomer, k, size, "Default_SSE_S3"), phCollect)
		x.f.Objects = append(x.f.Objects, k)
		x.f.Bytes += int64(size)
		if i%10 == 9 {
			x.next(3, 9)
		} else {
			x.next(1, 6)
		}
	}
}

// stolenObjects are the keys s3 sync downloads, in its order.
func stolenObjects() []string {
	var keys []string
	for i := 1; i <= 120; i++ {
		keys = append(keys, fmt.Sprintf("exports/crm/2025-03-01/customers-part-%05d.csv.gz", i))
	}
	for d := 1; d <= 28; d++ {
		keys = append(keys, fmt.Sprintf("exports/billing/2025-02/invoices-2025-02-%02d.parquet", d))
	}
	return append(keys, "exports/crm/2025-03-01/_manifest.json", "exports/billing/2025-02/_manifest.json")
}

// 6. Secrets.
func (x *intrusion) readSecrets() {
	g := x.g
	x.next(60, 120)
	x.as(call{ua: kaliCLI + "secretsmanager.list-secrets", src: smSrc, name: "ListSecrets", ro: true}, phDiscovery)
	for _, sec := range x.w.secrets[:3] {
		x.next(10, 25)
		x.as(call{ua: kaliCLI + "secretsmanager.get-secret-value", src: smSrc, name: "GetSecretValue", req: o("secretId", sec), ro: true}, phCred)
		g.kmsVia(x.t, usEast1, x.sid, "secretsmanager.amazonaws.com", "Decrypt", o("SecretARN", sec, "SecretVersionId", g.uuid()), phCred)
		x.f.Secrets = append(x.f.Secrets, sec)
	}
}

// 7. Trying to stop the trail (denied by a service control policy).
func (x *intrusion) tryStopLogging() {
	x.next(40, 80)
	trailArn := "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/" + trailName
	x.as(call{ua: kaliCLI + "cloudtrail.describe-trails", src: ctSrc, name: "DescribeTrails", req: o("includeShadowTrails", true), ro: true}, phDiscovery)
	x.next(10, 20)
	ev := x.as(call{ua: kaliCLI + "cloudtrail.stop-logging", src: ctSrc, name: "StopLogging", req: o("name", trailName),
		err: "AccessDenied", msg: "User: " + x.session.arn() + " is not authorized to perform: cloudtrail:StopLogging on resource: " + trailArn + " with an explicit deny in a service control policy"}, phEvasion)
	x.f.StopLoggingID = ev.EventID
}

// 8a. Backdoor: infra-admin's trust policy lets the attacker's account in.
func (x *intrusion) trustAttackerAccount() {
	w := x.w
	x.next(45, 90)
	x.as(call{ua: kaliCLI + "iam.get-role", src: iamSrc, name: "GetRole", req: o("roleName", w.infraAdmin.name), ro: true}, phDiscovery)
	x.next(20, 40)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + attackerAccount + `:root"},"Action":"sts:AssumeRole"}]}`
	x.as(call{ua: kaliCLI + "iam.update-assume-role-policy", src: iamSrc, name: "UpdateAssumeRolePolicy",
		req: o("roleName", w.infraAdmin.name, "policyDocument", trust)}, phPersist)
}

// 8b. Backdoor: a Lambda function with infra-admin's role and a public URL.
func (x *intrusion) lambdaBackdoor() {
	g, w, f := x.g, x.w, x.f
	x.next(50, 90)
	f.FunctionArn = "arn:aws:lambda:us-east-1:" + acct + ":function:" + backdoorFunc
	x.as(call{ua: kaliCLI + "lambda.create-function", src: lamSrc, name: "CreateFunction20150331",
		req: o("functionName", backdoorFunc, "runtime", "python3.12", "role", w.infraAdmin.arn(), "handler", "index.handler",
			"code", o(), "description", "Nightly backup sync", "timeout", 60, "memorySize", 128, "publish", false, "packageType", "Zip"),
		resp: o("functionName", backdoorFunc, "functionArn", f.FunctionArn, "runtime", "python3.12", "role", w.infraAdmin.arn(),
			"handler", "index.handler", "codeSize", 1187, "description", "Nightly backup sync", "timeout", 60, "memorySize", 128,
			"lastModified", x.t.Format("2006-01-02T15:04:05.000-0700"), "codeSha256", g.pick(b64chars, 43)+"=", "version", "$LATEST",
			"tracingConfig", o("mode", "PassThrough"), "revisionId", g.uuid(), "state", "Pending",
			"stateReason", "The function is being created.", "stateReasonCode", "Creating", "packageType", "Zip",
			"architectures", []string{"x86_64"}, "ephemeralStorage", o("size", 512))}, phPersist)
	x.next(15, 30)
	fnURL := "https://" + g.pick(lowerNum, 32) + ".lambda-url.us-east-1.on.aws/"
	x.as(call{ua: kaliCLI + "lambda.create-function-url-config", src: lamSrc, name: "CreateFunctionUrlConfig20211031",
		req:  o("functionName", backdoorFunc, "authType", "NONE"),
		resp: o("functionUrl", fnURL, "functionArn", f.FunctionArn, "authType", "NONE", "creationTime", x.t.Format("2006-01-02T15:04:05.000000Z"))}, phPersist)
	x.next(8, 20)
	x.as(call{ua: kaliCLI + "lambda.add-permission", src: lamSrc, name: "AddPermission20150331v2",
		req: o("functionName", backdoorFunc, "statementId", "FunctionURLAllowPublicAccess", "action", "lambda:InvokeFunctionUrl",
			"principal", "*", "functionUrlAuthType", "NONE"),
		resp: o("statement", `{"Sid":"FunctionURLAllowPublicAccess","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"`+f.FunctionArn+`","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}`)}, phPersist)
}

// 8c. Backdoor: an imported key pair and SSH open to the world on the bastion.
func (x *intrusion) openSSH() {
	g, w, f := x.g, x.w, x.f
	x.next(60, 100)
	f.KeyPairID = "key-0" + g.hex(16)
	reqID := g.uuid()
	x.as(call{ua: kaliCLI + "ec2.import-key-pair", src: ec2Src, name: "ImportKeyPair", reqID: reqID,
		req:  o("keyName", backdoorKeyPair, "publicKeyMaterial", "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSU"+g.pick(b64chars, 40)),
		resp: o("requestId", reqID, "keyName", backdoorKeyPair, "keyFingerprint", "SHA256:"+g.pick(b64chars, 43), "keyPairId", f.KeyPairID)}, phPersist)
	x.next(20, 40)
	x.as(call{ua: kaliCLI + "ec2.describe-security-groups", src: ec2Src, name: "DescribeSecurityGroups",
		req: o("securityGroupSet", o(), "securityGroupIdSet", o(), "filterSet", o("items", []obj{o("name", "group-name", "valueSet", o("items", []obj{o("value", "bastion-sg")}))})), ro: true}, phDiscovery)
	x.next(15, 30)
	f.SecurityGroupID = w.sgBastion
	f.RuleID = "sgr-0" + g.hex(16)
	reqID = g.uuid()
	x.as(call{ua: kaliCLI + "ec2.authorize-security-group-ingress", src: ec2Src, name: "AuthorizeSecurityGroupIngress", reqID: reqID,
		req: o("groupId", w.sgBastion, "ipPermissions", o("items", []obj{o("ipProtocol", "tcp", "fromPort", 22, "toPort", 22, "groups", o(),
			"ipRanges", o("items", []obj{o("cidrIp", "0.0.0.0/0")}), "ipv6Ranges", o(), "prefixListIds", o())})),
		resp: o("requestId", reqID, "_return", true, "securityGroupRuleSet", o("items", []obj{o("groupOwnerId", acct, "groupId", w.sgBastion,
			"securityGroupRuleId", f.RuleID, "isEgress", false, "ipProtocol", "tcp", "fromPort", 22, "toPort", 22, "cidrIpv4", "0.0.0.0/0")}))}, phPersist)
}

// consoleCall is one read of the backdoor user's console session.
type consoleCall struct {
	region, src, name string
	req               any
}

// 9. The backdoor user signs in to the console without MFA and looks around.
func (x *intrusion) consoleSession(newUser *user) {
	g := x.g
	x.t = time.Date(2025, 3, 11, 3, 17, 26, 0, time.UTC)
	ev := x.at(call{ident: newUser.identSignIn(), ip: attackerIP2, ua: kaliFox, src: "signin.amazonaws.com", name: "ConsoleLogin",
		resp: o("ConsoleLogin", "Success"),
		add: o("LoginTo", "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_"+g.hex(16),
			"MobileVersion", "No", "MFAUsed", "No"),
		etype: "AwsConsoleSignIn", noReqID: true}, phInitial)
	x.f.ConsoleLoginID = ev.EventID
	x.f.ConsoleKey = g.keyID("ASIA")
	cid := newUser.identConsole(x.f.ConsoleKey, x.t, false)
	x.next(6, 14)
	for i, cc := range x.consoleCalls() {
		x.at(call{region: cc.region, ident: cid, ip: attackerIP2, ua: kaliFox, src: cc.src, name: cc.name, req: cc.req, ro: true, console: true}, phDiscovery)
		if i%3 == 2 {
			x.next(30, 90)
		} else {
			x.next(1, 5)
		}
	}
}

// consoleCalls are the pages the console session opens, in order.
func (x *intrusion) consoleCalls() []consoleCall {
	return []consoleCall{
		{"", iamSrc, "GetAccountSummary", nil},
		{"", iamSrc, "ListAccountAliases", nil},
		{"", iamSrc, "ListUsers", o("maxItems", 1000)},
		{"", iamSrc, "ListAccessKeys", o("userName", x.w.ciDeploy.name)},
		{"", ctSrc, "LookupEvents", o("maxResults", 50, "lookupAttributes", []obj{o("attributeKey", "Username", "attributeValue", backdoorUser)})},
		{"", "guardduty.amazonaws.com", "ListDetectors", nil},
		{"", ec2Src, "DescribeInstances", o("instancesSet", o(), "filterSet", o(), "maxResults", 50)},
		{"", ec2Src, "DescribeSecurityGroups", o("securityGroupSet", o(), "securityGroupIdSet", o(), "filterSet", o())},
		{"", lamSrc, "ListFunctions20150331", nil},
		{"", lamSrc, "GetFunction20150331v2", o("functionName", backdoorFunc)},
		{euWest1, ec2Src, "DescribeInstances", o("instancesSet", o(), "filterSet", o(), "maxResults", 50)},
		{"", "billingconsole.amazonaws.com", "GetBillingData", nil},
	}
}
