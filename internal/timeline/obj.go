package timeline

import (
	"encoding/json"
	"strings"
	"time"
)

// esTime is the millisecond UTC form Elasticsearch's date processor writes
// and OCSF's datetime profile uses: 2025-03-11T02:51:41.000Z.
func esTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// obj is a JSON object built by dotted paths. Empty values are not stored,
// as Elastic's ingest pipeline drops nulls and empty strings and as OCSF
// leaves absent attributes out. encoding/json sorts map keys, so output is
// deterministic.
type obj map[string]any

func (o obj) set(path string, v any) {
	if empty(v) {
		return
	}
	m := o
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		sub, ok := m[k].(obj)
		if !ok {
			sub = obj{}
			m[k] = sub
		}
		m = sub
	}
	m[keys[len(keys)-1]] = v
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case json.RawMessage:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case obj:
		return len(x) == 0
	case *bool:
		return x == nil
	}
	return false
}

// lastSegment is what follows the last "/" of an ARN: the user, role
// session or resource name.
func lastSegment(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return ""
}

// techniqueName strips the id from "T1580 Cloud Infrastructure Discovery".
func techniqueName(technique, id string) string {
	return strings.TrimSpace(strings.TrimPrefix(technique, id))
}
