package scenario

// readCall builds a read-only call by name with parameters drawn from the
// account: the vocabulary of people browsing, tools planning, scanners
// scanning and attackers enumerating. The second result is a benign error
// code the call often gets (no policy on the bucket, …), "" for none.
func (w *World) readCall(a *Account, name string) (Call, string) {
	if p, ok := plainReads[name]; ok {
		return p.call(w.r, name)
	}
	if b, ok := bucketReads[name]; ok {
		return b.call(w.r, a, name)
	}
	for _, read := range []func(*Account, string) (Call, string, bool){w.iamRead, w.ec2Read, w.dataRead, w.opsRead} {
		if c, code, ok := read(a, name); ok {
			return c, code
		}
	}
	panic("scenario: no read call " + name)
}

// plainRead is a read whose call depends on its name only.
type plainRead struct {
	src    string
	global bool
	p      float64 // chance of the benign error code, if any
	code   string
}

func (p plainRead) call(r rnd, name string) (Call, string) {
	c := call(p.src, name, true, nil)
	if p.global {
		c = c.global()
	}
	if p.code == "" {
		return c, ""
	}
	return c, maybe(r, p.p, p.code)
}

// plainReads are the reads without parameters, by name.
var plainReads = func() map[string]plainRead {
	m := map[string]plainRead{}
	add := func(p plainRead, names ...string) {
		for _, n := range names {
			m[n] = p
		}
	}
	add(plainRead{src: "lambda.amazonaws.com"}, "ListFunctions20150331", "ListEventSourceMappings20150331", "ListLayers20181031", "GetAccountSettings20160819")
	add(plainRead{src: "secretsmanager.amazonaws.com"}, "ListSecrets")
	add(plainRead{src: "ssm.amazonaws.com"}, "DescribeInstanceInformation", "ListCommands", "DescribeSessions", "ListDocuments")
	add(plainRead{src: "kms.amazonaws.com"}, "ListKeys", "ListAliases")
	add(plainRead{src: "guardduty.amazonaws.com"}, "ListDetectors")
	add(plainRead{src: "config.amazonaws.com"}, "DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus", "DescribeDeliveryChannels", "DescribeConfigRules", "DescribeComplianceByConfigRule")
	add(plainRead{src: "securityhub.amazonaws.com", p: 0.3, code: "InvalidAccessException"}, "GetFindings", "DescribeHub", "GetEnabledStandards")
	add(plainRead{src: "access-analyzer.amazonaws.com"}, "ListAnalyzers")
	add(plainRead{src: "rds.amazonaws.com"}, "DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots", "DescribeDBSubnetGroups", "DescribeDBParameterGroups")
	add(plainRead{src: "ecs.amazonaws.com"}, "ListClusters", "DescribeClusters", "ListServices", "ListTaskDefinitions")
	add(plainRead{src: "ecr.amazonaws.com"}, "DescribeRepositories", "GetAuthorizationToken")
	add(plainRead{src: "dynamodb.amazonaws.com"}, "ListTables")
	add(plainRead{src: "cloudformation.amazonaws.com"}, "DescribeStacks", "ListStacks", "DescribeStackEvents")
	add(plainRead{src: "logs.amazonaws.com"}, "DescribeLogGroups", "DescribeMetricFilters", "DescribeSubscriptionFilters")
	add(plainRead{src: "monitoring.amazonaws.com"}, "DescribeAlarms", "GetMetricData", "ListMetrics", "ListDashboards")
	add(plainRead{src: "elasticloadbalancing.amazonaws.com"}, "DescribeLoadBalancers", "DescribeTargetGroups", "DescribeTargetHealth")
	add(plainRead{src: "route53.amazonaws.com", global: true}, "ListHostedZones")
	add(plainRead{src: "sns.amazonaws.com"}, "ListTopics", "GetTopicAttributes")
	add(plainRead{src: "sqs.amazonaws.com"}, "ListQueues")
	add(plainRead{src: "health.amazonaws.com", global: true}, "DescribeEventAggregates", "DescribeEvents")
	add(plainRead{src: "ses.amazonaws.com"}, "GetSendQuota", "ListIdentities")
	add(plainRead{src: "autoscaling.amazonaws.com"}, "DescribeAutoScalingGroups")
	add(plainRead{src: "backup.amazonaws.com"}, "ListBackupPlans", "ListBackupVaults")
	return m
}()

