// Package html writes the HTML report: one self-contained page (no network,
// no external file) that embeds the JSON report once and renders every
// section from it in the browser. The page's own script and style live in
// assets/, the vendored chart library (uPlot) in vendor/; both are embedded
// in the binary.
//
// The package knows nothing of event.Case: it wraps the canonical JSON
// encoding it is given, so the page cannot drift from the JSON report.
package html

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
)

//go:embed assets/page.html assets/style.css assets/app.js vendor/uPlot.iife.min.js vendor/uPlot.min.css vendor/uPlot.LICENSE
var files embed.FS

// page is parsed once; it is never modified after init.
var page = template.Must(template.New("page.html").ParseFS(files, "assets/page.html"))

// pageData fills assets/page.html. text/template inserts the strings as
// they are: the assets are ours, and Data is escaped by escapeJSON.
type pageData struct {
	CSP     string
	Style   string
	Script  []string
	Data    string
	Licence string // uPlot's MIT licence, which must travel with its code
}

// Write writes the page for the report whose JSON encoding is caseJSON (a
// JSON object, as the JSON report writer produces it).
func Write(w io.Writer, caseJSON []byte) error {
	data, err := escapeJSON(caseJSON)
	if err != nil {
		return err
	}
	var style strings.Builder
	for _, name := range []string{"vendor/uPlot.min.css", "assets/style.css"} {
		b, err := files.ReadFile(name)
		if err != nil {
			return fmt.Errorf("reading embedded %s: %w", name, err)
		}
		style.Write(b)
		style.WriteByte('\n')
	}
	var scripts []string
	// The policy allows exactly these two scripts by hash, so even markup that
	// slipped past escaping could not run a script of its own.
	csp := []string{"default-src 'none'", "style-src 'unsafe-inline'", "img-src data:", "base-uri 'none'", "form-action 'none'"}
	var hashes []string
	for _, name := range []string{"vendor/uPlot.iife.min.js", "assets/app.js"} {
		b, err := files.ReadFile(name)
		if err != nil {
			return fmt.Errorf("reading embedded %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		scripts = append(scripts, string(b))
	}
	csp = append(csp, "script-src "+strings.Join(hashes, " "))
	licence, err := files.ReadFile("vendor/uPlot.LICENSE")
	if err != nil {
		return fmt.Errorf("reading embedded licence: %w", err)
	}
	err = page.Execute(w, pageData{CSP: strings.Join(csp, "; "), Style: style.String(), Script: scripts, Data: string(data), Licence: string(licence)})
	if err != nil {
		return fmt.Errorf("writing the html report: %w", err)
	}
	return nil
}

// escapeJSON compacts the report and escapes <, > and & inside its strings
// (as \u003c…), so no value can close the <script> element that holds it or
// open a comment; JSON.parse reads the escapes back as the same characters.
func escapeJSON(caseJSON []byte) ([]byte, error) {
	if len(bytes.TrimSpace(caseJSON)) == 0 || bytes.TrimSpace(caseJSON)[0] != '{' {
		return nil, errors.New("html report: the case JSON is not an object")
	}
	var compact bytes.Buffer
	compact.Grow(len(caseJSON))
	if err := json.Compact(&compact, caseJSON); err != nil {
		return nil, fmt.Errorf("html report: reading the case JSON: %w", err)
	}
	var out bytes.Buffer
	out.Grow(compact.Len() + compact.Len()/32)
	json.HTMLEscape(&out, compact.Bytes())
	return out.Bytes(), nil
}
