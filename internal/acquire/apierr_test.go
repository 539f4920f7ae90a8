package acquire

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/smithy-go"
)

// TestAPIErrChain: the messages acquire builds from SDK errors read as the
// API's code and message, and errors.Is / errors.As still see through them
// (a cancelled collection is told from a failed one).
func TestAPIErrChain(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not allowed"}
	for _, tc := range []struct {
		name string
		err  error
		text string
		is   error
	}{
		{"cancelled", context.Canceled, "LookupEvents in eu-west-1: context canceled", context.Canceled},
		{"deadline", fmt.Errorf("operation error: %w", context.DeadlineExceeded), "LookupEvents in eu-west-1: operation error: context deadline exceeded", context.DeadlineExceeded},
		{"api", fmt.Errorf("operation error CloudTrail: LookupEvents, https response error StatusCode: 400, RequestID: x, %w", api), "LookupEvents in eu-west-1: AccessDeniedException: not allowed", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fmt.Errorf("LookupEvents in %s: %w", "eu-west-1", apiErr{tc.err})
			if err.Error() != tc.text {
				t.Errorf("text %q, want %q", err.Error(), tc.text)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v) lost through the wrap", tc.is)
			}
			var ae smithy.APIError
			if tc.name == "api" && (!errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException") {
				t.Errorf("errors.As lost the API error")
			}
		})
	}
}

type lookupErr struct{ err error }

func (l lookupErr) LookupEvents(context.Context, *cloudtrail.LookupEventsInput, ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	return nil, l.err
}

// TestAPIErrChainAcrossRegions: the error of a lookup-events collection
// keeps each failed region's error in its chain, its text unchanged.
func TestAPIErrChainAcrossRegions(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not allowed"}
	clients := map[string]LookupClient{
		"us-east-1": lookupErr{fmt.Errorf("operation error: %w", context.Canceled)},
		"eu-west-1": lookupErr{fmt.Errorf("operation error CloudTrail: LookupEvents, %w", api)},
	}
	_, err := CollectLookupEvents(t.Context(), LookupOptions{
		Regions: []string{"us-east-1", "eu-west-1"}, Out: t.TempDir(),
		Client: func(r string) LookupClient { return clients[r] },
	})
	want := "2 of 2 regions incomplete (us-east-1: LookupEvents in us-east-1: operation error: context canceled; " +
		"eu-west-1: LookupEvents in eu-west-1: AccessDeniedException: not allowed): " + ErrIncomplete.Error()
	if err == nil || err.Error() != want {
		t.Fatalf("text %v, want %q", err, want)
	}
	var ae smithy.APIError
	if !errors.Is(err, ErrIncomplete) || !errors.Is(err, context.Canceled) || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("the chain lost ErrIncomplete, context.Canceled or the API error")
	}
}

// TestWalkErrorChain: a path Walk could not examine says why to errors.Is.
func TestWalkErrorChain(t *testing.T) {
	_, problems, err := Walk(t.Context(), []string{filepath.Join(t.TempDir(), "missing")})
	if err != nil || len(problems) != 1 || !errors.Is(problems[0], fs.ErrNotExist) {
		t.Errorf("problems %v, err %v: want one that is fs.ErrNotExist", problems, err)
	}
}
