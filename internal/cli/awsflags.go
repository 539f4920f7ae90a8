package cli

import (
	"github.com/spf13/pflag"

	"github.com/trailsleuth/trailsleuth/internal/awsconf"
)

// addAWSFlags registers the AWS flags shared by commands that call AWS
// (collect, verify s3://, --engine athena|lake). --region is left to each
// command: for some it selects what to read, not only where the client goes.
func addAWSFlags(fl *pflag.FlagSet, o *awsconf.Options) {
	fl.StringVar(&o.Profile, "profile", "", "AWS shared-config `profile` (default: the standard credential chain)")
	fl.StringVar(&o.EndpointURL, "endpoint-url", "", "AWS endpoint `URL` override, e.g. an S3-compatible store (AWS_ENDPOINT_URL is honoured too)")
}
