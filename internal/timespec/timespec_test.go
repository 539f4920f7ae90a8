package timespec

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2025-03-11T02:13:47Z", want: time.Date(2025, 3, 11, 2, 13, 47, 0, time.UTC)},
		{in: "2025-03-11T04:13:47+02:00", want: time.Date(2025, 3, 11, 2, 13, 47, 0, time.UTC)},
		{in: "2025-03-11", want: time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)},
		{in: "2025-03-11 02:13:47", want: time.Date(2025, 3, 11, 2, 13, 47, 0, time.UTC)},
		{in: "-72h", want: now.Add(-72 * time.Hour)},
		{in: "72h", want: now.Add(-72 * time.Hour)},
		{in: "7d", want: now.Add(-7 * 24 * time.Hour)},
		{in: "1.5d", want: now.Add(-36 * time.Hour)},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "yesterday", bad: true},
		{in: "", bad: true},
		{in: "-5x", bad: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, now)
		if tt.bad {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
