package cli

// The remote engines (--engine athena|lake) of hunt and investigate.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/athena"
	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/lake"
	"github.com/trailsleuth/trailsleuth/internal/remote"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// Engines are the --engine values.
var Engines = []string{"duckdb", "athena", "lake"}

// EngineOptions choose where hunt and investigate run their queries.
type EngineOptions struct {
	Name       string
	Database   string
	Table      string
	Workgroup  string
	Output     string
	Partitions string
	DataStore  string
	AWSRegion  string
	AWS        awsconf.Options
	// Poll is the first wait between status calls (0: the client's
	// default); hidden, for tests against a fake.
	Poll  time.Duration
	style remote.Style
}

func (o *EngineOptions) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&o.Name, "engine", "duckdb", "`engine` to run the queries on: duckdb (the case database), athena or lake (CloudTrail Lake)")
	fl.StringVar(&o.Database, "athena-database", "", "Athena `database` holding the CloudTrail table (--engine athena)")
	fl.StringVar(&o.Table, "athena-table", "cloudtrail_logs", "Athena CloudTrail `table` (see trailsleuth athena ddl)")
	fl.StringVar(&o.Workgroup, "athena-workgroup", "primary", "Athena `workgroup`")
	fl.StringVar(&o.Output, "athena-output", "", "s3:// `folder` for Athena results (default: the workgroup's)")
	fl.StringVar(&o.Partitions, "athena-partitions", "none", "the table's partition `style`: none, timestamp (AWS's projection table), projection (athena ddl --projection over several accounts/regions)")
	fl.StringVar(&o.DataStore, "event-data-store", "", "CloudTrail Lake event data store `ARN` or id (--engine lake)")
	fl.StringVar(&o.AWSRegion, "aws-region", "", "AWS `region` of the Athena or CloudTrail Lake endpoint (default: the SDK's)")
	addAWSFlags(fl, &o.AWS)
	fl.DurationVar(&o.Poll, "poll-interval", 0, "first wait between query status calls")
	fl.MarkHidden("poll-interval") //nolint:errcheck // flag exists
}

func (o *EngineOptions) validate() error {
	if !slices.Contains(Engines, o.Name) {
		return usageErrorf("--engine %q: want duckdb, athena or lake", o.Name)
	}
	st, err := remote.ParseStyle(o.Partitions)
	if err != nil {
		return usageErrorf("--athena-partitions: %w", err)
	}
	o.style = st
	switch o.Name {
	case "athena":
		if o.Database == "" {
			return usageErrorf("--engine athena needs --athena-database")
		}
		for what, v := range map[string]string{"--athena-database": o.Database, "--athena-table": o.Table} {
			if err := athena.CheckIdent(what, v); err != nil {
				return usageError{err}
			}
		}
		if o.Output != "" && !strings.HasPrefix(o.Output, "s3://") {
			return usageErrorf("--athena-output %q: want an s3:// folder", o.Output)
		}
	case "lake":
		if o.DataStore == "" {
			return usageErrorf("--engine lake needs --event-data-store")
		}
	}
	return nil
}

func (o *EngineOptions) remote() bool { return o.Name == "athena" || o.Name == "lake" }

// open builds the remote engine's client (through awsconf) and target.
func (o *EngineOptions) open(ctx context.Context) (remote.Runner, remote.Target, error) {
	ao := o.AWS
	ao.Region = o.AWSRegion
	cfg, err := awsconf.Load(ctx, ao)
	if err != nil {
		return nil, remote.Target{}, err
	}
	if o.Name == "lake" {
		return &lake.Client{API: awsconf.CloudTrail(cfg, ao), Poll: o.Poll, MaxPoll: o.Poll},
			remote.Target{Dialect: sigma.Lake, Table: lake.StoreID(o.DataStore), Partitions: remote.PartitionsNone}, nil
	}
	return &athena.Client{API: awsconf.Athena(cfg, ao), Database: o.Database, Workgroup: o.Workgroup, Output: o.Output, Poll: o.Poll, MaxPoll: o.Poll},
		remote.Target{Dialect: sigma.Athena, Table: o.Database + "." + o.Table, Partitions: o.style}, nil
}

// huntRemote runs the hunt on Athena or CloudTrail Lake.
func huntRemote(ctx context.Context, opts *HuntOptions, pack *detect.Pack) (*detect.Result, error) {
	f := opts.F
	run, target, err := opts.Engine.open(ctx)
	if err != nil {
		return nil, err
	}
	ledger := &remote.Ledger{}
	rules := pack.Runnable(opts.minimum)
	prog := f.IO.NewProgress("hunt", int64(len(rules)), iostreams.Count("rules"))
	res, err := remote.Hunt(ctx, run, target, pack, remote.HuntOptions{
		MinLevel: opts.minimum, Scope: remote.Scope{Since: opts.from, Until: opts.to}, Ledger: ledger,
		Progress: func(done, total int, r *sigma.Rule) {
			prog.Update(int64(done), "")
		},
		Query: logQuery(f),
	})
	prog.Done()
	if err != nil {
		return nil, err
	}
	f.IO.Warnf("%s\n", ledger.Summary(opts.Engine.Name))
	return res, nil
}

