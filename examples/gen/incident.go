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

var facts incidentFacts

func (g *gen) incident() {
	w := &g.w
	ci := w.ciDeploy
	facts.LeakedKey = ci.key
	t := time.Date(2025, 3, 11, 2, 13, 47, 0, time.UTC)
	next := func(lo, hi int) { t = t.Add(g.jitter(lo, hi)) }
	at := func(c call, phase string) *Event {
		c.t = t
		if c.region == "" {
			c.region = usEast1
		}
		return g.emit(c, phase)
	}

	// 1. The leaked key is tried from a Tor exit.
	leaked := ci.identKey(ci.key)
	at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "sts.get-caller-identity", src: stsSrc, name: "GetCallerIdentity", ro: true}, phInitial)

	// 2. Pacu enumeration with the same key.
	next(70, 110)
	type probe struct {
		region, src, name string
		req               any
		deny              bool
	}
	pacu := func(ps []probe) {
		for _, p := range ps {
			c := call{region: p.region, ident: leaked, ip: attackerIP1, ua: pacuUA, src: p.src, name: p.name, req: p.req, ro: true}
			if p.deny {
				c.err, c.msg = denied(p.src, p.name, leaked)
			}
			at(c, phDiscovery)
			next(0, 3)
		}
		next(15, 60)
	}
	// whoami / iam__enum_permissions
	ciPolicy := "arn:aws:iam::" + acct + ":policy/ci-deploy-policy"
	pacu([]probe{
		{"", stsSrc, "GetCallerIdentity", nil, false},
		{"", iamSrc, "GetUser", nil, false},
		{"", iamSrc, "ListGroupsForUser", o("userName", ci.name), false},
		{"", iamSrc, "ListUserPolicies", o("userName", ci.name), false},
		{"", iamSrc, "ListAttachedUserPolicies", o("userName", ci.name), false},
		{"", iamSrc, "GetPolicy", o("policyArn", ciPolicy), false},
		{"", iamSrc, "GetPolicyVersion", o("policyArn", ciPolicy, "versionId", "v7"), false},
	})
	// iam__enum_users_roles_policies_groups
	pacu([]probe{
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
	})
	var keyProbes []probe
	for _, u := range []string{"ci-deploy", "j.harper", "bi-reporting"} {
		keyProbes = append(keyProbes, probe{"", iamSrc, "ListAccessKeys", o("userName", u), false}, probe{"", iamSrc, "ListMFADevices", o("userName", u), false})
	}
	for _, r := range []*role{w.infraAdmin, w.ordersTask, w.orderProc} {
		keyProbes = append(keyProbes, probe{"", iamSrc, "ListAttachedRolePolicies", o("roleName", r.name), false})
	}
	pacu(keyProbes)
	// ec2__enum, lambda__enum and friends, per region
	for _, region := range regions {
		f := func(set string) any { return o(set, o(), "filterSet", o()) }
		pacu([]probe{
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
		})
	}
	pacu([]probe{
		{"", s3Src, "ListBuckets", o("Host", "s3.amazonaws.com"), false},
		{"", ctSrc, "DescribeTrails", o("includeShadowTrails", true), false},
		{"", ctSrc, "GetTrailStatus", o("name", "arn:aws:cloudtrail:us-east-1:"+acct+":trail/"+trailName), false},
		{"", "organizations.amazonaws.com", "DescribeOrganization", nil, true},
	})

	// 3. Persistence: a new admin user with a key and a console password.
	t = time.Date(2025, 3, 11, 2, 34, 10, 0, time.UTC)
	newUser := &user{name: backdoorUser, id: g.keyID("AIDA")}
	facts.CreatedUserID = newUser.id
	at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.create-user", src: iamSrc, name: "CreateUser",
		req:  o("userName", backdoorUser),
		resp: o("user", o("path", "/", "userName", backdoorUser, "userId", newUser.id, "arn", newUser.arn(), "createDate", javaTime(t)))}, phPersist)
	next(9, 20)
	newUser.key = g.keyID("AKIA")
	facts.CreatedKey = newUser.key
	at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.create-access-key", src: iamSrc, name: "CreateAccessKey",
		req:  o("userName", backdoorUser),
		resp: o("accessKey", o("userName", backdoorUser, "accessKeyId", newUser.key, "status", "Active", "createDate", javaTime(t)))}, phPersist)
	next(12, 25)
	at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.attach-user-policy", src: iamSrc, name: "AttachUserPolicy",
		req: o("userName", backdoorUser, "policyArn", adminArn)}, phPrivEsc)
	next(15, 30)
	at(call{ident: leaked, ip: attackerIP1, ua: kaliCLI + "iam.create-login-profile", src: iamSrc, name: "CreateLoginProfile",
		req:  o("userName", backdoorUser, "passwordResetRequired", false),
		resp: o("loginProfile", o("userName", backdoorUser, "createDate", javaTime(t), "passwordResetRequired", false))}, phPersist)

	// 4. The new key, from a second exit, assumes infra-admin.
	t = time.Date(2025, 3, 11, 2, 41, 35, 0, time.UTC)
	nk := newUser.identKey(newUser.key)
	at(call{ident: nk, ip: attackerIP2, ua: kaliCLI + "sts.get-caller-identity", src: stsSrc, name: "GetCallerIdentity", ro: true}, phInitial)
	next(20, 40)
	s := &session{role: w.infraAdmin, name: roleSessionName, key: g.keyID("ASIA"), created: t, exp: t.Add(time.Hour)}
	facts.SessionKey, facts.SessionArn = s.key, s.arn()
	at(call{ident: nk, ip: attackerIP2, ua: kaliCLI + "sts.assume-role", src: stsSrc, name: "AssumeRole",
		req:  o("roleArn", w.infraAdmin.arn(), "roleSessionName", roleSessionName),
		resp: g.assumeResp(s), ro: true, res: roleRes(w.infraAdmin)}, phPrivEsc)
	sid := s.ident()
	as := func(c call, phase string) *Event {
		c.ident, c.ip = sid, attackerIP2
		return at(c, phase)
	}

	// 5. Collection from the customer-data bucket.
	next(40, 70)
	as(call{ua: kaliCLI + "s3.ls", src: s3Src, name: "ListBuckets", req: o("Host", "s3.amazonaws.com"), ro: true,
		add: g.s3Add("TLS_AES_128_GCM_SHA256", 0, 2214, "")}, phDiscovery)
	for _, prefix := range []string{"", "exports/", "exports/crm/", "exports/billing/"} {
		next(8, 30)
		as(g.listObjects(call{ua: kaliCLI + "s3.ls"}, bktCustomer, prefix), phDiscovery)
	}
	var keys []string
	for i := 1; i <= 120; i++ {
		keys = append(keys, fmt.Sprintf("exports/crm/2025-03-01/customers-part-%05d.csv.gz", i))
	}
	for d := 1; d <= 28; d++ {
		keys = append(keys, fmt.Sprintf("exports/billing/2025-02/invoices-2025-02-%02d.parquet", d))
	}
	for _, h := range []string{"exports/crm/2025-03-01/_manifest.json", "exports/billing/2025-02/_manifest.json"} {
		keys = append(keys, h)
	}
	next(20, 45)
	for i, k := range keys {
		size := 1_500_000 + g.r.IntN(7_000_000)
		if len(k) > 14 && k[len(k)-14:] == "_manifest.json" {
			size = 4_000 + g.r.IntN(8_000)
		}
		as(g.getObject(call{ua: kaliCLI + "s3.sync"}, bktCustomer, k, size, "Default_SSE_S3"), phCollect)
		facts.Objects = append(facts.Objects, k)
		facts.Bytes += int64(size)
		if i%10 == 9 {
			next(3, 9)
		} else {
			next(1, 6)
		}
	}

	// 6. Secrets.
	next(60, 120)
	as(call{ua: kaliCLI + "secretsmanager.list-secrets", src: smSrc, name: "ListSecrets", ro: true}, phDiscovery)
	for _, sec := range w.secrets[:3] {
		next(10, 25)
		as(call{ua: kaliCLI + "secretsmanager.get-secret-value", src: smSrc, name: "GetSecretValue", req: o("secretId", sec), ro: true}, phCred)
		g.kmsVia(t, usEast1, sid, "secretsmanager.amazonaws.com", "Decrypt", o("SecretARN", sec, "SecretVersionId", g.uuid()), phCred)
		facts.Secrets = append(facts.Secrets, sec)
	}

	// 7. Trying to stop the trail (denied by a service control policy).
	next(40, 80)
	trailArn := "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/" + trailName
	as(call{ua: kaliCLI + "cloudtrail.describe-trails", src: ctSrc, name: "DescribeTrails", req: o("includeShadowTrails", true), ro: true}, phDiscovery)
	next(10, 20)
	ev := as(call{ua: kaliCLI + "cloudtrail.stop-logging", src: ctSrc, name: "StopLogging", req: o("name", trailName),
		err: "AccessDenied", msg: "User: " + s.arn() + " is not authorized to perform: cloudtrail:StopLogging on resource: " + trailArn + " with an explicit deny in a service control policy"}, phEvasion)
	facts.StopLoggingID = ev.EventID

	// 8. Backdoors: role trust, a Lambda function with a public URL, SSH.
	next(45, 90)
	as(call{ua: kaliCLI + "iam.get-role", src: iamSrc, name: "GetRole", req: o("roleName", w.infraAdmin.name), ro: true}, phDiscovery)
	next(20, 40)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + attackerAccount + `:root"},"Action":"sts:AssumeRole"}]}`
	as(call{ua: kaliCLI + "iam.update-assume-role-policy", src: iamSrc, name: "UpdateAssumeRolePolicy",
		req: o("roleName", w.infraAdmin.name, "policyDocument", trust)}, phPersist)
	next(50, 90)
	facts.FunctionArn = "arn:aws:lambda:us-east-1:" + acct + ":function:" + backdoorFunc
	as(call{ua: kaliCLI + "lambda.create-function", src: lamSrc, name: "CreateFunction20150331",
		req: o("functionName", backdoorFunc, "runtime", "python3.12", "role", w.infraAdmin.arn(), "handler", "index.handler",
			"code", o(), "description", "Nightly backup sync", "timeout", 60, "memorySize", 128, "publish", false, "packageType", "Zip"),
		resp: o("functionName", backdoorFunc, "functionArn", facts.FunctionArn, "runtime", "python3.12", "role", w.infraAdmin.arn(),
			"handler", "index.handler", "codeSize", 1187, "description", "Nightly backup sync", "timeout", 60, "memorySize", 128,
			"lastModified", t.Format("2006-01-02T15:04:05.000-0700"), "codeSha256", g.pick(b64chars, 43)+"=", "version", "$LATEST",
			"tracingConfig", o("mode", "PassThrough"), "revisionId", g.uuid(), "state", "Pending",
			"stateReason", "The function is being created.", "stateReasonCode", "Creating", "packageType", "Zip",
			"architectures", []string{"x86_64"}, "ephemeralStorage", o("size", 512))}, phPersist)
	next(15, 30)
	fnURL := "https://" + g.pick(lowerNum, 32) + ".lambda-url.us-east-1.on.aws/"
	as(call{ua: kaliCLI + "lambda.create-function-url-config", src: lamSrc, name: "CreateFunctionUrlConfig20211031",
		req:  o("functionName", backdoorFunc, "authType", "NONE"),
		resp: o("functionUrl", fnURL, "functionArn", facts.FunctionArn, "authType", "NONE", "creationTime", t.Format("2006-01-02T15:04:05.000000Z"))}, phPersist)
	next(8, 20)
	as(call{ua: kaliCLI + "lambda.add-permission", src: lamSrc, name: "AddPermission20150331v2",
		req: o("functionName", backdoorFunc, "statementId", "FunctionURLAllowPublicAccess", "action", "lambda:InvokeFunctionUrl",
			"principal", "*", "functionUrlAuthType", "NONE"),
		resp: o("statement", `{"Sid":"FunctionURLAllowPublicAccess","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"`+facts.FunctionArn+`","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}`)}, phPersist)
	next(60, 100)
	facts.KeyPairID = "key-0" + g.hex(16)
	reqID := g.uuid()
	as(call{ua: kaliCLI + "ec2.import-key-pair", src: ec2Src, name: "ImportKeyPair", reqID: reqID,
		req:  o("keyName", backdoorKeyPair, "publicKeyMaterial", "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSU"+g.pick(b64chars, 40)),
		resp: o("requestId", reqID, "keyName", backdoorKeyPair, "keyFingerprint", "SHA256:"+g.pick(b64chars, 43), "keyPairId", facts.KeyPairID)}, phPersist)
	next(20, 40)
	as(call{ua: kaliCLI + "ec2.describe-security-groups", src: ec2Src, name: "DescribeSecurityGroups",
		req: o("securityGroupSet", o(), "securityGroupIdSet", o(), "filterSet", o("items", []obj{o("name", "group-name", "valueSet", o("items", []obj{o("value", "bastion-sg")}))})), ro: true}, phDiscovery)
	next(15, 30)
	facts.SecurityGroupID = w.sgBastion
	facts.RuleID = "sgr-0" + g.hex(16)
	reqID = g.uuid()
	as(call{ua: kaliCLI + "ec2.authorize-security-group-ingress", src: ec2Src, name: "AuthorizeSecurityGroupIngress", reqID: reqID,
		req: o("groupId", w.sgBastion, "ipPermissions", o("items", []obj{o("ipProtocol", "tcp", "fromPort", 22, "toPort", 22, "groups", o(),
			"ipRanges", o("items", []obj{o("cidrIp", "0.0.0.0/0")}), "ipv6Ranges", o(), "prefixListIds", o())})),
		resp: o("requestId", reqID, "_return", true, "securityGroupRuleSet", o("items", []obj{o("groupOwnerId", acct, "groupId", w.sgBastion,
			"securityGroupRuleId", facts.RuleID, "isEgress", false, "ipProtocol", "tcp", "fromPort", 22, "toPort", 22, "cidrIpv4", "0.0.0.0/0")}))}, phPersist)

	// 9. The backdoor user signs in to the console without MFA.
	t = time.Date(2025, 3, 11, 3, 17, 26, 0, time.UTC)
	ev = at(call{ident: newUser.identSignIn(), ip: attackerIP2, ua: kaliFox, src: "signin.amazonaws.com", name: "ConsoleLogin",
		resp: o("ConsoleLogin", "Success"),
		add: o("LoginTo", "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_"+g.hex(16),
			"MobileVersion", "No", "MFAUsed", "No"),
		etype: "AwsConsoleSignIn", noReqID: true}, phInitial)
	facts.ConsoleLoginID = ev.EventID
	login := t
	facts.ConsoleKey = g.keyID("ASIA")
	cid := newUser.identConsole(facts.ConsoleKey, login, false)
	consoleCalls := []struct {
		region, src, name string
		req               any
	}{
		{"", iamSrc, "GetAccountSummary", nil},
		{"", iamSrc, "ListAccountAliases", nil},
		{"", iamSrc, "ListUsers", o("maxItems", 1000)},
		{"", iamSrc, "ListAccessKeys", o("userName", ci.name)},
		{"", ctSrc, "LookupEvents", o("maxResults", 50, "lookupAttributes", []obj{o("attributeKey", "Username", "attributeValue", backdoorUser)})},
		{"", "guardduty.amazonaws.com", "ListDetectors", nil},
		{"", ec2Src, "DescribeInstances", o("instancesSet", o(), "filterSet", o(), "maxResults", 50)},
		{"", ec2Src, "DescribeSecurityGroups", o("securityGroupSet", o(), "securityGroupIdSet", o(), "filterSet", o())},
		{"", lamSrc, "ListFunctions20150331", nil},
		{"", lamSrc, "GetFunction20150331v2", o("functionName", backdoorFunc)},
		{euWest1, ec2Src, "DescribeInstances", o("instancesSet", o(), "filterSet", o(), "maxResults", 50)},
		{"", "billingconsole.amazonaws.com", "GetBillingData", nil},
	}
	next(6, 14)
	for i, cc := range consoleCalls {
		at(call{region: cc.region, ident: cid, ip: attackerIP2, ua: kaliFox, src: cc.src, name: cc.name, req: cc.req, ro: true, console: true}, phDiscovery)
		if i%3 == 2 {
			next(30, 90)
		} else {
			next(1, 5)
		}
	}
}
