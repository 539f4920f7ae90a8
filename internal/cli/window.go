package cli

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/trailsleuth/trailsleuth/internal/timespec"
)

// timeWindow parses --since and --until (RFC 3339, dates, or relative
// forms such as 72h or 7d, relative to now); nil means unbounded. Every
// command with a window uses it, so they all accept the same forms.
func timeWindow(since, until string, now time.Time) (from, to *time.Time, err error) {
	parse := func(flag, val string) (*time.Time, error) {
		if val == "" {
			return nil, nil
		}
		t, err := timespec.Parse(val, now)
		if err != nil {
			return nil, usageErrorf("%s: %w", flag, err)
		}
		return &t, nil
	}
	if from, err = parse("--since", since); err != nil {
		return nil, nil, err
	}
	if to, err = parse("--until", until); err != nil {
		return nil, nil, err
	}
	if from != nil && to != nil && !from.Before(*to) {
		return nil, nil, usageErrorf("--since %s is not before --until %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// addScopeFlags declares the window flags and --account and --region, the
// scope of every command that reads the case's events over a place and time.
func addScopeFlags(fl *pflag.FlagSet, since, until *string, accounts, regions *[]string) {
	addWindowFlags(fl, since, until)
	fl.StringArrayVar(accounts, "account", nil, "only this AWS `account` id (recipient account; repeatable)")
	fl.StringArrayVar(regions, "region", nil, "only this `region` (repeatable)")
}

// addWindowFlags declares --since and --until, read by timeWindow, with the
// same help wherever a command reads the case over a window.
func addWindowFlags(fl *pflag.FlagSet, since, until *string) {
	fl.StringVar(since, "since", "", "only events at or after `time` (RFC 3339, date [HH:MM], 12h / 3d / 2w ago, today, yesterday; UTC)")
	fl.StringVar(until, "until", "", "only events before `time`")
}
