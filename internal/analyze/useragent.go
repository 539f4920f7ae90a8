package analyze

import (
	"net"
	"regexp"
	"strings"
)

// offensiveUA matches user agents of attack tooling and penetration-testing
// distributions (the OS string the AWS CLI and SDKs embed).
var offensiveUA = regexp.MustCompile(`(?i)(kali|parrot|pentoo|blackarch|pacu|scoutsuite|scout suite|prowler|cloudfox|cloudsplaining|pmapper|weirdaal|stratus-red-team|cloudgoat|endgame|awspx|nimbostratus|enumerate-iam|cloudbrute|trufflehog)`)

// isOffensive reports whether a user agent belongs to offensive tooling.
func isOffensive(ua string) bool { return offensiveUA.MatchString(ua) }

// isAddress reports whether a sourceIPAddress is a network address rather
// than an AWS service name ("lambda.amazonaws.com", "AWS Internal").
func isAddress(s string) bool { return net.ParseIP(s) != nil }

// isDenied reports whether an error code means the call was refused.
func isDenied(code string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "accessdenied") || strings.Contains(c, "unauthorized") || strings.Contains(c, "forbidden")
}
