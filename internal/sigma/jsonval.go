package sigma

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// jkind is the type of a JSON value.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jArr
	jObj
)

// jv is a parsed JSON value that keeps what the matcher needs to reproduce
// the case database's view of an event: object member order, the literal
// text of numbers, and the source bytes of every value.
type jv struct {
	kind  jkind
	s     string // string value (unescaped), number literal, or "true"/"false"
	raw   []byte // the value's source text (nil for values built from a map)
	elems []*jv  // array elements
	keys  []string
	vals  []*jv // object members, in document order
}

// get returns the first member named k of an object, or nil.
func (v *jv) get(k string) *jv {
	if v == nil || v.kind != jObj {
		return nil
	}
	for i, key := range v.keys {
		if key == k {
			return v.vals[i]
		}
	}
	return nil
}

// parseJSON parses one JSON document.
func parseJSON(b []byte) (*jv, error) {
	p := &jparser{b: b}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, fmt.Errorf("invalid JSON: trailing data at offset %d", p.i)
	}
	return v, nil
}

type jparser struct {
	b []byte
	i int
}

const maxDepth = 512

func (p *jparser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) errf(format string, a ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.i, fmt.Sprintf(format, a...))
}

// value parses the value at p.i, dispatching on its first byte.
func (p *jparser) value(depth int) (*jv, error) {
	if depth > maxDepth {
		return nil, p.errf("nested too deeply")
	}
	if p.i >= len(p.b) {
		return nil, p.errf("unexpected end")
	}
	start := p.i
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(start, depth)
	case c == '[':
		return p.array(start, depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jv{kind: jStr, s: s, raw: p.b[start:p.i]}, nil
	case c == 't' || c == 'f' || c == 'n':
		return p.literal(start)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(start)
	default:
		return nil, p.errf("unexpected character %q", c)
	}
}

// at reports whether the next byte is c.
func (p *jparser) at(c byte) bool {
	return p.i < len(p.b) && p.b[p.i] == c
}

// finish consumes the closing byte c of the object or array v that opened
// at start, if it is next, and keeps v's source text.
func (p *jparser) finish(v *jv, start int, c byte) bool {
	if !p.at(c) {
		return false
	}
	p.i++
	v.raw = p.b[start:p.i]
	return true
}

// object parses an object whose '{' is at start (= p.i), keeping its
// members in document order.
func (p *jparser) object(start, depth int) (*jv, error) {
	p.i++
	v := &jv{kind: jObj}
	p.ws()
	if p.finish(v, start, '}') {
		return v, nil
	}
	for {
		p.ws()
		if !p.at('"') {
			return nil, p.errf("expected object key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if !p.at(':') {
			return nil, p.errf("expected ':'")
		}
		p.i++
		p.ws()
		m, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, k)
		v.vals = append(v.vals, m)
		p.ws()
		if p.at(',') {
			p.i++
			continue
		}
		if p.finish(v, start, '}') {
			return v, nil
		}
		return nil, p.errf("expected ',' or '}'")
	}
}

// array parses an array whose '[' is at start (= p.i).
func (p *jparser) array(start, depth int) (*jv, error) {
	p.i++
	v := &jv{kind: jArr}
	p.ws()
	if p.finish(v, start, ']') {
		return v, nil
	}
	for {
		p.ws()
		e, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.elems = append(v.elems, e)
		p.ws()
		if p.at(',') {
			p.i++
			continue
		}
		if p.finish(v, start, ']') {
			return v, nil
		}
		return nil, p.errf("expected ',' or ']'")
	}
}

// literal parses true, false or null.
func (p *jparser) literal(start int) (*jv, error) {
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(p.b[p.i:], []byte(lit)) {
			p.i += len(lit)
			if lit == "null" {
				return &jv{kind: jNull, raw: p.b[start:p.i]}, nil
			}
			return &jv{kind: jBool, s: lit, raw: p.b[start:p.i]}, nil
		}
	}
	return nil, p.errf("invalid literal")
}

// number parses a number, keeping its literal text (the case database
// prints numbers from it).
func (p *jparser) number(start int) (*jv, error) {
	p.i++
	for p.i < len(p.b) {
		c := p.b[p.i]
		if (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			p.i++
			continue
		}
		break
	}
	lit := string(p.b[start:p.i])
	if !json.Valid(p.b[start:p.i]) {
		return nil, p.errf("invalid number %q", lit)
	}
	return &jv{kind: jNum, s: lit, raw: p.b[start:p.i]}, nil
}

// str reads a JSON string starting at the opening quote.
func (p *jparser) str() (string, error) {
	start := p.i
	p.i++
	plain := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if plain {
				return string(p.b[start+1 : p.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
				return "", p.errf("bad string: %v", err)
			}
			return s, nil
		case c == '\\':
			plain = false
			p.i += 2
		case c < 0x20:
			return "", p.errf("control character in string")
		default:
			if c >= 0x80 {
				plain = false
			}
			p.i++
		}
	}
	return "", p.errf("unterminated string")
}

