package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// seedFiles adds the small fixtures of testdata/<dirs> as fuzz seeds (the
// committed corpus in testdata/fuzz/<Name> holds more).
func seedFiles(f *testing.F, dirs ...string) {
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil && len(b) < 8<<10 {
				f.Add(b)
			}
		}
	}
}

// FuzzDecode: whatever the bytes, decoding neither panics nor loops; every
// record is either emitted as an event or counted as a problem (ordinals
// add up); every event has an id, valid UTF-8 raw JSON, and a position
// after the previous one; an event marked as kept in place is the input's
// own bytes at its offset.
func FuzzDecode(f *testing.F) {
	seedFiles(f, "formats", "bad", "hostile", "inplace")
	f.Add([]byte(`{"Records":[{"eventName":"x"},`))
	f.Add([]byte(`[{"eventID":"a","eventTime":"2025-01-01T00:00:00Z"}]{"Events":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var evs []*event.Event
		lost := int64(0)
		d := newDecoder(func(e *event.Event) { evs = append(evs, e) }, func(r Reason, _ int64, _ string) {
			if !r.Stored() {
				lost++
			}
		})
		var logs int64
		logRaw := func(raw string, line int64) {
			logs++
			if !utf8.ValidString(raw) || line <= 0 || line > d.index {
				t.Fatalf("log record at line %d (of %d), raw %q", line, d.index, raw)
			}
		}
		d.emitS3 = func(r *accesslog.S3Access) { logRaw(r.Raw, r.Line) }
		d.emitFlow = func(r *accesslog.Flow) { logRaw(r.Raw, r.Line) }
		d.maxRecord, d.maxObject = 4<<10, 8<<10
		d.inPlace = true
		d.decode(bufio.NewReaderSize(bytes.NewReader(data), 4096)) //nolint:errcheck // any outcome is fine
		if int64(len(evs))+logs != d.events {
			t.Fatalf("emitted %d events and %d log records, counted %d", len(evs), logs, d.events)
		}
		if IsLogFormat(d.format()) {
			// Lines, not records: blank and header lines are neither.
			if d.events+lost > d.index {
				t.Fatalf("%d lines seen, %d records + %d lost", d.index, d.events, lost)
			}
			return
		}
		if d.index != d.events+lost {
			t.Fatalf("%d records seen, %d events + %d lost", d.index, d.events, lost)
		}
		var p fastjson.Parser
		for i, e := range evs {
			if e.EventID == "" || e.Raw == "" {
				t.Fatalf("event without id or raw: %+v", e)
			}
			if !utf8.ValidString(e.Raw) {
				t.Fatalf("raw is not UTF-8: %q", e.Raw)
			}
			if _, err := p.Parse(e.Raw); err != nil {
				t.Fatalf("raw is not JSON (%v): %q", err, e.Raw)
			}
			// An event kept in place must be the input's bytes at its
			// offset: that is all ingest --originals in-place records.
			if off := e.Provenance.Offset; e.Provenance.InPlace && (off < 0 || off+int64(len(e.Raw)) > int64(len(data)) || string(data[off:off+int64(len(e.Raw))]) != e.Raw) {
				t.Fatalf("event marked in place is not the input's bytes at %d: %q", off, e.Raw)
			}
			if i > 0 && e.Provenance.Index <= evs[i-1].Provenance.Index {
				t.Fatalf("positions %d then %d", evs[i-1].Provenance.Index, e.Provenance.Index)
			}
		}
	})
}

// FuzzScan: the stream scanner that splits Records without building a tree
// returns each value as the exact bytes at its offset, consumes the stream
// in order, agrees with encoding/json on where a valid document ends, and
// the in-memory splitters (forEachMember/forEachElement) find exactly the
// members encoding/json finds; JSON lines come back byte for byte.
func FuzzScan(f *testing.F) {
	seedFiles(f, "formats", "hostile")
	f.Add([]byte(`{"a":"\"}","b":[1,{"c":"]"}]} [1, 2] "x\\" 12 true`))
	f.Add([]byte("{\"a\":1}\n\n{\"b\":\"\\n\"}\nnot json\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 1 << 10
		// Values one after another, through a small buffer so values span
		// buffer boundaries.
		s := &streamScanner{r: bufio.NewReaderSize(bytes.NewReader(data), 16)}
		prevEnd := int64(0)
		for n := 0; n < 64; n++ {
			if _, err := s.peek(); err != nil {
				break
			}
			v, off, err := s.value(max)
			if off < prevEnd {
				t.Fatalf("value at %d before the end of the previous one (%d)", off, prevEnd)
			}
			if errors.Is(err, errTooLarge) {
				prevEnd = s.off
				continue
			}
			if err != nil {
				break
			}
			if len(v) == 0 {
				// At a delimiter there is no value: callers check the
				// delimiters themselves; step over it.
				if int(off) >= len(data) || !isDelim(data[off]) {
					t.Fatalf("empty value at %d, not at a delimiter", off)
				}
				s.discard(1)
				prevEnd = s.off
				continue
			}
			if int(off)+len(v) > len(data) || !bytes.Equal(v, data[off:int(off)+len(v)]) {
				t.Fatalf("value %q is not the input's bytes at %d", v, off)
			}
			if s.off != off+int64(len(v)) {
				t.Fatalf("scanner at %d after a value of %d bytes at %d", s.off, len(v), off)
			}
			prevEnd = s.off
			if c := v[0]; (c == '{' || c == '[') && json.Valid(v) {
				checkSplit(t, v)
			}
		}
		// A whole valid composite document is one value, exactly.
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) > 0 && len(trimmed) <= max && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
			s := &streamScanner{r: bufio.NewReaderSize(bytes.NewReader(trimmed), 16)}
			v, _, err := s.value(max)
			if err != nil || !bytes.Equal(v, trimmed) {
				t.Fatalf("valid document scanned as %q, %v", v, err)
			}
		}
		// Lines: what line returns, concatenated, is the input.
		s = &streamScanner{r: bufio.NewReaderSize(bytes.NewReader(data), 16)}
		var joined []byte
		for n := 0; ; n++ {
			line, _, err := s.line(len(data) + 1)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			joined = append(joined, line...)
		}
		if !bytes.Equal(joined, data) {
			t.Fatalf("lines joined give %q, input %q", joined, data)
		}
	})
}

// checkSplit compares forEachMember/forEachElement on valid JSON v with
// encoding/json's own reading of v's members.
func checkSplit(t *testing.T, v []byte) {
	t.Helper()
	var want []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(v))
	tok, _ := dec.Token()
	for dec.More() {
		if tok == json.Delim('{') {
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		want = append(want, raw)
	}
	var got []json.RawMessage
	collect := func(val []byte, _ int) error {
		got = append(got, json.RawMessage(val))
		return nil
	}
	var err error
	if tok == json.Delim('{') {
		err = forEachMember(v, func(_, val []byte, off int) error { return collect(val, off) })
	} else {
		err = forEachElement(v, collect)
	}
	if err != nil {
		t.Fatalf("splitting valid %q: %v", v, err)
	}
	if len(got) != len(want) {
		t.Fatalf("split %q into %d members, encoding/json finds %d", v, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("member %d of %q: %q, encoding/json %q", i, v, got[i], want[i])
		}
	}
}
