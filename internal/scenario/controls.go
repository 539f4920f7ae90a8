package scenario

import (
	"fmt"
	"time"
)

// Controls: the owners doing unusual, noisy, legitimate things. Nothing in
// them is an attacker's.

func (w *World) person(job string) *Person {
	for _, p := range w.People {
		if p.Job == job {
			return p
		}
	}
	panic("scenario: nobody does " + job)
}

// --- An admin building a new stack with Terraform ---

func playTerraformBuild(w *World, p *Plan) {
	a := w.Prod()
	pe := w.person("platform")
	key := userCred(pe.User.Keys[0])
	d := w.attackDay() - 1
	t := w.at(d, 10.5, pe.TZ)
	src := Source{IP: w.where(pe, d, 10.5), Tool: pe.Terraform, Region: a.Region}
	t = w.burst(t, key, src, a, w.sample(planReads, 40), 0.3, 0)
	vpc := "vpc-0" + w.r.str(16, hexLower)
	sg := "sg-0" + w.r.str(16, hexLower)
	creates := []Call{
		ec2Call("CreateVpc", M{"cidrBlock": "10.42.0.0/16"}).resp(M{"vpc": M{"vpcId": vpc, "state": "pending", "cidrBlock": "10.42.0.0/16"}}),
		ec2Call("CreateSubnet", M{"vpcId": vpc, "cidrBlock": "10.42.1.0/24", "availabilityZone": a.Region + "a"}),
		ec2Call("CreateSubnet", M{"vpcId": vpc, "cidrBlock": "10.42.2.0/24", "availabilityZone": a.Region + "b"}),
		ec2Call("CreateInternetGateway", M{}),
		ec2Call("CreateSecurityGroup", M{"groupName": "reporting-alb", "groupDescription": "reporting ALB", "vpcId": vpc}).resp(M{"_return": true, "groupId": sg}),
		ec2Call("AuthorizeSecurityGroupIngress", M{"groupId": sg, "ipPermissions": M{"items": []M{{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipRanges": M{"items": []M{{"cidrIp": "0.0.0.0/0"}}}}}}}).resp(M{"_return": true}),
		call("kms.amazonaws.com", "CreateKey", false, M{"description": "reporting data", "keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT"}),
		bucketCall(a, "CreateBucket", &Bucket{Name: w.Company + "-prod-reporting-exports", Region: a.Region}, false, M{"CreateBucketConfiguration": M{"LocationConstraint": a.Region}}),
		bucketCall(a, "PutBucketVersioning", &Bucket{Name: w.Company + "-prod-reporting-exports", Region: a.Region}, false, M{"versioning": "", "VersioningConfiguration": M{"Status": "Enabled"}}),
		bucketCall(a, "PutBucketPolicy", &Bucket{Name: w.Company + "-prod-reporting-exports", Region: a.Region}, false, M{"policy": "", "bucketPolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`}),
		call("secretsmanager.amazonaws.com", "CreateSecret", false, M{"name": "prod/reporting/db-credentials"}),
	}
	tt := t.Add(time.Minute)
	for _, c := range creates {
		w.emit(tt, key, src, c)
		tt = tt.Add(time.Duration(1+w.r.IntN(6)) * time.Second)
	}
	cr, role := w.createRole(a, "reporting-deploy", trustAccount(a.ID), tt)
	w.emit(tt, key, src, cr)
	w.emit(tt.Add(2*time.Second), key, src, attachRolePolicy(role, adminPolicy))
	cl, lrole := w.createRole(a, "reporting-api-role", trustService("lambda.amazonaws.com"), tt.Add(3*time.Second))
	w.emit(tt.Add(3*time.Second), key, src, cl)
	w.emit(tt.Add(4*time.Second), key, src, attachRolePolicy(lrole, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))
	cu, svc := w.createUser(a, "svc-reporting", tt.Add(5*time.Second))
	w.emit(tt.Add(5*time.Second), key, src, cu)
	w.emit(tt.Add(6*time.Second), key, src, attachUserPolicy(svc, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"))
	ck, k := w.createAccessKey(svc, tt.Add(7*time.Second))
	w.emit(tt.Add(7*time.Second), key, src, ck)
	tt = tt.Add(15 * time.Second) // IAM is eventually consistent; the provider retries
	fn := "prod-reporting-api"
	w.emit(tt, key, src, w.createFunction(a, fn, lrole, "python3.12"))
	w.emit(tt.Add(3*time.Second), key, src, call("lambda.amazonaws.com", "CreateFunctionUrlConfig", false, M{"functionName": fn, "authType": "NONE"}))
	w.emit(tt.Add(4*time.Second), key, src, call("lambda.amazonaws.com", "AddPermission20150331v2", false, M{"functionName": fn, "statementId": "FunctionURLAllowPublicAccess", "action": "lambda:InvokeFunctionUrl", "principal": "*", "functionUrlAuthType": "NONE"}))
	w.emit(tt.Add(30*time.Second), key, src, w.putObject(a, a.bucketKind("state"), "env/prod/reporting.tfstate", 64000))
	// Next day: the rest through the pipeline's runner, and the new
	// service key in use from the runner.
	ci := a.userTagged("ci")
	runner := tagValues(ci, "runner:")[0]
	t2 := w.at(d+1, 9.3, pe.TZ)
	rsrc := Source{IP: runner, Tool: terraform("1.9.8", "5.78.0", "1.32.4", "linux", "amd64"), Region: a.Region}
	t2 = w.burst(t2, userCred(ci.Keys[0]), rsrc, a, w.sample(planReads, 45), 0.3, 0)
	w.emit(t2, userCred(ci.Keys[0]), rsrc, ec2Call("RunInstances", M{"instancesSet": M{"items": []M{{"imageId": "ami-0" + w.r.str(16, hexLower), "minCount": 2, "maxCount": 2}}}, "instanceType": "t3.large"}))
	svcSrc := Source{IP: runner, Tool: awsCLI2("2.22.12", "0.23.4", "linux", "6.1.112-124.190.amzn2023.x86_64", "x86_64", "3.12.6", "exe", "amzn.2023"), Region: a.Region}
	ex := a.bucketKind("reports")
	for i := 0; i < 6; i++ {
		w.emit(t2.Add(time.Duration(60+i*9)*time.Second), userCred(k), svcSrc, w.getObject(a, ex, w.objectKey(ex), 90000))
	}
}

// --- The security team turns logging on and downloads the trail's logs ---

func playLoggingOn(w *World, p *Plan) {
	a := w.Prod()
	pe := w.person("security")
	d := w.attackDay() - 2
	ip := w.where(pe, d, 10)
	t := w.at(d, 10, pe.TZ)
	sess := w.idcConsoleVisit(t, pe, a, "AdministratorAccess", ip, false)
	src := Source{IP: ip, UA: pe.Browser, Region: a.Region}
	bucket := &Bucket{Name: "aws-cloudtrail-logs-" + a.ID + "-security", Region: a.Region, Kind: "trail", Prefixes: []string{"AWSLogs/"}, DataEvents: true}
	trail := "security-audit-trail"
	trailARN := "arn:aws:cloudtrail:" + a.Region + ":" + a.ID + ":trail/" + trail
	tt := t.Add(2 * time.Minute)
	steps := []Call{
		bucketCall(a, "CreateBucket", bucket, false, M{"CreateBucketConfiguration": M{"LocationConstraint": a.Region}}),
		bucketCall(a, "PutBucketPolicy", bucket, false, M{"policy": "", "bucketPolicy": `{"Version":"2012-10-17","Statement":[{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket.Name + `/AWSLogs/` + a.ID + `/*"}]}`}),
		call("cloudtrail.amazonaws.com", "CreateTrail", false, M{"name": trail, "s3BucketName": bucket.Name, "isMultiRegionTrail": true, "enableLogFileValidation": true, "includeGlobalServiceEvents": true}).resp(M{"name": trail, "trailARN": trailARN, "s3BucketName": bucket.Name, "isMultiRegionTrail": true, "logFileValidationEnabled": true}),
		call("cloudtrail.amazonaws.com", "PutEventSelectors", false, M{"trailName": trail, "eventSelectors": []M{{"readWriteType": "All", "includeManagementEvents": true, "dataResources": []M{{"type": "AWS::S3::Object", "values": []string{"arn:aws:s3"}}}}}}).resp(M{"trailARN": trailARN}),
		call("cloudtrail.amazonaws.com", "PutInsightSelectors", false, M{"trailName": trail, "insightSelectors": []M{{"insightType": "ApiCallRateInsight"}, {"insightType": "ApiErrorRateInsight"}}}),
		call("cloudtrail.amazonaws.com", "StartLogging", false, M{"name": trailARN}),
		call("cloudtrail.amazonaws.com", "UpdateTrail", false, M{"name": trail, "cloudWatchLogsLogGroupArn": "arn:aws:logs:" + a.Region + ":" + a.ID + ":log-group:aws-cloudtrail-logs:*", "cloudWatchLogsRoleArn": "arn:aws:iam::" + a.ID + ":role/CloudTrailRoleForCloudWatchLogs"}).
			fail("InvalidCloudWatchLogsRoleArnException", "Access denied. Verify in IAM that the role has adequate permissions."),
		iamCall("CreateRole", false, M{"roleName": "CloudTrailRoleForCloudWatchLogs", "assumeRolePolicyDocument": trustService("cloudtrail.amazonaws.com")}),
		iamCall("PutRolePolicy", false, M{"roleName": "CloudTrailRoleForCloudWatchLogs", "policyName": "cloudwatch-logs", "policyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`}),
		call("cloudtrail.amazonaws.com", "UpdateTrail", false, M{"name": trail, "cloudWatchLogsLogGroupArn": "arn:aws:logs:" + a.Region + ":" + a.ID + ":log-group:aws-cloudtrail-logs:*", "cloudWatchLogsRoleArn": "arn:aws:iam::" + a.ID + ":role/CloudTrailRoleForCloudWatchLogs"}).
			fail("InvalidCloudWatchLogsRoleArnException", "Access denied. Verify in IAM that the role has adequate permissions."),
		call("cloudtrail.amazonaws.com", "UpdateTrail", false, M{"name": trail, "cloudWatchLogsLogGroupArn": "arn:aws:logs:" + a.Region + ":" + a.ID + ":log-group:aws-cloudtrail-logs:*", "cloudWatchLogsRoleArn": "arn:aws:iam::" + a.ID + ":role/CloudTrailRoleForCloudWatchLogs"}),
		call("guardduty.amazonaws.com", "CreateDetector", false, M{"enable": true, "findingPublishingFrequency": "FIFTEEN_MINUTES"}),
		call("config.amazonaws.com", "PutConfigurationRecorder", false, M{"configurationRecorder": M{"name": "default", "roleARN": "arn:aws:iam::" + a.ID + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"}}),
		call("config.amazonaws.com", "PutDeliveryChannel", false, M{"deliveryChannel": M{"name": "default", "s3BucketName": bucket.Name}}),
		call("config.amazonaws.com", "StartConfigurationRecorder", false, M{"configurationRecorderName": "default"}),
	}
	for _, c := range steps {
		w.emit(tt, sess, src, c)
		tt = tt.Add(time.Duration(20+w.r.IntN(90)) * time.Second)
	}
	// Two days later, from home with the CLI through the same role: the
	// logs of the organisation trail's bucket, all of them.
	a.Buckets = append(a.Buckets, bucket)
	trailB := a.bucketKind("trail")
	trailB.DataEvents = true
	d2 := d + 2
	ip2 := pe.Homes[(d2/6)%len(pe.Homes)]
	t2 := w.at(d2, 9.5, pe.TZ)
	cli := w.idcCLISession(t2, pe, a, sess.role, ip2)
	csrc := Source{IP: ip2, Tool: pe.CLI, Region: a.Region}
	for i := 0; i < 30; i++ {
		w.emit(t2, cli, csrc, w.listObjects(a, trailB, fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/", a.ID, a.Region, w.at(i%w.days(), 0, time.UTC).Format("2006/01/02")), true))
		t2 = t2.Add(700 * time.Millisecond)
	}
	for i := 0; i < 1200; i++ {
		w.emit(t2, cli, csrc, w.getObject(a, trailB, w.objectKey(trailB), int64(2000+w.r.IntN(40000))))
		t2 = t2.Add(time.Duration(40+w.r.IntN(120)) * time.Millisecond)
	}
}

// --- Root browsing the console, in logs written before 2022 ---

func playRootConsole(w *World, p *Plan) {
	a := w.Prod()
	pe := w.person("platform")
	d := w.attackDay()
	ip := pe.Homes[(d/6)%len(pe.Homes)]
	t := w.at(d, 20.5, pe.TZ)
	src := Source{IP: ip, UA: pe.Browser}
	w.consoleLoginFailed(t.Add(-50*time.Second), a.Root, src)
	sess := w.consoleLogin(t, a.Root, src, true)
	for _, page := range []string{"billing", "ec2", "ec2", "s3", "iam", "iam", "cloudtrail", "billing", "vpc", "s3", "ec2"} {
		t = w.consolePage(t.Add(time.Duration(20+w.r.IntN(120))*time.Second), sess, ip, pe.Browser, a, page)
	}
	// Root reads the account's details and sets the alternate contact.
	w.emit(t.Add(time.Minute), sess, Source{IP: ip, UA: "console.amazonaws.com"}, call("account.amazonaws.com", "PutAlternateContact", false, M{"alternateContactType": "SECURITY", "name": pe.First + " " + pe.Last}).global())
}

// --- The security team's own posture scanner, started during the window ---

func playSecurityScanner(w *World, p *Plan) {
	ident := w.account("identity")
	pe := w.person("security")
	scannerRole := w.addRole(ident, "security-scanner", "", "ec2", "ec2.amazonaws.com")
	in := &Instance{ID: "i-0" + w.r.str(16, hexLower), Role: scannerRole, PublicIP: w.addrIn("aws-" + w.Home)}
	tool := boto3("1.35.54", "1.35.54", "linux", "6.1.112-124.190.amzn2023.x86_64", "3.12.7", "")
	tool.Name = "prowler"
	prowler := "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/linux#6.1.112-124.190.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.35.54 prowler/4.5.2"
	_ = pe
	for d := w.days() - 6; d < w.days(); d++ {
		t := w.at(d, 5+w.r.Float64()*0.2, time.UTC)
		inst := w.serviceAssumeRole(t.Add(-time.Minute), "ec2.amazonaws.com", scannerRole, in.ID)
		for _, a := range []*Account{w.Prod(), w.account("dev")} {
			target := a.role("OrganizationAccountAccessRole")
			src := Source{IP: in.PublicIP, UA: prowler, Region: "us-east-1"}
			sess := w.assumeRole(t, inst, src, target, "prowler-"+w.r.str(10, lowerDigits), "")
			regions := []string{"us-east-1", a.Region, "us-west-2", "ap-northeast-1"}
			var pairs [][2]string
			for _, n := range w.sample(scanReads, 60) {
				pairs = append(pairs, [2]string{regions[w.r.IntN(len(regions))], n})
			}
			// An SCP refuses everything outside the approved regions.
			tt := w.reconRegions(t.Add(2*time.Second), sess, src, a, pairs, allowAll, 0.15)
			for _, r := range []string{"us-west-2", "ap-northeast-1"} {
				for _, n := range []string{"DescribeInstances", "DescribeVolumes", "ListFunctions20150331", "DescribeDBInstances"} {
					c, _ := w.readCall(a, n)
					c.Region = r
					w.emit(tt, sess, src, c.fail(scpCode(c), "User: "+sess.ARN()+" is not authorized to perform: "+servicePrefix(c.Source)+":"+iamAction(n)+" with an explicit deny in a service control policy"))
					tt = tt.Add(200 * time.Millisecond)
				}
			}
			t = tt.Add(time.Minute)
		}
	}
}

func scpCode(c Call) string {
	switch servicePrefix(c.Source) {
	case "ec2":
		return "Client.UnauthorizedOperation"
	case "iam", "rds":
		return "AccessDenied"
	}
	return "AccessDeniedException"
}

// --- Break-glass use with MFA during a night outage ---

func playBreakGlass(w *World, p *Plan) {
	a := w.Prod()
	pe := w.person("platform")
	bg := a.userTagged("breakglass")
	d := w.attackDay()
	for !weekend(w.at(d, 12, pe.TZ)) && d > 2 {
		d--
	}
	ip := pe.Homes[(d/6)%len(pe.Homes)]
	t := w.at(d, 3.2, pe.TZ)
	src := Source{IP: ip, UA: pe.Browser}
	sess := w.consoleLogin(t, bg, src, true)
	for _, page := range []string{"iam", "ec2", "iam"} {
		t = w.consolePage(t.Add(40*time.Second), sess, ip, pe.Browser, a, page)
	}
	role := a.role("ops-automation")
	sg := a.SecurityGroups[1]
	cs := Source{IP: ip, UA: pe.Browser}
	perm := M{"groupId": sg, "ipPermissions": M{"items": []M{{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "ipRanges": M{"items": []M{{"cidrIp": ip + "/32"}}}}}}}
	for _, c := range []Call{
		updateAssumeRolePolicy(role, trustService("lambda.amazonaws.com")),
		iamCall("DetachRolePolicy", false, M{"roleName": role.Name, "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
		attachRolePolicy(role, "arn:aws:iam::aws:policy/PowerUserAccess"),
		ec2Call("AuthorizeSecurityGroupIngress", perm).resp(M{"_return": true}),
	} {
		t = t.Add(time.Duration(30+w.r.IntN(90)) * time.Second)
		w.emit(t, sess, cs, c)
	}
	w.emit(t.Add(35*time.Minute), sess, cs, ec2Call("RevokeSecurityGroupIngress", perm).resp(M{"_return": true}))
	// In the morning the password is rotated, as the runbook says.
	t2 := w.at(d+1, 9.1, pe.TZ)
	adm := w.idcConsoleVisit(t2, pe, a, "AdministratorAccess", w.where(pe, d+1, 9.1), false)
	w.emit(t2.Add(4*time.Minute), adm, Source{IP: w.where(pe, d+1, 9.2), UA: pe.Browser}, updateLoginProfile(bg))
}

// --- A one-off full backup: every object read in a night ---

func playBulkBackup(w *World, p *Plan) {
	a := w.Prod()
	u := a.userTagged("backup")
	office := ""
	for _, pe := range w.People {
		if pe.Office != "" {
			office = pe.Office
		}
	}
	src := Source{IP: office, UA: "APN/1.0 Veeam/1.0 Backup/12.2", Region: a.Region}
	cred := userCred(u.Keys[0])
	t := w.at(w.attackDay(), 0.4, cet)
	for _, kind := range []string{"data", "reports"} {
		b := a.bucketKind(kind)
		t = w.download(t, cred, src, a, b, 700, 0.25)
	}
	bk := a.bucketKind("backup")
	for i := 0; i < 40; i++ {
		w.emit(t, cred, src, w.putObject(a, bk, fmt.Sprintf("files/full-%s/part-%03d.vbk", t.Format("20060102"), i), 400_000_000))
		t = t.Add(time.Duration(20+w.r.IntN(40)) * time.Second)
	}
	// AWS Backup copies the snapshots to the disaster-recovery account.
	role := a.roleKind("backup")
	sess := w.serviceAssumeRole(t, "backup.amazonaws.com", role, "AWSBackup-"+w.r.str(10, alnum))
	sess.invokedBy = "backup.amazonaws.com"
	bsrc := Source{IP: "backup.amazonaws.com", UA: "backup.amazonaws.com", Region: a.Region}
	for i := 0; i < 4; i++ {
		snap := "snap-0" + w.r.str(16, hexLower)
		w.emit(t.Add(time.Duration(i*40)*time.Second), sess, bsrc, ec2Call("CopySnapshot", M{"sourceSnapshotId": snap, "sourceRegion": a.Region, "destinationRegion": "eu-north-1"}).in("eu-north-1"))
		w.emit(t.Add(time.Duration(i*40+5)*time.Second), sess, bsrc, ec2Call("ModifySnapshotAttribute", M{"snapshotId": snap, "createVolumePermission": M{"add": M{"items": []M{{"userId": w.account("dev").ID}}}}, "attributeType": "CREATE_VOLUME_PERMISSION"}))
	}
}

// --- A new employee's first days: a new user, new key, new places ---

func playNewEmployee(w *World, p *Plan) {
	a := w.Prod()
	admin := w.person("platform")
	d := w.attackDay() - 1
	t := w.at(d, 9.4, admin.TZ)
	asess := w.idcConsoleVisit(t, admin, a, "AdministratorAccess", w.where(admin, d, 9.4), false)
	asrc := Source{IP: w.where(admin, d, 9.5), UA: admin.Browser}
	name := "mara.lindqvist"
	cu, u := w.createUser(a, name, t.Add(2*time.Minute))
	u.Console = true
	w.emit(t.Add(2*time.Minute), asess, asrc, cu)
	w.emit(t.Add(130*time.Second), asess, asrc, iamCall("AddUserToGroup", false, M{"groupName": "developers", "userName": name}))
	w.emit(t.Add(140*time.Second), asess, asrc, createLoginProfile(u, t.Add(140*time.Second)))
	ck, k := w.createAccessKey(u, t.Add(150*time.Second))
	w.emit(t.Add(150*time.Second), asess, asrc, ck)
	// The new hire signs in from home, sets up MFA, and starts working.
	home := w.addrIn("kpn-nl")
	nt := w.at(d, 14.2, cet)
	sess := w.consoleLogin(nt, u, Source{IP: home, UA: safariMac}, false)
	w.emit(nt.Add(time.Minute), sess, Source{IP: home, UA: safariMac}, iamCall("CreateVirtualMFADevice", false, M{"virtualMFADeviceName": name, "path": "/"}))
	w.emit(nt.Add(2*time.Minute), sess, Source{IP: home, UA: safariMac}, iamCall("EnableMFADevice", false, M{"userName": name, "serialNumber": "arn:aws:iam::" + a.ID + ":mfa/" + name}))
	nt = nt.Add(3 * time.Minute)
	for _, page := range []string{"ec2", "lambda", "iam", "s3", "cloudwatch"} {
		nt = w.consolePage(nt, sess, home, safariMac, a, page)
	}
	cli := awsCLI2("2.22.35", "0.23.4", "macos", "24.1.0", "arm64", "3.12.6", "pkg", "")
	kc := userCred(k)
	for day := d; day < w.days(); day++ {
		tt := w.at(day, 15, cet)
		if weekend(tt) {
			continue
		}
		w.recon(tt, kc, Source{IP: home, Tool: cli, Region: a.Region}, a, w.sample(append(jobReads["developer"], "ListUsers", "ListRoles", "DescribeSecret"), 14), func(n string) bool {
			return n != "ListUsers" && n != "ListRoles" && n != "DescribeSecret"
		}, 20)
	}
}

// idcCLISession is "aws sso login" and the role credentials it fetches:
// the portal call is in the identity account; the member account sees
// only the session's calls.
func (w *World) idcCLISession(t time.Time, pe *Person, a *Account, role *Role, ip string) *Cred {
	if ident := w.account("identity"); ident != nil {
		portal := &Cred{kind: credIdC, acct: ident, provider: "d-" + w.r.str(10, hexLower), subject: pe.idcUserID, session: pe.Email}
		src := Source{IP: ip, Tool: pe.CLI}
		w.emit(t.Add(-30*time.Second), portal, src, Call{Source: "sso.amazonaws.com", Name: "GetRoleCredentials", RO: true, Region: ident.Region, Req: M{"roleName": role.Name, "accountId": a.ID}})
	}
	return w.roleSession(role, pe.Email, t)
}
