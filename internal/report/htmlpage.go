package report

import (
	"bytes"
	"io"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/report/html"
)

// htmlWriter writes the self-contained HTML page. The page embeds the JSON
// report's own encoding, so it shows exactly the facts the JSON holds.
type htmlWriter struct{}

func (htmlWriter) Write(w io.Writer, c *event.Case) error {
	if c == nil {
		return errNilCase
	}
	var buf bytes.Buffer
	if err := (jsonWriter{}).Write(&buf, c); err != nil {
		return err
	}
	return html.Write(w, buf.Bytes())
}
