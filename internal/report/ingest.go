package report

import (
	"fmt"
	"io"
	"sort"

	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// WriteIngest prints an ingest's summary as text. suggestQuery turns a
// query into a command runnable on the case; nil when the case was not
// kept (an ingest that found nothing in a new case).
func WriteIngest(w io.Writer, s *ingest.Summary, dbPath string, suggestQuery func(sql string) string) {
	kept := suggestQuery != nil
	query := func(sql string) string {
		if !kept {
			return "the case was not kept; --format json has every count and file"
		}
		return suggestQuery(sql)
	}
	rate := 0.0
	if s.Seconds > 0 {
		rate = float64(s.EventsRead) / s.Seconds
	}
	db := display.Inline(dbPath)
	fmt.Fprintf(w, "Ingested %d new events from %d files into %s in %.1fs (%.0f events/s, %.1f MB/s read)\n",
		s.Events, s.Files, db, s.Seconds, rate, float64(s.Bytes)/1e6/max(s.Seconds, 1e-9))
	fmt.Fprintf(w, "  files:  %d read, %d skipped, %d digest, %d already in the case\n", s.Files, s.FilesSkipped, s.DigestFiles, s.Unchanged)
	fmt.Fprintf(w, "  events: %d read, %d new, %d duplicates, %d records lost\n", s.EventsRead, s.Events, s.Duplicates, s.Lost)
	if n := s.LogRecords[ingest.FormatS3Access]; n > 0 {
		fmt.Fprintf(w, "  S3 server access log records: %d (table s3_access)\n", n)
	}
	if n := s.LogRecords[ingest.FormatFlowLog]; n > 0 {
		fmt.Fprintf(w, "  VPC flow log records: %d (table flow_logs)\n", n)
	}
	writeOriginals(w, s)
	if s.CutShort > 0 {
		fmt.Fprintf(w, "  %d files cut short or not read: how many records they held after the damage is unknown (not in records lost)\n", s.CutShort)
	}
	if n := s.Errors[ingest.ReasonConflictingCopy]; n > 0 {
		fmt.Fprintf(w, "  %d events came in copies that disagree: one copy is used, the others are kept in event_conflicts (%s)\n", n, query(store.QueryConflicts))
	}
	if s.RolledBack > 0 {
		fmt.Fprintf(w, "  an earlier ingest was interrupted: its %d events were rolled back and its files read again\n", s.RolledBack)
	}
	if len(s.Errors) > 0 {
		fmt.Fprintln(w, "  problems (by reason):")
		reasons := make([]string, 0, len(s.Errors))
		for r := range s.Errors {
			reasons = append(reasons, string(r))
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			note := "not stored"
			if ingest.Reason(r).Stored() {
				note = "stored"
			}
			fmt.Fprintf(w, "    %-32s %8d  (%s)\n", r, s.Errors[ingest.Reason(r)], note)
		}
		if kept {
			fmt.Fprintf(w, "  details: %s\n  per file: %s\n", query(store.QueryRecordErrors),
				query(store.QueryFileErrors))
		}
	}
	var notUnchanged []ingest.SkippedFile
	for _, sk := range s.Skipped {
		if sk.Reason != ingest.SkipAlreadyStored {
			notUnchanged = append(notUnchanged, sk)
		}
	}
	if len(notUnchanged) > 0 {
		fmt.Fprintln(w, "  skipped files:")
		for i, sk := range notUnchanged {
			if i == 20 {
				more := query(store.QuerySkippedFiles)
				if kept {
					more += " lists them all"
				}
				fmt.Fprintf(w, "    … and %d more (%s)\n", len(notUnchanged)-20, more)
				break
			}
			d := ""
			if sk.Detail != "" {
				d = ": " + display.Inline(sk.Detail)
			}
			// A file name may hold a line break or an escape sequence.
			fmt.Fprintf(w, "    %s (%s%s)\n", display.Inline(sk.Path), sk.Reason, d)
		}
	}
}

// writeOriginals says where an in-place ingest left the original events:
// the files must stay, and some events are copied all the same.
func writeOriginals(w io.Writer, s *ingest.Summary) {
	if s.Originals != ingest.OriginalsInPlace {
		return
	}
	fmt.Fprintf(w, "  originals: %d of the new events are read from their %d input files in place: keep the files at their paths, unchanged (trailsleuth audit verify checks them)\n",
		s.InPlaceEvents, s.InPlaceFiles)
	if n := s.Events - s.InPlaceEvents; n > 0 {
		fmt.Fprintf(w, "  originals: %d events are copied into the case all the same (lookup-events output, invalid UTF-8 replaced, files above 64 MiB)\n", n)
	}
}