// bucketRead is a read of one bucket's subresource (arg) that fails with
// code with chance p when the bucket often lacks it.
type bucketRead struct {
	arg  string
	p    float64
	code string
}

func (b bucketRead) call(r rnd, a *Account, name string) (Call, string) {
	c := bucketCall(a, name, a.Buckets[r.IntN(len(a.Buckets))], true, M{b.arg: ""})
	if b.code == "" {
		return c, ""
	}
	return c, maybe(r, b.p, b.code)
}

var bucketReads = map[string]bucketRead{
	"GetBucketLocation":                {arg: "location"},
	"GetBucketAcl":                     {arg: "acl"},
	"GetBucketVersioning":              {arg: "versioning"},
	"GetBucketLogging":                 {arg: "logging"},
	"GetBucketPolicyStatus":            {arg: "policyStatus"},
	"GetBucketOwnershipControls":       {arg: "ownershipControls"},
	"GetBucketNotification":            {arg: "notification"},
	"GetBucketRequestPayment":          {arg: "requestPayment"},
	"GetAccelerateConfiguration":       {arg: "accelerate"},
	"GetBucketPolicy":                  {"policy", 0.6, "NoSuchBucketPolicy"},
	"GetBucketEncryption":              {"encryption", 0.2, "ServerSideEncryptionConfigurationNotFoundError"},
	"GetBucketLifecycle":               {"lifecycle", 0.7, "NoSuchLifecycleConfiguration"},
	"GetBucketTagging":                 {"tagging", 0.5, "NoSuchTagSet"},
	"GetBucketReplication":             {"replication", 0.9, "ReplicationConfigurationNotFoundError"},
	"GetBucketWebsite":                 {"website", 0.95, "NoSuchWebsiteConfiguration"},
	"GetBucketCors":                    {"cors", 0.9, "NoSuchCORSConfiguration"},
	"GetBucketPublicAccessBlock":       {"publicAccessBlock", 0.1, "NoSuchPublicAccessBlockConfiguration"},
	"GetBucketObjectLockConfiguration": {"object-lock", 0.9, "ObjectLockConfigurationNotFoundError"},
}

// iamRead builds the STS and IAM reads; ok is false for other names.
func (w *World) iamRead(a *Account, name string) (c Call, code string, ok bool) {
	r := w.r
	switch name {
	case "GetCallerIdentity":
		return getCallerIdentity(), "", true
	case "ListUsers", "ListRoles", "ListGroups", "ListPolicies", "GetAccountSummary", "GetAccountPasswordPolicy", "ListAccountAliases", "ListSAMLProviders", "ListOpenIDConnectProviders", "GetAccountAuthorizationDetails", "ListVirtualMFADevices", "GenerateCredentialReport", "GetCredentialReport", "ListServerCertificates", "ListInstanceProfiles":
		var req any
		if name == "ListPolicies" {
			req = M{"scope": "Local", "onlyAttached": false}
		}
		if name == "GetAccountAuthorizationDetails" {
			req = M{"filter": []string{"User", "Role", "Group", "LocalManagedPolicy"}}
		}
		if name == "GetAccountPasswordPolicy" && r.chance(0.5) {
			code = "NoSuchEntityException"
		}
		return iamCall(name, true, req), code, true
	case "GetUser", "ListAccessKeys", "ListAttachedUserPolicies", "ListUserPolicies", "ListMFADevices", "ListGroupsForUser", "GetLoginProfile", "ListSigningCertificates", "ListSSHPublicKeys":
		u := a.Users[r.IntN(len(a.Users))]
		if name == "GetLoginProfile" && !u.Console {
			code = "NoSuchEntityException"
		}
		return iamCall(name, true, M{"userName": u.Name}), code, true
	case "GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "ListInstanceProfilesForRole", "ListRoleTags":
		ro := a.Roles[r.IntN(len(a.Roles))]
		return iamCall(name, true, M{"roleName": ro.Name}), "", true
	case "GetPolicy", "GetPolicyVersion", "ListEntitiesForPolicy":
		return iamCall(name, true, M{"policyArn": "arn:aws:iam::aws:policy/" + r.pick([]string{"ReadOnlyAccess", "AmazonS3FullAccess", "AdministratorAccess", "PowerUserAccess"})}), "", true
	}
	return Call{}, "", false
}

