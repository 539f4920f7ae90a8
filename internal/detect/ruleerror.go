package detect

import "fmt"

// String is the one line a rule that could not be read or run is reported
// with: the rule and its file when it was read, else the file. Printing it
// escapes it (iostreams.Warnf), as every value from a rule file.
func (e RuleError) String() string {
	if e.Title != "" {
		return fmt.Sprintf("rule %s (%s): %s", e.Title, e.Source, e.Error)
	}
	return fmt.Sprintf("%s: %s", e.Source, e.Error)
}
