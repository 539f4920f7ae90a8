package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/trailsleuth/trailsleuth/internal/eventsql"
)

// jsonPath reads a string at path in a JSON document ("" if absent).
func jsonPath(doc string, path ...string) string {
	if doc == "" {
		return ""
	}
	// fastjson parses without building maps: a busy case has hundreds of
	// thousands of AssumeRole responses to read.
	return fastjson.GetString([]byte(doc), path...)
}

// grant is an event that produced a credential or opened a way to one.
type grant struct {
	ev   row
	kind string // temporary, access_key, user, login_profile, trust_policy
	// newKey is the credential it produced (temporary and access_key).
	newKey string
	// newARN is the principal the new credential acts as.
	newARN string
	// target names the user or role the event acted on.
	target string
}

// fedGrantEvents have no caller key (an identity provider's token or
// assertion is the credential), so they never derive from an attacker's
// key and triage has no use for them. Busy trails hold hundreds of
// thousands (EKS, CI), so expansion reads them only when they can matter:
// sessions of a role whose trust policy the attacker changed, or such a
// call that is itself in the attacker's events (seeded by address).
var fedGrantEvents = []string{"AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"}

// loadGrants reads the scope's grants (eventsql.GrantEvents) once; triage
// and expansion share them.
func (inv *investigation) loadGrants() error {
	if inv.grant != nil {
		return nil
	}
	rows, err := grantRows(inv.ctx, inv.db, inv.f)
	if err != nil {
		return err
	}
	g := parseGrants(rows)
	if g == nil {
		g = []grant{}
	}
	inv.grant = g
	return nil
}

// loadFedGrants adds the federated grants that can matter now (see
// fedGrantEvents) and reports whether it added any.
func (inv *investigation) loadFedGrants() (bool, error) {
	var roles, ids []string
	for r := range inv.roles {
		if !inv.fedDone[r] {
			inv.fedDone[r] = true
			roles = append(roles, r)
		}
	}
	for id, r := range inv.attacker {
		if slices.Contains(fedGrantEvents, r.Name) && !inv.fedDone[id] {
			inv.fedDone[id] = true
			ids = append(ids, id)
		}
	}
	if len(roles)+len(ids) == 0 {
		return false, nil
	}
	slices.Sort(roles)
	slices.Sort(ids)
	names, nargs := inList("event_name", fedGrantEvents)
	byRole, rargs := inList("regexp_extract(json_extract_string(request_parameters, '$.roleArn'), '[^/]+$')", roles)
	byID, iargs := inList("event_id", ids)
	rows, err := query(inv.ctx, inv.db, inv.f, names+" AND ("+byRole+" OR "+byID+") AND "+grantCond, append(append(nargs, rargs...), iargs...)...)
	if err != nil {
		return false, err
	}
	g := parseGrants(rows)
	known := map[string]bool{}
	for _, x := range inv.grant {
		known[x.ev.ID] = true
	}
	added := false
	for _, x := range g {
		if !known[x.ev.ID] {
			inv.grant = append(inv.grant, x)
			added = true
		}
	}
	return added, nil
}

// grantCond keeps the successful grants: AWS services assume roles all
// day (a fifth of a busy trail); they never hold an attacker's key, so
// their grants are left out.
const grantCond = "error_code IS NULL AND coalesce(identity_type, '') <> 'AWSService'"

// grantFrom is the events with the JSON fields of the grant calls from the
// case's copy of them, grant_json (docs/schema.md): read from the events,
// the calls' JSON, spread over the whole case, took 1.3–1.5 s at 5 M.
// cached is false for a call the copy lacks.
const grantFrom = `(SELECT e.* EXCLUDE (raw, request_parameters, response_elements, additional_event_data, resources),
		g.request_parameters, g.response_elements, g.additional_event_data, g.resources, g.source_id IS NOT NULL AS cached
	FROM events e LEFT JOIN grant_json g ON e.source_id = g.source_id AND e.source_position = g.source_position) AS events`

