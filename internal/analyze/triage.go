package analyze

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// triageScore ranks credentials by suspicion when no indicator is given:
// offensive tooling, detections, addresses new to the credential, denied
// bursts, IAM changes and logging tampering. Credentials derived from
// another (a session it assumed, a key it created) add their score to their
// origin, so the credential the intrusion started from comes first.
func (inv *investigation) triage() ([]event.TriageEntry, error) {
	q := `SELECT access_key_id, arg_min(user_arn, event_time), count(*),
		count(*) FILTER (WHERE regexp_matches(coalesce(user_agent, ''), ?)),
		count(*) FILTER (WHERE error_code ILIKE '%AccessDenied%' OR error_code ILIKE '%Unauthorized%'),
		count(*) FILTER (WHERE event_source = 'iam.amazonaws.com' AND NOT coalesce(read_only, false) AND error_code IS NULL),
		count(*) FILTER (WHERE event_name IN ('StopLogging','DeleteTrail','UpdateTrail','PutEventSelectors','DeleteDetector','UpdateDetector','DisableSecurityHub','StopConfigurationRecorder','DeleteConfigurationRecorder','DeleteFlowLogs','DeleteLogGroup','LeaveOrganization','DeleteAnalyzer')),
		min(event_time)
	FROM events
	WHERE (` + inv.f.where + `) AND access_key_id IS NOT NULL AND identity_type IN ('IAMUser', 'AssumedRole', 'Root', 'FederatedUser')
	GROUP BY access_key_id`
	rows, err := inv.db.QueryContext(inv.ctx, q, append([]any{uaClassifier.OffensivePattern()}, inv.f.args...)...)
	if err != nil {
		return nil, fmt.Errorf("triage: %w", err)
	}
	type score struct {
		key, arn     string
		total        int
		offensive    int
		denied       int
		iamWrites    int
		tampering    int
		first        time.Time
		newIPs       int
		newUAs       []string
		detections   float64
		reasons      []string
		points       float64
		derivedFrom  string
		absorbedKeys []string
	}
	scores := map[string]*score{}
	for rows.Next() {
		s := &score{}
		var arn *string
		if err := rows.Scan(&s.key, &arn, &s.total, &s.offensive, &s.denied, &s.iamWrites, &s.tampering, &s.first); err != nil {
			rows.Close()
			return nil, err
		}
		if arn != nil {
			s.arn = *arn
		}
		scores[s.key] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// What each key did that it had not done in its baseline.
	nov, err := inv.baselines("access_key_id", nil, inv.firstDay, false, dimIP, dimUA)
	if err != nil {
		return nil, fmt.Errorf("triage: %w", err)
	}
	for k, n := range nov {
		if s := scores[k]; s != nil {
			s.newIPs = len(n.fresh[dimIP])
			s.newUAs = n.list(dimUA)
		}
	}
	// Detection hits, by the key of the events they matched.
	if len(inv.hits) > 0 {
		var ids []string
		for id := range inv.hits {
			ids = append(ids, id)
		}
		// A join, not list_contains: a hunt over a large case hits hundreds
		// of thousands of events, and list_contains compares each event
		// with the whole list.
		hq := "SELECT e.event_id, e.access_key_id FROM events AS e JOIN (SELECT DISTINCT unnest(CAST(? AS VARCHAR[])) AS id) AS h ON e.event_id = h.id WHERE e.access_key_id IS NOT NULL"
		hrows, err := inv.db.QueryContext(inv.ctx, hq, ids)
		if err != nil {
			return nil, fmt.Errorf("triage: %w", err)
		}
		for hrows.Next() {
			var id, k string
			if err := hrows.Scan(&id, &k); err != nil {
				hrows.Close()
				return nil, err
			}
			if s := scores[k]; s != nil {
				s.detections += map[event.Severity]float64{event.SeverityCritical: 4, event.SeverityHigh: 2, event.SeverityMedium: 1, event.SeverityLow: 0.25}[inv.hits[id]]
			}
		}
		hrows.Close()
	}
	for _, s := range scores {
		add := func(p float64, why string) {
			s.points += p
			s.reasons = append(s.reasons, why)
		}
		if s.offensive > 0 {
			add(5, fmt.Sprintf("%d calls with an offensive-tool user agent", s.offensive))
		}
		if s.detections > 0 {
			add(minF(s.detections, 10), fmt.Sprintf("detections weighing %.1f on its events", s.detections))
		}
		if s.tampering > 0 {
			add(4, fmt.Sprintf("%d logging or monitoring tampering calls", s.tampering))
		}
		if s.iamWrites > 0 {
			add(minF(float64(s.iamWrites), 3), fmt.Sprintf("%d IAM changes", s.iamWrites))
		}
		if s.denied >= 5 {
			add(2, fmt.Sprintf("%d denied calls", s.denied))
		}
		if s.newIPs > 0 {
			add(1, fmt.Sprintf("%d source addresses new to it", s.newIPs))
		}
		if len(s.newUAs) > 0 {
			labels := make([]string, len(s.newUAs))
			for i, ua := range s.newUAs {
				labels[i] = inv.uaClass(ua).Label()
			}
			add(1.5, "user agents new to it: "+strings.Join(labels, ", "))
		}
	}
	// Fold derived credentials into their origin.
	parent := map[string]string{}
	if err := inv.loadGrants(); err != nil {
		return nil, err
	}
	for _, g := range inv.grant {
		if g.newKey != "" && g.ev.Key != "" && g.newKey != g.ev.Key {
			if _, ok := parent[g.newKey]; !ok {
				parent[g.newKey] = g.ev.Key
			}
		}
		if g.kind == "user" || g.kind == "login_profile" {
			// keys of a created user belong to its creator
			for _, k := range sortedKeys(scores) {
				s := scores[k]
				if userOf(s.arn) == g.target && s.first.After(g.ev.Time) {
					if _, ok := parent[k]; !ok && k != g.ev.Key {
						parent[k] = g.ev.Key
					}
				}
			}
		}
	}
	root := func(k string) string {
		seen := map[string]bool{}
		for parent[k] != "" && !seen[k] {
			seen[k] = true
			k = parent[k]
		}
		return k
	}
	// In key order: reasons are appended to the origin, and a report must
	// read the same on every run.
	for _, k := range sortedKeys(scores) {
		s := scores[k]
		r := root(k)
		if r == k || scores[r] == nil || s.points == 0 {
			continue
		}
		p := scores[r]
		p.points += s.points
		p.absorbedKeys = append(p.absorbedKeys, k)
		p.reasons = append(p.reasons, fmt.Sprintf("derived credential %s: %s", k, strings.Join(s.reasons, "; ")))
		s.points = 0
		s.derivedFrom = r
	}
	var out []event.TriageEntry
	for _, s := range scores {
		if s.points <= 0 || s.derivedFrom != "" {
			continue
		}
		keys := append([]string{s.key}, s.absorbedKeys...)
		sort.Strings(keys[1:])
		out = append(out, event.TriageEntry{PrincipalARN: s.arn, AccessKeyIDs: keys, Score: round1(s.points), Reasons: s.reasons})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].AccessKeyIDs[0] < out[j].AccessKeyIDs[0]
	})
	if len(out) > 20 {
		out = out[:20]
	}
	return out, nil
}

func minF(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
