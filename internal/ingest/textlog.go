package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
)

// Formats of the logs beside CloudTrail (docs/logs.md): their records go
// to their own tables, not to events.
const (
	FormatS3Access = "s3-server-access-log"
	FormatFlowLog  = "vpc-flow-log"
)

// IsLogFormat reports whether a source format holds access or flow log
// records (counted in sources.events, but not events).
func IsLogFormat(format string) bool { return format == FormatS3Access || format == FormatFlowLog }

// maxLogLine bounds one access or flow log line (AWS's are a few KiB).
const maxLogLine = 1 << 20

// textLog recognises an S3 server access log or a VPC flow log by its
// first line and streams it line by line; ok is false for anything else.
func (d *decoder) textLog(s *streamScanner, br *bufio.Reader) (ok bool, err error) {
	first, _ := br.Peek(linePeek)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	first = bytes.TrimRight(first, "\r")
	if accesslog.LooksLikeS3Access(first) {
		d.formats[FormatS3Access] = true
		return true, d.logLines(s, d.s3Line)
	}
	if f, _ := accesslog.LooksLikeFlowLog(first); f != nil {
		d.formats[FormatFlowLog] = true
		d.flowFormat = f
		return true, d.logLines(s, d.flowLine)
	}
	return false, nil
}

// logLines hands each non-empty line to parse with its 1-based number and
// offset; a line above maxLogLine is counted, not read.
func (d *decoder) logLines(s *streamScanner, parse func(line []byte, n, off int64)) error {
	var n int64
	for {
		line, off, err := s.line(maxLogLine)
		if err == io.EOF {
			return nil
		}
		n++
		d.index = n // problems are reported at the line (position = line - 1)
		if errors.Is(err, errTooLarge) {
			d.problem(ReasonTooLarge, off, fmt.Sprintf("line above %d bytes", maxLogLine))
			continue
		}
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		fixed := false
		if !utf8.Valid(line) {
			// Stored as text, which must be UTF-8: replace and count.
			line = bytes.ToValidUTF8(line, []byte("\uFFFD"))
			fixed = true
		}
		before := d.events
		parse(line, n, off)
		if fixed && d.events > before {
			d.problem(ReasonInvalidUTF8, off, "")
		}
	}
}

func (d *decoder) s3Line(line []byte, n, off int64) {
	r := &d.s3
	r.Line, r.Offset = n, off
	if err := accesslog.ParseS3Access(line, r); err != nil {
		d.problem(ReasonBadS3AccessLine, off, shortErr(err))
		return
	}
	d.events++
	d.emitS3(r)
}

func (d *decoder) flowLine(line []byte, n, off int64) {
	if line[0] < '0' || line[0] > '9' {
		// A header: the first line of an S3 delivery, or of a file
		// concatenated onto this one.
		if f, err := accesslog.ParseFlowHeader(line); err == nil {
			d.flowFormat = f
			return
		}
	}
	r := &d.flow
	r.Line, r.Offset = n, off
	if err := d.flowFormat.Parse(line, r); err != nil {
		d.problem(ReasonBadFlowLogLine, off, shortErr(err))
		return
	}
	d.events++
	d.emitFlow(r)
}
