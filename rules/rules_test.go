package rules

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// These tests check the pack's structure and fixtures with the standard
// library only. Matching the fixtures against the rules is the Sigma engine's
// job (internal/sigma): every event in testdata/<stem>/hit.jsonl must match the
// file's rule and none in miss.jsonl may; for a file with a correlation, the
// correlation must fire on hit.jsonl and not on miss.jsonl.

var tactics = []string{
	"initial-access", "execution", "persistence", "privilege-escalation", "defense-evasion",
	"credential-access", "discovery", "lateral-movement", "collection", "exfiltration", "impact",
}

var (
	uuidV4   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tagRe    = regexp.MustCompile(`^attack\.(t\d{4}(\.\d{3})?|` + strings.Join(tactics, "|") + `)$`)
	techRe   = regexp.MustCompile(`^attack\.t\d{4}`)
	dateRe   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	stemRe   = regexp.MustCompile(`^[a-z0-9_]+$`)
	nameRe   = regexp.MustCompile(`^[a-z0-9_]+$`)
	levels   = map[string]bool{"informational": true, "low": true, "medium": true, "high": true, "critical": true}
	statuses = map[string]bool{"stable": true, "test": true, "experimental": true}
)

// doc is one YAML document of a rule file, read with a deliberately small
// parser: the pack's style is fixed (top-level keys at column 0, lists and
// nested maps indented by four spaces, block scalars with "|").
type doc struct {
	scalars map[string]string
	lists   map[string][]string
	blocks  map[string][]string // raw indented lines of maps and block scalars
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

var topKey = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]*):(.*)$`)

func parseDocs(data []byte) ([]*doc, error) {
	var docs []*doc
	var cur *doc
	var key string
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if strings.TrimRight(l, " ") != l {
			return nil, fmt.Errorf("line %d: trailing whitespace", line)
		}
		if strings.Contains(l, "\t") {
			return nil, fmt.Errorf("line %d: tab character", line)
		}
		if l == "---" {
			cur, key = nil, ""
			continue
		}
		if cur == nil {
			cur = &doc{scalars: map[string]string{}, lists: map[string][]string{}, blocks: map[string][]string{}}
			docs = append(docs, cur)
		}
		if l == "" {
			if key != "" {
				cur.blocks[key] = append(cur.blocks[key], "")
			}
			continue
		}
		if m := topKey.FindStringSubmatch(l); m != nil {
			key = m[1]
			if _, dup := cur.scalars[key]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %s", line, key)
			}
			if _, dup := cur.blocks[key]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %s", line, key)
			}
			v := strings.TrimSpace(m[2])
			if v == "" || v == "|" || v == ">" {
				cur.blocks[key] = []string{}
			} else {
				cur.scalars[key] = unquote(v)
			}
			continue
		}
		if !strings.HasPrefix(l, "    ") || key == "" {
			return nil, fmt.Errorf("line %d: unexpected indentation: %q", line, l)
		}
		cur.blocks[key] = append(cur.blocks[key], l)
		if strings.HasPrefix(l, "    - ") {
			cur.lists[key] = append(cur.lists[key], unquote(l[6:]))
		}
	}
	return docs, sc.Err()
}

func (d *doc) text(key string) string {
	var b []string
	for _, l := range d.blocks[key] {
		b = append(b, strings.TrimPrefix(l, "    "))
	}
	return strings.TrimSpace(strings.Join(b, "\n"))
}

func (d *doc) isCorrelation() bool { _, ok := d.blocks["correlation"]; return ok }

// nested returns the items of a list nested one level inside a block, such as
// correlation.rules.
func (d *doc) nested(block, sub string) []string {
	var out []string
	in := false
	for _, l := range d.blocks[block] {
		switch {
		case strings.HasPrefix(l, "    "+sub+":"):
			in = true
		case in && strings.HasPrefix(l, "        - "):
			out = append(out, unquote(l[10:]))
		case strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "     "):
			in = false
		}
	}
	return out
}

type ruleFile struct {
	path, tactic, stem string
	docs               []*doc
}

func loadPack(t *testing.T) []ruleFile {
	t.Helper()
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	var out []ruleFile
	for _, f := range files {
		data, err := FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := parseDocs(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		parts := strings.Split(f, "/")
		rf := ruleFile{path: f, docs: docs, stem: strings.TrimSuffix(path.Base(f), ".yml")}
		if len(parts) == 3 {
			rf.tactic = parts[1]
		}
		out = append(out, rf)
	}
	return out
}

func TestFilesLayout(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 80 {
		t.Errorf("pack has %d rule files, want at least 80", len(files))
	}
	if !sort.StringsAreSorted(files) {
		t.Error("Files() is not sorted")
	}
	known := map[string]bool{}
	for _, tc := range tactics {
		known[tc] = true
	}
	stems := map[string]string{}
	for _, f := range files {
		parts := strings.Split(f, "/")
		if len(parts) != 3 || parts[0] != "aws" || !known[parts[1]] {
			t.Errorf("%s: want aws/<tactic>/<short_name>.yml with a known tactic", f)
			continue
		}
		stem := strings.TrimSuffix(parts[2], ".yml")
		if !stemRe.MatchString(stem) {
			t.Errorf("%s: short name must be lower snake_case", f)
		}
		if prev, dup := stems[stem]; dup {
			t.Errorf("%s: short name also used by %s (fixture folders are keyed by it)", f, prev)
		}
		stems[stem] = f
	}
}

func TestRuleMetadata(t *testing.T) {
	pack := loadPack(t)
	ids := map[string]string{}
	names := map[string]string{}
	var refs []struct{ file, name string }
	for _, rf := range pack {
		if len(rf.docs) == 0 {
			t.Errorf("%s: empty file", rf.path)
			continue
		}
		if rf.docs[0].isCorrelation() {
			t.Errorf("%s: the first document must be the base detection rule", rf.path)
		}
		for i, d := range rf.docs {
			where := fmt.Sprintf("%s (document %d)", rf.path, i+1)
			for _, k := range []string{"title", "id", "status", "author", "date", "level"} {
				if d.scalars[k] == "" {
					t.Errorf("%s: missing %s", where, k)
				}
			}
			for _, k := range []string{"description", "remediation"} {
				if d.text(k) == "" {
					t.Errorf("%s: missing or empty %s", where, k)
				}
			}
			for _, k := range []string{"references", "tags", "falsepositives"} {
				if len(d.lists[k]) == 0 {
					t.Errorf("%s: %s must be a non-empty list", where, k)
				}
			}
			id := d.scalars["id"]
			if !uuidV4.MatchString(id) {
				t.Errorf("%s: id %q is not a lower-case UUID v4", where, id)
			}
			if prev, dup := ids[id]; dup {
				t.Errorf("%s: id %s also used by %s", where, id, prev)
			}
			ids[id] = where
			if n := d.scalars["name"]; n != "" {
				if !nameRe.MatchString(n) {
					t.Errorf("%s: name %q must be lower snake_case", where, n)
				}
				if prev, dup := names[n]; dup {
					t.Errorf("%s: name %s also used by %s", where, n, prev)
				}
				names[n] = where
			}
			if !statuses[d.scalars["status"]] {
				t.Errorf("%s: status %q", where, d.scalars["status"])
			}
			if !levels[d.scalars["level"]] {
				t.Errorf("%s: level %q", where, d.scalars["level"])
			}
			if d.scalars["author"] != "trailsleuth" {
				t.Errorf("%s: author %q", where, d.scalars["author"])
			}
			if !dateRe.MatchString(d.scalars["date"]) {
				t.Errorf("%s: date %q", where, d.scalars["date"])
			}
			for _, r := range d.lists["references"] {
				if !strings.HasPrefix(r, "https://") {
					t.Errorf("%s: reference %q is not an https URL", where, r)
				}
			}
			hasTactic, hasTech := false, false
			for _, tag := range d.lists["tags"] {
				if !tagRe.MatchString(tag) {
					t.Errorf("%s: tag %q is not attack.<tactic> or attack.tNNNN[.NNN]", where, tag)
				}
				hasTactic = hasTactic || tag == "attack."+rf.tactic
				hasTech = hasTech || techRe.MatchString(tag)
			}
			if !hasTactic {
				t.Errorf("%s: tags lack attack.%s (the folder's tactic)", where, rf.tactic)
			}
			if !hasTech {
				t.Errorf("%s: tags lack an ATT&CK technique", where)
			}
			if d.isCorrelation() {
				for _, k := range []string{"logsource", "detection"} {
					if _, ok := d.blocks[k]; ok {
						t.Errorf("%s: a correlation has no %s", where, k)
					}
				}
				c := d.text("correlation")
				for _, k := range []string{"type:", "rules:", "group-by:", "timespan:", "condition:"} {
					if k == "condition:" && strings.Contains(c, "type: temporal") {
						continue // temporal correlations need no threshold
					}
					if !strings.Contains(c, k) {
						t.Errorf("%s: correlation lacks %s", where, k)
					}
				}
				if strings.Contains(c, "type: value_count") && !strings.Contains(c, "field:") {
					t.Errorf("%s: value_count needs condition.field", where)
				}
				rs := d.nested("correlation", "rules")
				if len(rs) == 0 {
					t.Errorf("%s: correlation references no rules", where)
				}
				base := rf.docs[0].scalars["name"]
				self := false
				for _, r := range rs {
					refs = append(refs, struct{ file, name string }{where, r})
					self = self || r == base
				}
				if !self {
					t.Errorf("%s: correlation must reference the base rule of its file (name %q)", where, base)
				}
				continue
			}
			ls := d.text("logsource")
			if !strings.Contains(ls, "product: aws") || logService(ls) == "" {
				t.Errorf("%s: logsource must be product aws, service cloudtrail, s3 (server access logs) or vpcflow", where)
			}
			det := d.text("detection")
			if !regexp.MustCompile(`(?m)^condition: \S`).MatchString(det) {
				t.Errorf("%s: detection lacks a condition", where)
			}
			if i > 0 {
				t.Errorf("%s: only one detection rule per file", where)
			}
		}
	}
	for _, r := range refs {
		if _, ok := names[r.name]; !ok {
			t.Errorf("%s: correlation references unknown rule name %q", r.file, r.name)
		}
	}
}

var requiredEventKeys = []string{
	"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
	"sourceIPAddress", "userAgent", "eventID", "eventType", "recipientAccountId",
}

// logService is the service of a logsource block: cloudtrail, s3 or
// vpcflow, or "" for any other.
func logService(ls string) string {
	for _, s := range []string{"cloudtrail", "s3", "vpcflow"} {
		if regexp.MustCompile(`(?m)^service: ` + s + `$`).MatchString(ls) {
			return s
		}
	}
	return ""
}

// logFixtures checks the fixtures of a rule over S3 access or flow logs:
// hit.log and miss.log, files of AWS's format (fixture.Check runs
// them through ingest and the rule's SQL).
func logFixtures(t *testing.T, rf ruleFile) {
	for _, kind := range []string{"hit", "miss"} {
		p := filepath.Join("testdata", rf.stem, kind+".log")
		data, err := os.ReadFile(p)
		if err != nil || len(strings.TrimSpace(string(data))) == 0 {
			t.Errorf("%s: fixture missing or empty: %s (%v)", rf.path, p, err)
		}
	}
}

func TestFixtures(t *testing.T) {
	pack := loadPack(t)
	stems := map[string]bool{}
	eventIDs := map[string]string{}
	for _, rf := range pack {
		stems[rf.stem] = true
		if svc := logService(rf.docs[0].text("logsource")); svc == "s3" || svc == "vpcflow" {
			logFixtures(t, rf)
			continue
		}
		for _, kind := range []string{"hit", "miss"} {
			p := filepath.Join("testdata", rf.stem, kind+".jsonl")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("%s: fixture missing: %v", rf.path, err)
				continue
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			if len(data) == 0 || len(lines) == 0 {
				t.Errorf("%s: empty", p)
				continue
			}
			for n, l := range lines {
				where := fmt.Sprintf("%s:%d", p, n+1)
				var ev map[string]any
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				for _, k := range requiredEventKeys {
					if _, ok := ev[k]; !ok {
						t.Errorf("%s: missing %s", where, k)
					}
				}
				// Sign-in and service events (SharedSnapshotCopyInitiated…) answer no request.
				if _, ok := ev["requestID"]; !ok && ev["eventType"] != "AwsConsoleSignIn" && ev["eventType"] != "AwsServiceEvent" {
					t.Errorf("%s: missing requestID", where)
				}
				id, _ := ev["eventID"].(string)
				if !uuidV4.MatchString(id) {
					t.Errorf("%s: eventID %q is not a UUID v4", where, id)
				}
				if prev, dup := eventIDs[id]; dup {
					t.Errorf("%s: eventID %s also in %s", where, id, prev)
				}
				eventIDs[id] = where
			}
		}
	}
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !stems[d.Name()] {
			t.Errorf("testdata/%s has no rule file", d.Name())
		}
	}
}

const (
	tableBegin = "<!-- rules-table:begin (go test ./rules -run TestREADMETable -update) -->"
	tableEnd   = "<!-- rules-table:end -->"
)

func ruleTable(pack []ruleFile) string {
	var b strings.Builder
	counts := map[string]int{}
	corr := 0
	for _, rf := range pack {
		counts[rf.tactic]++
		corr += len(rf.docs) - 1
	}
	fmt.Fprintf(&b, "%d rule files, %d correlation rules.\n\n", len(pack), corr)
	b.WriteString("| Tactic folder | Files |\n| --- | ---: |\n")
	for _, tc := range tactics {
		fmt.Fprintf(&b, "| %s | %d |\n", tc, counts[tc])
	}
	b.WriteString("\n| File | Title | Level | Tactics |\n| --- | --- | --- | --- |\n")
	for _, rf := range pack {
		for i, d := range rf.docs {
			file := "`" + strings.TrimPrefix(rf.path, "aws/") + "`"
			title := d.scalars["title"]
			if i > 0 {
				file = "↳ correlation"
				title = title + " (" + strings.TrimPrefix(regexp.MustCompile(`type: (\w+)`).FindString(d.text("correlation")), "type: ") + ")"
			}
			var tt []string
			for _, tag := range d.lists["tags"] {
				if !techRe.MatchString(tag) {
					tt = append(tt, strings.TrimPrefix(tag, "attack."))
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", file, strings.ReplaceAll(title, "|", "\\|"), d.scalars["level"], strings.Join(tt, ", "))
		}
	}
	return b.String()
}

func TestREADMETable(t *testing.T) {
	pack := loadPack(t)
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", tableBegin, tableEnd)
	}
	want := s[:i+len(tableBegin)] + "\n" + ruleTable(pack) + s[j:]
	if want == s {
		return
	}
	if testenv.Updating() {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("README.md rule table is out of date; run: go test ./rules -run TestREADMETable -update")
}

// denialBlock is the pack's one definition of "the call was refused for lack
// of permission", used by every denied variant: AccessDenied,
// AccessDeniedException, Client.UnauthorizedOperation, UnauthorizedOperation,
// UnauthorizedAccess, ForbiddenException and the like.
const denialBlock = "denied:\n    errorCode|contains:\n        - AccessDenied\n        - Unauthorized\n        - Forbidden"

// deniedTactics are the folders whose every rule needs a denied variant.
var deniedTactics = map[string]bool{"persistence": true, "privilege-escalation": true, "defense-evasion": true}

var levelRank = map[string]int{"informational": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// related returns the ids a document's related list names with the given type.
func (d *doc) related(typ string) []string {
	var out []string
	id := ""
	for _, l := range d.blocks["related"] {
		switch t := strings.TrimSpace(l); {
		case strings.HasPrefix(t, "- id:"):
			id = unquote(strings.TrimPrefix(t, "- id:"))
		case strings.HasPrefix(t, "type:") && unquote(strings.TrimPrefix(t, "type:")) == typ && id != "":
			out = append(out, id)
			id = ""
		}
	}
	return out
}

// TestDeniedVariants checks the convention for refused attempts: a rule file
// <stem>_denied.yml names the rules it is the denied variant of (related,
// type derived), selects the refusal with denialBlock, sits below them in
// level, and every persistence, privilege-escalation and defense-evasion rule
// has one (informational rules, which only feed correlations, excepted).
func TestDeniedVariants(t *testing.T) {
	pack := loadPack(t)
	type base struct {
		rf    ruleFile
		level string
	}
	byID := map[string]base{}
	for _, rf := range pack {
		if len(rf.docs) > 0 {
			byID[rf.docs[0].scalars["id"]] = base{rf, rf.docs[0].scalars["level"]}
		}
	}
	covered := map[string]bool{}
	for _, rf := range pack {
		if !strings.HasSuffix(rf.stem, "_denied") || len(rf.docs) == 0 {
			continue
		}
		d := rf.docs[0]
		det := d.text("detection")
		if !strings.Contains(det, denialBlock) {
			t.Errorf("%s: a denied variant selects the refusal with\n%s", rf.path, denialBlock)
		}
		if !regexp.MustCompile(`(?m)^condition: .*\bdenied\b`).MatchString(det) {
			t.Errorf("%s: the condition does not use the denied selection", rf.path)
		}
		rel := d.related("derived")
		if len(rel) == 0 {
			t.Errorf("%s: a denied variant names its rules under related (type: derived)", rf.path)
		}
		top := -1
		for _, id := range rel {
			b, ok := byID[id]
			if !ok {
				t.Errorf("%s: related id %s is not a rule of the pack", rf.path, id)
				continue
			}
			if strings.HasSuffix(b.rf.stem, "_denied") {
				t.Errorf("%s: related id %s is itself a denied variant", rf.path, id)
			}
			covered[id] = true
			top = max(top, levelRank[b.level])
		}
		if lv := levelRank[d.scalars["level"]]; top >= 0 && lv >= top && lv > 0 {
			t.Errorf("%s: level %s is not below its rules' highest level", rf.path, d.scalars["level"])
		}
	}
	for _, rf := range pack {
		if !deniedTactics[rf.tactic] || strings.HasSuffix(rf.stem, "_denied") || len(rf.docs) == 0 ||
			rf.docs[0].scalars["level"] == "informational" {
			continue
		}
		if !covered[rf.docs[0].scalars["id"]] {
			t.Errorf("%s: no denied variant (a <stem>_denied.yml naming this rule under related, type derived)", rf.path)
		}
	}
}
