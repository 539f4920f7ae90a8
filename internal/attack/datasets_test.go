package attack

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// unclassifiedOK lists the dataset calls that may stay without a tactic
// although the catalog does not list them as routine, with the reason.
// Keep it small: a call belongs in the catalog, with a technique or as a
// routine row with a note.
var unclassifiedOK = map[string]string{}

// noResourceOK lists the dataset calls with a technique (other than
// Discovery) for which Resource may name no target in any event, with the
// reason. (A failed call often has no request parameters; one event of a
// call naming its target is enough.)
var noResourceOK = map[string]string{
	"signin ConsoleLogin":                    "the account itself; the principal is in userIdentity",
	"signin CheckMfa":                        "the account itself; the principal is in userIdentity",
	"organizations LeaveOrganization":        "no parameters: the caller's account leaves",
	"ec2 EnableSerialConsoleAccess":          "an account-wide switch",
	"signin PasswordUpdated":                 "the principal's own password; it is in userIdentity",
	"ec2 CreateVolume":                       "a blank volume: its id is only in the response",
	"ec2 SharedSnapshotVolumeCreated":        "a service event; the snapshot is in serviceEventDetails",
	"bedrock PutUseCaseForModelAccess":       "an account-wide form",
	"bedrock PutFoundationModelEntitlement":  "account-wide model access",
	"bedrock CreateFoundationModelAgreement": "the model id is in the offer token",
}

// datasetEvent is the part of a CloudTrail record this test reads.
type datasetEvent struct {
	EventSource       string          `json:"eventSource"`
	EventName         string          `json:"eventName"`
	RequestParameters json.RawMessage `json:"requestParameters"`
	Resources         json.RawMessage `json:"resources"`
}

// loadDatasets reads every event of the shared CloudTrail datasets: the
// Stratus Red Team detonation logs (JSON arrays), the Invictus and flaws2
// delivery files ({"Records":[…]}, gzipped) and the JSON-lines sets.
func loadDatasets(t *testing.T) []datasetEvent {
	t.Helper()
	root := testenv.Shared(t, "datasets")
	var out []datasetEvent
	read := func(path string) []byte {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(path, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			r = zr
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return b
	}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		set := strings.Split(filepath.ToSlash(rel), "/")[0]
		switch {
		case set == "stratus-red-team-detonation-logs" && strings.HasSuffix(path, ".json"):
			var evs []datasetEvent
			if err := json.Unmarshal(read(path), &evs); err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			out = append(out, evs...)
		case (set == "invictus-aws-dataset" || set == "flaws2-defender-logs") && strings.HasSuffix(path, ".json.gz"):
			var doc struct{ Records []datasetEvent }
			if err := json.Unmarshal(read(path), &doc); err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			out = append(out, doc.Records...)
		case set == "security-datasets-aws" && strings.HasSuffix(path, ".json"),
			set == "awsdocs-cloudtrail-examples" && strings.HasSuffix(path, ".jsonl"):
			sc := bufio.NewScanner(bytes.NewReader(read(path)))
			sc.Buffer(nil, 16<<20)
			for sc.Scan() {
				var line struct {
					datasetEvent
					Log *datasetEvent `json:"log"`
				}
				if len(bytes.TrimSpace(sc.Bytes())) == 0 {
					continue
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("%s: %v", rel, err)
				}
				if line.Log != nil {
					out = append(out, *line.Log)
				} else {
					out = append(out, line.datasetEvent)
				}
			}
		default:
			return nil
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 || len(out) == 0 {
		t.Fatalf("no events under %s", root)
	}
	t.Logf("%d events from %d files", len(out), files)
	return out
}

// TestDatasets classifies every call of the real datasets: each has a
// tactic, is a routine row of the catalog (printed with its note), or is in
// unclassifiedOK. Calls with a technique must name a target.
func TestDatasets(t *testing.T) {
	c := Default()
	evs := loadDatasets(t)
	type call struct{ svc, name string }
	count := map[call]int{}
	named := map[string]bool{} // call → some event of it names a target
	for _, e := range evs {
		if e.EventName == "" {
			continue
		}
		k := call{serviceOf(e.EventSource), e.EventName}
		count[k]++
		tech := c.Classify(e.EventSource, e.EventName)
		if tech.Tactic == "" || tech.Tactic == "Discovery" {
			continue
		}
		id := k.svc + " " + NormalizeEventName(k.name)
		named[id] = named[id] || Resource(e.EventSource, e.EventName, string(e.RequestParameters), string(e.Resources)) != ""
	}
	calls := make([]call, 0, len(count))
	for k := range count {
		calls = append(calls, k)
	}
	sort.Slice(calls, func(i, j int) bool {
		if calls[i].svc != calls[j].svc {
			return calls[i].svc < calls[j].svc
		}
		return calls[i].name < calls[j].name
	})
	byTactic := map[string]int{}
	var routine, unknown []string
	for _, k := range calls {
		tech := c.Classify(k.svc, k.name)
		id := k.svc + " " + NormalizeEventName(k.name)
		switch {
		case tech.Tactic != "":
			byTactic[tech.Tactic]++
		case c.Benign(k.svc, k.name):
			routine = append(routine, id+": "+c.Note(k.svc, k.name))
		default:
			unknown = append(unknown, id)
			if _, ok := unclassifiedOK[id]; !ok {
				t.Errorf("%s (%d events) has no tactic and is neither routine in the catalog nor in unclassifiedOK", id, count[k])
			}
		}
	}
	t.Logf("%d distinct calls: %d with a tactic, %d routine, %d unknown", len(calls), len(calls)-len(routine)-len(unknown), len(routine), len(unknown))
	for _, tac := range Tactics() {
		if byTactic[tac] > 0 {
			t.Logf("  %-20s %d", tac, byTactic[tac])
		}
	}
	t.Logf("routine (catalogued without a technique):\n  %s", strings.Join(routine, "\n  "))
	if len(unknown) > 0 {
		t.Logf("unclassified:\n  %s", strings.Join(unknown, "\n  "))
	}
	var missing []string
	for id, ok := range named {
		if _, listed := noResourceOK[id]; !ok && !listed {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	for _, id := range missing {
		t.Errorf("Resource is empty for %s", id)
	}
}
