package cli

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// extFormats is the format a file extension names.
var extFormats = map[string]string{
	".html": "html", ".htm": "html", ".json": "json", ".md": "markdown", ".markdown": "markdown",
	".txt": "text", ".text": "text", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
	".sarif": "sarif", ".parquet": "parquet",
}

// pickFormat settles a command's output format, the same way everywhere:
// --format when given; else the format --out's extension names (report.html
// is HTML); else def. Whether standard output is a terminal never changes
// it: a report piped to less or redirected to a file is the same report.
// "text" and "table" name the same human format, whichever one the command
// calls it. An --out extension naming a format the command cannot write,
// with no --format, is a usage error rather than a file whose content
// disagrees with its name.
func pickFormat(format, out, def string, formats []string) (string, error) {
	if format == "" && out != "" {
		ext := strings.ToLower(filepath.Ext(out))
		if f, ok := extFormats[ext]; ok {
			if f = synonym(f, formats); !slices.Contains(formats, f) {
				return "", usageErrorf("--out %s: cannot write %s here (formats: %s); give --format or another name", out, f, strings.Join(formats, ", "))
			}
			return f, nil
		}
	}
	if format == "" {
		return def, nil
	}
	format = synonym(format, formats)
	if !slices.Contains(formats, format) {
		return "", usageErrorf("--format %q: want one of %s", format, strings.Join(formats, ", "))
	}
	return format, nil
}

// settleFormat checks a --format that has a default against the formats a
// command writes (text and table taken as one), in place.
func settleFormat(format *string, formats ...string) error {
	v, err := pickFormat(*format, "", formats[0], formats)
	*format = v
	return err
}

// synonym maps text to table and back when the command knows only the other.
func synonym(format string, formats []string) string {
	if slices.Contains(formats, format) {
		return format
	}
	switch format {
	case "text":
		if slices.Contains(formats, "table") {
			return "table"
		}
	case "table":
		if slices.Contains(formats, "text") {
			return "text"
		}
	}
	return format
}

// addJSONAlias keeps a command's old --json flag, hidden, as --format json:
// one output convention across commands, and scripts that used the old
// flag keep working. Not pflag's MarkDeprecated: its notice goes to
// standard output, into the JSON a script reads.
func addJSONAlias(fl *pflag.FlagSet, set *bool) {
	fl.BoolVar(set, "json", false, "same as --format json")
	fl.MarkHidden("json") //nolint:errcheck // flag exists
}

// summaryFormats are the formats of a command that prints a summary.
var summaryFormats = []string{"text", "json"}

// summaryJSON settles --format (text or json) with the old --json alias,
// and reports whether the summary is JSON.
func summaryJSON(format string, jsonAlias bool) (bool, error) {
	if jsonAlias {
		if format != "" && format != "json" {
			return false, usageErrorf("--json and --format %s disagree", format)
		}
		format = "json"
	}
	format, err := pickFormat(format, "", "text", summaryFormats)
	return format == "json", err
}
