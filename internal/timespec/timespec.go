// Package timespec reads the times investigators type on the command line:
// RFC 3339, a date with or without a time of day, a time ago (72h, 7d, 2w,
// 1d12h), today, yesterday or now.
package timespec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// layouts are the absolute forms, tried in order; without a zone they are
// UTC, as CloudTrail's times are.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05", "2006-01-02 15:04:05",
	"2006-01-02T15:04", "2006-01-02 15:04",
	"2006-01-02",
}

// units are the relative forms' units beyond Go's durations: a day is 24
// hours and a week 7 days (CloudTrail times are UTC: no daylight saving).
var units = map[string]time.Duration{
	"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second,
}

// Parse reads s relative to now. Relative forms count back from now
// ("72h", "-72h" and "3d" all mean that long ago; "1d12h" and "1.5d" too).
// Dates, today and yesterday are midnight UTC.
func Parse(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	midnight := now.UTC().Truncate(24 * time.Hour)
	switch strings.ToLower(s) {
	case "now":
		return now.UTC(), nil
	case "today":
		return midnight, nil
	case "yesterday":
		return midnight.Add(-24 * time.Hour), nil
	}
	if d, ok := ago(strings.TrimPrefix(s, "-")); ok {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2025-03-11T02:00:00Z), a date with or without a time (2025-03-11, 2025-03-11 02:00), a time ago (12h, 3d, 2w, 1d12h) or today, yesterday, now", s)
}

// ago reads a sequence of number-unit pairs (2w, 1.5d, 1d12h, 90m).
func ago(s string) (time.Duration, bool) {
	var total time.Duration
	if s == "" {
		return 0, false
	}
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if i <= 0 {
			return 0, false
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || n < 0 {
			return 0, false
		}
		j := i
		for j < len(s) && (s[j] < '0' || s[j] > '9') && s[j] != '.' {
			j++
		}
		unit, ok := units[strings.ToLower(s[i:j])]
		if !ok {
			return 0, false
		}
		total += time.Duration(n * float64(unit))
		s = s[j:]
	}
	return total, true
}
