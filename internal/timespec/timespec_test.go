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
		{in: "2w", want: now.Add(-14 * 24 * time.Hour)},
		{in: "3d", want: now.Add(-3 * 24 * time.Hour)},
		{in: "12h", want: now.Add(-12 * time.Hour)},
		{in: "1d12h", want: now.Add(-36 * time.Hour)},
		{in: "1h30m", want: now.Add(-90 * time.Minute)},
		{in: "45s", want: now.Add(-45 * time.Second)},
		{in: "yesterday", want: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{in: "Today", want: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)},
		{in: "now", want: now},
		{in: "2025-03-11 02:13", want: time.Date(2025, 3, 11, 2, 13, 0, 0, time.UTC)},
		{in: "2025-03-11T02:13", want: time.Date(2025, 3, 11, 2, 13, 0, 0, time.UTC)},
		{in: "2025-03-11T02:13Z", want: time.Date(2025, 3, 11, 2, 13, 0, 0, time.UTC)},
		{in: "2025-03-11T04:13+02:00", want: time.Date(2025, 3, 11, 2, 13, 0, 0, time.UTC)},
		{in: "yesterday-ish", bad: true},
		{in: "", bad: true},
		{in: "-5x", bad: true},
		{in: "d", bad: true},
		{in: "3", bad: true},
		{in: "2w3", bad: true},
		{in: "1..5d", bad: true},
		{in: "2025-13-01", bad: true},
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
