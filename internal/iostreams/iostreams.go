// Package iostreams carries all terminal I/O: results go to Out, progress
// and warnings to ErrOut, and progress bars appear only on a terminal.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/trailsleuth/trailsleuth/internal/display"
)

// IOStreams is the process's standard streams and what they are attached to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	OutTTY bool
	ErrTTY bool
	Quiet  bool
}

// System returns the process's own streams.
func System() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// Test returns streams that capture output, for tests.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: &bytes.Buffer{}, Out: out, ErrOut: errOut}, out, errOut
}

// Warnf prints a warning on ErrOut unless quiet. Its string, error and
// Stringer arguments are escaped (display.Inline): warnings name files and
// values from the evidence, which must not drive the terminal or forge a
// line; the format is the program's own.
func (s *IOStreams) Warnf(format string, a ...any) {
	if s.Quiet {
		return
	}
	args := make([]any, len(a))
	for i, v := range a {
		switch x := v.(type) {
		case string:
			args[i] = display.Inline(x)
		case error:
			args[i] = display.Inline(x.Error())
		case fmt.Stringer:
			args[i] = display.Inline(x.String())
		default:
			args[i] = v
		}
	}
	fmt.Fprintf(s.ErrOut, format, args...)
}

// Progress reports a long task's advance on ErrOut: a bar on a terminal,
// a plain line every interval otherwise, nothing when quiet.
type Progress struct {
	s        *IOStreams
	bar      *progressbar.ProgressBar
	label    string
	last     time.Time
	interval time.Duration
}

// NewProgress starts a progress report over total bytes.
func (s *IOStreams) NewProgress(label string, total int64) *Progress {
	p := &Progress{s: s, label: label, interval: 5 * time.Second, last: time.Now()}
	if s.Quiet {
		return p
	}
	if s.ErrTTY {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(s.ErrOut),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// Update sets the bytes done and a status text (files, events, rate).
func (p *Progress) Update(done int64, status string) {
	if p.s.Quiet {
		return
	}
	if p.bar != nil {
		p.bar.Describe(p.label + " " + status)
		p.bar.Set64(done) //nolint:errcheck // display only
		return
	}
	if time.Since(p.last) >= p.interval {
		p.last = time.Now()
		fmt.Fprintf(p.s.ErrOut, "%s %s\n", p.label, status)
	}
}

// Done clears the bar.
func (p *Progress) Done() {
	if p.bar != nil {
		p.bar.Finish() //nolint:errcheck // display only
	}
}
