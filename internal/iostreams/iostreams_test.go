package iostreams

import (
	"strings"
	"testing"
	"time"
)

// TestProgressLine: one position, one rate and one ETA, all from the
// measure the report counts; rules are counted as rules, not bytes; a
// complete measure says "finishing…" instead of going blank.
func TestProgressLine(t *testing.T) {
	tests := []struct {
		name    string
		unit    Unit
		total   int64
		done    int64
		elapsed time.Duration
		status  string
		want    string
	}{
		{"bytes", Bytes, 1_200_000, 480_000, 2 * time.Second, "300/739 files · 1200 events",
			"ingest · 40% of 1.2 MB · 300/739 files · 1200 events · 0.2 MB/s · ETA 3s"},
		{"bytes, just started", Bytes, 1_200_000, 0, 0, "0/739 files · 0 events",
			"ingest · 0% of 1.2 MB · 0/739 files · 0 events"},
		{"bytes read, still working", Bytes, 1_200_000, 1_200_000, 4 * time.Second, "739/739 files · 3229 events",
			"ingest · 100% of 1.2 MB · 739/739 files · 3229 events · 0.3 MB/s · finishing…"},
		{"rules", Count("rules"), 131, 11, 10 * time.Second, "",
			"ingest · 11/131 rules · ETA 1m49s"},
		{"small", Bytes, 42_000, 42_000, 0, "15/15 files",
			"ingest · 100% of 42.0 kB · 15/15 files · finishing…"},
		{"large, unknown total", Bytes, 0, 3_500_000_000, 10 * time.Second, "",
			"ingest · 3.5 GB · 350.0 MB/s"},
		{"unknown total", Count("events"), 0, 500, time.Second, "us-east-1",
			"ingest · 500 events · us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := Test()
			p := s.NewProgress("ingest", tt.total, tt.unit)
			if got := p.line(tt.done, tt.elapsed, tt.status); got != tt.want {
				t.Errorf("line = %q\nwant   %q", got, tt.want)
			}
		})
	}
}

// TestProgressTerminal: on a terminal the line is redrawn in place, cut to
// the width, and cleared when done; when quiet nothing is written; off a
// terminal, plain lines at most every interval.
func TestProgressTerminal(t *testing.T) {
	s, _, errOut := Test()
	s.ErrTTY, s.errWidth = true, 30
	p := s.NewProgress("hunt", 131, Count("rules"))
	p.Update(11, "a status long enough to be cut at the terminal's width")
	got := errOut.String()
	if !strings.HasPrefix(got, "\rhunt · 11/131 rules · a stat") || !strings.HasSuffix(got, "…\x1b[K") || len([]rune(got)) != 1+29+3 {
		t.Errorf("drawn %q", got)
	}
	p.Done()
	if !strings.HasSuffix(errOut.String(), "\r\x1b[K") {
		t.Errorf("not cleared: %q", errOut.String())
	}

	s, _, errOut = Test()
	s.Quiet = true
	s.NewProgress("hunt", 131, Count("rules")).Update(11, "")
	if errOut.Len() != 0 {
		t.Errorf("quiet wrote %q", errOut.String())
	}

	s, _, errOut = Test()
	p = s.NewProgress("hunt", 131, Count("rules"))
	p.Update(11, "") // within the first interval: nothing
	p.last = time.Now().Add(-time.Minute)
	p.Update(12, "")
	if got := errOut.String(); !strings.HasPrefix(got, "hunt · 12/131 rules") || strings.Count(got, "\n") != 1 || strings.Contains(got, "\r") {
		t.Errorf("off a terminal: %q", got)
	}
}

// TestWarningClearsProgress: on a terminal a warning (or a log line) written
// while a progress line is drawn starts on a cleared line instead of
// running on from the progress text; the next update draws it again.
func TestWarningClearsProgress(t *testing.T) {
	var raw strings.Builder
	s := &IOStreams{ErrTTY: true, rawErr: &raw}
	s.ErrOut = clearingWriter{s}
	p := s.NewProgress("hunt", 131, Count("rules"))
	p.Update(11, "")
	s.Warnf("rule %s: cannot run\n", "x")
	s.Warnf("rule %s: cannot run\n", "y") // the line is already clear
	p.last = time.Time{}
	p.Update(12, "")
	p.Done()
	want := "\rhunt · 11/131 rules\x1b[K\r\x1b[Krule x: cannot run\nrule y: cannot run\n\rhunt · 12/131 rules\x1b[K\r\x1b[K"
	if raw.String() != want {
		t.Errorf("wrote %q\nwant  %q", raw.String(), want)
	}
}
