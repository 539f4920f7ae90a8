package cli

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/analyze"
	"github.com/trailsleuth/trailsleuth/internal/compliance"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
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
	addWindowFlags(fl, &opts.Since, &opts.Until)
	fl.StringArrayVar(&opts.Accounts, "account", nil, "only this AWS `account` id (repeatable)")
	fl.StringArrayVar(&opts.Regions, "region", nil, "only this `region` (repeatable)")
	fl.StringArrayVar(&opts.Keys, "key", nil, "suspected access key id, AKIA… or ASIA… (repeatable)")
	fl.StringArrayVar(&opts.Principals, "principal", nil, "suspected principal: ARN or IAM user name (repeatable)")
	fl.StringArrayVar(&opts.IPs, "ip", nil, "suspected source IP or CIDR (repeatable)")
	fl.StringVar(&opts.Format, "format", "", "report `format`: "+strings.Join(report.Formats(), ", ")+" (default: text on a terminal, json otherwise)")
	fl.StringVarP(&opts.Out, "out", "o", "", "write the report to `file` instead of standard output")
	fl.BoolVar(&opts.NoHunt, "no-hunt", false, "do not run the detection rules first")
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
	if o.Format == "" {
		o.Format = "json"
		if o.F.IO.OutTTY && o.Out == "" {
			o.Format = "text"
		}
	}
	if !slices.Contains(report.Formats(), o.Format) {
		return usageErrorf("--format %q: want one of %s", o.Format, strings.Join(report.Formats(), ", "))
	}
	var err error
	if o.from, o.to, err = timeWindow(o.Since, o.Until, time.Now()); err != nil {
		return err
	}
	return nil
}

func runInvestigate(ctx context.Context, opts *InvestigateOptions) error {
	f := opts.F
	if opts.Engine.remote() {
		return investigateRemote(ctx, opts)
	}
	st, err := store.Open(ctx, f.DBPath)
	if err != nil {
		return err
	}
	defer st.Close()
	cmdline := f.commandLine()
	if len(opts.Paths) > 0 {
		files, walkErrs, err := acquire.Walk(ctx, opts.Paths)
		if err != nil {
			return err
		}
		sum, err := ingest.Run(ctx, st, files, walkErrs, ingest.Options{ToolVersion: VersionString(f.Version), CommandLine: cmdline, Logger: f.Logger})
		f.auditIngest(ctx, st, sum, err)
		if err != nil {
			return err
		}
		f.IO.Warnf("ingested %d new events from %d files (%d already in the case, %d skipped)\n", sum.Events, sum.Files, sum.Duplicates, sum.FilesSkipped)
	}
	var findings []event.Finding
	var detectOn func(context.Context, []analyze.Cond) ([]event.Finding, error)
	indicators := len(opts.Keys)+len(opts.Principals)+len(opts.IPs) > 0
	if !opts.NoHunt {
		pack, err := opts.Rules.load()
		if err != nil {
			return err
		}
		if indicators {
			// From indicators, the rules run over the investigated events
			// only, as analysis finds them: seconds, not a whole-case hunt.
			detectOn = func(ctx context.Context, conds []analyze.Cond) ([]event.Finding, error) {
				return huntEvents(ctx, f, st, pack, conds)
			}
		} else {
			res, err := detect.Run(ctx, st.DB(), pack, detect.RunOptions{TimeFrom: opts.from, TimeTo: opts.to, Logger: f.Logger})
			if err != nil {
				return err
			}
			findings = res.Hits
			for _, e := range res.Errors {
				f.IO.Warnf("rule %s: %s\n", e.Title, e.Error)
			}
		}
	}
	ipdb, err := opts.IPInfo.open()
	if err != nil {
		return err
	}
	defer ipdb.Close()
	now := time.Now().UTC()
	stateSeq, stateHash, err := st.CaseState(ctx)
	if err != nil {
		return err
	}
	// Same case state, version and question: same report id and content.
	fp := sha256.Sum256([]byte(stateHash + "\n" + VersionString(f.Version) + "\n" + cmdline))
	seq, created, _, err := st.NextReport(ctx, now, cmdline, hex.EncodeToString(fp[:]))
	if err != nil {
		return err
	}
	c, err := analyze.Investigate(ctx, st.DB(), analyze.Options{
		Since: opts.from, Until: opts.to, Accounts: opts.Accounts, Regions: opts.Regions,
		Keys: opts.Keys, Principals: opts.Principals, IPs: opts.IPs, Findings: findings, Detect: detectOn,
		Now: created, GeneratedAt: now, ReportSeq: seq, Database: f.DBPath, IPInfo: ipdb, Logger: f.Logger,
		Tool: event.ToolInfo{Name: "trailsleuth", Version: VersionString(f.Version), CommandLine: cmdline},
	})
	if err != nil {
		return err
	}
	c.Evidence.CaseState = &event.CaseState{AuditSeq: stateSeq, AuditHash: stateHash}
	if opts.Compliance {
		if c.Compliance, err = compliance.Map(c); err != nil {
			return err
		}
	}
	w, err := report.New(opts.Format)
	if err != nil {
		return err
	}
	var out io.Writer = f.IO.Out
	var file *os.File
	if opts.Out != "" {
		file, err = os.Create(opts.Out)
		if err != nil {
			return fmt.Errorf("creating %s: %w", opts.Out, err)
		}
		out = file
	}
	hw := newHashWriter(out)
	err = w.Write(hw, c)
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			f.IO.Warnf("wrote %s (%s): %d compromised credentials, %d suspicious events\n", opts.Out, c.ReportID, len(c.CompromisedCredentials), c.SuspiciousEventCount)
		}
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	f.recordAudit(ctx, st, store.AuditRead, nil, []store.AuditFile{hw.file(cmp.Or(opts.Out, "(stdout)"))},
		fmt.Sprintf("report %s (%s): %d compromised credentials, %d suspicious events", c.ReportID, cmp.Or(opts.Format, "default format"), len(c.CompromisedCredentials), c.SuspiciousEventCount))
	return nil
}

// huntEvents runs the rule pack over the events conds select, copied into an
// in-memory table beside the case (ATTACH is shared by the pool's
// connections; a TEMP table would not be).
func huntEvents(ctx context.Context, f *Factory, st *store.Store, pack *detect.Pack, conds []analyze.Cond) ([]event.Finding, error) {
	db := st.DB()
	if _, err := db.ExecContext(ctx, "ATTACH IF NOT EXISTS ':memory:' AS scratch"); err != nil {
		return nil, fmt.Errorf("scratch database: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE OR REPLACE TABLE scratch.hunt_scope AS SELECT * FROM events LIMIT 0"); err != nil {
		return nil, fmt.Errorf("copying the investigated events: %w", err)
	}
	for _, c := range conds {
		// Conditions may overlap: a copied twice event is counted once
		// (findings keep distinct ids; correlations count distinct events).
		q := "INSERT INTO scratch.hunt_scope SELECT * FROM events WHERE " + c.Where
		if _, err := db.ExecContext(ctx, q, c.Args...); err != nil {
			return nil, fmt.Errorf("copying the investigated events: %w", err)
		}
	}
	res, err := detect.Run(ctx, db, pack, detect.RunOptions{Table: "scratch.hunt_scope", Logger: f.Logger})
	if err != nil {
		return nil, err
	}
	for _, e := range res.Errors {
		f.IO.Warnf("rule %s: %s\n", e.Title, e.Error)
	}
	return res.Hits, nil
}
