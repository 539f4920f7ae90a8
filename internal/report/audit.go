package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// WriteAudit renders the case's audit log as JSON or as a table with
// each entry's notes and outputs below it.
func WriteAudit(w io.Writer, format string, entries []store.AuditEntry) error {
	switch format {
	case "json":
		if entries == nil {
			entries = []store.AuditEntry{}
		}
		return jsonout.Write(w, entries)
	case "text", "":
		entries = display.Copy(entries) // command lines and paths shown escaped
		var rows [][]string
		for _, e := range entries {
			files := fmt.Sprintf("%d in, %d out", len(e.Inputs), len(e.Outputs))
			rows = append(rows, []string{fmt.Sprint(e.Seq), e.Time.Format("2006-01-02T15:04:05Z"), e.Kind, e.User + "@" + e.Host,
				e.ToolVersion, e.CommandLine, files, e.Hash[:12]})
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTIME (UTC)\tKIND\tWHO\tVERSION\tCOMMAND\tFILES\tHASH")
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, e := range entries {
			if e.Note != "" || len(e.Outputs) > 0 {
				fmt.Fprintf(w, "\n#%d", e.Seq)
				if e.Note != "" {
					fmt.Fprintf(w, " %s", e.Note)
				}
				fmt.Fprintln(w)
				for _, o := range e.Outputs {
					fmt.Fprintf(w, "  wrote %s sha256 %s\n", o.Path, o.SHA256)
				}
			}
		}
		return nil
	}
	return fmt.Errorf("audit log format %q: want text or json", format)
}

// WriteAuditVerify renders audit verify's result: n entries checked and
// the problems found, then the check of the original events' blocks.
func WriteAuditVerify(w io.Writer, format string, n int, probs []store.AuditProblem, blocks store.BlockCheck) error {
	if format == "json" {
		if probs == nil {
			probs = []store.AuditProblem{}
		}
		return jsonout.Write(w, map[string]any{"entries": n, "ok": len(probs) == 0 && len(blocks.Problems) == 0, "problems": probs,
			"blocks": blocks})
	}
	for _, p := range probs {
		fmt.Fprintf(w, "entry %d: %s\n", p.Seq, p.Problem)
	}
	if len(probs) == 0 {
		fmt.Fprintf(w, "audit log intact: %d entries, every hash and link verified\n", n)
	} else {
		fmt.Fprintf(w, "audit log BROKEN: %d problems in %d entries\n", len(probs), n)
	}
	for _, p := range blocks.Problems {
		fmt.Fprintf(w, "original events: %s\n", p)
	}
	var err error
	switch {
	case blocks.Blocks == 0 && blocks.InPlaceFiles == 0:
	case len(blocks.Problems) == 0 && blocks.Blocks == 0:
	case len(blocks.Problems) == 0:
		_, err = fmt.Fprintf(w, "original events intact: %d blocks (%s) in %s, every SHA-256 verified\n", blocks.Blocks, display.Bytes(blocks.Bytes), blocks.Segment)
	default:
		_, err = fmt.Fprintf(w, "original events DAMAGED or MISSING: %s checked\n", checkedWhat(blocks))
	}
	if err == nil && blocks.InPlaceFiles > 0 && len(blocks.Problems) == 0 {
		_, err = fmt.Fprintf(w, "original events kept in place: %d input files (%s), each file's size and SHA-256 verified\n", blocks.InPlaceFiles, display.Bytes(blocks.InPlaceBytes))
	}
	if err == nil && blocks.Unused > 0 {
		_, err = fmt.Fprintf(w, "original events: %s of the segment file belong to no block (ingests rolled back or never finished); the case does not read them\n",
			display.Bytes(blocks.Unused))
	}
	return err
}

// checkedWhat says what VerifyBlocks read: the segment's blocks, the input
// files holding events in place, or both.
func checkedWhat(b store.BlockCheck) string {
	var parts []string
	if b.Blocks > 0 {
		parts = append(parts, fmt.Sprintf("%d blocks in %s", b.Blocks, b.Segment))
	}
	if b.InPlaceFiles > 0 {
		parts = append(parts, fmt.Sprintf("%d input files holding events in place", b.InPlaceFiles))
	}
	return strings.Join(parts, " and ")
}
