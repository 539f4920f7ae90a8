package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// ExportOptions are the export command's inputs.
type ExportOptions struct {
	F      *Factory
	Format string
	Out    string
	Where  string
	Raw    bool
}

func newExportCmd(f *Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "export --format parquet|jsonl --out PATH",
		Short: "Write the case's events to Parquet or JSON lines",
		Long: `Write the case's events to Parquet (zstd, row groups of 16,384 events;
readable by Athena, Spark and DuckDB) or JSON lines (one typed row per line,
ordered by time). With --raw, JSON lines of the original CloudTrail events,
ordered by time, which ingest again as they are.

Parquet rows are in storage order (sort when you read: ORDER BY event_time):
an ordered Parquet write holds its whole sort in memory. JSON lines are sorted
in time slices of 50,000 events, so memory stays bounded on any case size.`,
		Example: `  trailsleuth export --format parquet --out case.parquet
  trailsleuth export --format jsonl --raw --where "access_key_id = 'AKIA...'" --out key.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Out == "" {
				return usageErrorf("--out is required")
			}
			var err error
			if opts.Format, err = pickFormat(opts.Format, opts.Out, "parquet", store.ExportFormats); err != nil {
				return err
			}
			if opts.Raw && opts.Format != "jsonl" {
				return usageErrorf("--raw goes with --format jsonl")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExport(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd.Flags(), &opts.Format, "", store.ExportFormats, "`format`: "+strings.Join(store.ExportFormats, ", ")+" (default: from --out's extension, else parquet)")
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "output `path`")
	cmd.Flags().StringVar(&opts.Where, "where", "", "SQL condition on the events table")
	cmd.Flags().BoolVar(&opts.Raw, "raw", false, "write the original CloudTrail events (with --format jsonl)")
	return cmd
}

func runExport(ctx context.Context, opts *ExportOptions) (err error) {
	var n int64
	defer func() { // after the read-only handle below is closed
		if err == nil {
			opts.F.recordAudit(ctx, nil, store.AuditRead, nil, []store.AuditFile{outputFile(opts.Out)}, fmt.Sprintf("exported %d events", n))
		}
	}()
	st, err := opts.F.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if opts.Raw {
		err = atomicfile.Write(opts.Out, 0o644, func(w io.Writer) (err error) {
			n, err = st.ExportRaw(ctx, w, opts.Where)
			return err
		})
		if err != nil {
			return fmt.Errorf("writing %s: %w", opts.Out, err)
		}
	} else if n, err = st.Export(ctx, opts.Format, opts.Out, opts.Where); err != nil {
		return err
	}
	opts.F.IO.Warnf("wrote %d events to %s\n", n, opts.Out)
	return nil
}
