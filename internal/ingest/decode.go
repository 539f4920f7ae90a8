package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// Formats a source can be recognised as, by content.
const (
	FormatRecords      = "cloudtrail-records" // S3 delivery file {"Records":[...]}
	FormatLookupEvents = "lookup-events"      // aws cloudtrail lookup-events output
	FormatArray        = "json-array"         // [event, ...]
	FormatLines        = "jsonl"              // one JSON object per line
	FormatObjects      = "json-objects"       // one or more (pretty-printed) JSON objects
	FormatDigest       = "cloudtrail-digest"  // integrity digest: recorded, not ingested
)

// Bounds that keep memory flat whatever the input size.
const (
	// maxRecord bounds one event (CloudTrail's own limit is far lower).
	maxRecord = 32 << 20
	// maxObject bounds a top-level object that is not streamed (a Records
	// object whose first key is not "Records", a digest, a single event).
	maxObject = 256 << 20
	// linePeek is how far ahead format detection looks for a first line.
	linePeek = 1 << 20
)

// decoder turns one decompressed source stream into events. It recognises
// the format by content and never holds more than one record (or one
// bounded object) in memory.
type decoder struct {
	// inPlace: the source is read whole and its events may be kept as
	// where they lie in it (Provenance.InPlace) instead of as a copy.
	inPlace bool
	p       fastjson.Parser
	inner   fastjson.Parser
	fix     fastjson.Parser // re-parses a record whose invalid UTF-8 was replaced
	buf     []byte
	dups    *dupScan

	emit    func(*event.Event)
	problem func(r Reason, off int64, detail string)
	// emitS3 and emitFlow receive access and flow log records (textlog.go);
	// the record is reused for the next line.
	emitS3     func(*accesslog.S3Access)
	emitFlow   func(*accesslog.Flow)
	s3         accesslog.S3Access
	flow       accesslog.Flow
	flowFormat *accesslog.FlowFormat

	// Bounds, from the constants; tests lower them.
	maxRecord, maxObject int

	formats   map[string]bool
	isDigest  bool
	index     int64 // ordinal of the next record in the source
	events    int64
	notEvents int64
	// notWhat names what the first record that was not an event is (an S3
	// event notification, an Azure activity log entry…), for a skipped file.
	notWhat string
}

func newDecoder(emit func(*event.Event), problem func(Reason, int64, string)) *decoder {
	return &decoder{emit: emit, problem: problem, formats: map[string]bool{}, maxRecord: maxRecord, maxObject: maxObject, dups: newDupScan(),
		emitS3: func(*accesslog.S3Access) {}, emitFlow: func(*accesslog.Flow) {}}
}

// reset prepares the decoder for a new source, keeping its buffers.
func (d *decoder) reset() {
	clear(d.formats)
	d.isDigest = false
	d.index, d.events, d.notEvents = 0, 0, 0
	d.notWhat = ""
}

// format names what the source turned out to hold.
func (d *decoder) format() string {
	if d.isDigest && d.events == 0 {
		return FormatDigest
	}
	for _, f := range []string{FormatLookupEvents, FormatRecords, FormatArray, FormatLines, FormatObjects, FormatS3Access, FormatFlowLog} {
		if d.formats[f] {
			return f
		}
	}
	return ""
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// errNotJSON marks a source whose first byte cannot start JSON.
var errNotJSON = errors.New("content is not JSON")

// decode reads r to its end. Record-level problems are reported through
// d.problem and decoding continues; the returned error is what stopped the
// stream early (truncation, a read error, structure that cannot be followed).
func (d *decoder) decode(br *bufio.Reader) error {
	s := &streamScanner{r: br, buf: d.buf[:0]}
	defer func() { d.buf = s.buf }()
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		s.discard(3)
	}
	c, err := s.peek()
	if err != nil {
		return err // io.EOF: empty (or only white space)
	}
	if c != '{' && c != '[' {
		if ok, err := d.textLog(s, br); ok {
			return err
		}
		return errNotJSON
	}
	if c == '{' && d.looksLikeLines(br) {
		d.formats[FormatLines] = true
		return d.lines(s)
	}
	for {
		c, err := s.peek()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch c {
		case '[':
			d.formats[FormatArray] = true
			if err := d.streamArray(s, false); err != nil {
				return err
			}
			continue
		case '{':
			if k := firstKey(br); k == "Records" || k == "Events" {
				if err := d.streamContainer(s); err != nil {
					return err
				}
				continue
			}
		default:
			return fmt.Errorf("offset %d: unexpected %q between JSON values: %w", s.off, c, errMalformed)
		}
		d.formats[FormatObjects] = true
		raw, off, err := s.value(d.maxObject)
		if errors.Is(err, errTooLarge) {
			d.record(ReasonTooLarge, off, fmt.Sprintf("top-level object above %d bytes", d.maxObject))
			continue
		}
		if err != nil {
			return err
		}
		d.value(raw, off, 0)
	}
}

// looksLikeLines reports whether the stream is JSON lines: its first line
// is a whole object on its own.
func (d *decoder) looksLikeLines(br *bufio.Reader) bool {
	b, _ := br.Peek(linePeek)
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return false
	}
	line := bytes.TrimSpace(b[:nl])
	return len(line) > 1 && line[0] == '{' && line[len(line)-1] == '}'
}