func logQuery(f *Factory) func(*sigma.Rule, remote.Query) {
	return func(_ *sigma.Rule, q remote.Query) {
		if f.Logger != nil {
			f.Logger.Debug("remote query", "purpose", q.Purpose, "query_id", q.ID, "rows", q.Rows,
				"bytes_scanned", q.BytesScanned, "cost_usd", fmt.Sprintf("%.6f", q.CostUSD))
		}
	}
}

// investigateRemote selects the investigation's events on Athena or
// CloudTrail Lake, loads them into a case database (a temporary one unless
// --db is given) and runs the local investigation on it, so the analysis
// and the report are the same code as with the duckdb engine.
func investigateRemote(ctx context.Context, opts *InvestigateOptions) error {
	f := opts.F
	if len(opts.Paths) > 0 {
		return usageErrorf("PATH arguments are ingested locally: leave them out with --engine %s", opts.Engine.Name)
	}
	run, target, err := opts.Engine.open(ctx)
	if err != nil {
		return err
	}
	ledger := &remote.Ledger{}
	scope := remote.Scope{Since: opts.from, Until: opts.to, Accounts: opts.Accounts, Regions: opts.Regions}
	in := remote.Indicators{Keys: opts.Keys, Principals: opts.Principals, IPs: opts.IPs}
	if len(in.Keys)+len(in.Principals)+len(in.IPs) == 0 {
		pack, err := opts.Rules.load()
		if err != nil {
			return err
		}
		if opts.NoHunt {
			pack = &detect.Pack{}
		}
		res, err := remote.Hunt(ctx, run, target, pack, remote.HuntOptions{Scope: scope, Ledger: ledger, MinLevel: 0, Query: logQuery(f)})
		if err != nil {
			return err
		}
		f.warnRuleErrors(res.Errors)
		in, err = remote.TriageIndicators(ctx, run, target, scope, res.Hits, ledger)
		if err != nil {
			return err
		}
		if len(in.Keys)+len(in.Principals) == 0 {
			f.IO.Warnf("%s\n", ledger.Summary(opts.Engine.Name))
			return errors.New("triage found no credential behind a high or critical hit or an offensive-tool user agent; give --key, --principal or --ip")
		}
		f.IO.Warnf("triage on %s: following %d keys and %d principals\n", opts.Engine.Name, len(in.Keys), len(in.Principals))
	}
	dir, err := os.MkdirTemp("", "trailsleuth-"+opts.Engine.Name+"-")
	if err != nil {
		return fmt.Errorf("creating a temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	col, err := remote.Collect(ctx, run, target, remote.CollectOptions{Scope: scope, Indicators: in, Dir: dir, Ledger: ledger, Engine: opts.Engine.Name})
	if err != nil {
		return err
	}
	f.IO.Warnf("%s\n", ledger.Summary(opts.Engine.Name))
	for _, n := range col.Notes {
		f.IO.Warnf("%s\n", n)
	}
	if col.Events == 0 && !opts.AllowEmpty {
		// Said here: the temporary case's "no events, ingest first" would
		// point at the wrong fix.
		return noEventsError{fmt.Sprintf("%s returned no event for the indicators in the window: check them and --since/--until (trailsleuth summary on a local case lists keys and principals); give --allow-empty to go on anyway", opts.Engine.Name)}
	}
	local := f
	if !f.DBGiven {
		local = f.withCase(filepath.Join(dir, "case.duckdb"))
		f.IO.Warnf("%d events from %d queries go to a temporary case database (give --db to keep it)\n", col.Events, len(ledger.Queries()))
	}
	if err := loadCollection(ctx, local, col); err != nil {
		return err
	}
	next := *opts
	next.F = local
	next.Engine.Name = "duckdb"
	return runInvestigate(ctx, &next)
}

// loadCollection ingests the fetched JSON lines and names each source after
// its query, so the report's evidence says where the events came from.
func loadCollection(ctx context.Context, f *Factory, col *remote.Collection) error {
	st, err := f.storeOptions().Open(ctx, f.DBPath)
	if err != nil {
		return err
	}
	defer st.Close()
	files, walkErrs, err := acquire.Walk(ctx, col.Files)
	if err != nil {
		return err
	}
	sum, err := ingest.Run(ctx, st, files, walkErrs, ingest.Options{ToolVersion: VersionString(f.Version), CommandLine: f.commandLine(), Logger: f.Logger})
	defer f.auditIngest(ctx, st, sum, err) // after the sources are named after their queries
	if err != nil {
		return err
	}
	if sum.FilesSkipped > 0 {
		f.IO.Warnf("%d fetched files were skipped by ingest\n", sum.FilesSkipped)
	}
	for _, p := range col.Files {
		if err := st.RenameSource(ctx, p, col.Labels[p]); err != nil {
			return err
		}
	}
	return nil
}
