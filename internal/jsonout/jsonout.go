// Package jsonout is the one JSON writer of trailsleuth's outputs: a
// document indented by two spaces and ended by a newline, or JSON lines,
// one compact document per line. "<", ">" and "&" are written as they are:
// none of these outputs is HTML, and an investigator reading a JSON report
// or grepping JSON lines should see "a&b", not "a\u0026b".
package jsonout

import (
	"encoding/json"
	"io"
)

// Write writes v as one indented JSON document.
func Write(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Lines writes JSON lines: one compact document per Write.
type Lines struct{ enc *json.Encoder }

// NewLines returns a JSON lines writer on w.
func NewLines(w io.Writer) *Lines {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &Lines{enc: enc}
}

// Write writes v as one line.
func (l *Lines) Write(v any) error { return l.enc.Encode(v) }