// firstKey returns the first member name of the object the reader is at,
// looking only at what is buffered.
func firstKey(br *bufio.Reader) string {
	b, _ := br.Peek(br.Buffered())
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return ""
	}
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return ""
	}
	end := bytes.IndexByte(b[i+1:], '"')
	if end < 0 || end > 64 {
		return ""
	}
	return string(b[i+1 : i+1+end])
}

// lines decodes JSON lines; a bad line is counted and skipped, so one
// corrupt line never costs the rest of the file.
func (d *decoder) lines(s *streamScanner) error {
	for {
		line, off, err := s.line(d.maxObject)
		if errors.Is(err, errTooLarge) {
			d.record(ReasonTooLarge, off, fmt.Sprintf("line above %d bytes", d.maxObject))
			continue
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		// The offset is the object's own, after any leading space: the
		// event's bytes are found there again (Provenance.InPlace).
		trimmed := bytes.TrimLeftFunc(line, unicode.IsSpace)
		off += int64(len(line) - len(trimmed))
		line = bytes.TrimRightFunc(trimmed, unicode.IsSpace)
		if len(line) == 0 {
			continue
		}
		d.value(line, off, 0)
	}
}

// streamContainer streams an object whose "Records" or "Events" member holds
// the records, skipping its other members (NextToken and the like).
func (d *decoder) streamContainer(s *streamScanner) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	for first := true; ; first = false {
		c, err := s.peek()
		if err != nil {
			return eofIsTruncation(err)
		}
		if c == '}' {
			s.discard(1)
			return nil
		}
		if !first {
			if err := s.expect(','); err != nil {
				return err
			}
		}
		k, _, err := s.value(4096)
		if err != nil {
			return fmt.Errorf("reading member name: %w", err)
		}
		key := string(bytes.Trim(k, `"`))
		if err := s.expect(':'); err != nil {
			return err
		}
		c, err = s.peek()
		if err != nil {
			return eofIsTruncation(err)
		}
		if (key == "Records" || key == "Events") && c == '[' {
			if key == "Records" {
				d.formats[FormatRecords] = true
			} else {
				d.formats[FormatLookupEvents] = true
			}
			if err := d.streamArray(s, key == "Events"); err != nil {
				return err
			}
			continue
		}
		if _, off, err := s.value(d.maxObject); err != nil {
			if errors.Is(err, errTooLarge) {
				d.record(ReasonTooLarge, off, "member "+key)
				continue
			}
			return err
		}
	}
}

// streamArray streams the elements of an array, each a record.
func (d *decoder) streamArray(s *streamScanner, lookup bool) error {
	if err := s.expect('['); err != nil {
		return err
	}
	c, err := s.peek()
	if err != nil {
		return eofIsTruncation(err)
	}
	if c == ']' {
		s.discard(1)
		return nil
	}
	for {
		raw, off, err := s.value(d.maxRecord)
		switch {
		case errors.Is(err, errTooLarge):
			d.record(ReasonTooLarge, off, fmt.Sprintf("record above %d bytes", d.maxRecord))
		case err != nil:
			return err
		default:
			d.value(raw, off, 0)
		}
		c, err := s.peek()
		if err != nil {
			return eofIsTruncation(err)
		}
		switch c {
		case ',':
			s.discard(1)
		case ']':
			s.discard(1)
			return nil
		default:
			return fmt.Errorf("offset %d: expected ',' or ']' in array, found %q: %w", s.off, c, errMalformed)
		}
	}
}

// record counts a problem with the record at off and advances the ordinal.
func (d *decoder) record(r Reason, off int64, detail string) {
	d.index++
	d.problem(r, off, detail)
}

// wrapperKeys are members under which exporters nest the CloudTrail event
// (EventBridge "detail", Elastic "_source", log shippers' "log"/"event").
var wrapperKeys = []string{"detail", "log", "_source", "event", "cloudtrail", "Record", "message"}

// value classifies one JSON value and emits the events it holds. depth
// bounds recursion through wrappers.
func (d *decoder) value(raw []byte, off int64, depth int) {
	if len(raw) > d.maxRecord && !holdsRecords(raw) {
		// One event above the record bound, wherever it stands (a line, a
		// file of its own): parsing it would take several times its size.
		d.record(ReasonTooLarge, off, fmt.Sprintf("record above %d bytes", d.maxRecord))
		return
	}
	v, err := d.p.ParseBytes(raw)
	if err != nil {
		d.record(ReasonMalformedJSON, off, shortErr(err))
		return
	}
	o, err := v.Object()
	if err != nil {
		d.notEvent(off, "a JSON "+v.Type().String()+", not an object")
		return
	}
	f := fields{o: o}
	switch {
	case isEvent(o):
		d.event(v, raw, off, true)
	case o.Get("CloudTrailEvent") != nil:
		d.formats[FormatLookupEvents] = true
		d.lookupEntry(o, off)
	case o.Get("Records") != nil || o.Get("Events") != nil:
		d.containerInMemory(raw, off, depth)
	case o.Get("digestStartTime") != nil && o.Get("logFiles") != nil:
		d.isDigest = true
	default:
		if depth < 3 {
			for _, k := range wrapperKeys {
				w := f.o.Get(k)
				if w == nil || w.Type() != fastjson.TypeObject {
					continue
				}
				if inner, innerOff, ok := member(raw, k); ok {
					d.value(inner, off+int64(innerOff), depth+1)
					return
				}
			}
		}
		d.notEvent(off, recognise(o))
	}
}