// ec2Read builds the EC2 reads; ok is false for other names.
func (w *World) ec2Read(a *Account, name string) (Call, string, bool) {
	r := w.r
	switch name {
	case "DescribeInstances", "DescribeVpcs", "DescribeSubnets", "DescribeSecurityGroups", "DescribeVolumes", "DescribeAddresses",
		"DescribeNetworkInterfaces", "DescribeRouteTables", "DescribeKeyPairs", "DescribeLaunchTemplates", "DescribeNatGateways",
		"DescribeInternetGateways", "DescribeVpcEndpoints", "DescribeFlowLogs", "DescribeNetworkAcls", "DescribeTags", "DescribeInstanceStatus":
		req := M{}
		switch name {
		case "DescribeInstances", "DescribeInstanceStatus":
			req = M{"instancesSet": M{}, "filterSet": M{}}
		case "DescribeSecurityGroups":
			req = M{"securityGroupSet": M{}, "securityGroupIdSet": M{}, "filterSet": M{}}
		case "DescribeVpcs", "DescribeSubnets":
			req = M{"filterSet": M{}}
		}
		return ec2Call(name, req), "", true
	case "DescribeRegions", "DescribeAvailabilityZones", "DescribeAccountAttributes":
		return ec2Call(name, M{"filterSet": M{}}), "", true
	case "DescribeImages":
		return ec2Call(name, M{"executableBySet": M{}, "ownersSet": M{"items": []M{{"owner": "self"}}}, "imagesSet": M{}, "filterSet": M{}}), "", true
	case "DescribeSnapshots":
		return ec2Call(name, M{"ownersSet": M{"items": []M{{"owner": "self"}}}, "filterSet": M{}, "snapshotSet": M{}}), "", true
	case "DescribeInstanceAttribute":
		if len(a.Instances) == 0 {
			return w.ec2Read(a, "DescribeInstances")
		}
		return ec2Call(name, M{"instanceId": a.Instances[r.IntN(len(a.Instances))].ID, "attribute": r.pick([]string{"instanceType", "disableApiTermination", "userData"})}), "", true
	case "GetConsoleOutput":
		if len(a.Instances) == 0 {
			return w.ec2Read(a, "DescribeInstances")
		}
		return ec2Call(name, M{"instanceId": a.Instances[r.IntN(len(a.Instances))].ID}), "", true
	case "DescribeInstanceTypes":
		return ec2Call(name, M{"instanceTypeSet": M{}, "filterSet": M{}}), "", true
	}
	return Call{}, "", false
}

