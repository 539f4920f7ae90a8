package scenario

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func TestCatalog(t *testing.T) {
	count := map[string]int{}
	names := map[string]bool{}
	for _, s := range Catalog() {
		if names[s.Name] {
			t.Errorf("scenario %s twice", s.Name)
		}
		names[s.Name] = true
		count[s.Kind]++
		count[s.Background]++
		if s.Title == "" || s.Story == "" || s.Play == nil {
			t.Errorf("%s: title, story and play are required", s.Name)
		}
		if s.Background == BackgroundDataset && s.Dataset == "" {
			t.Errorf("%s: dataset background without a dataset", s.Name)
		}
	}
	for k, min := range map[string]int{"incident": 12, "control": 6, BackgroundCtgen: 3, BackgroundDataset: 2} {
		if count[k] < min {
			t.Errorf("%d %s scenarios, want at least %d", count[k], k, min)
		}
	}
}

// short runs a catalog scenario in a five-day world: enough for the
// properties checked here, a fraction of the suite's cost.
func short(t *testing.T, name string) Spec {
	t.Helper()
	for _, s := range Catalog() {
		if s.Name == name {
			s.Days = 5
			return s
		}
	}
	t.Fatalf("no scenario %s", name)
	return Spec{}
}

func TestGenerateIsDeterministic(t *testing.T) {
	s := short(t, "leaked-ci-key")
	digest := func(dir string) string {
		h := sha256.New()
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			b, err := os.ReadFile(p)
			fmt.Fprintf(h, "%s %x\n", rel, sha256.Sum256(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []struct {
		dir  string
		seed uint64
	}{{a, 7}, {b, 7}, {c, 8}} {
		if _, err := Generate(d.dir, s, d.seed, ""); err != nil {
			t.Fatal(err)
		}
	}
	if digest(a) != digest(b) {
		t.Error("the same seed wrote different trees")
	}
	if digest(a) == digest(c) {
		t.Error("another seed wrote the same tree")
	}
}

var (
	layout  = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$`)
	keyID   = regexp.MustCompile(`^(AKIA|ASIA)[A-Z2-7]{16}$`)
	eventID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// corpus reads every record of a generated tree, checking the delivery
// layout on the way.
func corpus(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	root := filepath.Join(dir, "AWSLogs")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m := layout.FindStringSubmatch(filepath.ToSlash(rel))
		if m == nil || m[1] != m[6] || m[2] != m[7] {
			t.Errorf("file %s is not in CloudTrail's layout", rel)
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		var doc struct{ Records []map[string]any }
		if err := json.NewDecoder(zr).Decode(&doc); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		for _, r := range doc.Records {
			if r["recipientAccountId"] != m[1] || r["awsRegion"] != m[2] {
				t.Errorf("%s: record of %v/%v", rel, r["recipientAccountId"], r["awsRegion"])
			}
		}
		recs = append(recs, doc.Records...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

// TestRecordsAreCloudTrails checks the generated records against what real
// CloudTrail records always have, for a modern and a 2021 world.
func TestRecordsAreCloudTrails(t *testing.T) {
	for _, name := range []string{"phished-console-user", "identity-center-takeover", "root-console-legacy"} {
		t.Run(name, func(t *testing.T) {
			s := short(t, name)
			dir := t.TempDir()
			tr, err := Generate(dir, s, 11, "")
			if err != nil {
				t.Fatal(err)
			}
			recs := corpus(t, dir)
			if len(recs) != tr.Events {
				t.Errorf("%d records written, truth says %d", len(recs), tr.Events)
			}
			ids := map[string]bool{}
			types := map[string]int{}
			consoleCalls, consoleFlagged := 0, 0
			for _, r := range recs {
				id := str(r, "eventID")
				if !eventID.MatchString(id) || ids[id] {
					t.Fatalf("eventID %q malformed or repeated", id)
				}
				ids[id] = true
				if _, err := time.Parse(time.RFC3339, str(r, "eventTime")); err != nil {
					t.Errorf("eventTime %q", str(r, "eventTime"))
				}
				for _, f := range []string{"eventVersion", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "eventType", "recipientAccountId"} {
					if str(r, f) == "" && !(f == "sourceIPAddress") {
						t.Errorf("%s %s lacks %s", str(r, "eventName"), id, f)
					}
				}
				if k := str(r, "userIdentity", "accessKeyId"); k != "" && !keyID.MatchString(k) {
					t.Errorf("access key id %q", k)
				}
				typ := str(r, "userIdentity", "type")
				types[typ]++
				if str(r, "userIdentity", "sessionContext", "sessionIssuer", "type") == "" && (typ == "IAMUser" || typ == "Root") && strings.HasPrefix(str(r, "userIdentity", "accessKeyId"), "ASIA") && str(r, "userAgent") != "" {
					consoleCalls++
					if str(r, "sessionCredentialFromConsole") == "true" {
						consoleFlagged++
					}
				}
				if str(r, "eventCategory") == "Data" && r["managementEvent"] != false {
					t.Errorf("data event %s with managementEvent %v", str(r, "eventName"), r["managementEvent"])
				}
				if s.Legacy && (r["tlsDetails"] != nil || r["sessionCredentialFromConsole"] != nil) {
					t.Fatalf("a 2021 record with tlsDetails or sessionCredentialFromConsole: %v", r)
				}
			}
			if !s.Legacy && consoleCalls > 0 && consoleFlagged != consoleCalls {
				t.Errorf("%d of %d console-session calls flagged sessionCredentialFromConsole", consoleFlagged, consoleCalls)
			}
			for _, typ := range []string{"IAMUser", "AssumedRole", "AWSService", "WebIdentityUser", "SAMLUser", "AWSAccount"} {
				if types[typ] == 0 {
					t.Errorf("no %s identity in the background", typ)
				}
			}
			if tr.Attack != nil {
				for _, id := range tr.Attack.EventIDs {
					if !ids[id] {
						t.Fatalf("truth names event %s that is not in the logs", id)
					}
				}
				owner := map[string]bool{}
				for _, c := range tr.Owner.Credentials {
					owner[c] = true
				}
				for _, c := range tr.Attack.Credentials {
					if owner[c.AccessKeyID] {
						t.Errorf("credential %s is both the owner's and the attacker's", c.AccessKeyID)
					}
				}
			}
		})
	}
}

// TestImportDataset adopts a real dataset's account and principals.
func TestImportDataset(t *testing.T) {
	src := testenv.Shared(t, "datasets", "flaws2-defender-logs")
	w, err := importCorpus(src, 1, sideNeutral)
	if err != nil {
		t.Fatal(err)
	}
	if w.Prod().ID != "653711331788" || !w.opts.Legacy || w.Prod().Region != "us-east-1" {
		t.Errorf("account %s, legacy %v, region %s", w.Prod().ID, w.opts.Legacy, w.Prod().Region)
	}
	var ecs *Role
	for _, r := range w.Prod().Roles {
		if r.Name == "level3" {
			ecs = r
		}
	}
	if ecs == nil || ecs.Kind != "ecs" || len(ecs.Instances) == 0 {
		t.Fatalf("the ECS task role level3 was not learnt: %+v", ecs)
	}
	if len(w.records) != 37 {
		t.Errorf("%d records imported, want 37", len(w.records))
	}
}
