package scenario

import (
	"strings"
	"time"
)

// The calls the scenarios make, with request and response elements as
// CloudTrail logs them.

func getCallerIdentity() Call { return call("sts.amazonaws.com", "GetCallerIdentity", true, nil) }

func bucketRes(acct, b string) Resource {
	return Resource{AccountID: acct, Type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::" + b}
}

func objectRes(b, k string) Resource {
	return Resource{Type: "AWS::S3::Object", ARN: "arn:aws:s3:::" + b + "/" + k}
}

func (w *World) s3Add(bytesIn, bytesOut int64) M {
	return M{"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": bytesIn,
		"AuthenticationMethod": "AuthHeader", "x-amz-id-2": w.r.b64(56), "bytesTransferredOut": bytesOut}
}

func (w *World) s3Object(a *Account, name string, b *Bucket, key string, ro bool, in, out int64) Call {
	region := b.Region
	if region == "" {
		region = a.Region
	}
	c := call("s3.amazonaws.com", name, ro, M{"bucketName": b.Name, "Host": b.Name + ".s3." + region + ".amazonaws.com", "key": key})
	c.Data = true
	c.Region = region
	return c.add(w.s3Add(in, out)).res(objectRes(b.Name, key), bucketRes(a.ID, b.Name))
}

func (w *World) getObject(a *Account, b *Bucket, key string, size int64) Call {
	return w.s3Object(a, "GetObject", b, key, true, 0, size)
}

func (w *World) putObject(a *Account, b *Bucket, key string, size int64) Call {
	return w.s3Object(a, "PutObject", b, key, false, size, 0).resp(M{"x-amz-server-side-encryption": "AES256", "x-amz-version-id": w.r.str(32, alnum)})
}

// copyObject copies src to dst in b; with ssec the copy is encrypted with a
// key only the caller has (SSE-C).
func (w *World) copyObject(a *Account, b *Bucket, src, dst string, size int64, ssec bool) Call {
	c := w.s3Object(a, "CopyObject", b, dst, false, 0, 0)
	req := c.Req.(M)
	req["x-amz-copy-source"] = b.Name + "/" + src
	resp := M{"x-amz-version-id": w.r.str(32, alnum)}
	if ssec {
		req["x-amz-server-side-encryption-customer-algorithm"] = "AES256"
		resp["x-amz-server-side-encryption-customer-algorithm"] = "AES256"
		c.Add.(M)["SSEApplied"] = "SSE_C"
	}
	_ = size
	return c.resp(resp)
}

func (w *World) deleteObjects(a *Account, b *Bucket, keys []string) Call {
	c := w.s3Object(a, "DeleteObjects", b, keys[0], false, int64(60*len(keys)), 0)
	c.Req = M{"bucketName": b.Name, "Host": c.Req.(M)["Host"], "delete": ""}
	c.Res = []Resource{{Type: "AWS::S3::Object", ARNPrefix: "arn:aws:s3:::" + b.Name + "/"}, bucketRes(a.ID, b.Name)}
	return c
}

func (w *World) listObjects(a *Account, b *Bucket, prefix string, v2 bool) Call {
	region := b.Region
	if region == "" {
		region = a.Region
	}
	req := M{"bucketName": b.Name, "Host": b.Name + ".s3." + region + ".amazonaws.com", "prefix": prefix, "delimiter": "/", "encoding-type": "url"}
	name := "ListObjects"
	if v2 {
		req["list-type"] = "2"
		name = "ListObjectsV2"
	}
	c := call("s3.amazonaws.com", name, true, req)
	c.Data = true
	c.Region = region
	return c.add(w.s3Add(0, int64(400+w.r.IntN(40000)))).res(Resource{Type: "AWS::S3::Object", ARNPrefix: "arn:aws:s3:::" + b.Name + "/" + prefix}, bucketRes(a.ID, b.Name))
}

func (w *World) listObjectVersions(a *Account, b *Bucket) Call {
	c := w.listObjects(a, b, "", false)
	c.Name = "ListObjectVersions"
	c.Req.(M)["versions"] = ""
	return c
}

// bucketCall is a bucket-level (management) S3 call.
func bucketCall(a *Account, name string, b *Bucket, ro bool, extra M) Call {
	region := b.Region
	if region == "" {
		region = a.Region
	}
	req := M{"bucketName": b.Name, "Host": b.Name + ".s3." + region + ".amazonaws.com"}
	for k, v := range extra {
		req[k] = v
	}
	c := call("s3.amazonaws.com", name, ro, req)
	c.Region = region
	return c.res(bucketRes(a.ID, b.Name))
}

func listBuckets(a *Account) Call {
	return call("s3.amazonaws.com", "ListBuckets", true, M{"Host": "s3." + a.Region + ".amazonaws.com"}).in(a.Region)
}

// --- STS ---

// assumeRole is the AssumeRole call of caller for role, returning the
// session it creates. The record goes to the caller's account; a caller in
// another account also gets a copy in the role's account.
func (w *World) assumeRole(t time.Time, caller *Cred, src Source, r *Role, session string, externalID string) *Cred {
	sess := w.roleSession(r, session, t)
	req := M{"roleArn": r.ARN(), "roleSessionName": session, "durationSeconds": 3600}
	if externalID != "" {
		req["externalId"] = externalID
	}
	resp := M{
		"credentials":     M{"accessKeyId": sess.key, "sessionToken": w.r.sessionToken(), "expiration": stsTime(t.Add(time.Hour))},
		"assumedRoleUser": M{"assumedRoleId": r.ID + ":" + session, "arn": r.SessionARN(session)},
	}
	c := call("sts.amazonaws.com", "AssumeRole", true, req).resp(resp).res(Resource{AccountID: r.Account.ID, Type: "AWS::IAM::Role", ARN: r.ARN()})
	if caller.kind == credService {
		c.Req = M{"roleArn": r.ARN(), "roleSessionName": session}
		c.Resp = M{"credentials": resp["credentials"]}
		if strings.HasPrefix(caller.invokedBy, "lambda") || strings.HasPrefix(caller.invokedBy, "ecs") || strings.HasPrefix(caller.invokedBy, "ec2") {
			c.Resp = resp
		}
	}
	if caller.acct != nil && caller.acct != r.Account {
		c.Shared = w.r.uuid()
		if caller.acct.Kind != "external" { // only the organisation's own logs are in the evidence
			w.emit(t, caller, src, c)
		}
		other := &Cred{kind: credAWSAccount, acct: r.Account, callerAcct: caller.acct.ID, callerID: principalID(caller)}
		c.Recipient = r.Account
		w.emit(t, other, src, c)
		return sess
	}
	if caller.kind == credService {
		c.Shared = ""
		w.emit(t, caller.with(func(x *Cred) { x.acct = r.Account }), src, c)
		return sess
	}
	w.emit(t, caller, src, c)
	return sess
}

func principalID(c *Cred) string {
	switch c.kind {
	case credUserKey, credUserSess:
		return c.user.ID
	case credRole:
		return c.role.ID + ":" + c.session
	}
	return c.acct.ID
}

// serviceAssumeRole is a service taking a role for a function, instance or
// task: session named after it, the record in the role's account.
func (w *World) serviceAssumeRole(t time.Time, svc string, r *Role, session string) *Cred {
	src := Source{IP: svc, UA: svc}
	sess := w.assumeRole(t, serviceCred(r.Account, svc), src, r, session, "")
	if svc == "ec2.amazonaws.com" {
		sess.ec2 = true
	}
	return sess
}

func (w *World) getFederationToken(t time.Time, caller *Cred, src Source, name string) *Cred {
	fed := &Cred{kind: credFederated, acct: caller.acct, session: name, key: w.uniqueKey("ASIA"), created: t, fedUser: caller.user}
	c := call("sts.amazonaws.com", "GetFederationToken", true, M{"name": name, "durationSeconds": 129600, "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}).
		resp(M{"credentials": M{"accessKeyId": fed.key, "sessionToken": w.r.sessionToken(), "expiration": stsTime(t.Add(36 * time.Hour))},
			"federatedUser": M{"federatedUserId": caller.acct.ID + ":" + name, "arn": fed.ARN()}, "packedPolicySize": 9})
	w.emit(t, caller, src, c)
	return fed
}

// --- IAM ---

func iamCall(name string, ro bool, req any) Call {
	return call("iam.amazonaws.com", name, ro, req).global()
}

func (w *World) createUser(a *Account, name string, t time.Time) (Call, *User) {
	u := w.addUser(a, name)
	return iamCall("CreateUser", false, M{"userName": name}).resp(M{"user": M{"path": "/", "userName": name, "userId": u.ID, "arn": u.ARN(), "createDate": iamTime(t)}}), u
}

func (w *World) createAccessKey(u *User, t time.Time) (Call, *Key) {
	k := w.newKey(u, t)
	return iamCall("CreateAccessKey", false, M{"userName": u.Name}).resp(M{"accessKey": M{"accessKeyId": k.ID, "status": "Active", "userName": u.Name, "createDate": iamTime(t)}}), k
}

func attachUserPolicy(u *User, policy string) Call {
	return iamCall("AttachUserPolicy", false, M{"userName": u.Name, "policyArn": policy})
}

func createLoginProfile(u *User, t time.Time) Call {
	return iamCall("CreateLoginProfile", false, M{"userName": u.Name, "passwordResetRequired": false}).
		resp(M{"loginProfile": M{"userName": u.Name, "createDate": iamTime(t), "passwordResetRequired": false}})
}

func updateLoginProfile(u *User) Call {
	return iamCall("UpdateLoginProfile", false, M{"userName": u.Name, "passwordResetRequired": false})
}

func attachRolePolicy(r *Role, policy string) Call {
	return iamCall("AttachRolePolicy", false, M{"roleName": r.Name, "policyArn": policy})
}

func updateAssumeRolePolicy(r *Role, doc string) Call {
	return iamCall("UpdateAssumeRolePolicy", false, M{"roleName": r.Name, "policyDocument": doc})
}

func (w *World) createRole(a *Account, name, trust string, t time.Time) (Call, *Role) {
	r := w.addRole(a, name, "", "created", "")
	return iamCall("CreateRole", false, M{"roleName": name, "assumeRolePolicyDocument": trust}).
		resp(M{"role": M{"path": "/", "roleName": name, "roleId": r.ID, "arn": r.ARN(), "createDate": iamTime(t), "assumeRolePolicyDocument": trust}}), r
}

func trustService(svc string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + svc + `"},"Action":"sts:AssumeRole"}]}`
}

func trustAccount(acct string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`
}

const adminPolicy = "arn:aws:iam::aws:policy/AdministratorAccess"

// --- console sign-in ---

// consoleLogin is a sign-in to the console. It returns the session the
// console then calls with.
func (w *World) consoleLogin(t time.Time, u *User, src Source, mfa bool) *Cred {
	add := M{"LoginTo": "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_" + w.r.str(16, hexLower), "MobileVersion": "No", "MFAUsed": yesNo(mfa)}
	if mfa {
		add["MFAIdentifier"] = "arn:aws:iam::" + u.Account.ID + ":mfa/" + mfaName(u)
	}
	region := "us-east-1"
	if u.Name != "" {
		region = u.Account.Region
	}
	c := Call{Source: "signin.amazonaws.com", Name: "ConsoleLogin", Type: "AwsConsoleSignIn", Region: region, Resp: M{"ConsoleLogin": "Success"}, Add: add}
	w.emit(t, loginCred(u), src, c)
	return w.consoleSession(u, t, mfa)
}

func (w *World) consoleLoginFailed(t time.Time, u *User, src Source) {
	add := M{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"}
	region := "us-east-1" // root signs in through the global endpoint
	if u.Name != "" {
		region = u.Account.Region
	}
	c := Call{Source: "signin.amazonaws.com", Name: "ConsoleLogin", Type: "AwsConsoleSignIn", Region: region, Resp: M{"ConsoleLogin": "Failure"}, Add: add, Msg: "Failed authentication"}
	w.emit(t, loginCred(u), src, c)
}

func mfaName(u *User) string {
	if u.Name == "" {
		return "root-account-mfa-device"
	}
	return u.Name
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// --- secrets, parameters, keys ---

func getSecretValue(arn string) Call {
	return call("secretsmanager.amazonaws.com", "GetSecretValue", true, M{"secretId": arn})
}

func getParameter(name string, decrypt bool) Call {
	return call("ssm.amazonaws.com", "GetParameter", true, M{"name": name, "withDecryption": decrypt})
}

func (w *World) kmsCall(a *Account, name, keyID string, ctx M) Call {
	req := M{"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
	if name == "GenerateDataKey" {
		req = M{"keyId": "arn:aws:kms:" + a.Region + ":" + a.ID + ":key/" + keyID, "keySpec": "AES_256"}
	}
	if ctx != nil {
		req["encryptionContext"] = ctx
	}
	return call("kms.amazonaws.com", name, true, req).res(Resource{AccountID: a.ID, Type: "AWS::KMS::Key", ARN: "arn:aws:kms:" + a.Region + ":" + a.ID + ":key/" + keyID})
}

// --- Lambda, EventBridge ---

func (w *World) createFunction(a *Account, name string, role *Role, runtime string) Call {
	arn := "arn:aws:lambda:" + a.Region + ":" + a.ID + ":function:" + name
	return call("lambda.amazonaws.com", "CreateFunction20150331", false, M{"functionName": name, "runtime": runtime, "role": role.ARN(), "handler": "index.handler", "code": M{}, "timeout": 300, "memorySize": 256, "publish": true}).
		resp(M{"functionName": name, "functionArn": arn, "runtime": runtime, "role": role.ARN(), "handler": "index.handler", "codeSize": 1021 + w.r.IntN(4000), "state": "Pending", "codeSha256": w.r.b64(32), "version": "1"})
}

// --- helpers for reads by name ---

func ec2Call(name string, req any) Call {
	return call("ec2.amazonaws.com", name, strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "Get"), req)
}
