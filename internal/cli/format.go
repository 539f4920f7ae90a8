package cli

import (
	"fmt"
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

// enumValue is a flag that takes one of a list of values, checked when the
// flag is parsed (gh's StringEnumFlag); text and table are taken as one
// where the list has only one of them.
type enumValue struct {
	p       *string
	options []string
}

func (v *enumValue) String() string { return *v.p }
func (v *enumValue) Type() string   { return "string" }

func (v *enumValue) Set(s string) error {
	f := synonym(s, v.options)
	if !slices.Contains(v.options, f) {
		return fmt.Errorf("want one of %s", strings.Join(v.options, ", "))
	}
	*v.p = f
	return nil
}

// addEnumFlag declares a flag taking one of options, def when not given.
func addEnumFlag(fl *pflag.FlagSet, p *string, name, def string, options []string, usage string) {
	*p = def
	fl.Var(&enumValue{p: p, options: options}, name, usage)
}

// addFormatFlag declares --format, the one way every command does: def
// when not given ("" for commands that pick by --out's extension with
// pickFormat).
func addFormatFlag(fl *pflag.FlagSet, p *string, def string, formats []string, usage string) {
	addEnumFlag(fl, p, "format", def, formats, usage)
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