// grantRows reads the grant calls in scope (eventsql.GrantCond), their
// JSON from grant_json. The calls it lacks (a copy set aside at ingest
// and settled back later, or a copy emptied) are read again from the
// events, by the files they came from.
func grantRows(ctx context.Context, db *sql.DB, f filter) ([]row, error) {
	g := eventsql.GrantCond()
	q := "SELECT " + rowColumns + ", cached, source_id FROM " + grantFrom + " WHERE (" + f.where + ") AND (" + g.Where + ") ORDER BY event_time, event_id"
	rs, err := db.QueryContext(ctx, q, append(slices.Clone(f.args), g.Args...)...)
	if err != nil {
		return nil, fmt.Errorf("querying events: %w", err)
	}
	var cached []bool
	var sources []int64
	out, err := scanRowsWith(rs, func() []any {
		cached, sources = append(cached, false), append(sources, 0)
		return []any{&cached[len(cached)-1], &sources[len(sources)-1]}
	})
	if err != nil {
		return nil, err
	}
	missing := map[string]int{}
	var from []srcPos
	for i, ok := range cached {
		if !ok {
			missing[out[i].ID] = i
			from = append(from, srcPos{source: sources[i]})
		}
	}
	switch len(missing) {
	case 0:
		return out, nil
	case len(out):
		// No copy at all (an older case read as it is): read them as
		// they are.
		return query(ctx, db, f, g.Where, g.Args...)
	}
	again, err := query(ctx, db, f, "("+g.Where+") AND list_contains(?, source_id)", append(slices.Clone(g.Args), fileNumbers(from))...)
	if err != nil {
		return nil, err
	}
	for _, r := range again {
		if i, ok := missing[r.ID]; ok {
			out[i] = r
		}
	}
	return out, nil
}

// parseGrants reads what each grant call produced or opened.
func parseGrants(rows []row) []grant {
	var out []grant
	for _, r := range rows {
		g := grant{ev: r}
		switch r.Name {
		case "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetSessionToken", "GetFederationToken":
			g.kind = "temporary"
			g.newKey = jsonPath(r.Response, "credentials", "accessKeyId")
			g.newARN = jsonPath(r.Response, "assumedRoleUser", "arn")
			if g.newARN == "" {
				g.newARN = jsonPath(r.Response, "federatedUser", "arn")
			}
			if g.newARN == "" && r.Name == "GetSessionToken" {
				g.newARN = r.ARN
			}
			g.target = jsonPath(r.Request, "roleArn")
		case "CreateAccessKey":
			g.kind = "access_key"
			g.newKey = jsonPath(r.Response, "accessKey", "accessKeyId")
			g.target = jsonPath(r.Response, "accessKey", "userName")
			if g.target == "" {
				g.target = jsonPath(r.Request, "userName")
			}
			if g.target == "" {
				g.target = r.UserName
			}
		case "CreateUser":
			g.kind = "user"
			g.target = jsonPath(r.Request, "userName")
			g.newARN = jsonPath(r.Response, "user", "arn")
		case "CreateLoginProfile", "UpdateLoginProfile":
			g.kind = "login_profile"
			g.target = jsonPath(r.Request, "userName")
			if g.target == "" {
				g.target = r.UserName
			}
		case "UpdateAssumeRolePolicy":
			g.kind = "trust_policy"
			g.target = jsonPath(r.Request, "roleName")
		}
		if (g.kind == "temporary" || g.kind == "access_key") && g.newKey == "" {
			continue
		}
		out = append(out, g)
	}
	return out
}

// userOf returns the IAM user name an ARN names ("" if not a user).
func userOf(arn string) string {
	i := strings.Index(arn, ":user/")
	if i < 0 {
		return ""
	}
	name := arn[i+len(":user/"):]
	if j := strings.LastIndexByte(name, '/'); j >= 0 {
		name = name[j+1:]
	}
	return name
}

// roleOf returns the role name of a role or assumed-role ARN.
func roleOf(arn string) string {
	for _, marker := range []string{":role/", ":assumed-role/"} {
		if i := strings.Index(arn, marker); i >= 0 {
			name := arn[i+len(marker):]
			if marker == ":assumed-role/" {
				if j := strings.IndexByte(name, '/'); j >= 0 {
					name = name[:j]
				}
			} else if j := strings.LastIndexByte(name, '/'); j >= 0 {
				name = name[j+1:]
			}
			return name
		}
	}
	return ""
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
