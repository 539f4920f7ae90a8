package attack

import "testing"

func TestResource(t *testing.T) {
	tests := []struct {
		source, name, params, resources, want string
	}{
		// S3, with and without parameters
		{"s3.amazonaws.com", "GetObject",
			`{"bucketName":"flaws2.cloud","key":"index.htm"}`,
			`[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::flaws2.cloud/index.htm"},{"accountId":"653711331788","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::flaws2.cloud"}]`,
			"s3://flaws2.cloud/index.htm"},
		{"s3.amazonaws.com", "GetObject", "",
			`[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::flaws2.cloud/index.htm"},{"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::flaws2.cloud"}]`,
			"s3://flaws2.cloud/index.htm"},
		{"s3.amazonaws.com", "ListObjects",
			`{"list-type":"2","bucketName":"level1.flaws2.cloud","encoding-type":"url","prefix":"","delimiter":"/"}`, "",
			"s3://level1.flaws2.cloud"},
		{"s3.amazonaws.com", "ListObjectsV2", `{"bucketName":"b","prefix":"logs/2024/"}`, "", "s3://b/logs/2024/"},
		{"s3.amazonaws.com", "PutBucketPolicy",
			`{"bucketPolicy":{"Version":"2012-10-17"},"bucketName":"stratus-red-team-ctes-bucket-qyxyekjbtk","Host":"x.s3.amazonaws.com","policy":""}`, "",
			"s3://stratus-red-team-ctes-bucket-qyxyekjbtk"},
		{"s3.amazonaws.com", "ListBuckets", `{"Host":"s3.amazonaws.com"}`, "", ""},
		// IAM
		{"iam.amazonaws.com", "CreateUser", `{"path":"/","userName":"stratus-red-team-nmfalu-gfjyeaypjt"}`, "", "iam user stratus-red-team-nmfalu-gfjyeaypjt"},
		{"iam.amazonaws.com", "CreateAccessKey", `{"userName":"malicious-iam-user"}`, "", "iam user malicious-iam-user"},
		{"iam.amazonaws.com", "CreateAccessKey", `{}`, "", ""},
		{"iam.amazonaws.com", "DeleteAccessKey", `{"accessKeyId":"AKIAEXAMPLE","userName":"bob"}`, "", "iam user bob, access key AKIAEXAMPLE"},
		{"iam.amazonaws.com", "AttachUserPolicy",
			`{"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess","userName":"malicious-iam-user"}`, "",
			"iam user malicious-iam-user, policy arn:aws:iam::aws:policy/AdministratorAccess"},
		{"iam.amazonaws.com", "AttachRolePolicy",
			`{"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess","roleName":"stratus-red-team-malicious-iam-role"}`, "",
			"iam role stratus-red-team-malicious-iam-role, policy arn:aws:iam::aws:policy/AdministratorAccess"},
		{"iam.amazonaws.com", "PutRolePolicy",
			`{"roleName":"r1","policyDocument":"{}","policyName":"inline-policy"}`, "",
			"iam role r1, inline policy inline-policy"},
		{"iam.amazonaws.com", "CreatePolicy", `{"policyName":"p","policyDocument":"{}"}`, "", "policy p"},
		{"iam.amazonaws.com", "CreateSAMLProvider", `{"name":"okta","sAMLMetadataDocument":"..."}`, "", "saml provider okta"},
		{"iam.amazonaws.com", "AddRoleToInstanceProfile", `{"instanceProfileName":"ip","roleName":"r"}`, "", "iam role r, instance profile ip"},
		// STS
		{"sts.amazonaws.com", "AssumeRole",
			`{"durationSeconds":900,"roleArn":"arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role","roleSessionName":"aws-go-sdk-1722375070115152000"}`,
			`[{"ARN":"arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role","accountId":"457448411975","type":"AWS::IAM::Role"}]`,
			"arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role"},
		{"sts.amazonaws.com", "GetFederationToken", `{"name":"stratus_red_team","policy":"{}"}`, "", "federated user stratus_red_team"},
		{"sts.amazonaws.com", "GetCallerIdentity", "", "", ""},
		// Lambda
		{"lambda.amazonaws.com", "CreateFunction20150331",
			`{"functionName":"stratus-red-team-backdoor-f-func","runtime":"nodejs18.x","role":"arn:aws:iam::123837392027:role/x","code":{"s3Bucket":"b","s3Key":"index.zip"}}`, "",
			"lambda stratus-red-team-backdoor-f-func"},
		{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2",
			`{"functionName":"arn:aws:lambda:us-east-1:123837392027:function:stratus-red-team-olc-func-xhfgzaowxc","publish":true}`, "",
			"lambda stratus-red-team-olc-func-xhfgzaowxc"},
		{"lambda.amazonaws.com", "Invoke",
			`{"functionName":"arn:aws:lambda:us-east-1:653711331788:function:level1","sourceArn":"arn:aws:execute-api:us-east-1:653711331788:2rfismmoo8/default/ANY/level1"}`, "",
			"lambda level1"},
		{"lambda.amazonaws.com", "PublishLayerVersion20181031", `{"layerName":"ext","content":{}}`, "", "lambda layer ext"},
		// Secrets Manager and SSM
		{"secretsmanager.amazonaws.com", "GetSecretValue",
			`{"secretId":"arn:aws:secretsmanager:us-east-1:903144391865:secret:stratus-red-team-retrieve-secret-18-4Rzn83"}`, "",
			"arn:aws:secretsmanager:us-east-1:903144391865:secret:stratus-red-team-retrieve-secret-18-4Rzn83"},
		{"secretsmanager.amazonaws.com", "BatchGetSecretValue", `{"filters":[{"key":"tag-key","values":["StratusRedTeam"]}]}`, "",
			"secrets filtered by tag-key=StratusRedTeam"},
		{"secretsmanager.amazonaws.com", "BatchGetSecretValue", `{"secretIdList":["a","b"]}`, "", "a, b"},
		{"ssm.amazonaws.com", "GetParameter", `{"name":"/credentials/stratus-red-team/credentials-6","withDecryption":true}`, "", "/credentials/stratus-red-team/credentials-6"},
		{"ssm.amazonaws.com", "GetParameters", `{"names":["/c/1","/c/2"],"withDecryption":true}`, "", "/c/1, /c/2"},
		{"ssm.amazonaws.com", "GetParameters", `{"names":["/c/1","/c/2","/c/3","/c/4","/c/5","/c/6","/c/7"]}`, "", "/c/1, /c/2, /c/3, /c/4, /c/5 (+2 more)"},
		{"ssm.amazonaws.com", "GetParametersByPath", `{"path":"/prod/","recursive":true}`, "", "/prod/"},
		{"ssm.amazonaws.com", "SendCommand",
			`{"documentName":"AWS-RunShellScript","instanceIds":["i-00456A8D163f546Ff","i-cfE23b1a7ceba6f86"],"interactive":false,"parameters":"HIDDEN_DUE_TO_SECURITY_REASONS"}`, "",
			"AWS-RunShellScript on i-00456A8D163f546Ff, i-cfE23b1a7ceba6f86"},
		{"ssm.amazonaws.com", "SendCommand", `{"documentName":"AWS-RunPowerShellScript","targets":[{"key":"tag:Env","values":["prod"]}]}`, "",
			"AWS-RunPowerShellScript on tag:Env=prod"},
		{"ssm.amazonaws.com", "StartSession", `{"target":"i-eA1d1296c1dE3Aa1f"}`, "", "i-eA1d1296c1dE3Aa1f"},
		// EC2
		{"ec2.amazonaws.com", "StopInstances", `{"force":true,"instancesSet":{"items":[{"instanceId":"i-DDd6c7B0e18F0E35f"}]}}`, "", "i-DDd6c7B0e18F0E35f"},
		{"ec2.amazonaws.com", "TerminateInstances", `{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}}`, "", "i-1, i-2"},
		{"ec2.amazonaws.com", "RunInstances", `{"instanceType":"p2.xlarge","instancesSet":{"items":[{"imageId":"ami-aCBbfd13bdb1d1E4b","maxCount":10,"minCount":1}]}}`, "", "ami-aCBbfd13bdb1d1E4b"},
		{"ec2.amazonaws.com", "CreateKeyPair", `{"keyName":"attacker","keyType":"rsa"}`, "", "key pair attacker"},
		{"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress",
			`{"groupId":"sg-04cfb7a4712d75b00","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}`, "",
			"sg-04cfb7a4712d75b00"},
		{"ec2.amazonaws.com", "GetPasswordData", `{"instanceId":"i-i2jnm5swa59p4fxg"}`, "", "i-i2jnm5swa59p4fxg"},
		{"ec2.amazonaws.com", "ModifySnapshotAttribute",
			`{"attributeType":"CREATE_VOLUME_PERMISSION","createVolumePermission":{"add":{"items":[{"userId":"098797384747"}]}},"snapshotId":"snap-041993b54a9b3af6f"}`, "",
			"snap-041993b54a9b3af6f"},
		{"ec2.amazonaws.com", "ModifyImageAttribute", `{"imageId":"ami-0aa1d83d0b0985c86","attributeType":"launchPermission"}`, "", "ami-0aa1d83d0b0985c86"},
		{"ec2.amazonaws.com", "DeleteFlowLogs", `{"DeleteFlowLogsRequest":{"FlowLogId":{"content":"fl-0e17aa62a21d4bbfe","tag":1}}}`, "", "fl-0e17aa62a21d4bbfe"},
		{"ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", `{"instanceId":"i-fDb357cB7e99ad973","instanceOSUser":"ec2-user","sSHPublicKey":"ssh-ed25519 AAAA"}`, "", "i-fDb357cB7e99ad973"},
		// other services
		{"kms.amazonaws.com", "ScheduleKeyDeletion", `{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab","pendingWindowInDays":7}`, "", "1234abcd-12ab-34cd-56ef-1234567890ab"},
		{"kms.amazonaws.com", "Decrypt", `{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`,
			`[{"accountId":"123837392027","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:123837392027:key/dad21b23"}]`,
			"arn:aws:kms:us-east-1:123837392027:key/dad21b23"},
		{"cloudtrail.amazonaws.com", "StopLogging", `{"name":"stratus-red-team-ct-stop-trail-buykxbqejv"}`, "", "stratus-red-team-ct-stop-trail-buykxbqejv"},
		{"cloudtrail.amazonaws.com", "PutEventSelectors", `{"trailName":"t","eventSelectors":[]}`, "", "t"},
		{"logs.amazonaws.com", "DeleteLogGroup", `{"logGroupName":"/stratus-red-team/vpc-flow-logs"}`, "", "/stratus-red-team/vpc-flow-logs"},
		{"rds.amazonaws.com", "ModifyDBSnapshotAttribute", `{"attributeName":"restore","dBSnapshotIdentifier":"exfiltration","valuesToAdd":["503161813013"]}`, "", "exfiltration"},
		{"route53resolver.amazonaws.com", "DeleteResolverQueryLogConfig", `{"resolverQueryLogConfigId":"rqlc-4473f20ca554c07"}`, "", "rqlc-4473f20ca554c07"},
		{"bedrock.amazonaws.com", "InvokeModel", `{"modelId":"anthropic.claude-3-sonnet-20240229-v1:0"}`, "", "anthropic.claude-3-sonnet-20240229-v1:0"},
		{"ecr.amazonaws.com", "BatchGetImage", `{"imageIds":[{"imageTag":"latest"}],"repositoryName":"level2","registryId":"653711331788"}`, "", "level2:latest"},
		{"rolesanywhere.amazonaws.com", "CreateTrustAnchor", `{"enabled":true,"name":"malicious-rolesanywhere-trust-anchor","source":{}}`, "", "malicious-rolesanywhere-trust-anchor"},
		{"guardduty.amazonaws.com", "DeleteDetector", `{"detectorId":"12abc34d567e8fa901bc2d34e56789f0"}`, "", "12abc34d567e8fa901bc2d34e56789f0"},
		{"organizations.amazonaws.com", "LeaveOrganization", "null", "", ""},
		{"newservice.amazonaws.com", "DoThing", `{}`, `[{"ARN":"arn:aws:x:::a"},{"ARN":"arn:aws:x:::a"},{"ARN":"arn:aws:x:::b"}]`, "arn:aws:x:::a, arn:aws:x:::b"},
		// damaged input
		{"s3.amazonaws.com", "GetObject", `{"bucketName":`, `[{`, ""},
		{"iam.amazonaws.com", "CreateUser", `["not an object"]`, "", ""},
	}
	for _, tt := range tests {
		if got := Resource(tt.source, tt.name, tt.params, tt.resources); got != tt.want {
			t.Errorf("Resource(%s, %s, %s) = %q, want %q", tt.source, tt.name, tt.params, got, tt.want)
		}
	}
}
