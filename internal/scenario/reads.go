package scenario

// readCall builds a read-only call by name with parameters drawn from the
// account: the vocabulary of people browsing, tools planning, scanners
// scanning and attackers enumerating. The second result is a benign error
// code the call often gets (no policy on the bucket, …), "" for none.
func (w *World) readCall(a *Account, name string) (Call, string) {
	r := w.r
	anyBucket := func() *Bucket { return a.Buckets[r.IntN(len(a.Buckets))] }
	switch name {
	// STS, IAM
	case "GetCallerIdentity":
		return getCallerIdentity(), ""
	case "ListUsers", "ListRoles", "ListGroups", "ListPolicies", "GetAccountSummary", "GetAccountPasswordPolicy", "ListAccountAliases", "ListSAMLProviders", "ListOpenIDConnectProviders", "GetAccountAuthorizationDetails", "ListVirtualMFADevices", "GenerateCredentialReport", "GetCredentialReport", "ListServerCertificates", "ListInstanceProfiles":
		var req any
		if name == "ListPolicies" {
			req = M{"scope": "Local", "onlyAttached": false}
		}
		if name == "GetAccountAuthorizationDetails" {
			req = M{"filter": []string{"User", "Role", "Group", "LocalManagedPolicy"}}
		}
		err := ""
		if name == "GetAccountPasswordPolicy" && r.chance(0.5) {
			err = "NoSuchEntityException"
		}
		return iamCall(name, true, req), err
	case "GetUser", "ListAccessKeys", "ListAttachedUserPolicies", "ListUserPolicies", "ListMFADevices", "ListGroupsForUser", "GetLoginProfile", "ListSigningCertificates", "ListSSHPublicKeys":
		u := a.Users[r.IntN(len(a.Users))]
		err := ""
		if name == "GetLoginProfile" && !u.Console {
			err = "NoSuchEntityException"
		}
		return iamCall(name, true, M{"userName": u.Name}), err
	case "GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "ListInstanceProfilesForRole", "ListRoleTags":
		ro := a.Roles[r.IntN(len(a.Roles))]
		return iamCall(name, true, M{"roleName": ro.Name}), ""
	case "GetPolicy", "GetPolicyVersion", "ListEntitiesForPolicy":
		return iamCall(name, true, M{"policyArn": "arn:aws:iam::aws:policy/" + r.pick([]string{"ReadOnlyAccess", "AmazonS3FullAccess", "AdministratorAccess", "PowerUserAccess"})}), ""
	// EC2
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
		return ec2Call(name, req), ""
	case "DescribeRegions", "DescribeAvailabilityZones", "DescribeAccountAttributes":
		return ec2Call(name, M{"filterSet": M{}}), ""
	case "DescribeImages":
		return ec2Call(name, M{"executableBySet": M{}, "ownersSet": M{"items": []M{{"owner": "self"}}}, "imagesSet": M{}, "filterSet": M{}}), ""
	case "DescribeSnapshots":
		return ec2Call(name, M{"ownersSet": M{"items": []M{{"owner": "self"}}}, "filterSet": M{}, "snapshotSet": M{}}), ""
	case "DescribeInstanceAttribute":
		if len(a.Instances) == 0 {
			return w.readCall(a, "DescribeInstances")
		}
		return ec2Call(name, M{"instanceId": a.Instances[r.IntN(len(a.Instances))].ID, "attribute": r.pick([]string{"instanceType", "disableApiTermination", "userData"})}), ""
	case "GetConsoleOutput":
		if len(a.Instances) == 0 {
			return w.readCall(a, "DescribeInstances")
		}
		return ec2Call(name, M{"instanceId": a.Instances[r.IntN(len(a.Instances))].ID}), ""
	case "DescribeInstanceTypes":
		return ec2Call(name, M{"instanceTypeSet": M{}, "filterSet": M{}}), ""
	// S3
	case "ListBuckets":
		return listBuckets(a), ""
	case "GetBucketLocation", "GetBucketAcl", "GetBucketVersioning", "GetBucketLogging", "GetBucketPolicyStatus", "GetBucketOwnershipControls", "GetBucketNotification", "GetBucketRequestPayment", "GetAccelerateConfiguration":
		return bucketCall(a, name, anyBucket(), true, M{bucketArg(name): ""}), ""
	case "GetBucketPolicy":
		return bucketCall(a, name, anyBucket(), true, M{"policy": ""}), maybe(r, 0.6, "NoSuchBucketPolicy")
	case "GetBucketEncryption":
		return bucketCall(a, name, anyBucket(), true, M{"encryption": ""}), maybe(r, 0.2, "ServerSideEncryptionConfigurationNotFoundError")
	case "GetBucketLifecycle":
		return bucketCall(a, name, anyBucket(), true, M{"lifecycle": ""}), maybe(r, 0.7, "NoSuchLifecycleConfiguration")
	case "GetBucketTagging":
		return bucketCall(a, name, anyBucket(), true, M{"tagging": ""}), maybe(r, 0.5, "NoSuchTagSet")
	case "GetBucketReplication":
		return bucketCall(a, name, anyBucket(), true, M{"replication": ""}), maybe(r, 0.9, "ReplicationConfigurationNotFoundError")
	case "GetBucketWebsite":
		return bucketCall(a, name, anyBucket(), true, M{"website": ""}), maybe(r, 0.95, "NoSuchWebsiteConfiguration")
	case "GetBucketCors":
		return bucketCall(a, name, anyBucket(), true, M{"cors": ""}), maybe(r, 0.9, "NoSuchCORSConfiguration")
	case "GetBucketPublicAccessBlock":
		return bucketCall(a, name, anyBucket(), true, M{"publicAccessBlock": ""}), maybe(r, 0.1, "NoSuchPublicAccessBlockConfiguration")
	case "GetBucketObjectLockConfiguration":
		return bucketCall(a, name, anyBucket(), true, M{"object-lock": ""}), maybe(r, 0.9, "ObjectLockConfigurationNotFoundError")
	case "GetAccountPublicAccessBlock":
		return call("s3.amazonaws.com", name, true, M{"Host": a.ID + ".s3-control." + a.Region + ".amazonaws.com"}), ""
	// Lambda
	case "ListFunctions20150331", "ListEventSourceMappings20150331", "ListLayers20181031", "GetAccountSettings20160819":
		return call("lambda.amazonaws.com", name, true, nil), ""
	case "GetFunction20150331v2", "GetFunctionConfiguration20150331v2", "GetPolicy20150331v2", "ListVersionsByFunction20150331", "ListAliases20150331", "GetFunctionUrlConfig", "ListTags20170331":
		if len(a.Functions) == 0 {
			return call("lambda.amazonaws.com", "ListFunctions20150331", true, nil), ""
		}
		f := a.Functions[r.IntN(len(a.Functions))]
		err := ""
		if name == "GetPolicy20150331v2" || name == "GetFunctionUrlConfig" {
			err = maybe(r, 0.8, "ResourceNotFoundException")
		}
		return call("lambda.amazonaws.com", name, true, M{"functionName": f.Name}), err
	// Secrets, SSM, KMS
	case "ListSecrets":
		return call("secretsmanager.amazonaws.com", name, true, nil), ""
	case "DescribeSecret", "GetResourcePolicy":
		if len(a.Secrets) == 0 {
			return call("secretsmanager.amazonaws.com", "ListSecrets", true, nil), ""
		}
		return call("secretsmanager.amazonaws.com", name, true, M{"secretId": a.Secrets[r.IntN(len(a.Secrets))]}), ""
	case "DescribeParameters":
		return call("ssm.amazonaws.com", name, true, M{"maxResults": 50}), ""
	case "GetParameters", "GetParameter":
		if len(a.Params) == 0 {
			return call("ssm.amazonaws.com", "DescribeParameters", true, nil), ""
		}
		if name == "GetParameters" {
			return call("ssm.amazonaws.com", name, true, M{"names": []string{a.Params[r.IntN(len(a.Params))]}, "withDecryption": true}), ""
		}
		return getParameter(a.Params[r.IntN(len(a.Params))], r.chance(0.5)), ""
	case "DescribeInstanceInformation", "ListCommands", "DescribeSessions", "ListDocuments":
		return call("ssm.amazonaws.com", name, true, nil), ""
	case "ListKeys", "ListAliases":
		return call("kms.amazonaws.com", name, true, nil), ""
	case "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags":
		if len(a.KMSKeys) == 0 {
			return call("kms.amazonaws.com", "ListKeys", true, nil), ""
		}
		k := a.KMSKeys[r.IntN(len(a.KMSKeys))]
		return call("kms.amazonaws.com", name, true, M{"keyId": k}).res(Resource{AccountID: a.ID, Type: "AWS::KMS::Key", ARN: "arn:aws:kms:" + a.Region + ":" + a.ID + ":key/" + k}), ""
	// Logging and security services
	case "DescribeTrails", "ListTrails":
		return call("cloudtrail.amazonaws.com", name, true, M{"includeShadowTrails": true}), ""
	case "GetTrailStatus", "GetEventSelectors", "GetInsightSelectors", "GetTrail":
		err := ""
		if name == "GetInsightSelectors" {
			err = maybe(r, 0.9, "InsightNotEnabledException")
		}
		return call("cloudtrail.amazonaws.com", name, true, M{"name": "arn:aws:cloudtrail:" + a.Region + ":" + a.ID + ":trail/" + a.Trail}), err
	case "LookupEvents":
		return call("cloudtrail.amazonaws.com", name, true, M{"maxResults": 50}), ""
	case "ListDetectors":
		return call("guardduty.amazonaws.com", name, true, nil), ""
	case "GetDetector", "ListFindings", "GetFindingsStatistics":
		return call("guardduty.amazonaws.com", name, true, M{"detectorId": w.detectorID(a)}), ""
	case "DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus", "DescribeDeliveryChannels", "DescribeConfigRules", "DescribeComplianceByConfigRule":
		return call("config.amazonaws.com", name, true, nil), ""
	case "GetFindings", "DescribeHub", "GetEnabledStandards":
		return call("securityhub.amazonaws.com", name, true, nil), maybe(r, 0.3, "InvalidAccessException")
	case "ListAnalyzers":
		return call("access-analyzer.amazonaws.com", name, true, nil), ""
	case "DescribeOrganization", "ListAccounts", "ListPoliciesForTarget", "ListRoots", "DescribeAccount":
		err := ""
		if a.Kind != "identity" && name != "DescribeOrganization" {
			err = "AccessDeniedException"
		}
		return call("organizations.amazonaws.com", name, true, nil).global(), err
	// Others
	case "DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots", "DescribeDBSubnetGroups", "DescribeDBParameterGroups":
		return call("rds.amazonaws.com", name, true, nil), ""
	case "ListClusters", "DescribeClusters", "ListServices", "ListTaskDefinitions":
		return call("ecs.amazonaws.com", name, true, nil), ""
	case "DescribeRepositories", "GetAuthorizationToken":
		return call("ecr.amazonaws.com", name, true, nil), ""
	case "ListTables":
		return call("dynamodb.amazonaws.com", name, true, nil), ""
	case "DescribeTable":
		return call("dynamodb.amazonaws.com", name, true, M{"tableName": a.Alias + "-sessions"}), ""
	case "DescribeStacks", "ListStacks", "DescribeStackEvents":
		return call("cloudformation.amazonaws.com", name, true, nil), ""
	case "DescribeLogGroups", "DescribeMetricFilters", "DescribeSubscriptionFilters":
		return call("logs.amazonaws.com", name, true, nil), ""
	case "FilterLogEvents", "DescribeLogStreams":
		g := "/aws/lambda/" + a.Alias
		if len(a.Functions) > 0 {
			g = "/aws/lambda/" + a.Functions[r.IntN(len(a.Functions))].Name
		}
		return call("logs.amazonaws.com", name, true, M{"logGroupName": g}), ""
	case "DescribeAlarms", "GetMetricData", "ListMetrics", "ListDashboards":
		return call("monitoring.amazonaws.com", name, true, nil), ""
	case "DescribeLoadBalancers", "DescribeTargetGroups", "DescribeTargetHealth":
		return call("elasticloadbalancing.amazonaws.com", name, true, nil), ""
	case "ListHostedZones":
		return call("route53.amazonaws.com", name, true, nil).global(), ""
	case "ListTopics", "GetTopicAttributes":
		return call("sns.amazonaws.com", name, true, nil), ""
	case "ListQueues":
		return call("sqs.amazonaws.com", name, true, nil), ""
	case "GetCostAndUsage", "GetCostForecast":
		return call("ce.amazonaws.com", name, true, M{"granularity": "MONTHLY"}).global(), ""
	case "DescribeEventAggregates", "DescribeEvents":
		return call("health.amazonaws.com", name, true, nil).global(), ""
	case "GetSendQuota", "ListIdentities":
		return call("ses.amazonaws.com", name, true, nil), ""
	case "ListDistributions":
		return call("cloudfront.amazonaws.com", "ListDistributions2020_05_31", true, nil).global(), ""
	case "DescribeAutoScalingGroups":
		return call("autoscaling.amazonaws.com", name, true, nil), ""
	case "ListBackupPlans", "ListBackupVaults":
		return call("backup.amazonaws.com", name, true, nil), ""
	}
	panic("scenario: no read call " + name)
}

func bucketArg(name string) string {
	switch name {
	case "GetBucketLocation":
		return "location"
	case "GetBucketAcl":
		return "acl"
	case "GetBucketVersioning":
		return "versioning"
	case "GetBucketLogging":
		return "logging"
	case "GetBucketPolicyStatus":
		return "policyStatus"
	case "GetBucketOwnershipControls":
		return "ownershipControls"
	case "GetBucketNotification":
		return "notification"
	case "GetBucketRequestPayment":
		return "requestPayment"
	}
	return "accelerate"
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
