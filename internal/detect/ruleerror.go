package detect

import (
	"fmt"

	"github.com/trailsleuth/trailsleuth/internal/display"
)

// String is the one line a rule that could not be read or run is reported
// with: the rule and its file when it was read, else the file.
func (e RuleError) String() string {
	if e.Title != "" {
		return fmt.Sprintf("rule %s (%s): %s", display.Inline(e.Title), display.Inline(e.Source), display.Inline(e.Error))
	}
	return fmt.Sprintf("%s: %s", display.Inline(e.Source), display.Inline(e.Error))
}
