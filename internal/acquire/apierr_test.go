package acquire

import (
	"context"
	"errors"
	"fmt"
	"testing"

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
