package event

import (
	"strings"
	"time"
)

// Severity is a Sigma rule level, ordered.
type Severity int

// Severities, lowest first.
const (
	SeverityUnknown Severity = iota
	SeverityInformational
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = []string{"unknown", "informational", "low", "medium", "high", "critical"}

// ParseSeverity reads a Sigma level name (case-insensitive; "info" too).
func ParseSeverity(s string) (Severity, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "info" {
		s = "informational"
	}
	for i, n := range severityNames {
		if n == s && i > 0 {
			return Severity(i), true
		}
	}
	return SeverityUnknown, false
}

func (s Severity) String() string {
	if int(s) < len(severityNames) && s >= 0 {
		return severityNames[s]
	}
	return "unknown"
}

// Finding is one detection rule that matched, with the events it matched.
type Finding struct {
	RuleID      string    `json:"rule_id"`
	Title       string    `json:"title"`
	Level       string    `json:"level"`
	Tags        []string  `json:"tags"`
	Tactics     []string  `json:"tactics,omitempty"`
	Techniques  []string  `json:"techniques,omitempty"`
	Description string    `json:"description,omitempty"`
	Remediation string    `json:"remediation,omitempty"`
	Source      string    `json:"source"`
	Correlation bool      `json:"correlation,omitempty"`
	EventIDs    []string  `json:"event_ids"`
	Count       int       `json:"count"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	// Windows is how many windows met a correlation rule's condition.
	Windows int `json:"windows,omitempty"`
}

// TacticTitle writes an ATT&CK tactic id as its title:
// "privilege-escalation" → "Privilege Escalation".
func TacticTitle(t string) string {
	words := strings.Split(t, "-")
	for i, w := range words {
		if w != "" && w != "and" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