// dataRead builds the reads of where data and secrets live beside the
// buckets' subresources: S3's account reads, Lambda functions, Secrets
// Manager, SSM parameters, KMS keys. ok is false for other names.
func (w *World) dataRead(a *Account, name string) (c Call, code string, ok bool) {
	r := w.r
	switch name {
	case "ListBuckets":
		return listBuckets(a), "", true
	case "GetAccountPublicAccessBlock":
		return call("s3.amazonaws.com", name, true, M{"Host": a.ID + ".s3-control." + a.Region + ".amazonaws.com"}), "", true
	case "GetFunction20150331v2", "GetFunctionConfiguration20150331v2", "GetPolicy20150331v2", "ListVersionsByFunction20150331", "ListAliases20150331", "GetFunctionUrlConfig", "ListTags20170331":
		if len(a.Functions) == 0 {
			return call("lambda.amazonaws.com", "ListFunctions20150331", true, nil), "", true
		}
		f := a.Functions[r.IntN(len(a.Functions))]
		if name == "GetPolicy20150331v2" || name == "GetFunctionUrlConfig" {
			code = maybe(r, 0.8, "ResourceNotFoundException")
		}
		return call("lambda.amazonaws.com", name, true, M{"functionName": f.Name}), code, true
	case "DescribeSecret", "GetResourcePolicy":
		if len(a.Secrets) == 0 {
			return call("secretsmanager.amazonaws.com", "ListSecrets", true, nil), "", true
		}
		return call("secretsmanager.amazonaws.com", name, true, M{"secretId": a.Secrets[r.IntN(len(a.Secrets))]}), "", true
	case "DescribeParameters":
		return call("ssm.amazonaws.com", name, true, M{"maxResults": 50}), "", true
	case "GetParameters", "GetParameter":
		if len(a.Params) == 0 {
			return call("ssm.amazonaws.com", "DescribeParameters", true, nil), "", true
		}
		if name == "GetParameters" {
			return call("ssm.amazonaws.com", name, true, M{"names": []string{a.Params[r.IntN(len(a.Params))]}, "withDecryption": true}), "", true
		}
		return getParameter(a.Params[r.IntN(len(a.Params))], r.chance(0.5)), "", true
	case "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags":
		if len(a.KMSKeys) == 0 {
			return call("kms.amazonaws.com", "ListKeys", true, nil), "", true
		}
		k := a.KMSKeys[r.IntN(len(a.KMSKeys))]
		return call("kms.amazonaws.com", name, true, M{"keyId": k}).res(Resource{AccountID: a.ID, Type: "AWS::KMS::Key", ARN: "arn:aws:kms:" + a.Region + ":" + a.ID + ":key/" + k}), "", true
	}
	return Call{}, "", false
}

// opsRead builds the remaining reads with parameters: logging, security
// and the organisation, tables, log groups, costs, CDN. ok is false for
// other names.
func (w *World) opsRead(a *Account, name string) (c Call, code string, ok bool) {
	r := w.r
	switch name {
	case "DescribeTrails", "ListTrails":
		return call("cloudtrail.amazonaws.com", name, true, M{"includeShadowTrails": true}), "", true
	case "GetTrailStatus", "GetEventSelectors", "GetInsightSelectors", "GetTrail":
		if name == "GetInsightSelectors" {
			code = maybe(r, 0.9, "InsightNotEnabledException")
		}
		return call("cloudtrail.amazonaws.com", name, true, M{"name": "arn:aws:cloudtrail:" + a.Region + ":" + a.ID + ":trail/" + a.Trail}), code, true
	case "LookupEvents":
		return call("cloudtrail.amazonaws.com", name, true, M{"maxResults": 50}), "", true
	case "GetDetector", "ListFindings", "GetFindingsStatistics":
		return call("guardduty.amazonaws.com", name, true, M{"detectorId": w.detectorID(a)}), "", true
	case "DescribeOrganization", "ListAccounts", "ListPoliciesForTarget", "ListRoots", "DescribeAccount":
		// Only the management (identity) account may list the organisation.
		if a.Kind != "identity" && name != "DescribeOrganization" {
			code = "AccessDeniedException"
		}
		return call("organizations.amazonaws.com", name, true, nil).global(), code, true
	case "DescribeTable":
		return call("dynamodb.amazonaws.com", name, true, M{"tableName": a.Alias + "-sessions"}), "", true
	case "FilterLogEvents", "DescribeLogStreams":
		g := "/aws/lambda/" + a.Alias
		if len(a.Functions) > 0 {
			g = "/aws/lambda/" + a.Functions[r.IntN(len(a.Functions))].Name
		}
		return call("logs.amazonaws.com", name, true, M{"logGroupName": g}), "", true
	case "GetCostAndUsage", "GetCostForecast":
		return call("ce.amazonaws.com", name, true, M{"granularity": "MONTHLY"}).global(), "", true
	case "ListDistributions":
		return call("cloudfront.amazonaws.com", "ListDistributions2020_05_31", true, nil).global(), "", true
	}
	return Call{}, "", false
}

