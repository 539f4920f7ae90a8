package report

import (
	"io"
	"reflect"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
)

// jsonWriter writes the Case as JSON: the complete, canonical report.
type jsonWriter struct{}

// Write encodes c with a 2-space indent and a trailing newline. Every list
// encodes as [] rather than null when empty, and every time in UTC, so
// consumers see one shape whatever built the Case; c itself is not changed.
// HTML characters are not escaped: commands and user agents stay readable.
func (jsonWriter) Write(w io.Writer, c *event.Case) error {
	if c == nil {
		return errNilCase
	}
	return jsonout.Write(w, normalize(c))
}

// normalize returns a deep copy of c with nil slices made empty and times
// in UTC. It walks the value by reflection so that a field added to Case
// later cannot be forgotten.
func normalize(c *event.Case) *event.Case {
	out := normalized(reflect.ValueOf(*c)).Interface().(event.Case)
	return &out
}

var timeType = reflect.TypeFor[time.Time]()

func normalized(v reflect.Value) reflect.Value {
	if v.Type() == timeType {
		return reflect.ValueOf(v.Interface().(time.Time).UTC())
	}
	switch v.Kind() {
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(normalized(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normalized(v.Index(i)))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(normalized(v.Elem()))
		return p
	}
	return v // strings, numbers, booleans: copied by value
}
