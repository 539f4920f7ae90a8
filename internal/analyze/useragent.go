package analyze

import (
	"net"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// uaClassifier is immutable once built, so one is shared by every
// investigation.
var uaClassifier = useragent.New()

// isOffensive reports whether a user agent belongs to offensive tooling.
func isOffensive(ua string) bool { return uaClassifier.IsOffensive(ua) }

// isAddress reports whether a sourceIPAddress is a network address rather
// than an AWS service name ("lambda.amazonaws.com", "AWS Internal").
func isAddress(s string) bool { return net.ParseIP(s) != nil }

// isDenied reports whether an error code means the call was refused.
func isDenied(code string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "accessdenied") || strings.Contains(c, "unauthorized") || strings.Contains(c, "forbidden")
}