func maybe(r rnd, p float64, code string) string {
	if r.chance(p) {
		return code
	}
	return ""
}

// benignError is what CloudTrail records for the everyday "not there"
// errors of a read.
func benignError(c Call, code string) Call {
	msgs := map[string]string{
		"NoSuchBucketPolicy":                             "The bucket policy does not exist",
		"ServerSideEncryptionConfigurationNotFoundError": "The server side encryption configuration was not found",
		"NoSuchLifecycleConfiguration":                   "The lifecycle configuration does not exist",
		"NoSuchTagSet":                                   "The TagSet does not exist",
		"ReplicationConfigurationNotFoundError":          "The replication configuration was not found",
		"NoSuchWebsiteConfiguration":                     "The specified bucket does not have a website configuration",
		"NoSuchCORSConfiguration":                        "The CORS configuration does not exist",
		"NoSuchPublicAccessBlockConfiguration":           "The public access block configuration was not found",
		"ObjectLockConfigurationNotFoundError":           "Object Lock configuration does not exist for this bucket",
		"NoSuchEntityException":                          "The user with name cannot be found.",
		"ResourceNotFoundException":                      "The resource you requested does not exist.",
		"InsightNotEnabledException":                     "Trail does not have Insights enabled.",
		"InvalidAccessException":                         "Account is not subscribed to AWS Security Hub",
		"AccessDeniedException":                          "You don't have permissions to access this resource.",
		"NoSuchKey":                                      "The specified key does not exist.",
		"ThrottlingException":                            "Rate exceeded",
	}
	return c.fail(code, msgs[code])
}

