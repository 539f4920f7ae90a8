package detect

import (
	"context"
	"database/sql"
	"time"
)

// RuleCount is how often one rule matched a case: the events it selected
// and, for a correlation, the windows that met its condition.
type RuleCount struct {
	RuleID      string `json:"rule_id"`
	Title       string `json:"title"`
	Level       string `json:"level"`
	Source      string `json:"source"`
	Correlation bool   `json:"correlation"`
	// Feeds marks a rule that only feeds correlations: hunt does not report
	// it, but its count says how much its correlations have to sift.
	Feeds   bool   `json:"feeds_correlation"`
	Events  int    `json:"events"`
	Windows int    `json:"windows,omitempty"`
	Error   string `json:"error,omitempty"`
	// Seconds is how long the rule's query took: where a hunt's time goes.
	Seconds float64 `json:"seconds"`
}

// Calibrate runs every rule of p on db, those that only feed correlations
// included, and counts what each matched: the background hits a rule's
// level must be judged against. A rule that fails is counted with its error;
// the others go on.
func Calibrate(ctx context.Context, db *sql.DB, p *Pack, opts RunOptions) ([]RuleCount, error) {
	feeds := p.feeders()
	out := make([]RuleCount, 0, len(p.Rules))
	for i, r := range p.Rules {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := RuleCount{RuleID: r.ID, Title: r.Title, Level: r.Level, Source: r.Source,
			Correlation: r.IsCorrelation(), Feeds: feeds[r]}
		start := time.Now()
		f, err := RunRule(ctx, db, r, opts, "")
		c.Seconds = time.Since(start).Seconds()
		switch {
		case err != nil:
			c.Error = err.Error()
		case f != nil:
			c.Events, c.Windows = f.Count, f.Windows
		}
		out = append(out, c)
		if opts.Progress != nil {
			opts.Progress(i+1, len(p.Rules), r)
		}
	}
	return out, nil
}

// CalibrationRun is one case's counts, with how long the pack took on it.
type CalibrationRun struct {
	Case    string      `json:"case"`
	Events  int64       `json:"events"`
	Seconds float64     `json:"seconds"`
	Rules   []RuleCount `json:"rules"`
}

// CalibrateCase counts the case's events, then runs Calibrate on it.
func CalibrateCase(ctx context.Context, db *sql.DB, name string, p *Pack, opts RunOptions) (*CalibrationRun, error) {
	start := time.Now()
	run := &CalibrationRun{Case: name}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&run.Events); err != nil {
		return nil, err
	}
	counts, err := Calibrate(ctx, db, p, opts)
	if err != nil {
		return nil, err
	}
	run.Rules = counts
	run.Seconds = time.Since(start).Seconds()
	return run, nil
}
