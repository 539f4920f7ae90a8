package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// investigation is one investigate run of the bench, scored against ctgen's
// truth: the event, credential and address precision and recall the
// headline figures stand on.
type investigation struct {
	Mode             string      `json:"mode"` // "key" (from the leaked key) or "triage"
	Proc             *procResult `json:"process"`
	Actions          int         `json:"actions"`
	EventPrecision   float64     `json:"event_precision"`
	EventRecall      float64     `json:"event_recall"`
	KeysFound        int         `json:"keys_found"`
	KeysTruth        int         `json:"keys_truth"`
	ExtraKeys        []string    `json:"extra_keys"`
	AddressesFound   int         `json:"addresses_found"`
	AddressesTruth   int         `json:"addresses_truth"`
	ExtraAddresses   []string    `json:"extra_addresses"`
	TriageFirstIsKey bool        `json:"triage_first_is_leaked_key,omitempty"`
}

// investigateStep runs investigate on the case, from the leaked key and in
// triage, and scores each report against the truth.
func investigateStep(ctx context.Context, root, tsBin, caseDB, outDir string, tr *truth, logf func(string, ...any), tag string) ([]*investigation, error) {
	var out []*investigation
	for _, mode := range []string{"key", "triage"} {
		report := filepath.Join(outDir, "investigate-"+mode+".json")
		args := []string{"--db", caseDB, "-q", "investigate", "--format", "json", "--out", report}
		if mode == "key" {
			args = append(args, "--key", tr.LeakedAccessKeyID)
		}
		logf("%s: investigate (%s)", tag, mode)
		p, err := runProc(ctx, root, tsBin, args...)
		if err != nil {
			return nil, err
		}
		inv, err := scoreReport(report, tr)
		if err != nil {
			return nil, err
		}
		inv.Mode, inv.Proc = mode, p
		logf("%s: investigate (%s) %.2fs, event precision %.3f recall %.3f", tag, mode, p.Wall, inv.EventPrecision, inv.EventRecall)
		out = append(out, inv)
	}
	return out, nil
}

// scoreReport compares a JSON report with ctgen's truth.
func scoreReport(path string, tr *truth) (*investigation, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r struct {
		Actions []struct {
			EventID string `json:"event_id"`
		} `json:"actions"`
		Credentials []struct {
			AccessKeyID string `json:"access_key_id"`
		} `json:"compromised_credentials"`
		SourceIPs []struct {
			IP string `json:"ip"`
		} `json:"source_ips"`
		Triage []struct {
			AccessKeyIDs []string `json:"access_key_ids"`
		} `json:"triage"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := map[string]bool{}
	for _, id := range tr.EventIDs {
		want[id] = true
	}
	inv := &investigation{Actions: len(r.Actions), KeysTruth: len(tr.AttackerKeys), AddressesTruth: len(tr.AttackerIPs),
		ExtraKeys: []string{}, ExtraAddresses: []string{}}
	tp := 0
	for _, a := range r.Actions {
		if want[a.EventID] {
			tp++
		}
	}
	if len(r.Actions) > 0 {
		inv.EventPrecision = float64(tp) / float64(len(r.Actions))
	}
	if len(want) > 0 {
		inv.EventRecall = float64(tp) / float64(len(want))
	}
	for _, c := range r.Credentials {
		if slices.Contains(tr.AttackerKeys, c.AccessKeyID) {
			inv.KeysFound++
		} else if len(c.AccessKeyID) == 20 {
			// Keyless credentials (a console sign-in) are named, not keys.
			inv.ExtraKeys = append(inv.ExtraKeys, c.AccessKeyID)
		}
	}
	for _, s := range r.SourceIPs {
		if slices.Contains(tr.AttackerIPs, s.IP) {
			inv.AddressesFound++
		} else {
			inv.ExtraAddresses = append(inv.ExtraAddresses, s.IP)
		}
	}
	if len(r.Triage) > 0 {
		inv.TriageFirstIsKey = slices.Contains(r.Triage[0].AccessKeyIDs, tr.LeakedAccessKeyID)
	}
	return inv, nil
}
