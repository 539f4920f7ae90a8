package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// IngestOptions are the ingest command's inputs.
type IngestOptions struct {
	F       *Factory
	Paths   []string
	Workers int
	Format  string
	JSON    bool // --json, the deprecated alias of --format json; settled into it
	// PublicKeys is CloudTrail's saved ListPublicKeys output, for digest
	// validation of the folders ingested; NoVerify skips validation.
	PublicKeys string
	NoVerify   bool
	// MaxInflateRatio and MaxInflateBytes bound decompression per file.
	MaxInflateRatio float64
	MaxInflateBytes int64
	// Originals: how the case keeps the original events (copy, in-place).
	Originals string
}

func newIngestCmd(f *Factory, runF func(context.Context, *IngestOptions) error) *cobra.Command {
	opts := &IngestOptions{F: f}
	cmd := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Read CloudTrail logs into the case database",
		Long: `Read CloudTrail logs into the case database (--db).

PATH may be a file or a folder, walked recursively. The format is recognised
by content, not by name: S3 delivery files {"Records":[...]} (gzipped or not,
also concatenated gzip members), JSON lines (CloudTrail Lake, Athena, SIEM
exports, plain or gzipped), 'aws cloudtrail lookup-events' output, JSON arrays
of events and single events. CloudTrail-Digest files are recorded, not
ingested. Files that are not CloudTrail are skipped and listed with the reason.

When a folder holds digest files and CloudTrail's public keys are at hand
(--public-keys, or the public-keys.json 'trailsleuth collect s3' saves), its
log files are validated against the signed digests and each source records
the result, which reports show in their evidence section.

Copies of an event (same eventID, name and time) are stored once: ingesting
the same folder twice adds nothing. Copies that disagree in content are
conflicts, not duplicates: the one from a digest-validated file (else the
first ingested) is used, the others are kept in event_conflicts, counted as
conflicting_copy and listed in reports. Records that are not CloudTrail (S3
notifications, other clouds' logs, label files) are counted, never stored.
Every input file is recorded with its SHA-256 in the sources table.

The original events are kept byte for byte. By default (--originals copy)
the case keeps a compressed copy of them in its segment file (CASE.raw), so
the case stands on its own. With --originals in-place it records where each
event lies in its input file instead: the case is about half the size and
ingest does less work, but raw, export --raw and the rules that read raw then
read the input files, which must stay where they were ingested from,
unchanged. Each file's size and SHA-256 are checked before it is read, and
'trailsleuth audit verify' checks them all; a file that moved or changed is
an error naming it. Events of files above 64 MiB, of lookup-events output
and events with invalid UTF-8 are copied in either mode.`,
		Example: `  trailsleuth ingest examples/incident
  trailsleuth --db case.duckdb ingest ./AWSLogs export.jsonl.gz
  trailsleuth ingest --format json logs/ | jq .errors`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			var err error
			if opts.JSON, err = summaryJSON(opts.Format, opts.JSON); err != nil {
				return err
			}
			if err := ingest.CheckOriginals(opts.Originals); err != nil {
				return usageErrorf("%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runIngest(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "files decoded in parallel (default: one per CPU)")
	cmd.Flags().StringVar(&opts.PublicKeys, "public-keys", "", "CloudTrail public keys `file` (saved ListPublicKeys output) to validate the folders' digest chains (default: FOLDER/public-keys.json when present)")
	cmd.Flags().BoolVar(&opts.NoVerify, "no-verify", false, "do not validate log files against the digest files found")
	addFormatFlag(cmd.Flags(), &opts.Format, "", summaryFormats, "summary `format`: text, or json (one JSON object) (default: text)")
	addJSONAlias(cmd.Flags(), &opts.JSON)
	cmd.Flags().StringVar(&opts.Originals, "originals", ingest.OriginalsCopy,
		"how the case keeps the original events: copy (in the case), or in-place (read from the input files, which must stay where they are)")
	cmd.Flags().Float64Var(&opts.MaxInflateRatio, "max-inflate-ratio", ingest.DefaultMaxInflateRatio,
		"stop reading a compressed file that expands more than this many times (decompression bomb; -1: no limit)")
	cmd.Flags().Int64Var(&opts.MaxInflateBytes, "max-inflate-bytes", ingest.DefaultMaxInflateBytes,
		"stop reading a compressed file after this many decompressed bytes (-1: no limit)")
	return cmd
}

// checkPaths fails when a path named on the command line cannot be read: a
// mistyped path is an error before anything is read (or created), not a
// skipped input. A case database given where logs belong is named as such.
func checkPaths(paths []string) error {
	for _, p := range paths {
		fh, err := os.Open(p)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the OS's reason; the path is named below
			}
			return fmt.Errorf("cannot read %s: %w (check the path; a relative path is read from %s)", p, err, workDir())
		}
		fi, err := fh.Stat()
		fh.Close()
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		if fi.Mode().IsRegular() && store.IsDuckDB(p) {
			return usageErrorf("%s is a case database, not logs: did you mean --db %s?", p, quoteArg(p))
		}
	}
	return nil
}

