package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trailsleuth/trailsleuth/internal/athena"
)

// AthenaDDLOptions are the athena ddl command's inputs.
type AthenaDDLOptions struct {
	F *Factory
	athena.DDLOptions
}

func newAthenaCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "athena",
		Short: "Helpers for running trailsleuth on Amazon Athena",
		Long: `Helpers for running hunt and investigate on Amazon Athena (--engine athena):
"athena ddl" prints the CREATE TABLE statement for a trail bucket. See docs/athena.md.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newAthenaDDLCmd(f, nil))
	return cmd
}

func newAthenaDDLCmd(f *Factory, runF func(context.Context, *AthenaDDLOptions) error) *cobra.Command {
	opts := &AthenaDDLOptions{F: f}
	cmd := &cobra.Command{
		Use:   "ddl --bucket BUCKET",
		Short: "Print the Athena CREATE TABLE statement for a CloudTrail bucket",
		Long: `Print the CREATE EXTERNAL TABLE statement AWS documents for CloudTrail logs in
Athena, for a trail bucket: the columns of "Create the table for CloudTrail
logs in Athena" (plus managementevent, which the Sigma athena dialect reads).

Without --projection it is AWS's manually partitioned table. With --projection
and one --account and one --region it is AWS's partition-projection table
(partition "timestamp", yyyy/MM/dd); with several accounts or regions (or no
--region: every commercial region) the table also gets account and region
partitions, projected as enums. The statement is printed on standard output;
the --athena-partitions value hunt and investigate need for it is printed on
standard error.`,
		Example: `  trailsleuth athena ddl --bucket acme-cloudtrail --account 493812077610
  trailsleuth athena ddl --bucket acme-cloudtrail --projection --account 493812077610 --region us-east-1
  trailsleuth athena ddl --bucket org-trail --prefix audit --org o-a1b2c3d4e5 --projection \
      --account 111122223333 --account 444455556666 --database security --table cloudtrail_org`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Bucket == "" {
				return usageErrorf("--bucket is required")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAthenaDDL(opts)
		},
	}
	addDDLFlags(cmd.Flags(), &opts.DDLOptions)
	return cmd
}

func addDDLFlags(fl *pflag.FlagSet, o *athena.DDLOptions) {
	fl.StringVar(&o.Bucket, "bucket", "", "the trail's S3 `bucket`")
	fl.StringVar(&o.Prefix, "prefix", "", "the trail's S3 key `prefix`, if any")
	fl.StringVar(&o.Organization, "org", "", "organization `id` (o-…) of an organization trail's folder")
	fl.StringArrayVar(&o.Accounts, "account", nil, "AWS `account` id whose logs the table reads (repeatable)")
	fl.StringArrayVar(&o.Regions, "region", nil, "`region` the table reads (repeatable; --projection)")
	fl.BoolVar(&o.Projection, "projection", false, "use partition projection (no ALTER TABLE ADD PARTITION needed)")
	fl.StringVar(&o.Start, "start", "2020/01/01", "first `day` (YYYY/MM/DD) partition projection covers")
	fl.StringVar(&o.Database, "database", "", "Athena `database` to create the table in (default: the query's)")
	fl.StringVar(&o.Table, "table", "cloudtrail_logs", "table `name`")
}

func runAthenaDDL(opts *AthenaDDLOptions) error {
	sql, style, err := athena.DDL(opts.DDLOptions)
	if err != nil {
		return usageError{err}
	}
	if _, err := fmt.Fprint(opts.F.IO.Out, sql); err != nil {
		return err
	}
	opts.F.IO.Warnf("query this table with --engine athena --athena-partitions %s\n", style)
	return nil
}
