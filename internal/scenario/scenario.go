package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Backgrounds a scenario can be played in.
const (
	BackgroundModel = "model" // NewWorld + Background
	BackgroundCtgen = "ctgen" // a ctgen corpus (no -attack) already in the folder
	// BackgroundDataset is a copy of a real dataset's CloudTrail files:
	// Spec.Dataset names the folder under the shared datasets.
	BackgroundDataset = "dataset"
)

// Spec is one scenario.
type Spec struct {
	Name  string
	Kind  string // "incident" or "control"
	Title string
	Story string
	// Background and, for datasets, the dataset folder.
	Background string
	Dataset    string
	Days       int
	Legacy     bool
	Start      time.Time
	DataEvents string
	Play       func(w *World, p *Plan)
}

// Plan is what a scenario says about itself beyond its records: the
// foothold, the indicator a responder would have, what it left behind
// and read, and how each attacker key was obtained.
type Plan struct {
	Principal   string
	Indicator   *Indicator
	persistence []PersistenceTruth
	data        []string
	how         map[string]string
}

func (p *Plan) persist(kind, resource string, aliases ...string) {
	p.persistence = append(p.persistence, PersistenceTruth{Kind: kind, Resource: resource, Aliases: aliases})
}

func (p *Plan) read(resources ...string) {
	for _, r := range resources {
		dup := false
		for _, d := range p.data {
			dup = dup || d == r
		}
		if !dup {
			p.data = append(p.data, r)
		}
	}
}

func (p *Plan) obtained(key, how string) {
	if p.how == nil {
		p.how = map[string]string{}
	}
	p.how[key] = how
}

// Generate plays s into dir with seed: the logs under dir/AWSLogs (and,
// for a dataset, its copy under dir/dataset), the truth in dir/truth.json.
// For a ctgen background the corpus must already be in dir/AWSLogs; for a
// dataset, datasetDir is the dataset's folder.
func Generate(dir string, s Spec, seed uint64, datasetDir string) (*Truth, error) {
	var w *World
	var err error
	switch s.Background {
	case BackgroundModel:
		w = NewWorld(Options{Seed: seed, Start: s.Start, Days: s.Days, Legacy: s.Legacy, DataEvents: s.DataEvents})
		w.Background()
	case BackgroundCtgen:
		w, err = importCorpus(filepath.Join(dir, "AWSLogs"), seed, sideOwner)
	case BackgroundDataset:
		dst := filepath.Join(dir, "dataset")
		if err = copyTree(datasetDir, dst); err != nil {
			return nil, err
		}
		w, err = importCorpus(dst, seed, sideNeutral)
	default:
		err = fmt.Errorf("scenario %s: unknown background %q", s.Name, s.Background)
	}
	if err != nil {
		return nil, err
	}
	// A dataset's own data: what its events named.
	var neutralData []string
	if s.Background == BackgroundDataset {
		neutralData = keys(w.seenData)
	}
	p := &Plan{}
	s.Play(w, p)
	recs := w.sorted()
	// Imported records are in the folder already; write only what was added.
	var added []*Record
	for _, r := range recs {
		if r.imported {
			continue
		}
		added = append(added, r)
	}
	if _, err := writeTree(dir, added, newRnd(seed, 0xf11e5)); err != nil {
		return nil, err
	}
	t := &Truth{Scenario: s.Name, Kind: s.Kind, Title: s.Title, Story: s.Story, Background: s.Background, Seed: seed,
		Start: w.Start, End: w.End, Events: len(recs), Indicator: p.Indicator}
	if s.Background == BackgroundDataset {
		t.Background = "dataset:" + s.Dataset
	}
	for _, a := range w.Accounts {
		if a.Kind != "external" {
			t.Accounts = append(t.Accounts, a.ID)
		}
	}
	t.Attack, t.Owner, t.Neutral = buildTruth(recs, p)
	t.Compromised = t.Attack != nil
	for _, d := range neutralData {
		if t.Attack == nil || !contains(t.Attack.Data, d) {
			t.Neutral.Data = append(t.Neutral.Data, d)
		}
	}
	if s.Kind == "incident" && !t.Compromised {
		return nil, fmt.Errorf("scenario %s: incident without attacker events", s.Name)
	}
	if s.Kind == "control" && t.Compromised {
		return nil, fmt.Errorf("scenario %s: control with attacker events", s.Name)
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("writing truth: %w", err)
	}
	return t, nil
}

// LogPaths are the folders of dir holding the scenario's logs: what to
// ingest (truth.json is beside them, not among them).
func LogPaths(dir string) []string {
	var out []string
	for _, sub := range []string{"AWSLogs", "dataset"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			out = append(out, filepath.Join(dir, sub))
		}
	}
	return out
}

// ReadTruth reads a scenario's truth.json.
func ReadTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading truth: %w", err)
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &t, nil
}
