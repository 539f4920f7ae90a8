// Package cli holds trailsleuth's cobra commands, one file per command, and
// maps errors to exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// Factory carries what every command needs, set from global flags.
type Factory struct {
	IO      *iostreams.IOStreams
	Version string
	DBPath  string
	// DBGiven is whether --db was given (not defaulted).
	DBGiven  bool
	LogLevel string
	Logger   *slog.Logger
	Args     []string

	cpuProfile string
	stopProf   func()
	// readNotes say how the case was read (openReadOnly), for the audit entry.
	readNotes []string
}

// Exit codes, the only ones trailsleuth uses (README, under "Global flags";
// the root command's help).
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitFindings = 3
	// ExitNoEvents: the question has no answer in the case — it holds no
	// events, or the window, the accounts and regions or every indicator
	// match none — so a report would be empty, not reassuring.
	ExitNoEvents = 4
	// ExitInterrupted: stopped by Ctrl-C (SIGINT), the shell's 128+2.
	ExitInterrupted = 130
)

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "trailsleuth",
		Short: "Forensic investigation of AWS accounts from CloudTrail logs",
		Long: `trailsleuth investigates a suspected AWS account compromise from its CloudTrail
logs: which credentials were abused, from where, what the attacker did, what
data they touched and what they left behind.

  collect      fetch the evidence from S3, LookupEvents or CloudTrail Lake
  verify       prove the log files are the ones AWS delivered (digest chain)
  ingest       read logs in every shape into a DuckDB case database (--db)
  investigate  the forensic report: text, markdown, JSON or HTML
  hunt         Sigma detection rules over the case (or Athena, Lake)
  timeline     events for Timesketch, Elastic (ECS) or Security Lake (OCSF)
  coverage     what the evidence can and cannot show
  summary      what the case holds: accounts, regions, principals, keys
  query        SQL on the case;  audit: the case's chain of custody

Start with: trailsleuth investigate examples/incident

Exit status: 0 done, 1 error, 2 bad usage, 3 hunt --fail-on found a hit,
4 nothing to look at (no event in the case, window or indicators; see
--allow-empty), 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what the version command's first line does.
		Version: VersionString(f.Version),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(f.LogLevel)); err != nil {
				return usageErrorf("--log-level %q: want debug, info, warn or error", f.LogLevel)
			}
			if f.IO.Quiet && lvl < slog.LevelError {
				lvl = slog.LevelError
			}
			f.Logger = slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: lvl}))
			f.DBGiven = cmd.Flags().Changed("db")
			return f.startProfile()
		},
		PersistentPostRun: func(cmd *cobra.Command, args []string) {
			if f.stopProf != nil {
				f.stopProf()
			}
		},
	}
	root.PersistentFlags().StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile to `file` (for performance work)")
	root.PersistentFlags().MarkHidden("cpuprofile") //nolint:errcheck // flag exists
	root.PersistentFlags().StringVar(&f.DBPath, "db", store.DefaultPath, "case database `path`")
	root.PersistentFlags().BoolVarP(&f.IO.Quiet, "quiet", "q", false, "print results only: no progress, no warnings")
	root.PersistentFlags().StringVar(&f.LogLevel, "log-level", "warn", "log `level`: debug, info, warn, error")
	root.SetVersionTemplate("trailsleuth {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if s := flagSuggestion(c, err); s != "" {
			err = fmt.Errorf("%w%s", err, s)
		}
		return usageError{err}
	})
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)

	root.AddCommand(newVersionCmd(f))
	root.AddCommand(newIngestCmd(f, nil))
	root.AddCommand(newCollectCmd(f))
	root.AddCommand(newQueryCmd(f, nil))
	root.AddCommand(newExportCmd(f, nil))
	root.AddCommand(newHuntCmd(f, nil))
	root.AddCommand(newRulesCmd(f))
	root.AddCommand(newInvestigateCmd(f, nil))
	root.AddCommand(newAthenaCmd(f))
	root.AddCommand(newAuditCmd(f))
	root.AddCommand(newTimelineCmd(f, nil))
	root.AddCommand(newCoverageCmd(f, nil))
	root.AddCommand(newSummaryCmd(f, nil))
	root.AddCommand(newVerifyCmd(f, nil))
	return root
}

// commandLine is the command as the user typed it, for run records,
// audit entries and reports.
func (f *Factory) commandLine() string { return "trailsleuth " + strings.Join(f.Args, " ") }

func (f *Factory) startProfile() error {
	if f.cpuProfile == "" {
		return nil
	}
	out, err := atomicfile.Create(f.cpuProfile, 0o644)
	if err != nil {
		return fmt.Errorf("creating CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Abort()
		return fmt.Errorf("starting CPU profile: %w", err)
	}
	f.stopProf = func() {
		pprof.StopCPUProfile()
		if err := out.Commit(); err != nil {
			f.IO.Warnf("CPU profile: %v\n", err)
		}
	}
	return nil
}

// Main runs trailsleuth with args and returns the exit code.
func Main(ctx context.Context, io *iostreams.IOStreams, version string, args []string) int {
	f := &Factory{IO: io, Version: version, Args: args}
	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	// Ctrl-C surfaces as whatever the step under way made of the cancelled
	// context ("context canceled", DuckDB's "Interrupted!"): say what
	// happened, with the shell's code for it.
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(io.ErrOut, "trailsleuth: interrupted")
		return ExitInterrupted
	}
	var nce *awsconf.NoCredentialsError
	if errors.As(err, &nce) && f.Logger != nil {
		f.Logger.Debug("AWS credential chain", "error", nce.Err)
	}
	// Errors name files and values from the evidence: escaped, and a line
	// break shows as an indented continuation.
	fmt.Fprintf(io.ErrOut, "trailsleuth: %s\n", display.Lines(commandSuggestion(err.Error()), "  "))
	var ue usageError
	switch {
	case errors.As(err, &ue) || isCobraUsage(err):
		return ExitUsage
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.Is(err, errNoEvents):
		return ExitNoEvents
	}
	return ExitError
}

// Run is the program: Main on the process's streams and arguments, with
// a context that Ctrl-C (SIGINT) cancels. The first Ctrl-C lets the command
// stop cleanly (an ingest marks its run unfinished, to be rolled back);
// a second one ends the process at once.
func Run(version string, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore the default: the next Ctrl-C kills
	}()
	return Main(ctx, iostreams.System(), version, args)
}

// errFindings is returned by commands whose findings set exit status 3.
var errFindings = errors.New("findings present")

func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "accepts ") ||
		strings.HasPrefix(s, "requires at least") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag")
}

// withCase is f for another case database: a remote engine's
// investigation reads the events it fetched from a case of its own.
func (f *Factory) withCase(path string) *Factory {
	g := *f
	g.DBPath = path
	return &g
}
