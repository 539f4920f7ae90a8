// Package report renders an investigation, an event.Case, for people and for
// programs. Each format is one Writer in its own file, chosen by name with
// New: "text" for the terminal, "markdown" for tickets and wikis, and "json",
// the canonical and complete encoding described by the embedded JSON Schema
// (Schema, docs/report-schema.json and docs/report-schema.md). "html" is a
// self-contained page that embeds that JSON and draws it in the browser
// (package report/html, docs/html-report.md).
//
// Text and markdown render the same content from the same Case; they may
// abridge (bursts of similar calls collapse into one line, long input lists
// stop after 20 rows) but never add facts the JSON lacks. Writers never
// modify the Case they are given.
package report

import (
	_ "embed" // schema.json
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// Writer renders a Case in one format.
type Writer interface {
	Write(w io.Writer, c *event.Case) error
}

// Options fit a report to where it goes. Only the text format reads them;
// the defaults (the zero value) suit a file or a pipe.
type Options struct {
	// Width is the width of the terminal in columns: prose wraps and tables
	// are cut to fit it. 0 means 100; below 0, prose wraps at 100 and
	// tables keep every column whole (for a file read in an editor).
	Width int
	// Color marks severities and verdicts with ANSI colours. The caller
	// sets it only when writing to a terminal with NO_COLOR unset.
	Color bool
	// Terminal says the report goes to a terminal: the summary is repeated
	// at the end, where it stays on screen.
	Terminal bool
}

// width is Width or, when unknown, 100.
func (o Options) width() int {
	if o.Width <= 0 {
		return 100
	}
	return o.Width
}

// writers maps a format name to its constructor. A new format (html, csv)
// is one more file and one more entry here and in formatOrder.
var writers = map[string]func(Options) Writer{
	"text":     func(o Options) Writer { return textWriter{o} },
	"markdown": func(Options) Writer { return markdownWriter{} },
	"json":     func(Options) Writer { return jsonWriter{} },
	"html":     func(Options) Writer { return htmlWriter{} },
}

// formatOrder is the order Formats lists the names in: the default first.
var formatOrder = []string{"text", "markdown", "json", "html"}

// Formats returns the names New accepts, the default ("text") first.
func Formats() []string { return slices.Clone(formatOrder) }

// New returns the Writer for format, with the default Options.
func New(format string) (Writer, error) { return NewWithOptions(format, Options{}) }

// NewWithOptions returns the Writer for format, fitted by o.
func NewWithOptions(format string, o Options) (Writer, error) {
	mk, ok := writers[format]
	if !ok {
		return nil, fmt.Errorf("unknown report format %q (want one of %s)", format, strings.Join(formatOrder, ", "))
	}
	return mk(o), nil
}

//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of the JSON report.
func Schema() []byte { return slices.Clone(schema) }

// errNilCase is returned by every writer given a nil Case.
var errNilCase = errors.New("report: nil case")
