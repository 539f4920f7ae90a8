// Package iostreams carries all terminal I/O: results go to Out, progress
// and warnings to ErrOut, and progress bars appear only on a terminal.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
	// OutWidth is the width of the terminal Out is attached to (0:
	// unknown, or not a terminal).
	OutWidth int
	Quiet    bool
	// errWidth is the terminal's width for progress lines (0: unknown).
	errWidth int

	// On a terminal, ErrOut clears a drawn progress line before anything
	// else is written (a warning, a log line), which would otherwise run on
	// from it; progress itself is drawn on rawErr. drawn is shared by the
	// progress goroutine and whoever warns, hence mu.
	rawErr io.Writer
	mu     sync.Mutex
	drawn  bool
}

// clearingWriter is ErrOut on a terminal: see IOStreams.rawErr.
type clearingWriter struct{ s *IOStreams }

func (c clearingWriter) Write(p []byte) (int, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.drawn {
		io.WriteString(c.s.rawErr, "\r\x1b[K") //nolint:errcheck // display only
		c.s.drawn = false
	}
	return c.s.rawErr.Write(p)
}

// draw writes a progress line (or clears it, for an empty line) in place.
func (s *IOStreams) draw(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.rawErr
	if w == nil {
		w = s.ErrOut
	}
	if line == "" {
		if s.drawn {
			fmt.Fprint(w, "\r\x1b[K")
		}
		s.drawn = false
		return
	}
	fmt.Fprintf(w, "\r%s\x1b[K", line)
	s.drawn = true
}

// System returns the process's own streams.
func System() *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if s.OutTTY {
		s.OutWidth, _, _ = term.GetSize(int(os.Stdout.Fd()))
	}
	if s.ErrTTY {
		s.errWidth, _, _ = term.GetSize(int(os.Stderr.Fd()))
		s.rawErr = os.Stderr
		s.ErrOut = clearingWriter{s}
	}
	return s
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

// Unit is what a progress report counts: bytes, or things by name.
type Unit struct {
	name  string // "rules", "files"; "" for bytes
	bytes bool
}

// Bytes counts bytes: the report shows a percentage of the total and a
// rate in MB/s.
var Bytes = Unit{bytes: true}

// Count counts things called name ("rules", "files", "events").
func Count(name string) Unit { return Unit{name: name} }

// Progress reports a long task's advance on ErrOut: one line redrawn in
// place on a terminal, a plain line every interval otherwise, nothing when
// quiet. It computes the one rate and the one ETA the line shows, from the
// measure it counts, so that a percentage, a rate and an ETA never come
// from different measures. When the measure is complete and the task still
// runs (an ingest settling duplicates), the line stays and says so rather
// than going blank.
type Progress struct {
	s        *IOStreams
	label    string
	unit     Unit
	total    int64
	start    time.Time
	last     time.Time
	interval time.Duration
}

// NewProgress starts a progress report over total units (0: unknown).
func (s *IOStreams) NewProgress(label string, total int64, unit Unit) *Progress {
	p := &Progress{s: s, label: label, unit: unit, total: total, start: time.Now(), last: time.Now(), interval: 5 * time.Second}
	if s.ErrTTY {
		p.interval = 100 * time.Millisecond
		p.last = time.Time{} // draw the first update at once
	}
	return p
}

// UpdateNow is Update without the wait between reports: for the last
// report of a step, which must not be dropped.
func (p *Progress) UpdateNow(done int64, status string) {
	p.last = time.Time{}
	p.Update(done, status)
}

// Update sets the units done and a status (what else is worth seeing:
// files and events of an ingest, say).
func (p *Progress) Update(done int64, status string) {
	if p.s.Quiet || time.Since(p.last) < p.interval {
		return
	}
	p.last = time.Now()
	line := p.line(done, time.Since(p.start), status)
	if !p.s.ErrTTY {
		fmt.Fprintln(p.s.ErrOut, line)
		return
	}
	if w := p.s.errWidth; w > 1 && utf8.RuneCountInString(line) > w-1 {
		line = string([]rune(line)[:w-2]) + "…" // one row: \r redraws a single row only
	}
	p.s.draw(line)
}

// line renders one report: label, position, status, rate, ETA.
func (p *Progress) line(done int64, elapsed time.Duration, status string) string {
	parts := []string{p.label}
	switch {
	case p.unit.bytes && p.total > 0:
		parts = append(parts, fmt.Sprintf("%d%% of %s", done*100/p.total, size(p.total)))
	case p.unit.bytes:
		parts = append(parts, size(done))
	case p.total > 0:
		parts = append(parts, fmt.Sprintf("%d/%d %s", done, p.total, p.unit.name))
	case done > 0:
		parts = append(parts, fmt.Sprintf("%d %s", done, p.unit.name))
	}
	if status != "" {
		parts = append(parts, status)
	}
	if secs := elapsed.Seconds(); p.unit.bytes && secs > 0 && done > 0 {
		parts = append(parts, fmt.Sprintf("%.1f MB/s", float64(done)/secs/1e6))
	}
	switch {
	case p.total > 0 && done >= p.total:
		parts = append(parts, "finishing…")
	case p.total > 0 && done > 0 && elapsed >= time.Second:
		left := time.Duration(float64(elapsed) * float64(p.total-done) / float64(done))
		parts = append(parts, "ETA "+left.Round(time.Second).String())
	}
	return strings.Join(parts, " · ")
}

// size is a byte count for people: B, kB, MB or GB (SI, as the rate's MB/s).
func size(n int64) string {
	switch {
	case n < 1e3:
		return fmt.Sprintf("%d B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// Done clears the line on a terminal.
func (p *Progress) Done() {
	if p.s.ErrTTY {
		p.s.draw("")
	}
}
