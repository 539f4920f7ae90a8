// Package accuracy runs trailsleuth on the scenarios of internal/scenario
// and scores its JSON reports against their truth: precision and recall
// of credentials, addresses, persistence, data and events, the attacker's
// rank in triage, and whether the owner was named. The tool is a black
// box here: only its report is read.
package accuracy

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/trailsleuth/trailsleuth/internal/cli"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/scenario"
)

// Enrichment is what a well-equipped responder passes to investigate: an
// ASN database and AWS's published ranges, here written from the
// scenarios' address plan (scenario.Networks).
type Enrichment struct {
	ASN, AWSRanges string
}

// WriteEnrichment writes the ASN database and ip-ranges.json into dir.
func WriteEnrichment(dir string) (Enrichment, error) {
	e := Enrichment{ASN: filepath.Join(dir, "asn.mmdb"), AWSRanges: filepath.Join(dir, "ip-ranges.json")}
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-ASN", RecordSize: 28, IPVersion: 6})
	if err != nil {
		return e, fmt.Errorf("ASN database: %w", err)
	}
	type prefix struct {
		IPPrefix string `json:"ip_prefix"`
		Region   string `json:"region"`
		Service  string `json:"service"`
		Border   string `json:"network_border_group"`
	}
	var ranges []prefix
	for _, n := range scenario.Networks() {
		for _, p := range n.Prefixes {
			_, ipn, err := net.ParseCIDR(p)
			if err != nil {
				return e, fmt.Errorf("network %s: %w", n.Name, err)
			}
			rec := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(n.ASN), "autonomous_system_organization": mmdbtype.String(n.Org)}
			if err := w.Insert(ipn, rec); err != nil {
				return e, fmt.Errorf("network %s: %w", n.Name, err)
			}
			if n.AWSService != "" {
				ranges = append(ranges, prefix{p, n.AWSRegion, "AMAZON", n.AWSRegion}, prefix{p, n.AWSRegion, n.AWSService, n.AWSRegion})
			}
		}
	}
	f, err := os.Create(e.ASN)
	if err != nil {
		return e, fmt.Errorf("ASN database: %w", err)
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return e, fmt.Errorf("writing %s: %w", e.ASN, err)
	}
	if err := f.Close(); err != nil {
		return e, fmt.Errorf("writing %s: %w", e.ASN, err)
	}
	doc := map[string]any{"syncToken": "1730000000", "createDate": "2025-10-27-00-00-00", "prefixes": ranges, "ipv6_prefixes": []any{}}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return e, err
	}
	if err := os.WriteFile(e.AWSRanges, b, 0o644); err != nil {
		return e, fmt.Errorf("writing %s: %w", e.AWSRanges, err)
	}
	return e, nil
}

// Modes of investigation.
const (
	ModeTriage    = "triage"    // no indicator: the tool ranks and chooses
	ModeIndicator = "indicator" // from the truth's indicator
)

// trailsleuth runs the command line in-process and returns its stderr.
func trailsleuth(ctx context.Context, args ...string) (string, error) {
	io, _, errOut := iostreams.Test()
	if code := cli.Main(ctx, io, "accuracy", args); code != cli.ExitOK {
		return errOut.String(), fmt.Errorf("trailsleuth %s: exit %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errOut.String()))
	}
	return errOut.String(), nil
}

// Ingest reads the scenario's logs into a new case database.
func Ingest(ctx context.Context, db, dir string) error {
	paths := scenario.LogPaths(dir)
	if len(paths) == 0 {
		return fmt.Errorf("no logs in %s", dir)
	}
	_, err := trailsleuth(ctx, append([]string{"--db", db, "-q", "ingest"}, paths...)...)
	return err
}

// Investigate writes and reads back the JSON report of one investigation.
func Investigate(ctx context.Context, db, mode string, t *scenario.Truth, enr Enrichment) (*event.Case, error) {
	out := filepath.Join(filepath.Dir(db), mode+".json")
	args := []string{"--db", db, "-q", "investigate", "--format", "json", "--out", out, "--asn", enr.ASN, "--aws-ip-ranges", enr.AWSRanges}
	if mode == ModeIndicator {
		if t.Indicator == nil {
			return nil, fmt.Errorf("scenario %s has no indicator", t.Scenario)
		}
		args = append(args, t.Indicator.Flag, t.Indicator.Value)
	}
	if _, err := trailsleuth(ctx, args...); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("reading the report: %w", err)
	}
	var c event.Case
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parsing the report %s: %w", out, err)
	}
	return &c, nil
}
