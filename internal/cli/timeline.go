package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/timeline"
)

// TimelineOptions are the timeline command's inputs.
type TimelineOptions struct {
	F          *Factory
	Since      string
	Until      string
	Accounts   []string
	Regions    []string
	Keys       []string
	Principals []string
	IPs        []string
	EventNames []string
	Format     string
	Out        string
	Hunt       bool
	Rules      RuleSourceOptions
	// AllowEmpty exports even when the scope matches no event.
	AllowEmpty bool
	from, to   *time.Time
}

func newTimelineCmd(f *Factory, runF func(context.Context, *TimelineOptions) error) *cobra.Command {
	opts := &TimelineOptions{F: f}
	cmd := &cobra.Command{
		Use:   "timeline --format FORMAT [--out FILE]",
		Short: "Export the case's events as a timeline for Timesketch, Elastic, Security Lake or a spreadsheet",
		Long: `Export the case's events, oldest first, as a timeline:

  csv             flat timeline: time (UTC), event, account, region, principal,
                  access key, source IP, user agent, error, resource, event id,
                  ATT&CK tactic and technique, detection rule hits
  jsonl           the same, one JSON object per line
  timesketch      JSON lines Timesketch imports as they are (message, datetime,
                  timestamp_desc, tag); name the file *.jsonl
  timesketch-csv  the same as CSV; name the file *.csv
  ecs             NDJSON in Elastic Common Schema 8.11, as Elastic's AWS
                  CloudTrail integration maps CloudTrail
  ocsf            NDJSON in OCSF 1.1.0, as Amazon Security Lake maps CloudTrail
                  (API Activity 6003, Authentication 3002, Account Change 3001)
  ocsf-parquet    the same OCSF as Parquet in Security Lake's custom-source
                  layout, into the folder --out names (new or empty): one
                  folder per class, region=/accountId=/eventDay=YYYYMMDD/

Filters: --since/--until, --account, --region and --event-name limit every
event; --key, --principal and --ip each select events and their union is
kept (as in investigate). Repeat a flag for alternatives.

With --hunt the detection rules run first (the built-in pack and any --rules
folders; --rules and --no-builtin imply --hunt) and each event is tagged with
the titles of the rules it matched. Hunt results are not stored in the case,
so without --hunt the rules column is empty.
Values written to CSV are escaped against spreadsheet formula injection.
docs/timeline.md describes every field.`,
		Example: `  trailsleuth timeline --format csv --out timeline.csv
  trailsleuth timeline --format timesketch --hunt --key AKIAEXAMPLE --out incident.jsonl
  trailsleuth timeline --format ecs --since 2025-03-11 --until 2025-03-12 > events.ndjson
  trailsleuth timeline --format ocsf --ip 203.0.113.0/24 --event-name ConsoleLogin
  trailsleuth timeline --format ocsf-parquet --out lake/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("rules") || cmd.Flags().Changed("no-builtin") {
				opts.Hunt = true
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTimeline(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addFormatFlag(fl, &opts.Format, "", timeline.Formats, "`format`: "+strings.Join(timeline.Formats, ", ")+" (default: from --out's extension, .csv or .jsonl, else csv)")
	fl.StringVarP(&opts.Out, "out", "o", "", "write to `file` instead of standard output (a folder for ocsf-parquet)")
	addScopeFlags(fl, &opts.Since, &opts.Until, &opts.Accounts, &opts.Regions)
	fl.StringArrayVar(&opts.EventNames, "event-name", nil, "only this event `name`, e.g. ConsoleLogin (repeatable)")
	fl.StringArrayVar(&opts.Keys, "key", nil, "events of this access key `id` (repeatable)")
	fl.StringArrayVar(&opts.Principals, "principal", nil, "events of this `principal`: ARN or IAM user name, or role behind a session (repeatable)")
	fl.StringArrayVar(&opts.IPs, "ip", nil, "events from this source `address` or CIDR block (repeatable)")
	addAllowEmptyFlag(fl, &opts.AllowEmpty)
	fl.BoolVar(&opts.Hunt, "hunt", false, "run the detection rules first and tag events with the rules they matched")
	opts.Rules.addFlags(cmd)
	return cmd
}

func (o *TimelineOptions) validate() error {
	var err error
	if o.Format, err = pickFormat(o.Format, o.Out, "csv", timeline.Formats); err != nil {
		return err
	}
	if o.Format == timeline.ParquetFormat && o.Out == "" {
		return usageErrorf("--format %s writes a folder: name it with --out", o.Format)
	}
	if err := timeline.ValidateIPs(o.IPs); err != nil {
		return usageError{err}
	}
	if o.from, o.to, err = timeWindow(o.Since, o.Until, time.Now()); err != nil {
		return err
	}
	return nil
}

// wantExt is the file extension Timesketch's importer insists on.
var wantExt = map[string]string{"timesketch": ".jsonl", "timesketch-csv": ".csv"}

func runTimeline(ctx context.Context, opts *TimelineOptions) (err error) {
	f := opts.F
	var sum timeline.Summary
	stdout := newHashWriter(f.IO.Out)
	defer func() { // after the read-only handle below is closed
		if err == nil {
			f.recordAudit(ctx, nil, store.AuditRead, nil, timelineOutputs(opts, stdout), fmt.Sprintf("timeline %s: %d events", opts.Format, sum.Written))
		}
	}()
	st, err := f.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// An empty timeline file from a mistyped key or window would read as
	// "nothing happened": say so instead.
	sc := scopeCheck{from: opts.from, to: opts.to, accounts: opts.Accounts, regions: opts.Regions,
		keys: opts.Keys, principals: opts.Principals, ips: opts.IPs, allowEmpty: opts.AllowEmpty}
	if err := checkScope(ctx, f, st.DB(), sc); err != nil {
		return err
	}
	hits, err := timelineHits(ctx, opts, st)
	if err != nil {
		return err
	}
	if sum, err = writeTimeline(ctx, opts, st, stdout, hits); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	dest := opts.Out
	if dest == "" {
		dest = "standard output"
	}
	f.IO.Warnf("wrote %d events to %s (%s)\n", sum.Written, dest, opts.Format)
	if sum.NoTime > 0 {
		f.IO.Warnf("left out %d matching events without a usable eventTime (a timeline cannot place them; 'trailsleuth query' shows them)\n", sum.NoTime)
	}
	if sum.Matched == 0 {
		f.IO.Warnf("no event matched the filters\n")
	}
	return nil
}

// timelineOutputs are the files a timeline wrote, for the audit log.
func timelineOutputs(opts *TimelineOptions, stdout *hashWriter) []store.AuditFile {
	switch {
	case opts.Format == timeline.ParquetFormat:
		return outputFolder(opts.Out)
	case opts.Out != "":
		return []store.AuditFile{outputFile(opts.Out)}
	}
	return []store.AuditFile{stdout.file("(stdout)")}
}

// timelineHits runs the rules when --hunt asks for it: event id → the
// rules that hit it, to tag the timeline's rows.
func timelineHits(ctx context.Context, opts *TimelineOptions, st *store.Store) (map[string][]string, error) {
	if !opts.Hunt {
		return nil, nil
	}
	f := opts.F
	pack, err := opts.Rules.load()
	if err != nil {
		return nil, err
	}
	res, err := f.runRules(ctx, st, pack, detect.RunOptions{TimeFrom: opts.from, TimeTo: opts.to})
	if err != nil {
		return nil, err
	}
	f.warnRuleErrors(res.Errors)
	hits := timeline.HitsFrom(res.Hits)
	f.IO.Warnf("hunt: %d rules run, %d with hits, %d events tagged\n", res.RulesRun, len(res.Hits), len(hits))
	return hits, nil
}

// writeTimeline writes the timeline in its format, with a progress bar
// that starts at the first report, when the number of events is known.
func writeTimeline(ctx context.Context, opts *TimelineOptions, st *store.Store, stdout io.Writer, hits map[string][]string) (timeline.Summary, error) {
	f := opts.F
	var prog *iostreams.Progress
	defer func() {
		if prog != nil {
			prog.Done()
		}
	}()
	topts := timeline.Options{
		Format: opts.Format, Hits: hits,
		Filter: timeline.Filter{Since: opts.from, Until: opts.to, Accounts: opts.Accounts, Regions: opts.Regions,
			EventNames: opts.EventNames, Keys: opts.Keys, Principals: opts.Principals, IPs: opts.IPs},
		Progress: func(done, total int64) {
			if prog == nil {
				prog = f.IO.NewProgress("timeline", total, iostreams.Count("events"))
			}
			prog.Update(done, "")
		},
	}
	if opts.Format == timeline.ParquetFormat {
		return timeline.ExportParquet(ctx, st.DB(), opts.Out, topts)
	}
	return exportStream(ctx, st.DB(), stdout, opts, topts)
}

// exportStream writes a one-stream format to standard output or, through a
// temporary file renamed into place, to --out.
func exportStream(ctx context.Context, db *sql.DB, stdout io.Writer, opts *TimelineOptions, topts timeline.Options) (timeline.Summary, error) {
	f := opts.F
	out, commit, err := openOutput(stdout, opts.Out)
	if err != nil {
		return timeline.Summary{}, err
	}
	if ext := wantExt[opts.Format]; ext != "" && opts.Out != "" && !strings.EqualFold(filepath.Ext(opts.Out), ext) {
		f.IO.Warnf("note: Timesketch imports %s only from a file named *%s\n", opts.Format, ext)
	}
	sum, err := timeline.Export(ctx, db, out, topts)
	if cerr := commit(err == nil); err == nil {
		err = cerr
	}
	return sum, err
}

// openOutput returns where to write and a function that finishes the
// output: for a file, a temporary file beside it renamed into place on
// success (so a failed export never leaves a truncated timeline under the
// requested name) and removed on failure.
func openOutput(stdout io.Writer, path string) (io.Writer, func(ok bool) error, error) {
	if path == "" {
		return stdout, func(bool) error { return nil }, nil
	}
	tmp, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return tmp, func(ok bool) error {
		if !ok {
			tmp.Abort()
			return nil
		}
		return tmp.Commit()
	}, nil
}

// outputFolder hashes every file under dir, for the audit entry of a
// command that wrote a folder.
func outputFolder(dir string) []store.AuditFile {
	var out []store.AuditFile
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, outputFile(p))
		}
		return err
	})
	if err != nil {
		out = append(out, store.AuditFile{Path: dir, SHA256: "unreadable: " + err.Error()})
	}
	return out
}
