package detect

import "errors"

// FixtureResult is the outcome of one rule's proof (package fixture): the
// events it must match (hit.jsonl) and the near misses it must not
// (miss.jsonl).
type FixtureResult struct {
	RuleID   string   `json:"rule_id"`
	Title    string   `json:"title"`
	Source   string   `json:"source"`
	Fixtures string   `json:"fixtures"`
	Hits     int      `json:"hit_events"`
	Misses   int      `json:"miss_events"`
	Failures []string `json:"failures,omitempty"`
}

// ErrFixturesFailed is returned by rules test when a rule fails its proof.
var ErrFixturesFailed = errors.New("rule fixtures failed")
