package cli

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/analyze"
	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/compliance"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/pager"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// InvestigateOptions are the investigate command's inputs.
type InvestigateOptions struct {
	F          *Factory
	Paths      []string
	Since      string
	Until      string
	Accounts   []string
	Regions    []string
	Keys       []string
	Principals []string
	IPs        []string
	Format     string
	Out        string
	NoHunt     bool
	IPInfo     IPInfoOptions
	Compliance bool
	Rules      RuleSourceOptions
	Engine     EngineOptions
	// AllowEmpty writes the report even when the case, the window or the
	// indicators match no event (exit 0 instead of ExitNoEvents).
	AllowEmpty bool
	from, to   *time.Time
}

func newInvestigateCmd(f *Factory, runF func(context.Context, *InvestigateOptions) error) *cobra.Command {
	opts := &InvestigateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "investigate [PATH...]",
		Short: "Investigate a suspected compromise and write the forensic report",
		Long: `Investigate a suspected compromise from the case database (PATHs are ingested
into it first) and write the forensic report: the compromised credentials and
everything derived from them (assumed-role sessions, created keys and users,
console sessions), the attacker's source IPs, a timeline of their actions in
sessions tagged with MITRE ATT&CK, the data they accessed, what they changed,
the persistence they left, detection hits, and remediation steps with the aws
CLI commands to take them.

With --key, --principal or --ip the investigation starts from those
indicators, and the detection rules run over the investigated events only
(fast on a large case; run 'trailsleuth hunt' for correlations across
everyone). With none, it triages: it ranks credentials by suspicion
(offensive-tool user agents, detection hits, new source addresses, denied
bursts, IAM changes, logging tampering) and investigates the top ones, saying
why each was chosen.

With --engine athena or --engine lake the events in scope are selected where
the logs are (Amazon Athena or a CloudTrail Lake event data store): the
credential-granting calls in the window, and the events of the indicators and
of every credential derived from them, round after round. They are loaded into
a temporary case database (or --db) and investigated there; the report's
evidence names the queries. Without indicators, a remote hunt and an
offensive-user-agent query choose them (docs/athena.md).`,
		Example: `  trailsleuth investigate examples/incident
  trailsleuth investigate --key AKIAEXAMPLE --since 7d --format markdown --out report.md
  trailsleuth investigate --key AKIAEXAMPLE --format html --out report.html
  trailsleuth investigate --principal ci-deploy --format json | jq .compromised_credentials
  trailsleuth investigate --engine athena --athena-database security --key AKIAEXAMPLE --since 30d
  trailsleuth investigate --engine lake --event-data-store arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE --ip 203.0.113.7`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInvestigate(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addScopeFlags(fl, &opts.Since, &opts.Until, &opts.Accounts, &opts.Regions)
	fl.StringArrayVar(&opts.Keys, "key", nil, "suspected access key id, AKIA… or ASIA… (repeatable)")
	fl.StringArrayVar(&opts.Principals, "principal", nil, "suspected principal: ARN or IAM user name (repeatable)")
	fl.StringArrayVar(&opts.IPs, "ip", nil, "suspected source IP or CIDR (repeatable)")
	addFormatFlag(fl, &opts.Format, "", report.Formats(), "report `format`: "+strings.Join(report.Formats(), ", ")+" (default: from --out's extension — .html .json .md .txt — else text)")
	fl.StringVarP(&opts.Out, "out", "o", "", "write the report to `file` instead of standard output")
	fl.BoolVar(&opts.NoHunt, "no-hunt", false, "do not run the detection rules first")
	addAllowEmptyFlag(fl, &opts.AllowEmpty)
	opts.IPInfo.addFlags(fl)
	fl.BoolVar(&opts.Compliance, "compliance", false, "add the compliance mapping: the controls (SOC 2, ISO 27001 Annex A, NIST 800-53, NIST CSF) each finding type is evidence about")
	opts.Rules.addFlags(cmd)
	opts.Engine.addFlags(cmd)
	return cmd
}

func (o *InvestigateOptions) validate() error {
	if err := o.Engine.validate(); err != nil {
		return err
	}
	var err error
	if o.Format, err = pickFormat(o.Format, o.Out, "text", report.Formats()); err != nil {
		return err
	}
	if o.from, o.to, err = timeWindow(o.Since, o.Until, time.Now()); err != nil {
		return err
	}
	return nil
}

func runInvestigate(ctx context.Context, opts *InvestigateOptions) error {
	if opts.Engine.remote() {
		return investigateRemote(ctx, opts)
	}
	st, readOnly, err := openInvestigation(ctx, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkScope(ctx, opts.F, st.DB(), opts.scope()); err != nil {
		return err
	}
	findings, detectOn, err := investigationHunt(ctx, opts, st)
	if err != nil {
		return err
	}
	c, err := analyzeCase(ctx, opts, st, readOnly, findings, detectOn)
	if err != nil {
		return err
	}
	return writeInvestigation(ctx, opts, st, c, readOnly)
}

// openInvestigation opens the case investigate reads, first ingesting its
// PATHs, if any, into it (a new case is created only if they yield events).
func openInvestigation(ctx context.Context, opts *InvestigateOptions) (st *store.Store, readOnly bool, err error) {
	f := opts.F
	if err := checkPaths(opts.Paths); err != nil {
		return nil, false, err
	}
	ingesting := len(opts.Paths) > 0
	if !ingesting {
		if err := f.requireCase(); err != nil {
			return nil, false, err
		}
	}
	newCase := ingesting && !caseExists(f.DBPath)
	st, readOnly, err = openForReport(ctx, f, ingesting)
	if err != nil {
		if newCase {
			discardNewCase(nil, f.DBPath, err)
		}
		return nil, false, err
	}
	if !ingesting {
		return st, readOnly, nil
	}
	sum, err := investigateIngest(ctx, f, st, opts.Paths)
	if err != nil {
		// Only a case that received events is created.
		if newCase {
			discardNewCase(st, f.DBPath, nil)
			f.IO.Warnf("no case database was created at %s: nothing was ingested\n", f.DBPath)
		} else {
			st.Close()
		}
		return nil, false, err
	}
	if sum.RolledBack > 0 {
		f.IO.Warnf("warning: an earlier ingest was interrupted: its %d events were rolled back and its files read again\n", sum.RolledBack)
	}
	f.IO.Warnf("ingested %d new events from %d files (%d already in the case, %d skipped)\n", sum.Events, sum.Files, sum.Duplicates, sum.FilesSkipped)
	return st, readOnly, nil
}

// investigationHunt runs the rules for an investigation: over the whole
// window when triage chooses the credentials (findings), or, from
// indicators, over the investigated events only, as analysis finds them
// (detectOn): seconds, not a whole-case hunt.
func investigationHunt(ctx context.Context, opts *InvestigateOptions, st *store.Store) (
	findings []event.Finding, detectOn func(context.Context, []analyze.Cond) ([]event.Finding, error), err error) {
	if opts.NoHunt {
		return nil, nil, nil
	}
	f := opts.F
	pack, err := opts.Rules.load()
	if err != nil {
		return nil, nil, err
	}
	if len(opts.Keys)+len(opts.Principals)+len(opts.IPs) > 0 {
		return nil, func(ctx context.Context, conds []analyze.Cond) ([]event.Finding, error) {
			return huntEvents(ctx, f, st, pack, conds)
		}, nil
	}
	res, err := f.runRules(ctx, st, pack, detect.RunOptions{TimeFrom: opts.from, TimeTo: opts.to})
	if err != nil {
		return nil, nil, err
	}
	f.warnRuleErrors(res.Errors)
	return res.Hits, nil, nil
}

// reportID settles the report's sequence number and creation time: the
// same case state, version and question give the same report id and
// content; a read-only case finds an earlier report's instead of adding one.
func reportID(ctx context.Context, st *store.Store, readOnly bool, now time.Time, stateHash, version, cmdline string) (int, time.Time, error) {
	fp := sha256.Sum256([]byte(stateHash + "\n" + version + "\n" + cmdline))
	if !readOnly {
		seq, created, _, err := st.NextReport(ctx, now, cmdline, hex.EncodeToString(fp[:]))
		return seq, created, err
	}
	seq, created, _, err := st.FindReport(ctx, hex.EncodeToString(fp[:]))
	if seq == 0 {
		created = now
	}
	return seq, created, err
}

// analyzeCase runs the analysis into the report's Case, with the case
// state, the conflicting copies and, if asked, the compliance mapping.
func analyzeCase(ctx context.Context, opts *InvestigateOptions, st *store.Store, readOnly bool,
	findings []event.Finding, detectOn func(context.Context, []analyze.Cond) ([]event.Finding, error)) (*event.Case, error) {
	f := opts.F
	ipdb, err := opts.IPInfo.open()
	if err != nil {
		return nil, err
	}
	defer ipdb.Close()
	now := time.Now().UTC()
	cmdline := f.commandLine()
	stateSeq, stateHash, err := st.CaseState(ctx)
	if err != nil {
		return nil, err
	}
	seq, created, err := reportID(ctx, st, readOnly, now, stateHash, VersionString(f.Version), cmdline)
	if err != nil {
		return nil, err
	}
	// The analysis reports no advance of its own: a line says it runs.
	prog := f.IO.NewProgress("investigate", 0, iostreams.Count(""))
	prog.Update(0, "following the credentials, their sessions and what they did…")
	c, err := analyze.Investigate(ctx, st.DB(), analyze.Options{
		Since: opts.from, Until: opts.to, Accounts: opts.Accounts, Regions: opts.Regions,
		Keys: opts.Keys, Principals: opts.Principals, IPs: opts.IPs, Findings: findings, Detect: detectOn,
		Now: created, GeneratedAt: now, ReportSeq: seq, Database: f.DBPath, IPInfo: ipdb, Logger: f.Logger,
		Tool: event.ToolInfo{Name: "trailsleuth", Version: VersionString(f.Version), CommandLine: cmdline},
	})
	prog.Done()
	if err != nil {
		return nil, err
	}
	c.Evidence.CaseState = &event.CaseState{AuditSeq: stateSeq, AuditHash: stateHash}
	if c.Evidence.InPlace, err = st.InPlace(ctx, 0); err != nil {
		return nil, err
	}
	if c.Evidence.Conflicts, c.Evidence.ConflictTotal, err = conflicts(ctx, st); err != nil {
		return nil, err
	}
	if opts.Compliance {
		if c.Compliance, err = compliance.Map(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// writeInvestigation writes the report to --out (atomically) or standard
// output (through a pager on a terminal) and records it in the audit log.
func writeInvestigation(ctx context.Context, opts *InvestigateOptions, st *store.Store, c *event.Case, readOnly bool) error {
	f := opts.F
	ropts := f.reportOptions(opts.Out != "")
	w, err := report.NewWithOptions(opts.Format, ropts)
	if err != nil {
		return err
	}
	out, finish, err := reportOutput(f, opts.Out, ropts.Terminal && opts.Format == "text")
	if err != nil {
		return err
	}
	hw := newHashWriter(out)
	err = finish(w.Write(hw, c))
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if opts.Out != "" {
		f.IO.Warnf("wrote %s (%s): %d compromised credentials, %d suspicious events\n", opts.Out, c.ReportID, len(c.CompromisedCredentials), c.SuspiciousEventCount)
	}
	if readOnly {
		return nil
	}
	f.recordAudit(ctx, st, store.AuditRead, nil, []store.AuditFile{hw.file(cmp.Or(opts.Out, "(stdout)"))},
		fmt.Sprintf("report %s (%s): %d compromised credentials, %d suspicious events", c.ReportID, cmp.Or(opts.Format, "default format"), len(c.CompromisedCredentials), c.SuspiciousEventCount))
	return nil
}

// reportOutput is where a report goes: path, written beside and renamed
// into place (an interrupted or failed write never leaves a partial report
// under the name, and the previous report survives it), or standard output,
// through a pager when paged (git's way: a long report's start can be
// read; quitting the pager early is no error). finish takes the write's
// error and commits or abandons the output, returning the first error.
func reportOutput(f *Factory, path string, paged bool) (io.Writer, func(error) error, error) {
	if path != "" {
		file, err := atomicfile.Create(path, 0o644)
		if err != nil {
			return nil, nil, err
		}
		return file, func(err error) error {
			if err != nil {
				file.Abort()
				return err
			}
			return file.Commit()
		}, nil
	}
	if paged {
		pg, err := pager.Start(f.IO.Out, f.IO.ErrOut, os.Environ())
		if err != nil {
			return nil, nil, err
		}
		if pg != nil {
			return pg, func(err error) error {
				pg.Close()
				return err
			}, nil
		}
	}
	return f.IO.Out, func(err error) error { return err }, nil
}

// investigateIngest ingests investigate's PATHs into the case. PATHs that
// yield nothing — no CloudTrail file among them — are an error that says
// what was found instead, not an investigation of whatever the case held.
func investigateIngest(ctx context.Context, f *Factory, st *store.Store, paths []string) (*ingest.Summary, error) {
	files, walkErrs, err := acquire.Walk(ctx, paths)
	if err != nil {
		return nil, err
	}
	progress, done := ingestProgress(f, files)
	sum, err := ingest.Run(ctx, st, files, walkErrs, ingest.Options{ToolVersion: VersionString(f.Version), CommandLine: f.commandLine(), Logger: f.Logger, Progress: progress})
	done()
	f.auditIngest(ctx, st, sum, err)
	if err != nil {
		return nil, err
	}
	if sum.Empty() {
		why := map[string]int{}
		for _, sk := range sum.Skipped {
			why[string(sk.Reason)]++
		}
		var parts []string
		for _, r := range slices.Sorted(maps.Keys(why)) {
			parts = append(parts, fmt.Sprintf("%d %s", why[r], r))
		}
		detail := "no files"
		if len(parts) > 0 {
			detail = "files skipped: " + strings.Join(parts, ", ")
		}
		return nil, fmt.Errorf("%w from %s (%s): give the folder that holds the CloudTrail logs; %s lists each skipped file",
			ingest.ErrNothingIngested, strings.Join(paths, " "), detail, "'"+f.suggest(append([]string{"ingest"}, paths...)...)+"'")
	}
	return sum, nil
}

// maxConflicts bounds the conflicting copies a report lists (all are in
// the case: SELECT * FROM event_conflicts).
const maxConflicts = 200

// conflicts lists the events whose copies disagree, for the report's
// evidence: which copy the analysis used and why.
func conflicts(ctx context.Context, st *store.Store) ([]event.CopyConflict, int, error) {
	list, total, err := st.Conflicts(ctx, maxConflicts)
	if err != nil {
		return nil, 0, err
	}
	copyOf := func(c store.ConflictCopy) event.EventCopy {
		return event.EventCopy{Path: c.Path, SHA256: c.SHA256, Validation: c.Validation, Position: c.Position, SourceIP: c.SourceIP, Differs: c.Differs}
	}
	out := make([]event.CopyConflict, 0, len(list))
	for _, c := range list {
		cc := event.CopyConflict{EventID: c.EventID, EventName: c.EventName, Used: copyOf(c.Used), Why: c.Why}
		if c.EventTime.Valid {
			t := c.EventTime.Time.UTC()
			cc.EventTime = &t
		}
		for _, a := range c.SetAside {
			cc.SetAside = append(cc.SetAside, copyOf(a))
		}
		out = append(out, cc)
	}
	return out, total, nil
}

// openForReport opens the case for investigate. A case that cannot be
// written (read-only storage) is investigated read-only when no paths are
// to be ingested: no report number is reserved and no audit entry written,
// and the user is told. On a writable case, ingests that never finished
// are rolled back first (as the next ingest would), said and recorded.
func openForReport(ctx context.Context, f *Factory, ingesting bool) (*store.Store, bool, error) {
	st, err := f.storeOptions().Open(ctx, f.DBPath)
	if err != nil {
		if ingesting || errors.Is(err, store.ErrLocked) || errors.Is(err, store.ErrNotCase) {
			return nil, false, err
		}
		// Through the in-memory layer: the rules run on a scratch copy of
		// the investigated events, which a read-only database cannot hold.
		ro, rerr := f.openWith(ctx, f.storeOptions().OpenReadThrough)
		if rerr != nil {
			return nil, false, err
		}
		f.IO.Warnf("warning: the case cannot be written (%v): investigating it read-only; no report number is reserved (a new report is numbered 000) and no audit entry is written\n", err)
		return ro, true, nil
	}
	if ingesting {
		return st, false, nil // ingest.Run rolls back first, and says so
	}
	open, err := st.UnfinishedIngests(ctx)
	if err != nil || len(open) == 0 {
		return st, false, err
	}
	removed, err := st.RollBackInterrupted(ctx)
	if err != nil {
		st.Close()
		return nil, false, err
	}
	note := fmt.Sprintf("rolled back before reading: %s; %d events removed", strings.Join(open, "; "), removed)
	f.IO.Warnf("warning: %s (re-run that ingest to read its files again)\n", note)
	f.recordAudit(ctx, st, store.AuditWrite, nil, nil, note)
	return st, false, nil
}

// huntEvents runs the rule pack over the events conds select.
func huntEvents(ctx context.Context, f *Factory, st *store.Store, pack *detect.Pack, conds []analyze.Cond) ([]event.Finding, error) {
	subsets := make([]detect.Subset, len(conds))
	for i, c := range conds {
		subsets[i] = detect.Subset{Where: c.Where, Args: c.Args}
	}
	res, err := detect.RunOnSubsets(ctx, st.DB(), pack, subsets, detect.RunOptions{Logger: f.Logger})
	if err != nil {
		return nil, err
	}
	f.warnRuleErrors(res.Errors)
	return res.Hits, nil
}
