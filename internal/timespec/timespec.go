// Package timespec reads the times investigators type on the command line:
// RFC 3339, a date, or a time relative to now (-72h, 7d, 90m).
package timespec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse reads s relative to now. Relative forms count back from now
// ("72h", "-72h" and "7d" all mean that long ago). Dates are midnight UTC.
func Parse(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	rel := strings.TrimPrefix(s, "-")
	if strings.HasSuffix(rel, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(rel, "d"), 64)
		if err == nil && n >= 0 {
			return now.Add(-time.Duration(n * float64(24*time.Hour))).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(rel); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2025-03-11T02:00:00Z), a date (2025-03-11) or a time ago (72h, 7d)", s)
}
