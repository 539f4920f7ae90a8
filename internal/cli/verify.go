package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/evidence"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/report"
)

// errEvidenceInvalid makes verify exit 1 after printing its report.
var errEvidenceInvalid = errors.New("evidence failed integrity validation")

// VerifyOptions are the verify command's inputs.
type VerifyOptions struct {
	F          *Factory
	Target     string
	PublicKeys string
	Format     string
	Region     string
	Workers    int
	AWS        awsconf.Options
}

func newVerifyCmd(f *Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "verify PATH|s3://BUCKET[/PREFIX]",
		Short: "Validate CloudTrail log files against their signed digest files",
		Long: `Validate CloudTrail log file integrity the way AWS documents it (the algorithm
behind 'aws cloudtrail validate-logs'), on a local copy or on the bucket itself.

Every digest chain in the tree (one per account, region and trail) is walked
from its newest digest back: each digest must be where it says it was
delivered, carry a valid RSA signature from CloudTrail's key, hash to the
value its successor records, and every log file it lists must be present with
the SHA-256 it records. Log files in the tree that no digest lists are
reported as possible injections.

Signatures are S3 object metadata. On S3 they are read in place; for a local
copy they come from the manifest.jsonl that 'trailsleuth collect s3' writes.
Without them, older digests are still verified (each digest records its
predecessor's signature) but the newest digest of each chain is reported
unverifiable.

Public keys: --public-keys FILE (the output of 'aws cloudtrail
list-public-keys', which collect saves as public-keys.json; PATH/public-keys.json
is used when present). For s3:// without --public-keys, they are fetched with
cloudtrail:ListPublicKeys.

Exit status: 0 when everything verifies (warnings and notes allowed), 1 when
any problem is an error (tampering, missing or damaged files) or on failure,
2 on bad usage. See docs/evidence.md for every problem kind.`,
		Example: `  trailsleuth verify evidence/
  trailsleuth verify evidence/ --public-keys keys.json --format json | jq '.problems'
  trailsleuth verify s3://acme-cloudtrail-logs/AWSLogs/111122223333/ --profile forensics`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.PublicKeys, "public-keys", "", "saved ListPublicKeys response `file` (default: PATH/public-keys.json; for s3://, the ListPublicKeys API)")
	addFormatFlag(fl, &opts.Format, "table", report.VerifyFormats, "output `format`: table or json")
	fl.StringVar(&opts.Region, "region", "", "AWS `region` for the first S3 call (the bucket's own region is then looked up)")
	fl.IntVar(&opts.Workers, "workers", 4, "log files read in parallel")
	addAWSFlags(fl, &opts.AWS)
	return cmd
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	f := opts.F
	src, keys, err := opts.source(ctx)
	if err != nil {
		return err
	}
	var prog interface {
		Update(int64, string)
		Done()
	}
	r, err := evidence.Verify(ctx, src, evidence.Options{Keys: keys, Workers: opts.Workers,
		Progress: func(done, total int) {
			if prog == nil {
				prog = f.IO.NewProgress("verify", int64(total), iostreams.Count("files"))
			}
			prog.Update(int64(done), "")
		}})
	if prog != nil {
		prog.Done()
	}
	if err != nil {
		return err
	}
	if err := report.WriteVerify(f.IO.Out, opts.Format, r); err != nil {
		return err
	}
	if !r.Valid {
		return fmt.Errorf("%w: %d errors (see the report)", errEvidenceInvalid, r.Totals.Errors)
	}
	return nil
}

// source opens the tree to verify and the public keys to verify it with.
func (o *VerifyOptions) source(ctx context.Context) (evidence.Source, evidence.KeyProvider, error) {
	var keys evidence.KeyProvider
	if o.PublicKeys != "" {
		ks, err := evidence.LoadPublicKeys(o.PublicKeys)
		if err != nil {
			return nil, nil, err
		}
		keys = ks
	}
	if !strings.HasPrefix(o.Target, "s3://") {
		src, err := evidence.OpenDir(o.Target)
		if err != nil {
			return nil, nil, err
		}
		if keys == nil {
			p := filepath.Join(o.Target, acquire.PublicKeysName)
			if _, err := os.Stat(p); err != nil {
				return nil, nil, usageErrorf("no public keys: %s not found; give --public-keys FILE (the output of aws cloudtrail list-public-keys)", p)
			}
			ks, err := evidence.LoadPublicKeys(p)
			if err != nil {
				return nil, nil, err
			}
			keys = ks
		}
		return src, keys, nil
	}
	bucket, prefix, err := acquire.ParseS3URL(o.Target)
	if err != nil {
		return nil, nil, usageErrorf("%w", err)
	}
	ao := o.AWS
	ao.Region = o.Region
	cfg, err := awsconf.Load(ctx, ao)
	if err != nil {
		return nil, nil, err
	}
	client := awsconf.S3(cfg, ao)
	// A bucket answers only in its own region; ask it where that is.
	if r := acquire.BucketRegion(ctx, client, bucket); r != "" && r != cfg.Region {
		c := cfg.Copy()
		c.Region = r
		client = awsconf.S3(c, ao)
	}
	if keys == nil {
		keys = evidence.CloudTrailKeys{Client: func(region string) evidence.ListPublicKeysAPI {
			c := cfg.Copy()
			c.Region = region
			return awsconf.CloudTrail(c, ao)
		}}
	}
	return evidence.OpenBucket(client, bucket, prefix), keys, nil
}
