package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/tabular"
)

// QueryOptions are the query command's inputs.
type QueryOptions struct {
	F      *Factory
	SQL    string
	Format string
	Write  bool
}

func newQueryCmd(f *Factory, runF func(context.Context, *QueryOptions) error) *cobra.Command {
	opts := &QueryOptions{F: f}
	cmd := &cobra.Command{
		Use:   "query SQL",
		Short: "Run SQL on the case database",
		Long: `Run SQL on the case database. The tables are events, sources, ingest_runs and
ingest_errors (docs/schema.md). Give "-" to read the SQL from standard input.

The database is opened read-only unless --write is given, so a query cannot
change the evidence by accident.`,
		Example: `  trailsleuth query "SELECT event_name, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
  trailsleuth query --format csv "SELECT * FROM events WHERE access_key_id = 'AKIA...'" > key.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SQL = args[0]
			var err error
			if opts.Format, err = pickFormat(opts.Format, "", "table", tabular.Formats); err != nil {
				return err
			}
			if opts.SQL == "-" {
				b, err := io.ReadAll(f.IO.In)
				if err != nil {
					return fmt.Errorf("reading SQL from standard input: %w", err)
				}
				opts.SQL = string(b)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runQuery(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "", tabular.Formats, "output `format`: table, csv, json, jsonl (default: table; text is the same)")
	cmd.Flags().BoolVar(&opts.Write, "write", false, "open the case database read-write (for CREATE VIEW and the like)")
	return cmd
}

func runQuery(ctx context.Context, opts *QueryOptions) (err error) {
	hw := newHashWriter(opts.F.IO.Out)
	var n int64
	kind := store.AuditRead
	if opts.Write {
		kind = store.AuditWrite
	}
	defer func() { // after the handle below is closed
		if err == nil {
			opts.F.recordAudit(ctx, nil, kind, nil, []store.AuditFile{hw.file("(stdout)")}, fmt.Sprintf("%d rows", n))
		}
	}()
	var st *store.Store
	if opts.Write {
		if err = opts.F.requireCase(); err != nil {
			return err
		}
		st, err = opts.F.storeOptions().Open(ctx, opts.F.DBPath)
	} else {
		st, err = opts.F.openReadOnly(ctx)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Query(ctx, opts.SQL)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	if n, err = tabular.Write(hw, opts.Format, rows); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if opts.Write {
		rows.Close()
		// The SQL may have changed events: the copy investigations read of
		// the credential-granting calls is made again from them.
		if err := st.RefreshGrantJSON(ctx); err != nil {
			opts.F.IO.Warnf("warning: the events may have changed and their copy in grant_json could not be made again (investigations read the events instead): %v\n", err)
		}
	}
	return nil
}
