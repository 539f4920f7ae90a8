package attack

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func TestClassify(t *testing.T) {
	c := Default()
	tests := []struct {
		source, name      string
		tactic, technique string
		persist, removal  string
		data, evasion     string
	}{
		// sign-in and STS
		{"signin.amazonaws.com", "ConsoleLogin", "Initial Access", "T1078.004", "", "", "", ""},
		{"signin.amazonaws.com", "CheckMfa", "Initial Access", "T1078.004", "", "", "", ""},
		{"signin.amazonaws.com", "SwitchRole", "Lateral Movement", "T1550.001", "", "", "", ""},
		{"sts.amazonaws.com", "AssumeRole", "Lateral Movement", "T1550.001", "", "", "", ""},
		{"sts.amazonaws.com", "AssumeRoleWithWebIdentity", "Initial Access", "T1078.004", "", "", "", ""},
		{"sts.amazonaws.com", "AssumeRoleWithSAML", "Initial Access", "T1078.004", "", "", "", ""},
		{"sts.amazonaws.com", "GetCallerIdentity", "Discovery", "T1087.004", "", "", "", ""},
		{"sts.amazonaws.com", "GetFederationToken", "Persistence", "T1098.001", "Federation token", "", "", ""},
		{"sts.amazonaws.com", "GetSessionToken", "Defense Evasion", "T1550.001", "", "", "", ""},
		// IAM
		{"iam.amazonaws.com", "CreateUser", "Persistence", "T1136.003", "IAM user", "", "", ""},
		{"iam.amazonaws.com", "DeleteUser", "Impact", "T1531", "", "IAM user", "", ""},
		{"iam.amazonaws.com", "CreateAccessKey", "Persistence", "T1098.001", "IAM access key", "", "", ""},
		{"iam.amazonaws.com", "DeleteAccessKey", "Impact", "T1531", "", "IAM access key", "", ""},
		{"iam.amazonaws.com", "CreateLoginProfile", "Persistence", "T1098.001", "Login profile", "", "", ""},
		{"iam.amazonaws.com", "UpdateLoginProfile", "Persistence", "T1098.001", "Login profile", "", "", ""},
		{"iam.amazonaws.com", "DeleteLoginProfile", "Impact", "T1531", "", "Login profile", "", ""},
		{"iam.amazonaws.com", "EnableMFADevice", "Persistence", "T1098.005", "MFA device", "", "", ""},
		{"iam.amazonaws.com", "DeactivateMFADevice", "Defense Evasion", "T1556.006", "", "MFA device", "", "MFA device"},
		{"iam.amazonaws.com", "DeleteVirtualMFADevice", "Defense Evasion", "T1556.006", "", "MFA device", "", "MFA device"},
		{"iam.amazonaws.com", "CreateRole", "Persistence", "T1136.003", "IAM role", "", "", ""},
		{"iam.amazonaws.com", "DeleteRole", "Impact", "T1531", "", "IAM role", "", ""},
		{"iam.amazonaws.com", "UpdateAssumeRolePolicy", "Persistence", "T1098", "Role trust policy", "", "", ""},
		{"iam.amazonaws.com", "AttachUserPolicy", "Privilege Escalation", "T1098.003", "IAM policy attachment", "", "", ""},
		{"iam.amazonaws.com", "AttachRolePolicy", "Privilege Escalation", "T1098.003", "IAM policy attachment", "", "", ""},
		{"iam.amazonaws.com", "DetachUserPolicy", "Privilege Escalation", "T1098", "", "IAM policy attachment", "", ""},
		{"iam.amazonaws.com", "PutRolePolicy", "Privilege Escalation", "T1098.003", "Inline policy", "", "", ""},
		{"iam.amazonaws.com", "DeleteRolePolicy", "Privilege Escalation", "T1098", "", "Inline policy", "", ""},
		{"iam.amazonaws.com", "CreatePolicyVersion", "Privilege Escalation", "T1098.003", "IAM policy version", "", "", ""},
		{"iam.amazonaws.com", "AddUserToGroup", "Privilege Escalation", "T1098.003", "IAM group membership", "", "", ""},
		{"iam.amazonaws.com", "CreateSAMLProvider", "Privilege Escalation", "T1484.002", "SAML provider", "", "", ""},
		{"iam.amazonaws.com", "CreateOpenIDConnectProvider", "Privilege Escalation", "T1484.002", "OIDC provider", "", "", ""},
		{"iam.amazonaws.com", "ListUsers", "Discovery", "T1087.004", "", "", "", ""},
		{"iam.amazonaws.com", "ListAttachedRolePolicies", "Discovery", "T1069.003", "", "", "", ""},
		{"iam.amazonaws.com", "GetAccountPasswordPolicy", "Discovery", "T1201", "", "", "", ""},
		{"iam.amazonaws.com", "GetAccountAuthorizationDetails", "Discovery", "T1087.004", "", "", "", ""},
		// Identity Center, Roles Anywhere, Organizations
		{"sso.amazonaws.com", "CreateAccountAssignment", "Privilege Escalation", "T1098.003", "Identity Center", "", "", ""},
		{"sso.amazonaws.com", "GetRoleCredentials", "Lateral Movement", "T1550.001", "", "", "", ""},
		{"sso-directory.amazonaws.com", "CreateUser", "Persistence", "T1136.003", "Identity Center", "", "", ""},
		{"identitystore.amazonaws.com", "CreateGroupMembership", "Privilege Escalation", "T1098.003", "Identity Center", "", "", ""},
		{"rolesanywhere.amazonaws.com", "CreateTrustAnchor", "Privilege Escalation", "T1484.002", "Roles Anywhere trust anchor", "", "", ""},
		{"rolesanywhere.amazonaws.com", "DeleteProfile", "Privilege Escalation", "T1484.002", "", "Roles Anywhere profile", "", ""},
		{"organizations.amazonaws.com", "LeaveOrganization", "Defense Evasion", "T1666", "", "", "", "AWS Organizations membership"},
		{"account.amazonaws.com", "EnableRegion", "Defense Evasion", "T1535", "", "", "", ""},
		// S3
		{"s3.amazonaws.com", "ListBuckets", "Discovery", "T1619", "", "", "S3 bucket list", ""},
		{"s3.amazonaws.com", "ListObjectsV2", "Discovery", "T1619", "", "", "S3 bucket listing", ""},
		{"s3.amazonaws.com", "GetObject", "Collection", "T1530", "", "", "S3 object", ""},
		{"s3.amazonaws.com", "CopyObject", "Collection", "T1530", "", "", "S3 object", ""},
		{"s3.amazonaws.com", "DeleteBucket", "Impact", "T1485", "", "", "", ""},
		{"s3.amazonaws.com", "DeleteObjects", "Impact", "T1485", "", "", "", ""},
		{"s3.amazonaws.com", "PutBucketPolicy", "Exfiltration", "T1537", "Resource policy (S3)", "", "", ""},
		{"s3.amazonaws.com", "DeleteBucketPolicy", "Exfiltration", "T1537", "", "Resource policy (S3)", "", ""},
		{"s3.amazonaws.com", "PutBucketLogging", "Defense Evasion", "T1562.008", "", "", "", "S3 server access logging"},
		{"s3.amazonaws.com", "GetBucketAcl", "Discovery", "T1580", "", "", "", ""},
		// EC2 and EBS
		{"ec2.amazonaws.com", "RunInstances", "Defense Evasion", "T1578.002", "EC2 instance", "", "", ""},
		{"ec2.amazonaws.com", "TerminateInstances", "Defense Evasion", "T1578.003", "", "EC2 instance", "", ""},
		{"ec2.amazonaws.com", "CreateKeyPair", "Persistence", "T1098.004", "EC2 key pair", "", "", ""},
		{"ec2.amazonaws.com", "DeleteKeyPair", "Persistence", "T1098.004", "", "EC2 key pair", "", ""},
		{"ec2.amazonaws.com", "ModifyInstanceAttribute", "Execution", "T1651", "User data", "", "", ""},
		{"ec2.amazonaws.com", "GetPasswordData", "Credential Access", "T1552", "", "", "EC2 password data", ""},
		{"ec2.amazonaws.com", "DescribeInstanceAttribute", "Discovery", "T1580", "", "", "EC2 user data", ""},
		{"ec2.amazonaws.com", "ModifySnapshotAttribute", "Exfiltration", "T1537", "", "", "EBS snapshot", ""},
		{"ec2.amazonaws.com", "ModifyImageAttribute", "Exfiltration", "T1537", "", "", "AMI", ""},
		{"ec2.amazonaws.com", "CreateSnapshot", "Defense Evasion", "T1578.001", "", "", "", ""},
		{"ec2.amazonaws.com", "DeleteSnapshot", "Impact", "T1490", "", "", "", ""},
		{"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", "Defense Evasion", "T1562.007", "Security group rule", "", "", "Security group rule"},
		{"ec2.amazonaws.com", "RevokeSecurityGroupIngress", "Defense Evasion", "T1562.007", "", "Security group rule", "", ""},
		{"ec2.amazonaws.com", "DeleteFlowLogs", "Defense Evasion", "T1562.008", "", "", "", "VPC flow logs"},
		{"ec2.amazonaws.com", "DescribeInstances", "Discovery", "T1580", "", "", "", ""},
		{"ebs.amazonaws.com", "GetSnapshotBlock", "Collection", "T1530", "", "", "EBS snapshot", ""},
		{"ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", "Lateral Movement", "T1021.004", "", "", "", ""},
		// Lambda (suffixed names)
		{"lambda.amazonaws.com", "CreateFunction20150331", "Persistence", "T1546", "Lambda function", "", "", ""},
		{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "Persistence", "T1546", "Lambda function", "", "", ""},
		{"lambda.amazonaws.com", "AddPermission20150331v2", "Persistence", "T1546", "Lambda permission", "", "", ""},
		{"lambda.amazonaws.com", "DeleteFunction20150331", "Persistence", "T1546", "", "Lambda function", "", ""},
		{"lambda.amazonaws.com", "DeleteFunction", "Persistence", "T1546", "", "Lambda function", "", ""},
		{"lambda.amazonaws.com", "PublishLayerVersion20181031", "Persistence", "T1546", "Lambda layer", "", "", ""},
		{"lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", "Persistence", "T1546", "Lambda function URL", "", "", ""},
		{"lambda.amazonaws.com", "Invoke", "Execution", "T1648", "", "", "", ""},
		{"lambda.amazonaws.com", "GetFunction20150331v2", "Discovery", "T1580", "", "", "", ""},
		// SSM, Secrets Manager, KMS
		{"ssm.amazonaws.com", "SendCommand", "Execution", "T1651", "", "", "", ""},
		{"ssm.amazonaws.com", "StartSession", "Execution", "T1651", "", "", "", ""},
		{"ssm.amazonaws.com", "GetParameters", "Credential Access", "T1555.006", "", "", "SSM parameter", ""},
		{"ssm.amazonaws.com", "GetParametersByPath", "Credential Access", "T1555.006", "", "", "SSM parameter", ""},
		{"ssm.amazonaws.com", "CreateDocument", "Execution", "T1651", "SSM document", "", "", ""},
		{"secretsmanager.amazonaws.com", "GetSecretValue", "Credential Access", "T1555.006", "", "", "Secrets Manager secret", ""},
		{"secretsmanager.amazonaws.com", "BatchGetSecretValue", "Credential Access", "T1555.006", "", "", "Secrets Manager secret", ""},
		{"kms.amazonaws.com", "ScheduleKeyDeletion", "Impact", "T1485", "", "", "", ""},
		{"kms.amazonaws.com", "PutKeyPolicy", "Persistence", "T1098", "Resource policy (KMS)", "", "", ""},
		{"kms.amazonaws.com", "Decrypt", "", "", "", "", "KMS decrypt", ""},
		// logging and security services
		{"cloudtrail.amazonaws.com", "StopLogging", "Defense Evasion", "T1562.008", "", "", "", "CloudTrail trail"},
		{"cloudtrail.amazonaws.com", "DeleteTrail", "Defense Evasion", "T1562.008", "", "", "", "CloudTrail trail"},
		{"cloudtrail.amazonaws.com", "PutEventSelectors", "Defense Evasion", "T1562.008", "", "", "", "CloudTrail event selectors"},
		{"cloudtrail.amazonaws.com", "DeleteEventDataStore", "Defense Evasion", "T1562.008", "", "", "", "CloudTrail Lake event data store"},
		{"cloudtrail.amazonaws.com", "LookupEvents", "Discovery", "T1654", "", "", "", ""},
		{"cloudtrail.amazonaws.com", "DescribeTrails", "Discovery", "T1518.001", "", "", "", ""},
		{"guardduty.amazonaws.com", "DeleteDetector", "Defense Evasion", "T1562.001", "", "", "", "GuardDuty detector"},
		{"guardduty.amazonaws.com", "CreateFilter", "Defense Evasion", "T1562.001", "", "", "", "GuardDuty filter"},
		{"guardduty.amazonaws.com", "ListDetectors", "Discovery", "T1518.001", "", "", "", ""},
		{"securityhub.amazonaws.com", "DisableSecurityHub", "Defense Evasion", "T1562.001", "", "", "", "Security Hub"},
		{"securityhub.amazonaws.com", "BatchDisableStandards", "Defense Evasion", "T1562.001", "", "", "", "Security Hub standards"},
		{"config.amazonaws.com", "StopConfigurationRecorder", "Defense Evasion", "T1562.001", "", "", "", "AWS Config recorder"},
		{"config.amazonaws.com", "DeleteDeliveryChannel", "Defense Evasion", "T1562.001", "", "", "", "AWS Config delivery channel"},
		{"access-analyzer.amazonaws.com", "DeleteAnalyzer", "Defense Evasion", "T1562.001", "", "", "", "IAM Access Analyzer"},
		{"logs.amazonaws.com", "DeleteLogGroup", "Defense Evasion", "T1562.008", "", "", "", "CloudWatch log group"},
		{"logs.amazonaws.com", "PutRetentionPolicy", "Defense Evasion", "T1562.008", "", "", "", "CloudWatch log retention"},
		{"logs.amazonaws.com", "FilterLogEvents", "Discovery", "T1654", "", "", "CloudWatch Logs", ""},
		{"monitoring.amazonaws.com", "DeleteAlarms", "Defense Evasion", "T1562.001", "", "", "", "CloudWatch alarm"},
		{"route53resolver.amazonaws.com", "DeleteResolverQueryLogConfig", "Defense Evasion", "T1562.008", "", "", "", "Route 53 resolver query log"},
		{"macie2.amazonaws.com", "DisableMacie", "Defense Evasion", "T1562.001", "", "", "", "Macie"},
		// databases, containers, messaging, AI
		{"rds.amazonaws.com", "ModifyDBSnapshotAttribute", "Exfiltration", "T1537", "", "", "RDS snapshot", ""},
		{"rds.amazonaws.com", "RestoreDBInstanceFromDBSnapshot", "Defense Evasion", "T1578.002", "", "", "RDS snapshot", ""},
		{"rds.amazonaws.com", "DeleteDBSnapshot", "Impact", "T1490", "", "", "", ""},
		{"dynamodb.amazonaws.com", "Scan", "Collection", "T1530", "", "", "DynamoDB", ""},
		{"dynamodb.amazonaws.com", "ExportTableToPointInTime", "Exfiltration", "T1537", "", "", "DynamoDB", ""},
		{"ecr.amazonaws.com", "BatchGetImage", "Collection", "T1530", "", "", "ECR image", ""},
		{"ecr.amazonaws.com", "SetRepositoryPolicy", "Exfiltration", "T1537", "Resource policy (ECR)", "", "", ""},
		{"ecr.amazonaws.com", "ListImages", "Discovery", "T1613", "", "", "", ""},
		{"ecs.amazonaws.com", "ExecuteCommand", "Execution", "T1609", "", "", "", ""},
		{"eks.amazonaws.com", "CreateAccessEntry", "Privilege Escalation", "T1098.003", "EKS access entry", "", "", ""},
		{"sns.amazonaws.com", "AddPermission", "Exfiltration", "T1537", "Resource policy (SNS)", "", "", ""},
		{"sqs.amazonaws.com", "SetQueueAttributes", "Exfiltration", "T1537", "Resource policy (SQS)", "", "", ""},
		{"ses.amazonaws.com", "SendRawEmail", "Impact", "T1496.004", "", "", "", ""},
		{"bedrock.amazonaws.com", "InvokeModel", "Impact", "T1496.004", "", "", "Bedrock model", ""},
		{"events.amazonaws.com", "PutRule", "Persistence", "T1546", "EventBridge rule", "", "", ""},
		{"events.amazonaws.com", "PutTargets", "Persistence", "T1546", "EventBridge target", "", "", ""},
		{"cloudformation.amazonaws.com", "CreateStack", "Execution", "T1059.009", "CloudFormation stack", "", "", ""},
		// fallbacks
		{"iam.amazonaws.com", "ListSTSRegionalEndpointsStatus", "Discovery", "T1087.004", "", "", "", ""},
		{"iam.amazonaws.com", "PutSomethingNew", "Persistence", "T1098", "", "", "", ""},
		{"ec2.amazonaws.com", "DescribeCapacityReservations", "Discovery", "T1580", "", "", "", ""},
		{"ce.amazonaws.com", "GetCostAndUsage", "Discovery", "T1526", "", "", "", ""},
		{"guardduty.amazonaws.com", "GetMemberDetectors", "Discovery", "T1518.001", "", "", "", ""},
		{"brandnew.amazonaws.com", "DescribeWidgets", "Discovery", "T1526", "", "", "", ""},
		{"ec2.amazonaws.com", "CreateCapacityReservation", "", "", "", "", "", ""},
		{"brandnew.amazonaws.com", "FrobnicateWidget", "", "", "", "", "", ""},
		// unknown service: by name when every service agrees
		{"", "StopLogging", "Defense Evasion", "T1562.008", "", "", "", "CloudTrail trail"},
		{"", "GetSecretValue", "Credential Access", "T1555.006", "", "", "Secrets Manager secret", ""},
		{"", "CreateUser", "Persistence", "T1136.003", "", "", "", ""},
		{"", "AddPermission", "", "", "", "", "", ""},
		{"", "ListTags", "Discovery", "T1526", "", "", "", ""},
		{"", "DeleteFunction20150331", "Persistence", "T1546", "", "Lambda function", "", ""},
	}
	if len(tests) < 60 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tt := range tests {
		got := c.Classify(tt.source, tt.name)
		if got.Tactic != tt.tactic || got.TechniqueID != tt.technique {
			t.Errorf("Classify(%q, %q) = %q %q, want %q %q", tt.source, tt.name, got.Tactic, got.TechniqueID, tt.tactic, tt.technique)
		}
		if tt.tactic != "" {
			if got.TacticID == "" || !strings.HasPrefix(got.Technique, tt.technique+" ") {
				t.Errorf("Classify(%q, %q) = %+v: incomplete", tt.source, tt.name, got)
			}
		} else if got != (Technique{}) {
			t.Errorf("Classify(%q, %q) = %+v, want zero", tt.source, tt.name, got)
		}
		for _, k := range []struct {
			what string
			fn   func(string, string) (string, bool)
			want string
		}{
			{"Persistence", c.Persistence, tt.persist},
			{"Removal", c.Removal, tt.removal},
			{"DataAccess", c.DataAccess, tt.data},
			{"DefenseEvasion", c.DefenseEvasion, tt.evasion},
		} {
			got, ok := k.fn(tt.source, tt.name)
			if got != k.want || ok != (k.want != "") {
				t.Errorf("%s(%q, %q) = %q, %v; want %q", k.what, tt.source, tt.name, got, ok, k.want)
			}
		}
	}
}

