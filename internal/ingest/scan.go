package ingest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// scanState carries the structural state of a JSON value being scanned
// across buffer boundaries. Only strings, escapes and nesting are tracked:
// the scan finds where a value ends; validation happens when it is parsed.
type scanState struct {
	depth int
	inStr bool
	esc   bool
}

// scanComposite advances over b, which continues an object or array, and
// returns how many bytes belong to it and whether it ended within b.
func scanComposite(b []byte, st *scanState) (int, bool) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if st.inStr {
			if st.esc {
				st.esc = false
			} else if c == '\\' {
				st.esc = true
			} else if c == '"' {
				st.inStr = false
			}
			continue
		}
		switch c {
		case '"':
			st.inStr = true
		case '{', '[':
			st.depth++
		case '}', ']':
			st.depth--
			if st.depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(b), false
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// isDelim reports whether c ends a scalar JSON value.
func isDelim(c byte) bool { return isSpace(c) || c == ',' || c == ']' || c == '}' || c == ':' }

var (
	errTooLarge  = errors.New("value larger than the bound")
	errTruncated = errors.New("input ends inside a JSON value")
)

// streamScanner splits a stream into JSON values without building a tree,
// so memory stays bounded by the largest single value, not the input.
type streamScanner struct {
	r   *bufio.Reader
	off int64 // offset of the next unread byte in the (decompressed) stream
	buf []byte
}

func (s *streamScanner) chunk() ([]byte, error) {
	n := s.r.Buffered()
	if n == 0 {
		if _, err := s.r.Peek(1); err != nil {
			return nil, err
		}
		n = s.r.Buffered()
	}
	return s.r.Peek(n)
}

func (s *streamScanner) discard(n int) {
	s.r.Discard(n) //nolint:errcheck // n bytes are known to be buffered
	s.off += int64(n)
}

// peek returns the next byte that is not white space, without consuming it.
// It returns io.EOF at a clean end of input.
func (s *streamScanner) peek() (byte, error) {
	for {
		b, err := s.chunk()
		if err != nil {
			return 0, err
		}
		i := 0
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		s.discard(i)
		if i < len(b) {
			return b[i], nil
		}
	}
}

// expect consumes c as the next non-space byte.
func (s *streamScanner) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return eofIsTruncation(err)
	}
	if got != c {
		return fmt.Errorf("offset %d: expected %q, found %q: %w", s.off, c, got, errMalformed)
	}
	s.discard(1)
	return nil
}

var errMalformed = errors.New("malformed JSON")

func eofIsTruncation(err error) error {
	if err == io.EOF {
		return errTruncated
	}
	return err
}

// value reads the next complete JSON value. The returned bytes are valid
// until the next call. A value longer than max is skipped whole and
// reported as errTooLarge, so one oversized record does not stop the file.
func (s *streamScanner) value(max int) ([]byte, int64, error) {
	c, err := s.peek()
	if err != nil {
		return nil, s.off, eofIsTruncation(err)
	}
	start := s.off
	s.buf = s.buf[:0]
	over := false
	keep := func(b []byte) {
		if over {
			return
		}
		if len(s.buf)+len(b) > max {
			over = true
			s.buf = s.buf[:0]
			return
		}
		s.buf = append(s.buf, b...)
	}
	switch c {
	case '{', '[':
		if err := s.scanTo(scanComposite, &scanState{}, keep); err != nil {
			return nil, start, err
		}
	case '"':
		keep([]byte{'"'})
		s.discard(1)
		if err := s.scanTo(scanString, &scanState{inStr: true}, keep); err != nil {
			return nil, start, err
		}
	default:
		for {
			b, err := s.chunk()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, start, err
			}
			n := 0
			for n < len(b) && !isDelim(b[n]) {
				n++
			}
			keep(b[:n])
			s.discard(n)
			if n < len(b) {
				break
			}
		}
	}
	if over {
		return nil, start, errTooLarge
	}
	return s.buf, start, nil
}

// scanTo feeds buffered input to step until it reports the value's end,
// handing every consumed byte to keep.
func (s *streamScanner) scanTo(step func([]byte, *scanState) (int, bool), st *scanState, keep func([]byte)) error {
	for {
		b, err := s.chunk()
		if err != nil {
			return eofIsTruncation(err)
		}
		n, done := step(b, st)
		keep(b[:n])
		s.discard(n)
		if done {
			return nil
		}
	}
}

// scanString advances over the rest of a string whose opening quote has been
// consumed.
func scanString(b []byte, st *scanState) (int, bool) {
	for i := 0; i < len(b); i++ {
		if st.esc {
			st.esc = false
			continue
		}
		switch b[i] {
		case '\\':
			st.esc = true
		case '"':
			return i + 1, true
		}
	}
	return len(b), false
}

// line reads one line (without its newline). Lines longer than max are
// skipped to their end and reported as errTooLarge.
func (s *streamScanner) line(max int) ([]byte, int64, error) {
	start := s.off
	s.buf = s.buf[:0]
	over := false
	for {
		b, err := s.r.ReadSlice('\n')
		s.off += int64(len(b))
		if !over {
			if len(s.buf)+len(b) > max {
				over = true
				s.buf = s.buf[:0]
			} else {
				s.buf = append(s.buf, b...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || (len(s.buf) == 0 && !over && len(b) == 0)) {
			return nil, start, err
		}
		break
	}
	if over {
		return nil, start, errTooLarge
	}
	return s.buf, start, nil
}

// sliceValueEnd returns the index just past the JSON value starting at b[i]
// (b[i] is not white space), or -1 if b ends first.
func sliceValueEnd(b []byte, i int) int {
	switch b[i] {
	case '{', '[':
		var st scanState
		n, done := scanComposite(b[i:], &st)
		if !done {
			return -1
		}
		return i + n
	case '"':
		st := scanState{inStr: true}
		n, done := scanString(b[i+1:], &st)
		if !done {
			return -1
		}
		return i + 1 + n
	default:
		j := i
		for j < len(b) && !isDelim(b[j]) {
			j++
		}
		return j
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// forEachMember calls fn with each member of the JSON object in b, giving the
// value's exact bytes and offset. b must already be known to be valid JSON.
func forEachMember(b []byte, fn func(key []byte, val []byte, off int) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errMalformed
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return errMalformed
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] == ',' {
			i++
			continue
		}
		kEnd := sliceValueEnd(b, i)
		if kEnd < 0 || b[i] != '"' {
			return errMalformed
		}
		key := b[i+1 : kEnd-1]
		i = skipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return errMalformed
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return errMalformed
		}
		vEnd := sliceValueEnd(b, i)
		if vEnd < 0 {
			return errMalformed
		}
		if err := fn(key, b[i:vEnd], i); err != nil {
			return err
		}
		i = vEnd
	}
}

// forEachElement calls fn with each element of the JSON array in b.
func forEachElement(b []byte, fn func(val []byte, off int) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errMalformed
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return errMalformed
		}
		switch b[i] {
		case ']':
			return nil
		case ',':
			i++
			continue
		}
		end := sliceValueEnd(b, i)
		if end < 0 {
			return errMalformed
		}
		if err := fn(b[i:end], i); err != nil {
			return err
		}
		i = end
	}
}
