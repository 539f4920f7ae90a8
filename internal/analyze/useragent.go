package analyze

import (
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// uaClassifier is immutable once built, so one is shared by every
// investigation.
var uaClassifier = useragent.New()

// uaClass classifies a user agent once per investigation: a case has few
// distinct user agents, and the analysis asks about each in many rows
// (baselines, the owner/attacker split, console page loads, source IPs).
func (inv *investigation) uaClass(ua string) useragent.Class {
	c, ok := inv.uaClasses[ua]
	if !ok {
		c = uaClassifier.Classify(ua)
		inv.uaClasses[ua] = c
	}
	return c
}