// Vocabularies of reads.
var (
	consolePages = map[string][]string{
		"ec2":        {"DescribeInstances", "DescribeInstanceStatus", "DescribeAddresses", "DescribeSecurityGroups", "DescribeVolumes", "DescribeTags", "DescribeAccountAttributes", "DescribeAvailabilityZones", "DescribeKeyPairs", "DescribeImages"},
		"s3":         {"ListBuckets", "GetBucketLocation", "GetBucketPolicyStatus", "GetBucketAcl", "GetBucketVersioning", "GetBucketEncryption", "GetBucketPolicy", "GetBucketPublicAccessBlock", "GetBucketTagging", "GetBucketLogging", "GetBucketLifecycle", "GetBucketReplication", "GetBucketWebsite", "GetBucketCors", "GetAccountPublicAccessBlock", "GetBucketOwnershipControls", "GetBucketObjectLockConfiguration"},
		"iam":        {"ListUsers", "GetAccountSummary", "ListRoles", "ListPolicies", "GetUser", "ListAttachedUserPolicies", "ListGroupsForUser", "ListAccessKeys", "ListMFADevices", "GetLoginProfile", "ListUserPolicies", "GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "GetAccountPasswordPolicy", "ListAccountAliases"},
		"lambda":     {"ListFunctions20150331", "GetAccountSettings20160819", "GetFunction20150331v2", "GetPolicy20150331v2", "ListAliases20150331", "GetFunctionUrlConfig", "ListEventSourceMappings20150331"},
		"cloudwatch": {"DescribeAlarms", "GetMetricData", "ListDashboards", "DescribeLogGroups", "FilterLogEvents", "DescribeLogStreams"},
		"rds":        {"DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots", "DescribeDBSubnetGroups"},
		"cloudtrail": {"DescribeTrails", "GetTrailStatus", "GetEventSelectors", "LookupEvents", "ListTrails"},
		"secrets":    {"ListSecrets", "DescribeSecret", "GetResourcePolicy"},
		"billing":    {"GetCostAndUsage", "GetCostForecast", "DescribeEventAggregates"},
		"vpc":        {"DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeNatGateways", "DescribeInternetGateways", "DescribeVpcEndpoints", "DescribeNetworkAcls", "DescribeFlowLogs"},
		"kms":        {"ListKeys", "ListAliases", "DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy"},
		"ssm":        {"DescribeParameters", "DescribeInstanceInformation", "ListCommands"},
	}
	// scanReads is what a posture scanner (and a careful attacker) reads.
	scanReads = []string{
		"GetCallerIdentity", "ListUsers", "ListRoles", "ListPolicies", "GetAccountSummary", "GetAccountPasswordPolicy", "GenerateCredentialReport", "GetCredentialReport",
		"ListAccessKeys", "ListMFADevices", "ListAttachedUserPolicies", "ListAttachedRolePolicies", "ListRolePolicies", "GetRole", "ListVirtualMFADevices", "ListSAMLProviders", "ListOpenIDConnectProviders", "ListServerCertificates", "ListInstanceProfiles",
		"DescribeInstances", "DescribeSecurityGroups", "DescribeVpcs", "DescribeSubnets", "DescribeVolumes", "DescribeSnapshots", "DescribeImages", "DescribeFlowLogs", "DescribeNetworkAcls", "DescribeRouteTables", "DescribeVpcEndpoints", "DescribeAddresses", "DescribeRegions",
		"ListBuckets", "GetBucketPolicy", "GetBucketAcl", "GetBucketEncryption", "GetBucketVersioning", "GetBucketLogging", "GetBucketPublicAccessBlock", "GetAccountPublicAccessBlock", "GetBucketPolicyStatus", "GetBucketLocation",
		"ListFunctions20150331", "GetPolicy20150331v2", "ListSecrets", "GetResourcePolicy", "ListKeys", "GetKeyRotationStatus", "GetKeyPolicy",
		"DescribeTrails", "GetTrailStatus", "GetEventSelectors", "ListDetectors", "DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus", "DescribeHub", "ListAnalyzers",
		"DescribeDBInstances", "DescribeDBSnapshots", "DescribeDBClusters", "DescribeAlarms", "DescribeMetricFilters", "DescribeLogGroups", "ListTopics", "DescribeParameters", "DescribeLoadBalancers", "ListHostedZones", "ListTables", "ListClusters", "DescribeRepositories", "ListDistributions",
	}
	// planReads is what terraform plan refreshes for a typical stack.
	planReads = []string{
		"GetCallerIdentity", "DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeSecurityGroups", "DescribeNatGateways", "DescribeInternetGateways", "DescribeVpcEndpoints", "DescribeNetworkAcls",
		"DescribeInstances", "DescribeInstanceAttribute", "DescribeVolumes", "DescribeImages", "DescribeLaunchTemplates", "DescribeAutoScalingGroups", "DescribeLoadBalancers", "DescribeTargetGroups",
		"GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "ListInstanceProfilesForRole", "GetPolicy", "GetPolicyVersion", "GetUser", "ListAccessKeys",
		"GetBucketPolicy", "GetBucketAcl", "GetBucketVersioning", "GetBucketEncryption", "GetBucketLogging", "GetBucketTagging", "GetBucketLifecycle", "GetBucketReplication", "GetBucketCors", "GetBucketWebsite", "GetBucketPublicAccessBlock", "GetBucketRequestPayment", "GetAccelerateConfiguration", "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls", "GetBucketLocation",
		"GetFunction20150331v2", "ListVersionsByFunction20150331", "GetPolicy20150331v2", "ListTags20170331", "DescribeLogGroups", "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags", "DescribeSecret", "GetResourcePolicy", "DescribeTable", "DescribeAlarms", "ListHostedZones",
	}
)

func (w *World) detectorID(a *Account) string {
	// a detector id is 32 hex characters, stable per account
	h := uint64(0)
	for _, c := range a.ID {
		h = h*31 + uint64(c)
	}
	const hx = "0123456789abcdef"
	b := make([]byte, 32)
	for i := range b {
		h = h*6364136223846793005 + 1442695040888963407
		b[i] = hx[h>>60]
	}
	return string(b)
}
