// Package useragent classifies the userAgent strings CloudTrail records:
// which tool made a call (AWS CLI, an SDK and its language, the console,
// infrastructure-as-code, an AWS service) and whether it is offensive
// tooling. The family it returns ignores versions, so a baseline of a
// credential's tools is not broken by every CLI upgrade.
package useragent

import (
	"regexp"
	"strings"
)

// Kind is the class of a user agent.
type Kind string

// The kinds, from most to least specific.
const (
	Offensive  Kind = "offensive"   // attack tooling or a penetration-testing distribution
	Empty      Kind = "empty"       // no user agent at all
	IaC        Kind = "iac"         // Terraform, CloudFormation, Pulumi, CDK, …
	Console    Kind = "console"     // the AWS Management Console (browser or console backend)
	CLI        Kind = "aws-cli"     // the AWS CLI (v1 or v2)
	SDK        Kind = "sdk"         // an AWS SDK; Language says which
	AWSService Kind = "aws-service" // an AWS service acting on the account's behalf
	Other      Kind = "other"       // anything else: custom tooling, curl, …
)

// Class is what a user agent says about the caller.
type Class struct {
	Kind Kind `json:"kind"`
	// Name is the tool: "pacu", "kali", "terraform", "boto3", "aws-sdk-go-v2", "s3-console", …
	Name string `json:"name,omitempty"`
	// Language of an SDK (python, go, java, javascript, dotnet, ruby, php, rust, cpp, powershell).
	Language string `json:"language,omitempty"`
	// OS is the operating system family the string names (linux, darwin, windows), if any.
	OS string `json:"os,omitempty"`
}

// Family is a version-free key for baselines: kind/name[/os].
func (c Class) Family() string {
	f := string(c.Kind)
	if c.Name != "" {
		f += "/" + c.Name
	}
	if c.OS != "" {
		f += "/" + c.OS
	}
	return f
}

// auditing are the offensive-class tools security teams run on their own
// accounts every day (posture scanners and policy analysers), as opposed to
// exploitation frameworks and attack distributions.
var auditing = map[string]bool{"prowler": true, "scoutsuite": true, "cloudsplaining": true, "pmapper": true}

// Auditing reports whether an offensive-class tool is an auditing scanner:
// a defender's routine as often as an attacker's reconnaissance.
func (c Class) Auditing() bool { return c.Kind == Offensive && auditing[c.Name] }

// Label is a short human description: "AWS CLI (linux)", "SDK python (boto3)".
func (c Class) Label() string {
	var b strings.Builder
	switch c.Kind {
	case Offensive:
		b.WriteString("offensive tool " + c.Name)
	case Empty:
		return "empty user agent"
	case IaC:
		b.WriteString("IaC " + c.Name)
	case Console:
		b.WriteString("console")
		if c.Name != "" && c.Name != "browser" {
			b.WriteString(" " + c.Name)
		}
	case CLI:
		b.WriteString("AWS CLI")
	case SDK:
		b.WriteString("SDK " + c.Language)
		if c.Name != "" {
			b.WriteString(" (" + c.Name + ")")
		}
	case AWSService:
		b.WriteString("AWS service")
		if c.Name != "" {
			b.WriteString(" " + c.Name)
		}
	default:
		b.WriteString("other")
		if c.Name != "" {
			b.WriteString(" " + c.Name)
		}
	}
	if c.OS != "" {
		b.WriteString(" on " + c.OS)
	}
	return b.String()
}

// rule maps a pattern to a class name; the first match wins, so order matters.
type rule struct {
	re   *regexp.Regexp
	name string
}

func rules(pairs ...string) []rule {
	out := make([]rule, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, rule{regexp.MustCompile(`(?i)` + pairs[i]), pairs[i+1]})
	}
	return out
}

var serviceName = regexp.MustCompile(`(?i)^([a-z0-9-]+)\.amazonaws\.com$`)

// Classifier holds the compiled patterns; build one with New and share it.
type Classifier struct {
	offensive, iac, console, service, sdk []rule
	os                                    []rule
}

