package cli

import (
	"os"
	"strconv"

	"github.com/trailsleuth/trailsleuth/internal/report"
)

// reportOptions fits a text report to where it goes. On a terminal: its
// width (or $COLUMNS), colour unless NO_COLOR is set, and the summary
// repeated at the end. Into a file or a pipe: tables keep every cell whole,
// since a cut cell loses evidence that grep or an editor would have shown;
// $COLUMNS, when set, fits them all the same.
func (f *Factory) reportOptions(toFile bool) report.Options {
	o := report.Options{Width: -1}
	if toFile {
		return o
	}
	if f.IO.OutTTY {
		_, noColor := os.LookupEnv("NO_COLOR")
		o.Terminal, o.Color = true, !noColor
		if f.IO.OutWidth > 0 {
			o.Width = f.IO.OutWidth
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		o.Width = n
	}
	return o
}
