package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
)

// HuntFormats are the hunt output formats.
var HuntFormats = []string{"table", "json", "jsonl", "sarif"}

// WriteHunt renders a hunt result.
func WriteHunt(w io.Writer, format string, res *detect.Result, version string) error {
	switch format {
	case "table":
		return writeHuntTable(w, res)
	case "json":
		return jsonout.Write(w, res)
	case "jsonl":
		enc := jsonout.NewLines(w)
		for _, h := range res.Hits {
			if err := enc.Write(h); err != nil {
				return err
			}
		}
		return nil
	case "sarif":
		return writeSARIF(w, res, version)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(HuntFormats, ", "))
}

func writeHuntTable(w io.Writer, res *detect.Result) error {
	res = display.Copy(res) // titles and values shown escaped
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tRULE\tTACTICS\tEVENTS\tFIRST SEEN\tLAST SEEN")
	for _, h := range res.Hits {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", h.Level, h.Title, strings.Join(h.Tactics, ","), h.Count,
			timeOrDash(h.FirstSeen), timeOrDash(h.LastSeen))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d rules run in %.1fs, %d with hits", res.RulesRun, res.Seconds, len(res.Hits))
	if len(res.Errors) > 0 {
		fmt.Fprintf(w, ", %d rules could not run (--format json lists why)", len(res.Errors))
	}
	fmt.Fprintln(w)
	return nil
}

// timeOrDash is a time in RFC 3339, or "-" when unknown.
func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// SARIF 2.1.0, the format code-scanning tools and SIEMs import.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  *sarifText     `json:"fullDescription,omitempty"`
	Help             *sarifText     `json:"help,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifResult struct {
	RuleID     string         `json:"ruleId"`
	RuleIndex  int            `json:"ruleIndex"`
	Level      string         `json:"level"`
	Message    sarifText      `json:"message"`
	Properties map[string]any `json:"properties"`
}

func sarifLevel(l string) string {
	s, _ := event.ParseSeverity(l)
	switch {
	case s >= event.SeverityHigh:
		return "error"
	case s == event.SeverityMedium:
		return "warning"
	}
	return "note"
}

func writeSARIF(w io.Writer, res *detect.Result, version string) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "trailsleuth", Version: version, Rules: []sarifRule{}}}, Results: []sarifResult{}}
	for i, h := range res.Hits {
		r := sarifRule{ID: h.RuleID, Name: h.Title, ShortDescription: sarifText{h.Title},
			Properties: map[string]any{"tags": h.Tags, "level": h.Level}}
		if h.Description != "" {
			r.FullDescription = &sarifText{h.Description}
		}
		if h.Remediation != "" {
			r.Help = &sarifText{h.Remediation}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
		run.Results = append(run.Results, sarifResult{
			RuleID: h.RuleID, RuleIndex: i, Level: sarifLevel(h.Level),
			Message: sarifText{fmt.Sprintf("%s: %d CloudTrail events from %s to %s", h.Title, h.Count, timeOrDash(h.FirstSeen), timeOrDash(h.LastSeen))},
			Properties: map[string]any{"event_ids": h.EventIDs, "first_seen": timeOrDash(h.FirstSeen), "last_seen": timeOrDash(h.LastSeen),
				"tactics": h.Tactics, "techniques": h.Techniques},
		})
	}
	return jsonout.Write(w, sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}