func TestTechniqueFields(t *testing.T) {
	c := Default()
	got := c.Classify("ec2.amazonaws.com", "DescribeInstances")
	want := Technique{Tactic: "Discovery", TacticID: "TA0007", Technique: "T1580 Cloud Infrastructure Discovery", TechniqueID: "T1580"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	got = c.Classify("iam.amazonaws.com", "CreateAccessKey")
	want = Technique{Tactic: "Persistence", TacticID: "TA0003", Technique: "T1098.001 Account Manipulation: Additional Cloud Credentials", TechniqueID: "T1098.001"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if n := c.Note("ssm.amazonaws.com", "PutInventory"); n == "" || !c.Benign("ssm.amazonaws.com", "PutInventory") {
		t.Errorf("PutInventory: benign %v, note %q", c.Benign("ssm.amazonaws.com", "PutInventory"), n)
	}
	if c.Benign("iam.amazonaws.com", "CreateUser") || c.Benign("x", "Nope") {
		t.Error("Benign true for a classified or unknown call")
	}
}

func TestNormalizeEventName(t *testing.T) {
	for in, want := range map[string]string{
		"CreateFunction20150331":                "CreateFunction",
		"UpdateFunctionCode20150331v2":          "UpdateFunctionCode",
		"AddPermission20150331v2":               "AddPermission",
		"GetFunction20150331v2":                 "GetFunction",
		"PublishLayerVersion20181031":           "PublishLayerVersion",
		"CreateFunctionUrlConfig20211031":       "CreateFunctionUrlConfig",
		"ListVersionsByFunction20150331":        "ListVersionsByFunction",
		"UpdateFunctionConfiguration20150331v2": "UpdateFunctionConfiguration",
		"GetObject":                             "GetObject",
		"ListObjectsV2":                         "ListObjectsV2",
		"Invoke":                                "Invoke",
		"20150331":                              "20150331",
		"X19990101":                             "X19990101",
		"Foo120150331":                          "Foo120150331",
		"Foo20150331v":                          "Foo20150331v",
		"":                                      "",
	} {
		if got := NormalizeEventName(in); got != want {
			t.Errorf("NormalizeEventName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsEnumeration(t *testing.T) {
	c := Default()
	for name, want := range map[string]bool{
		"ListUsers": true, "DescribeInstances": true, "GetCallerIdentity": true,
		"GetBucketPolicy": true, "LookupEvents": true, "SearchInsights": true,
		"BatchGetAccountStatus": true, "ListBuckets": true, "ListObjectsV2": true,
		"GetFunction20150331v2": true, "SimulatePrincipalPolicy": true,
		"GenerateCredentialReport": true, "DescribeInstanceAttribute": true,
		"GetObject": false, "GetSecretValue": false, "BatchGetSecretValue": false,
		"GetParameter": false, "GetParameters": false, "GetPasswordData": false,
		"BatchGetImage": false, "GetDownloadUrlForLayer": false, "GetSessionToken": false,
		"GetFederationToken": false, "GetRoleCredentials": false, "GetSnapshotBlock": false,
		"ListSnapshotBlocks": false, "CreateUser": false, "ConsoleLogin": false,
		"Listen": false, "Getaway": false,
	} {
		if got := c.IsEnumeration(name); got != want {
			t.Errorf("IsEnumeration(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestIsWrite(t *testing.T) {
	c := Default()
	yes, no := true, false
	for _, tt := range []struct {
		name     string
		readOnly *bool
		want     bool
	}{
		{"CreateUser", nil, true},
		{"PutBucketPolicy", nil, true},
		{"AuthorizeSecurityGroupIngress", nil, true},
		{"BatchDeleteImage", nil, true},
		{"BatchGetImage", nil, false},
		{"AddPermission20150331v2", nil, true},
		{"TagResource", nil, true},
		{"StopLogging", nil, true},
		{"RunInstances", nil, true},
		{"DescribeInstances", nil, false},
		{"GetObject", nil, false},
		{"ConsoleLogin", nil, false},
		{"Address", nil, false},
		{"DescribeInstances", &no, true}, // readOnly wins
		{"CreateUser", &yes, false},
	} {
		if got := c.IsWrite(tt.name, tt.readOnly); got != tt.want {
			t.Errorf("IsWrite(%q, %v) = %v, want %v", tt.name, tt.readOnly, got, tt.want)
		}
	}
}

// TestCatalogShape checks the tables as a whole and logs the counts.
func TestCatalogShape(t *testing.T) {
	c := Default()
	names := map[string]bool{}
	byTactic := map[string]map[string]bool{}
	persist, removal := map[string]bool{}, map[string]bool{}
	services := map[string]bool{}
	benign := 0
	for _, e := range c.rows {
		names[e.name] = true
		services[e.service] = true
		if e.benign {
			benign++
		} else {
			if byTactic[e.tech.Tactic] == nil {
				byTactic[e.tech.Tactic] = map[string]bool{}
			}
			byTactic[e.tech.Tactic][e.service+" "+e.name] = true
		}
		if k := e.kinds[catPersistence]; k != "" {
			persist[k] = true
		}
		if k := e.kinds[catRemoval]; k != "" {
			removal[k] = true
		}
	}
	if len(names) < 300 {
		t.Errorf("the catalog names %d distinct events, want at least 300", len(names))
	}
	for k := range removal {
		if !persist[k] {
			t.Errorf("removal kind %q is no persistence kind", k)
		}
	}
	for _, svc := range []string{"iam", "sts", "s3", "ec2", "lambda", "kms", "secretsmanager", "ssm",
		"cloudtrail", "guardduty", "securityhub", "config", "access-analyzer", "organizations",
		"monitoring", "logs", "rds", "ecr", "ecs", "eks", "ses", "sns", "sqs", "dynamodb", "bedrock",
		"sso", "sso-directory", "identitystore", "rolesanywhere", "route53", "route53resolver",
		"cloudformation", "signin"} {
		if !services[svc] {
			t.Errorf("no rows for service %s", svc)
		}
	}
	t.Logf("%d rows (service, event) for %d distinct event names in %d services; %d routine (no technique)",
		len(c.rows), len(names), len(services), benign)
	for _, tac := range Tactics() {
		t.Logf("  %-20s %d", tac, len(byTactic[tac]))
	}
	kinds := make([]string, 0, len(persist))
	for k := range persist {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("persistence kinds: %s", strings.Join(kinds, "; "))
}

func TestParseRejects(t *testing.T) {
	techs := "T1098\tpersistence,privilege-escalation\tAccount Manipulation\n"
	for name, row := range map[string]string{
		"unknown tactic":     "iam\tCreateUser\tpersist\tT1098\t-\n",
		"unknown technique":  "iam\tCreateUser\tpersistence\tT1136.003\t-\n",
		"tactic mismatch":    "iam\tCreateUser\tdiscovery\tT1098\t-\n",
		"half routine":       "iam\tCreateUser\t-\tT1098\t-\n",
		"routine no note":    "iam\tCreateUser\t-\t-\t-\n",
		"bad kind":           "iam\tCreateUser\tpersistence\tT1098\tpersist=IAM user\n",
		"duplicate":          "iam\tCreateUser\tpersistence\tT1098\t-\niam\tCreateUser\tpersistence\tT1098\t-\n",
		"suffixed name":      "lambda\tCreateFunction20150331\tpersistence\tT1098\t-\n",
		"columns":            "iam\tCreateUser\tpersistence\n",
		"global exact":       "*\tCreateUser\tpersistence\tT1098\t-\n",
		"prefix with a kind": "iam\tCreate*\tpersistence\tT1098\tpersistence=IAM user\n",
	} {
		fsys := fstest.MapFS{
			"techniques.tsv": {Data: []byte(techs)},
			"catalog/x.tsv":  {Data: []byte(row)},
			"matrix.tsv":     {Data: []byte("persistence\tT1098\n")},
		}
		if _, err := parse(fsys); err == nil {
			t.Errorf("%s: parse accepted %q", name, row)
		}
	}
	for name, row := range map[string]string{
		"unknown tactic":    "persist\tT1098\n",
		"unknown technique": "persistence\tT1136.003\n",
		"tactic mismatch":   "discovery\tT1098\n",
		"duplicate":         "persistence\tT1098\npersistence\tT1098\n",
		"columns":           "persistence\n",
	} {
		fsys := fstest.MapFS{
			"techniques.tsv": {Data: []byte(techs)},
			"catalog/x.tsv":  {Data: []byte("iam\tCreateUser\tpersistence\tT1098\t-\n")},
			"matrix.tsv":     {Data: []byte(row)},
		}
		if _, err := parse(fsys); err == nil {
			t.Errorf("matrix %s: parse accepted %q", name, row)
		}
	}
	fsys := fstest.MapFS{
		"techniques.tsv": {Data: []byte(techs)},
		"catalog/x.tsv":  {Data: []byte("# comment\n\niam,sso\tCreateUser,CreateRole\tpersistence\tT1098\tpersistence=Identity\tnote\n")},
		"matrix.tsv":     {Data: []byte("privilege-escalation\tT1098\npersistence\tT1098\n")},
	}
	c, err := parse(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := c.Persistence("sso.amazonaws.com", "CreateRole"); k != "Identity" || len(c.rows) != 4 {
		t.Errorf("lists in columns: kind %q, %d rows", k, len(c.rows))
	}
	if m := c.CloudMatrix(); len(m) != 2 || m[0].Tactic != "persistence" || m[1].TacticID != "TA0004" ||
		m[0].Technique.Name != "Account Manipulation" || strings.Join(m[0].Technique.Tactics, ",") != "persistence,privilege-escalation" {
		t.Errorf("matrix in ATT&CK order with names and tactics: %+v", m)
	}
}

// TestCloudMatrix checks the embedded matrix: every tactic has cells, and
// each cell's technique is known under that tactic.
func TestCloudMatrix(t *testing.T) {
	c := Default()
	per := map[string]int{}
	for _, e := range c.CloudMatrix() {
		per[e.Tactic]++
		info, ok := c.Technique(e.Technique.ID)
		if !ok || info.Name == "" || !slices.Contains(info.Tactics, e.Tactic) {
			t.Errorf("%s under %s: %+v", e.Technique.ID, e.Tactic, info)
		}
	}
	for _, tac := range TacticShortNames() {
		if per[tac] == 0 {
			t.Errorf("no matrix cell under %s", tac)
		}
	}
	if info, ok := c.Technique("t1552.005"); !ok || info.Name != "Unsecured Credentials: Cloud Instance Metadata API" {
		t.Errorf("Technique(t1552.005) = %+v, %v", info, ok)
	}
	if _, ok := c.Technique("T9999"); ok {
		t.Error("Technique(T9999) found")
	}
}

func BenchmarkClassify(b *testing.B) {
	c := Default()
	calls := [][2]string{
		{"iam.amazonaws.com", "CreateUser"},
		{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2"},
		{"ec2.amazonaws.com", "DescribeCapacityReservations"},
		{"kms.amazonaws.com", "Decrypt"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		cl := calls[i%len(calls)]
		_ = c.Classify(cl[0], cl[1])
	}
}