// New returns a Classifier.
func New() *Classifier {
	return &Classifier{
		// Tools first, then the distributions their strings embed.
		offensive: rules(
			`pacu`, "pacu", `scout ?suite`, "scoutsuite", `prowler`, "prowler", `cloudfox`, "cloudfox",
			`cloudsplaining`, "cloudsplaining", `pmapper|principalmapper`, "pmapper", `weirdaal`, "weirdaal",
			`stratus-red-team`, "stratus-red-team", `cloudgoat`, "cloudgoat", `awspx`, "awspx",
			`nimbostratus`, "nimbostratus", `enumerate-iam`, "enumerate-iam", `cloudbrute`, "cloudbrute",
			`trufflehog`, "trufflehog", `endgame`, "endgame", `grimoire`, "grimoire",
			`kali`, "kali", `parrot`, "parrot", `pentoo`, "pentoo", `blackarch`, "blackarch",
		),
		iac: rules(
			`terraform`, "terraform", `cloudformation`, "cloudformation", `pulumi`, "pulumi",
			`aws-cdk|\bcdk/|jsii-runtime`, "cdk", `crossplane`, "crossplane", `serverless/`, "serverless", `ansible`, "ansible",
		),
		console: rules(
			`s3console`, "s3-console", `ec2console`, "ec2-console",
			`rds console`, "rds-console", `awsconsole`, "console", `^console\.[a-z0-9.-]*amazonaws\.com$`, "console",
			`^signin\.amazonaws\.com$`, "signin", `mozilla/|applewebkit|gecko/|chrome/|safari/`, "browser",
		),
		service: rules(
			`^([a-z0-9-]+)\.amazonaws\.com$`, "", `^aws internal$|aws-internal`, "aws-internal", `^coral/`, "coral",
			`^awslambda-worker`, "lambda", `amazon-ssm-agent`, "ssm-agent",
		),
		sdk: rules(
			`boto3/`, "boto3", `botocore/`, "botocore", `aws-sdk-go-v2/`, "aws-sdk-go-v2", `aws-sdk-go/`, "aws-sdk-go",
			`aws-sdk-java/`, "aws-sdk-java", `aws-sdk-js/|aws-sdk-nodejs|lang/js|aws-sdk-js-v3`, "aws-sdk-js",
			`aws-sdk-dotnet|aws-dotnet-sdk`, "aws-sdk-dotnet", `aws-sdk-ruby`, "aws-sdk-ruby", `aws-sdk-php`, "aws-sdk-php",
			`aws-sdk-rust`, "aws-sdk-rust", `aws-sdk-cpp`, "aws-sdk-cpp", `awspowershell|aws-tools-for-powershell`, "aws-powershell",
			`ec2-api-tools`, "ec2-api-tools",
		),
		os: rules(
			`linux`, "linux", `darwin|mac os x|macintosh|macos`, "darwin", `windows`, "windows",
		),
	}
}

var languages = map[string]string{
	"boto3": "python", "botocore": "python", "aws-sdk-go-v2": "go", "aws-sdk-go": "go",
	"aws-sdk-java": "java", "aws-sdk-js": "javascript", "aws-sdk-dotnet": "dotnet",
	"aws-sdk-ruby": "ruby", "aws-sdk-php": "php", "aws-sdk-rust": "rust", "aws-sdk-cpp": "cpp",
	"aws-powershell": "powershell", "ec2-api-tools": "java",
}

func match(rs []rule, s string) (string, bool) {
	for _, r := range rs {
		if m := r.re.FindStringSubmatch(s); m != nil {
			if r.name == "" && len(m) > 1 {
				return m[1], true
			}
			return r.name, true
		}
	}
	return "", false
}

// Classify returns the class of a userAgent value. CloudTrail sometimes
// wraps the string in brackets ("[aws-cli/1.18 …]"); they are ignored.
func (c *Classifier) Classify(ua string) Class {
	s := strings.TrimSpace(ua)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if s == "" {
		return Class{Kind: Empty}
	}
	os, _ := match(c.os, s)
	if name, ok := match(c.offensive, s); ok {
		return Class{Kind: Offensive, Name: name, Language: sdkLanguage(c, s), OS: os}
	}
	// A bare service name ("cloudformation.amazonaws.com") is the service
	// calling for the identity, even when the service is also an IaC tool.
	// (The sign-in page is the console's front door, not a service.)
	if m := serviceName.FindStringSubmatch(s); m != nil && !strings.EqualFold(m[1], "signin") {
		return Class{Kind: AWSService, Name: strings.ToLower(m[1])}
	}
	// The CLI before IaC: its user agent names the command it ran
	// ("md/command#cloudformation.describe-stacks").
	if strings.HasPrefix(strings.ToLower(s), "aws-cli/") {
		return Class{Kind: CLI, Name: "aws-cli", Language: "python", OS: os}
	}
	if name, ok := match(c.iac, s); ok {
		return Class{Kind: IaC, Name: name}
	}
	if name, ok := match(c.console, s); ok {
		if name == "browser" {
			return Class{Kind: Console, Name: name, OS: os}
		}
		return Class{Kind: Console, Name: name}
	}
	if strings.HasPrefix(strings.ToLower(s), "aws-cli/") {
		return Class{Kind: CLI, Name: "aws-cli", Language: "python", OS: os}
	}
	if name, ok := match(c.service, s); ok {
		return Class{Kind: AWSService, Name: name}
	}
	if name, ok := match(c.sdk, s); ok {
		return Class{Kind: SDK, Name: name, Language: languages[name], OS: os}
	}
	return Class{Kind: Other, Name: firstToken(s), OS: os}
}

func sdkLanguage(c *Classifier, s string) string {
	if name, ok := match(c.sdk, s); ok {
		return languages[name]
	}
	if strings.HasPrefix(strings.ToLower(s), "aws-cli/") {
		return "python"
	}
	return ""
}

// firstToken names custom tooling by the product token before its version
// ("curl/8.1" → "curl"), short enough for a family key.
func firstToken(s string) string {
	tok := strings.ToLower(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '/' || r == ';' || r == '(' })[0])
	if len(tok) > 40 {
		tok = tok[:40]
	}
	return tok
}

// IsOffensive reports whether ua is offensive tooling.
func (c *Classifier) IsOffensive(ua string) bool {
	_, ok := match(c.offensive, ua)
	return ok
}

// OffensivePattern is one regular expression (RE2 syntax, case-insensitive)
// matching every offensive user agent, for SQL filters (DuckDB regexp_matches).
func (c *Classifier) OffensivePattern() string {
	parts := make([]string, len(c.offensive))
	for i, r := range c.offensive {
		parts[i] = strings.TrimPrefix(r.re.String(), "(?i)")
	}
	return "(?i)(" + strings.Join(parts, "|") + ")"
}
