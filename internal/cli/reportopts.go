package cli

import (
	"os"
	"strconv"

	"golang.org/x/term"

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
		o.Terminal = true
		_, o.Color = os.LookupEnv("NO_COLOR")
		o.Color = !o.Color
		if fd, ok := f.IO.Out.(interface{ Fd() uintptr }); ok {
			if w, _, err := term.GetSize(int(fd.Fd())); err == nil && w > 0 {
				o.Width = w
			}
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		o.Width = n
	}
	return o
}
