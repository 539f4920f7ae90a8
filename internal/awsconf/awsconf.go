// Package awsconf builds AWS SDK configuration and clients from the flags
// every AWS-facing command shares (--profile, --region, --endpoint-url), with
// the SDK's standard credential chain.
package awsconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// Options are the shared AWS flags.
type Options struct {
	Profile string
	Region  string
	// EndpointURL overrides every service's endpoint (S3-compatible stores,
	// tests). AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured by
	// the SDK itself when this is empty.
	EndpointURL string
	// MaxAttempts overrides the SDK's retry attempts when > 0.
	MaxAttempts int
}

// Load returns the SDK configuration for opts.
func Load(ctx context.Context, opts Options) (aws.Config, error) {
	var lo []func(*config.LoadOptions) error
	if opts.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Region != "" {
		lo = append(lo, config.WithRegion(opts.Region))
	}
	if opts.MaxAttempts > 0 {
		lo = append(lo, config.WithRetryMaxAttempts(opts.MaxAttempts))
	}
	// The SDK's own log lines ("falling back to IMDSv1") are chatter on a
	// terminal; what matters comes back as errors.
	lo = append(lo, config.WithLogger(logging.Nop{}))
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	var noProfile config.SharedConfigProfileNotExistError
	if errors.As(err, &noProfile) {
		return aws.Config{}, fmt.Errorf("AWS profile %s is not in the shared config files (~/.aws/config, ~/.aws/credentials; 'aws configure list-profiles' lists them): %w",
			profileWord(opts.Profile), err)
	}
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	// Credentials first, so that their absence is one clear line and not
	// the first request's chain of provider errors.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, &NoCredentialsError{Profile: opts.Profile, Err: err}
	}
	if cfg.Region == "" {
		// S3 and the endpoint resolver need some region; us-east-1 is what the
		// AWS CLI falls back to for global calls.
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// NoCredentialsError says that the credential chain found no credentials;
// Err, the SDK's account of every provider it tried, is for --log-level
// debug.
type NoCredentialsError struct {
	Profile string
	Err     error
}

func (e *NoCredentialsError) Error() string {
	if e.Profile != "" {
		p := profileWord(e.Profile)
		return fmt.Sprintf("no AWS credentials for profile %s: check it in ~/.aws/config, or run 'aws sso login --profile %s' if it uses SSO", p, p)
	}
	return "no AWS credentials: set AWS_PROFILE or give --profile (after 'aws sso login' for SSO), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or task role is available"
}

func (e *NoCredentialsError) Unwrap() error { return e.Err }

// profileWord is a profile name as it can be pasted into a command: the
// name when it is plain (internal/shell would do, but it imports this
// package's tests' helpers), else PROFILE.
func profileWord(p string) string {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@+", r)) {
			return "PROFILE"
		}
	}
	return p
}

// customEndpoint reports the endpoint override in effect, from opts or the
// environment, so S3 can switch to path-style addressing.
func customEndpoint(opts Options, service string) string {
	if opts.EndpointURL != "" {
		return opts.EndpointURL
	}
	if v := os.Getenv("AWS_ENDPOINT_URL_" + service); v != "" {
		return v
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// S3 returns an S3 client; with a custom endpoint it uses path-style
// addressing, which S3-compatible servers expect.
func S3(cfg aws.Config, opts Options) *s3.Client {
	ep := customEndpoint(opts, "S3")
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = aws.String(opts.EndpointURL)
		}
		if ep != "" {
			o.UsePathStyle = true
		}
		// S3-compatible stores often return no checksum; the SDK would log
		// a line per GetObject. Integrity is ours to check (SHA-256 of
		// every object written, digest validation).
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// CloudTrail returns a CloudTrail client (LookupEvents, ListPublicKeys, Lake queries).
func CloudTrail(cfg aws.Config, opts Options) *cloudtrail.Client {
	return cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = aws.String(opts.EndpointURL)
		}
	})
}

// Athena returns an Athena client.
func Athena(cfg aws.Config, opts Options) *athena.Client {
	return athena.NewFromConfig(cfg, func(o *athena.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = aws.String(opts.EndpointURL)
		}
	})
}
