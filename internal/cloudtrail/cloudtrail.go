// Package cloudtrail defines, once, the facts about CloudTrail records that
// several parts of trailsleuth rely on: what counts as a denied call, a real
// access key id, a network address, a console session, a principal's short
// label, and which calls weaken (or strengthen) logging and monitoring.
// Two definitions of the same fact that disagree are a bug waiting for its
// data, so analysis, triage, coverage and the reports all ask here.
package cloudtrail

import (
	"net"
	"regexp"
	"strings"
)

// deniedMarks are the substrings (lower case) of error codes that mean the
// caller was not allowed: AccessDenied, AccessDeniedException,
// Client.UnauthorizedOperation, UnauthorizedAccess, Forbidden, …
var deniedMarks = []string{"accessdenied", "unauthorized", "forbidden"}

// Denied reports whether an errorCode means the call was refused for lack of
// permission (as opposed to throttling, a missing resource or a bad request).
func Denied(errorCode string) bool {
	c := strings.ToLower(errorCode)
	for _, m := range deniedMarks {
		if strings.Contains(c, m) {
			return true
		}
	}
	return false
}

// DeniedSQL is Denied as a SQL predicate on the column col (DuckDB or Trino).
func DeniedSQL(col string) string {
	parts := make([]string, len(deniedMarks))
	for i, m := range deniedMarks {
		parts[i] = "lower(coalesce(" + col + ", '')) LIKE '%" + m + "%'"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// AccessKeyIDPattern is ValidAccessKeyID as a regular expression (RE2, for
// SQL filters such as DuckDB's regexp_matches).
const AccessKeyIDPattern = `^(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}$`

var accessKeyID = regexp.MustCompile(AccessKeyIDPattern)

// ValidAccessKeyID reports whether s has the shape of an AWS access key id:
// a four-letter prefix (AKIA long-term, ASIA temporary, …) and sixteen
// upper-case letters or digits. Sanitised logs mask ids ("AKIA************")
// and documentation uses placeholders ("EXAMPLE"); such values say nothing
// about which credential made a call, so analysis treats them as unknown.
func ValidAccessKeyID(s string) bool { return accessKeyID.MatchString(s) }

// LongTermKey reports whether a valid key id is an IAM user's (or root's)
// long-term key rather than a temporary session's.
func LongTermKey(id string) bool { return ValidAccessKeyID(id) && strings.HasPrefix(id, "AKIA") }

// Address reports whether a sourceIPAddress is a usable network address:
// not an AWS service name ("lambda.amazonaws.com", "AWS Internal") and not a
// placeholder (0.0.0.0, ::, empty) that sanitised logs and some services
// write, which would join unrelated callers.
func Address(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && !ip.IsUnspecified()
}

// PrivateAddress reports whether an address is private (RFC 1918, RFC 4193,
// loopback or link-local): a caller inside a VPC, reaching AWS through a
// VPC endpoint.
func PrivateAddress(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && (ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast())
}

// AddressSQL is Address as a SQL predicate on the column col: an IPv4 or
// IPv6 literal other than the unspecified address.
func AddressSQL(col string) string {
	return "(coalesce(regexp_matches(" + col + ", '^[0-9]{1,3}([.][0-9]{1,3}){3}$') OR regexp_matches(" + col +
		", '^[0-9a-fA-F]*:[0-9a-fA-F:.]*$'), false) AND " + col + " NOT IN ('0.0.0.0', '::'))"
}

// ConsoleCall reports whether a call was made through the AWS Management
// Console: CloudTrail's sessionCredentialFromConsole says so on logs since
// 2022; before it, a console user agent (a browser, console.*.amazonaws.com,
// S3Console, …) or "AWS Internal" as the source does.
func ConsoleCall(fromConsole bool, sourceIP string, consoleUA bool) bool {
	return fromConsole || consoleUA || strings.EqualFold(sourceIP, "AWS Internal")
}

// PrincipalLabel is the resource part of an ARN, for reports:
// "user/ci-deploy", "assumed-role/infra-admin/session", "root".
func PrincipalLabel(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 && i+1 < len(arn) {
		return arn[i+1:]
	}
	return arn
}
