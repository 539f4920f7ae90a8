package ingest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// FuzzDecode: whatever the bytes, decoding neither panics nor loops, and
// every event it emits has an id and its exact raw JSON.
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"formats", "bad"} {
		paths, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil && len(b) < 8<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"Records":[{"eventName":"x"},`))
	f.Add([]byte(`[{"eventID":"a","eventTime":"2025-01-01T00:00:00Z"}]{"Events":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var evs []*event.Event
		problems := 0
		d := newDecoder(func(e *event.Event) { evs = append(evs, e) }, func(Reason, int64, string) { problems++ })
		d.maxRecord, d.maxObject = 4<<10, 8<<10
		d.decode(bufio.NewReaderSize(bytes.NewReader(data), 4096)) //nolint:errcheck // any outcome is fine
		for _, e := range evs {
			if e.EventID == "" || e.Raw == "" {
				t.Fatalf("event without id or raw: %+v", e)
			}
		}
		if int64(len(evs)) != d.events {
			t.Fatalf("emitted %d, counted %d", len(evs), d.events)
		}
	})
}
