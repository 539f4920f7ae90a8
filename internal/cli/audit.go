package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// errAuditBroken makes `audit verify` exit 1.
var errAuditBroken = errors.New("the audit log or the original events are damaged")

// hashWriter passes writes through and hashes them, so what a command
// printed can be recorded in the audit log.
type hashWriter struct {
	w io.Writer
	h hash.Hash
}

func newHashWriter(w io.Writer) *hashWriter { return &hashWriter{w: w, h: sha256.New()} }

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	return n, err
}

func (hw *hashWriter) file(name string) store.AuditFile {
	return store.AuditFile{Path: name, SHA256: hex.EncodeToString(hw.h.Sum(nil))}
}

// outputFile hashes a file a command wrote, for its audit entry.
func outputFile(path string) store.AuditFile {
	sum, err := store.FileSHA256(path)
	if err != nil {
		sum = "unreadable: " + err.Error()
	}
	return store.AuditFile{Path: path, SHA256: sum}
}

// openReadOnly opens the case for a read command. When the case could not
// be read as it is (an older schema, an ingest that never finished), the
// store read it through an in-memory layer: the user is told, and the
// command's audit entry says so.
func (f *Factory) openReadOnly(ctx context.Context) (*store.Store, error) {
	return f.openWith(ctx, f.storeOptions().OpenReadOnly)
}

// openWith is openReadOnly with the store's opener of choice.
func (f *Factory) openWith(ctx context.Context, open func(context.Context, string) (*store.Store, error)) (*store.Store, error) {
	st, err := open(ctx, f.DBPath)
	if err != nil {
		return nil, err
	}
	for _, n := range st.Notes() {
		f.IO.Warnf("warning: %s\n", n)
	}
	f.readNotes = append(f.readNotes, st.Notes()...)
	return st, nil
}

// recordAudit appends this command's entry to the case's audit log. With st
// nil it opens the case read-write for the moment it takes (read-only
// commands call it after closing their own handle), never migrating it: a
// case an older build wrote is not changed by a read, so the read goes
// unrecorded, with a warning. A failure is warned
// about, not fatal: the command's work is done, and the gap shows.
func (f *Factory) recordAudit(ctx context.Context, st *store.Store, kind string, inputs, outputs []store.AuditFile, note string) {
	if st == nil {
		if _, err := os.Stat(f.DBPath); err != nil {
			return // no case to record in
		}
		var err error
		st, err = f.storeOptions().OpenCurrent(ctx, f.DBPath)
		if err != nil {
			f.IO.Warnf("warning: could not record this command in the case's audit log: %v\n", err)
			return
		}
		defer st.Close()
		// A read command's entry waits in the write-ahead log for the next write.
		st.SkipCheckpointOnClose(ctx)
	}
	if len(f.readNotes) > 0 {
		note = strings.TrimPrefix(note+"; read "+strings.Join(f.readNotes, "; "), "; ")
	}
	_, err := st.AppendAudit(ctx, store.AuditEntry{Kind: kind, ToolVersion: VersionString(f.Version), CommandLine: f.commandLine(),
		Inputs: inputs, Outputs: outputs, Note: note})
	if err != nil {
		f.IO.Warnf("warning: could not record this command in the case's audit log: %v\n", err)
	}
}

// AuditOptions are the inputs of audit and audit verify.
type AuditOptions struct {
	F      *Factory
	Format string
}

func newAuditCmd(f *Factory) *cobra.Command {
	opts := &AuditOptions{F: f}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the case's chain of custody",
		Long: `Print the case database's audit log: every command that touched the case,
when (UTC), by whom and on which host, with the tool version, the full
command line, and the SHA-256 of its inputs and outputs. Entries are
hash-chained: each hash covers the entry and the previous entry's hash, so
"trailsleuth audit verify" detects an edited or deleted entry. Reports carry
the hash of the last entry that changed the case (evidence.case_state).`,
		Example: `  trailsleuth audit
  trailsleuth audit --format json | jq '.[] | select(.kind == "write")'
  trailsleuth audit verify`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAudit(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "text", summaryFormats, "output `format`: text or json")
	cmd.AddCommand(newAuditVerifyCmd(f))
	return cmd
}

func runAudit(ctx context.Context, opts *AuditOptions) error {
	st, err := opts.F.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := st.Audit(ctx)
	if err != nil {
		return err
	}
	return report.WriteAudit(opts.F.IO.Out, opts.Format, entries)
}

func newAuditVerifyCmd(f *Factory) *cobra.Command {
	opts := &AuditOptions{F: f}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain",
		Long: `Recompute every audit entry's hash and its link to the previous entry.
An edited entry no longer matches its hash; a deleted one leaves a gap and a
broken link. Exit status 1 when anything is wrong. Deleting the newest
entries leaves no trace in the log itself: compare with the case_state hash
a report carries.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditVerify(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "text", summaryFormats, "output `format`: text or json")
	return cmd
}

func runAuditVerify(ctx context.Context, opts *AuditOptions) error {
	f := opts.F
	// A write-ahead log beside the case holds changes not yet in the file
	// (read-only commands' audit entries are left there, docs/evidence.md):
	// the log is whole only with it, and a copy of the file alone is not.
	if fi, err := os.Stat(f.DBPath + ".wal"); err == nil && fi.Size() > 0 {
		f.IO.Warnf("%s is beside the case: it holds changes not yet folded into %s (read-only commands' audit entries, or the work of a process stopped before it closed the case); the log is whole only with it — copy both files together\n",
			f.DBPath+".wal", f.DBPath)
	}
	st, err := f.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, probs, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	blocks, err := st.VerifyBlocks(ctx)
	if err != nil {
		return err
	}
	if err := report.WriteAuditVerify(f.IO.Out, opts.Format, n, probs, blocks); err != nil {
		return err
	}
	if len(probs) > 0 || len(blocks.Problems) > 0 {
		return errAuditBroken
	}
	return nil
}

// auditIngest records an ingest run (from `ingest` or `investigate PATH…`)
// with every file it read and its hash; a failed run is recorded too, since
// it may have changed the case before failing.
func (f *Factory) auditIngest(ctx context.Context, st *store.Store, sum *ingest.Summary, runErr error) {
	if runErr != nil || sum == nil {
		f.recordAudit(ctx, st, store.AuditWrite, nil, nil, fmt.Sprintf("ingest failed: %v", runErr))
		return
	}
	inputs, err := st.RunInputs(ctx, sum.RunID)
	if err != nil {
		f.IO.Warnf("warning: %v\n", err)
	}
	f.recordAudit(ctx, st, store.AuditWrite, inputs, nil, fmt.Sprintf("ingest run %d: %d files read, %d new events, %d duplicates, %d records lost",
		sum.RunID, sum.Files, sum.Events, sum.Duplicates, sum.Lost))
}
