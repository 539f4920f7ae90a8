package scenario

import (
	"fmt"
	"strings"
)

// Tool is a client as CloudTrail's userAgent shows it. The AWS CLI names
// the command it runs, so one tool writes many strings; UA gives the
// string for one call (service and operation in the CLI's spelling).
type Tool struct {
	Name string // a label for truth files and tables
	ua   func(service, op string) string
}

// UA is the userAgent of one call.
func (t Tool) UA(service, op string) string { return t.ua(service, op) }

func staticTool(name, ua string) Tool {
	return Tool{Name: name, ua: func(string, string) string { return ua }}
}

// cliCommand is the CLI's spelling of an operation: s3api get-object, …
func cliCommand(service, op string) string {
	for _, v := range []string{"20150331v2", "20150331", "20170331", "20160819", "20181031"} {
		op = strings.TrimSuffix(op, v)
	}
	switch service {
	case "s3":
		service = "s3api"
	case "monitoring":
		service = "cloudwatch"
	}
	var b strings.Builder
	for i, c := range op {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c + 'a' - 'A')
		} else {
			b.WriteRune(c)
		}
	}
	return service + "." + b.String()
}

// awsCLI2 is AWS CLI v2 in the user-agent format of 2.22 and later.
func awsCLI2(version, crt, osName, osVer, arch, python, installer, distrib string) Tool {
	return Tool{Name: "aws-cli/" + version + " " + osName, ua: func(service, op string) string {
		s := fmt.Sprintf("aws-cli/%s md/awscrt#%s ua/2.1 os/%s#%s md/arch#%s lang/python#%s md/pyimpl#CPython cfg/retry-mode#standard md/installer#%s",
			version, crt, osName, osVer, arch, python, installer)
		if distrib != "" {
			s += " md/distrib#" + distrib
		}
		return s + " md/prompt#off md/command#" + cliCommand(service, op)
	}}
}

// awsCLI2Old is AWS CLI v2 in the format used before 2.22 (2021–2024 logs).
func awsCLI2Old(version, python, osPart, exe string) Tool {
	return Tool{Name: "aws-cli/" + version + " " + osPart, ua: func(service, op string) string {
		return fmt.Sprintf("aws-cli/%s Python/%s %s %s prompt/off command/%s", version, python, osPart, exe, cliCommand(service, op))
	}}
}

func boto3(version, botocore, osName, osVer, python, extra string) Tool {
	ua := fmt.Sprintf("Boto3/%s md/Botocore#%s ua/2.0 os/%s#%s md/arch#x86_64 lang/python#%s md/pyimpl#CPython %scfg/retry-mode#legacy Botocore/%s",
		version, botocore, osName, osVer, python, extra, botocore)
	return staticTool("boto3/"+version+" "+osName, ua)
}

func goSDKv2(version, goVer, goos, app string) Tool {
	return Tool{Name: "aws-sdk-go-v2/" + version, ua: func(service, op string) string {
		s := fmt.Sprintf("aws-sdk-go-v2/%s ua/2.1 os/%s lang/go#%s md/GOOS#%s md/GOARCH#amd64 api/%s#1.%d.0", version, goos, goVer, goos, service, 20+len(service)*7)
		if app != "" {
			s += " app/" + app
		}
		return s
	}}
}

func terraform(tf, provider, sdk, goos, arch string) Tool {
	return Tool{Name: "terraform/" + tf + " " + goos, ua: func(service, op string) string {
		return fmt.Sprintf("APN/1.0 HashiCorp/1.0 Terraform/%s (+https://www.terraform.io) terraform-provider-aws/%s (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/%s ua/2.1 os/%s lang/go#1.22.6 md/GOOS#%s md/GOARCH#%s api/%s#1.%d.2",
			tf, provider, sdk, goos, goos, arch, service, 40+len(op))
	}}
}

var (
	chromeMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	chromeWin      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	edgeWin        = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"
	firefoxLin     = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	safariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"
	chromeOld      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36"
	firefoxOld     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:89.0) Gecko/20100101 Firefox/89.0"
	s3ConsoleUA    = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.219-186.866.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.412-b09 java/1.8.0_412 vendor/Oracle_Corporation cfg/retry-mode/standard]"
	lambdaPyUA     = "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.224-233.880.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.145"
	lambdaNodeUA   = "aws-sdk-js/3.666.0 ua/2.1 os/linux#5.10.226-237.887.amzn2.x86_64 lang/js md/nodejs#20.17.0 exec-env/AWS_Lambda_nodejs20.x api/dynamodb#3.666.0"
	javaAppUA      = "aws-sdk-java/2.28.16 Linux/6.1.112-122.189.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_EC2 io/sync http/Apache cfg/retry-mode/legacy"
	ssmAgentUA     = "aws-sdk-go/1.55.5 (go1.22.7; linux; amd64) amazon-ssm-agent/3.3.987.0"
	ghActionUA     = "configure-aws-credentials-for-github-actions"
	rcloneUA       = "rclone/v1.68.1"
	lambdaWorkerUA = "awslambda-worker"
)

// Console user agents in logs written before sessionCredentialFromConsole
// existed (before 2022): the console's own front ends.
var legacyConsoleUAs = map[string]string{
	"ec2":            "console.ec2.amazonaws.com",
	"iam":            "console.amazonaws.com",
	"s3":             "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.1030 Linux/4.9.230-0.1.ac.223.84.332.metal1.x86_64 OpenJDK_64-Bit_Server_VM/25.302-b08 java/1.8.0_302 vendor/Oracle_Corporation cfg/retry-mode/standard]",
	"cloudtrail":     "console.amazonaws.com",
	"sts":            "signin.amazonaws.com",
	"organizations":  "console.amazonaws.com",
	"lambda":         "us-east-1.console.aws.amazon.com",
	"rds":            "us-east-1.console.aws.amazon.com",
	"cloudwatch":     "AWS Internal",
	"monitoring":     "AWS Internal",
	"health":         "AWS Internal",
	"ce":             "AWS Internal",
	"kms":            "AWS Internal",
	"config":         "AWS Internal",
	"servicecatalog": "AWS Internal",
	"notifications":  "AWS Internal",
}
