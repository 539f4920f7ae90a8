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

// writers maps a format name to its constructor. A new format (html, csv)
// is one more file and one more entry here and in formatOrder.
var writers = map[string]func() Writer{
	"text":     func() Writer { return textWriter{} },
	"markdown": func() Writer { return markdownWriter{} },
	"json":     func() Writer { return jsonWriter{} },
	"html":     func() Writer { return htmlWriter{} },
}

// formatOrder is the order Formats lists the names in: the default first.
var formatOrder = []string{"text", "markdown", "json", "html"}

// Formats returns the names New accepts, the default ("text") first.
func Formats() []string { return slices.Clone(formatOrder) }

// New returns the Writer for format.
func New(format string) (Writer, error) {
	mk, ok := writers[format]
	if !ok {
		return nil, fmt.Errorf("unknown report format %q (want one of %s)", format, strings.Join(formatOrder, ", "))
	}
	return mk(), nil
}

//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of the JSON report.
func Schema() []byte { return slices.Clone(schema) }

// errNilCase is returned by every writer given a nil Case.
var errNilCase = errors.New("report: nil case")
