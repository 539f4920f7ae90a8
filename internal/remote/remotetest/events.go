package remotetest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Event is one CloudTrail record, decoded with numbers kept as text.
type Event map[string]any

// LoadEvents reads every CloudTrail log file ({"Records": [...]}, gzipped
// or not) under dir, digests left out, sorted by eventTime then eventID.
func LoadEvents(t testing.TB, dir string) []Event {
	t.Helper()
	var evs []Event
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "CloudTrail-Digest") || !strings.Contains(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(p, ".gz") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				return err
			}
			r = gz
		}
		dec := json.NewDecoder(r)
		dec.UseNumber()
		var doc struct{ Records []Event }
		if err := dec.Decode(&doc); err != nil {
			return err
		}
		evs = append(evs, doc.Records...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(evs, func(i, j int) bool {
		a, b := evs[i].Str("eventTime"), evs[j].Str("eventTime")
		if a != b {
			return a < b
		}
		return evs[i].Str("eventID") < evs[j].Str("eventID")
	})
	return evs
}

// Get returns the value at a dotted path (nil when absent).
func (e Event) Get(path string) any {
	var v any = map[string]any(e)
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// Str returns a string member ("" when absent or not a string).
func (e Event) Str(path string) string {
	s, _ := e.Get(path).(string)
	return s
}

// Raw is the event as JSON.
func (e Event) Raw() []byte {
	b, _ := json.Marshal(map[string]any(e))
	return b
}

// lowerKeys re-keys objects the way Athena prints CAST(row AS JSON) of the
// documented table's structs: member names lower-case.
func lowerKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[strings.ToLower(k)] = lowerKeys(x)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = lowerKeys(x)
		}
		return out
	}
	return v
}

// Row is what the service returns for the event queries' columns (named
// by CloudTrail path, see remote.Target.FetchColumns) over AWS's documented
// Athena table or, with lake, over CloudTrail Lake. Athena: strings as they
// are, booleans "true"/"false", JSON documents (requestparameters, …) as
// the JSON text the table holds, resources as JSON with lower-case members.
// Lake: documents are map<string,string> (nested values as JSON text) and
// eventTime a timestamp printed as "2006-01-02 15:04:05.000".
func Row(e Event, cols []string, lake bool) []*string {
	row := make([]*string, len(cols))
	for i, c := range cols {
		v := e.Get(c)
		switch {
		case v == nil:
		case c == "resources" && !lake:
			v = lowerKeys(v)
		case lake && c == "eventTime":
			if t, err := time.Parse(time.RFC3339, e.Str(c)); err == nil {
				v = t.UTC().Format("2006-01-02 15:04:05.000")
			}
		case lake && isDoc(c):
			if m, ok := v.(map[string]any); ok {
				flat := map[string]any{}
				for k, x := range m {
					if _, s := x.(string); s || x == nil {
						flat[k] = x
					} else {
						flat[k] = *text(x)
					}
				}
				v = flat
			}
		}
		row[i] = text(v)
	}
	return row
}

func isDoc(c string) bool {
	switch c {
	case "requestParameters", "responseElements", "additionalEventData", "serviceEventDetails":
		return true
	}
	return false
}

func text(v any) *string {
	var s string
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		s = t
	case bool:
		s = strconv.FormatBool(t)
	case json.Number:
		s = t.String()
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(t); err != nil {
			return nil
		}
		s = strings.TrimSuffix(buf.String(), "\n")
	}
	return &s
}

// S is a string pointer, for rows.
func S(s string) *string { return &s }