// fromGo converts a decoded Go value (encoding/json's model: map[string]any,
// []any, string, float64, json.Number, bool, nil) into a jv. Object members
// are sorted by key, as encoding/json would write them.
func fromGo(x any) (*jv, error) {
	switch t := x.(type) {
	case nil:
		return &jv{kind: jNull}, nil
	case bool:
		return &jv{kind: jBool, s: strconv.FormatBool(t)}, nil
	case string:
		return &jv{kind: jStr, s: t}, nil
	case json.Number:
		return &jv{kind: jNum, s: t.String()}, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("unsupported number %v", t)
		}
		return &jv{kind: jNum, s: strconv.FormatFloat(t, 'g', -1, 64)}, nil
	case float32:
		return fromGo(float64(t))
	case int:
		return &jv{kind: jNum, s: strconv.Itoa(t)}, nil
	case int64:
		return &jv{kind: jNum, s: strconv.FormatInt(t, 10)}, nil
	case []any:
		v := &jv{kind: jArr}
		for _, e := range t {
			ev, err := fromGo(e)
			if err != nil {
				return nil, err
			}
			v.elems = append(v.elems, ev)
		}
		return v, nil
	case map[string]any:
		v := &jv{kind: jObj}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ev, err := fromGo(t[k])
			if err != nil {
				return nil, err
			}
			v.keys = append(v.keys, k)
			v.vals = append(v.vals, ev)
		}
		return v, nil
	default:
		return nil, fmt.Errorf("unsupported Go type %T in event", x)
	}
}

// duckText is the text DuckDB's json_extract_string gives for a value
// (yyjson's writer): strings unescaped at the top level, numbers normalised,
// objects and arrays compact with minimal escaping. ok is false for null.
func duckText(v *jv) (string, bool) {
	switch v.kind {
	case jNull:
		return "", false
	case jStr:
		return v.s, true
	case jBool:
		return v.s, true
	case jNum:
		return duckNumber(v.s), true
	default:
		var sb strings.Builder
		writeDuck(&sb, v)
		return sb.String(), true
	}
}

func writeDuck(sb *strings.Builder, v *jv) {
	switch v.kind {
	case jNull:
		sb.WriteString("null")
	case jBool:
		sb.WriteString(v.s)
	case jNum:
		sb.WriteString(duckNumber(v.s))
	case jStr:
		writeDuckString(sb, v.s)
	case jArr:
		sb.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeDuck(sb, e)
		}
		sb.WriteByte(']')
	case jObj:
		sb.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeDuckString(sb, k)
			sb.WriteByte(':')
			writeDuck(sb, v.vals[i])
		}
		sb.WriteByte('}')
	}
}

func writeDuckString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(sb, `\u%04x`, c)
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
}

// duckNumber normalises a JSON number literal the way DuckDB prints it:
// integers in canonical form (literals beyond 64 bits kept as written),
// reals in the shortest round-trip form, with ".0" on integral values and an
// exponent outside 1e-7..1e21.
func duckNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return strconv.FormatInt(i, 10)
		}
		if u, err := strconv.ParseUint(lit, 10, 64); err == nil {
			return strconv.FormatUint(u, 10)
		}
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit
	}
	if f == 0 {
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if x > -7 && x < 21 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return mant + "e" + strconv.Itoa(x)
}

// columnText is the text ingest stores for a typed VARCHAR column (its
// valueString): strings, number literals as written, booleans; nothing for
// null, objects, arrays and the empty string (stored as NULL).
func columnText(v *jv) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.kind {
	case jStr, jNum, jBool:
		if v.s == "" {
			return "", false
		}
		return v.s, true
	}
	return "", false
}

// columnBool is ingest's valueBool: JSON booleans and strings
// strconv.ParseBool accepts, printed as DuckDB casts a BOOLEAN to VARCHAR.
func columnBool(v *jv) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.kind {
	case jBool:
		return v.s, true
	case jStr:
		b, err := strconv.ParseBool(v.s)
		if err != nil {
			return "", false
		}
		return strconv.FormatBool(b), true
	}
	return "", false
}

// jsonColumn is ingest's valueJSON for the JSON-text columns
// (request_parameters …): the member's JSON text with insignificant space
// removed; a string holding a JSON object or array is unwrapped; null, "" and
// "null" are absent. doc is the document the column holds, for paths below it.
func jsonColumn(v *jv) (text string, doc *jv, ok bool) {
	if v == nil || v.kind == jNull {
		return "", nil, false
	}
	if v.kind == jStr {
		t := strings.TrimSpace(v.s)
		if t == "" || t == "null" {
			return "", nil, false
		}
		if (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
			inner, err := parseJSON([]byte(t))
			if err == nil {
				return t, inner, true
			}
		}
		if v.raw == nil {
			b, _ := json.Marshal(v.s)
			return string(b), v, true
		}
		return strconv.Quote(v.s), v, true
	}
	if v.raw == nil {
		var sb strings.Builder
		writeDuck(&sb, v)
		return sb.String(), v, true
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v.raw); err != nil {
		return string(v.raw), v, true
	}
	return buf.String(), v, true
}

// errNotObject is returned when an event is not a JSON object.
var errNotObject = errors.New("event is not a JSON object")