// notEvent counts a record that is not a CloudTrail event, saying what it is.
func (d *decoder) notEvent(off int64, what string) {
	d.notEvents++
	if d.notWhat == "" {
		d.notWhat = what
	}
	d.record(ReasonNotEvent, off, what)
}

// holdsRecords reports whether raw is an object with a Records or Events
// array or a digest's logFiles (read whole, then split), looking at its
// member names without parsing it.
func holdsRecords(raw []byte) bool {
	found := errors.New("found")
	err := forEachMember(raw, func(k, v []byte, _ int) error {
		switch string(k) {
		case "Records", "Events", "logFiles":
			return found
		}
		return nil
	})
	return err == found
}

// member returns the exact bytes of the named member of object raw.
func member(raw []byte, name string) ([]byte, int, bool) {
	var val []byte
	var at int
	errFound := errors.New("found")
	err := forEachMember(raw, func(k, v []byte, off int) error {
		if string(k) == name {
			val, at = v, off
			return errFound
		}
		return nil
	})
	return val, at, err == errFound
}

// containerInMemory handles a Records/Events object that was read whole
// (its first member was something else), keeping each record's exact bytes.
func (d *decoder) containerInMemory(raw []byte, off int64, depth int) {
	err := forEachMember(raw, func(k, v []byte, voff int) error {
		key := string(k)
		if (key != "Records" && key != "Events") || len(v) == 0 || v[0] != '[' {
			return nil
		}
		if key == "Records" {
			d.formats[FormatRecords] = true
		} else {
			d.formats[FormatLookupEvents] = true
		}
		return forEachElement(v, func(e []byte, eoff int) error {
			d.value(e, off+int64(voff+eoff), depth+1)
			return nil
		})
	})
	if err != nil {
		d.record(ReasonMalformedJSON, off, "records container: "+err.Error())
	}
}

// lookupEntry decodes one element of lookup-events output: the event is the
// JSON text in its CloudTrailEvent string.
func (d *decoder) lookupEntry(o *fastjson.Object, off int64) {
	ct := o.Get("CloudTrailEvent")
	if ct.Type() == fastjson.TypeObject { // some tools unwrap it already
		d.event(ct, ct.MarshalTo(nil), off, false)
		return
	}
	s, err := ct.StringBytes()
	if err != nil {
		d.record(ReasonBadLookupEntry, off, "CloudTrailEvent is not a string")
		return
	}
	raw := append([]byte(nil), s...)
	v, err := d.inner.ParseBytes(raw)
	if err != nil {
		d.record(ReasonBadLookupEntry, off, "CloudTrailEvent: "+shortErr(err))
		return
	}
	if v.Type() != fastjson.TypeObject {
		d.record(ReasonBadLookupEntry, off, "CloudTrailEvent is not an object")
		return
	}
	d.event(v, raw, off, false)
}

// event normalises one event and hands it on. An object with event fields
// but not CloudTrail's shape (shape.go) is counted, not stored. verbatim:
// raw is the source's own bytes at off (not text unescaped or rebuilt).
func (d *decoder) event(v *fastjson.Value, raw []byte, off int64, verbatim bool) {
	if why := notCloudTrail(v); why != "" {
		d.notEvent(off, why)
		return
	}
	// The record's ordinal: problems below are reported at it.
	d.index++
	if !utf8.Valid(raw) {
		// The database stores text as UTF-8 and refuses anything else,
		// which would fail the whole ingest for one hostile value: store
		// the event with each invalid byte sequence replaced by U+FFFD and
		// count it (the source's SHA-256 still identifies the original).
		fixed := bytes.ToValidUTF8(raw, []byte("\uFFFD"))
		fv, err := d.fix.ParseBytes(fixed)
		if err != nil {
			d.problem(ReasonMalformedJSON, off, "after replacing invalid UTF-8: "+shortErr(err))
			return
		}
		v, raw = fv, fixed
		verbatim = false
		d.problem(ReasonInvalidUTF8, off, "")
	}
	ev := &event.Event{Raw: string(raw)}
	ev.Provenance.Index = d.index - 1
	ev.Provenance.Offset = off
	ev.Provenance.InPlace = verbatim && d.inPlace
	d.events++
	for _, p := range normalize(v, ev, d.dups) {
		d.problem(p.reason, off, p.detail)
	}
	if ev.EventID == "" {
		sum := sha256.Sum256(raw)
		ev.EventID = "synthetic-" + hex.EncodeToString(sum[:16])
		ev.SyntheticID = true
		d.problem(ReasonMissingEventID, off, "")
	}
	d.emit(ev)
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