// workDir names the current folder for messages about relative paths.
func workDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "the current folder"
	}
	return wd
}

func runIngest(ctx context.Context, opts *IngestOptions) error {
	f := opts.F
	if err := checkPaths(opts.Paths); err != nil {
		return err
	}
	files, walkErrs, err := acquire.Walk(ctx, opts.Paths)
	if err != nil {
		return err
	}
	st, settle, err := f.openForIngest(ctx)
	if err != nil {
		return err
	}
	defer st.Close()

	progress, done := ingestProgress(f, files)
	iopts := ingest.Options{
		Workers:         opts.Workers,
		MaxInflateRatio: opts.MaxInflateRatio,
		MaxInflateBytes: opts.MaxInflateBytes,
		Originals:       opts.Originals,
		ToolVersion:     VersionString(f.Version),
		CommandLine:     f.commandLine(),
		Logger:          f.Logger,
		Progress:        progress,
	}
	sum, err := ingest.Run(ctx, st, files, walkErrs, iopts)
	done()
	if err == nil && sum.DigestFiles > 0 && !opts.NoVerify {
		validateIngested(ctx, f, st, opts.Paths, opts.PublicKeys)
	}
	f.auditIngest(ctx, st, sum, err)
	nothing := err == nil && sum.Empty()
	kept := !settle(err != nil || nothing)
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := jsonout.Write(f.IO.Out, sum); err != nil {
			return err
		}
	} else {
		writeIngestSummary(f.IO.Out, sum, f, kept)
	}
	if nothing {
		return ingest.ErrNothingIngested
	}
	return nil
}

// ingestProgress reports an ingest's advance: the bytes read (what its
// time follows), with files and events as the status. Call done when the
// ingest returns.
func ingestProgress(f *Factory, files []acquire.File) (progress func(ingest.Progress), done func()) {
	var total int64
	for _, fl := range files {
		total += fl.Size
	}
	prog := f.IO.NewProgress("ingest", total, iostreams.Bytes)
	var last string // the last report drawn of everything read
	return func(p ingest.Progress) {
		status := fmt.Sprintf("%d/%d files · %d events", p.FilesDone, p.FilesTotal, p.Events)
		if p.FilesDone == p.FilesTotal && status != last { // everything read: always shown, once
			last = status
			prog.UpdateNow(p.BytesDone, status)
			return
		}
		prog.Update(p.BytesDone, status)
	}, prog.Done
}

// writeIngestSummary prints an ingest's summary; the queries it suggests
// are commands on f's case, runnable as printed, when the case was kept.
func writeIngestSummary(w io.Writer, s *ingest.Summary, f *Factory, kept bool) {
	var suggest func(string) string
	if kept {
		suggest = func(sql string) string { return f.suggest("query", sql) }
	}
	report.WriteIngest(w, s, f.DBPath, suggest)
}
