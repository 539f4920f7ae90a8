package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/trailsleuth/trailsleuth/internal/analyze"
	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// errNoEvents makes a command exit ExitNoEvents: its question has no
// answer in the case, and an empty report would read as "nothing happened".
var errNoEvents = errors.New("no events in scope")

// noEventsError says what matched nothing and what to do; it is errNoEvents.
type noEventsError struct{ msg string }

func (e noEventsError) Error() string        { return e.msg }
func (e noEventsError) Is(target error) bool { return target == errNoEvents }

// span is a set of events' count and first and last times.
type span struct {
	n           int64
	first, last sql.NullTime
}

func (s span) String() string {
	if !s.first.Valid {
		return fmt.Sprintf("%d events, none with a time", s.n)
	}
	return fmt.Sprintf("%d events from %s to %s", s.n, s.first.Time.UTC().Format(time.RFC3339), s.last.Time.UTC().Format(time.RFC3339))
}

func readSpan(ctx context.Context, db *sql.DB, where string, args ...any) (span, error) {
	var s span
	err := db.QueryRowContext(ctx, "SELECT count(*), min(event_time), max(event_time) FROM events WHERE "+where, args...).Scan(&s.n, &s.first, &s.last)
	if err != nil {
		return s, fmt.Errorf("counting the events in scope: %w", err)
	}
	return s, nil
}

// scopeCheck is what a command reads of the case: a window, accounts and
// regions, and indicators. checkScope makes sure it matches events.
type scopeCheck struct {
	from, to              *time.Time
	accounts, regions     []string
	keys, principals, ips []string
	allowEmpty            bool
}

// addAllowEmptyFlag declares --allow-empty, read by checkScope.
func addAllowEmptyFlag(fl *pflag.FlagSet, allow *bool) {
	fl.BoolVar(allow, "allow-empty", false, "go on when the case, the window or every indicator matches no event (otherwise exit status 4)")
}

// scope is investigate's scope, for checkScope.
func (o *InvestigateOptions) scope() scopeCheck {
	return scopeCheck{from: o.from, to: o.to, accounts: o.Accounts, regions: o.Regions,
		keys: o.Keys, principals: o.Principals, ips: o.IPs, allowEmpty: o.AllowEmpty}
}

// flags names the flags that narrowed the scope, for messages.
func (sc scopeCheck) flags() string {
	var fl []string
	if sc.from != nil {
		fl = append(fl, "--since "+sc.from.Format(time.RFC3339))
	}
	if sc.to != nil {
		fl = append(fl, "--until "+sc.to.Format(time.RFC3339))
	}
	for _, a := range sc.accounts {
		fl = append(fl, "--account "+a)
	}
	for _, r := range sc.regions {
		fl = append(fl, "--region "+r)
	}
	return display.Inline(strings.Join(fl, " "))
}

// checkScope makes sure a command has something to look at before it
// runs: a case with events, a window (and accounts, regions) holding
// some, and indicators that match. Without that the output would be a
// confident "none found". Each failure names the case's real span and the
// fix; --allow-empty turns them into warnings. An indicator that matches
// nothing while others match is a warning only (a list of addresses from
// threat intelligence rarely all appear), and a --principal that names
// several identities is warned about, listing them.
func checkScope(ctx context.Context, f *Factory, db *sql.DB, sc scopeCheck) error {
	fail := func(format string, a ...any) error {
		msg := fmt.Sprintf(format, a...)
		if sc.allowEmpty {
			f.IO.Warnf("warning: %s\n", msg)
			return nil
		}
		return noEventsError{msg + "; give --allow-empty to go on anyway"}
	}
	all, err := readSpan(ctx, db, "true")
	if err != nil {
		return err
	}
	if all.n == 0 {
		return fail("the case %s holds no events: ingest the logs first (%s), or point --db at the case that holds them",
			display.Inline(f.DBPath), f.suggest("ingest", "PATH"))
	}
	where, args := (&analyze.Options{Since: sc.from, Until: sc.to, Accounts: sc.accounts, Regions: sc.regions}).ScopeWhere()
	in, err := readSpan(ctx, db, where, args...)
	if err != nil {
		return err
	}
	if in.n == 0 {
		where := all.String()
		for _, c := range []struct{ col, label string }{{"recipient_account_id", "accounts"}, {"aws_region", "regions"}} {
			vals, _, err := topValues(ctx, db, c.col, "true", nil, "")
			if err != nil {
				return fmt.Errorf("listing the case's %s: %w", c.label, err)
			}
			where += "; " + c.label + " " + vals
		}
		return fail("no event matches %s: the case holds %s; widen or drop those flags", sc.flags(), where)
	}
	type indicator struct {
		flag, value, cond string
		args              []any
	}
	var inds []indicator
	for _, k := range sc.keys {
		inds = append(inds, indicator{"--key", k, "access_key_id = ?", []any{k}})
	}
	for _, p := range sc.principals {
		inds = append(inds, indicator{"--principal", p, analyze.PrincipalWhere, []any{p, p, p, p}})
	}
	for _, ip := range sc.ips {
		ips, err := analyze.ExpandIPs(ctx, db, []string{ip}, where, args)
		if err != nil {
			return err
		}
		if len(ips) == 0 {
			ips = []string{ip} // a CIDR with no address in scope: matches nothing
		}
		cond := "source_ip IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ips)), ",") + ")"
		ipArgs := make([]any, len(ips))
		for i, s := range ips {
			ipArgs[i] = s
		}
		inds = append(inds, indicator{"--ip", ip, cond, ipArgs})
	}
	var missing []string
	for _, ind := range inds {
		s, err := readSpan(ctx, db, "("+where+") AND ("+ind.cond+")", append(append([]any(nil), args...), ind.args...)...)
		if err != nil {
			return err
		}
		if s.n > 0 {
			if ind.flag == "--principal" {
				if err := warnAmbiguous(ctx, f, db, where, args, ind.value); err != nil {
					return err
				}
			}
			continue
		}
		label := ind.flag + " " + display.Inline(ind.value)
		outside, err := readSpan(ctx, db, ind.cond, ind.args...)
		if err != nil {
			return err
		}
		if outside.n > 0 {
			missing = append(missing, fmt.Sprintf("%s: all its %s lie outside %s", label, outside, sc.flags()))
		} else {
			missing = append(missing, fmt.Sprintf("%s matches no event in the case (check the value; the case holds %s)", label, all))
		}
	}
	if len(inds) > 0 && len(missing) == len(inds) {
		return fail("%s", strings.Join(missing, "; "))
	}
	for _, m := range missing {
		f.IO.Warnf("warning: %s\n", m)
	}
	return nil
}

// maxListed bounds the values a message lists.
const maxListed = 10

// warnAmbiguous warns when a --principal (a bare user or role name, say)
// names identities in several accounts or several identities: its events
// are all investigated together, which the user may not mean.
func warnAmbiguous(ctx context.Context, f *Factory, db *sql.DB, where string, args []any, p string) error {
	list, total, err := topValues(ctx, db, "coalesce(session_issuer_arn, user_arn, user_name, '?')",
		"("+where+") AND ("+analyze.PrincipalWhere+")", append(append([]any(nil), args...), p, p, p, p), " (%d events)")
	if err != nil {
		return fmt.Errorf("listing the identities of --principal %s: %w", p, err)
	}
	if total > 1 {
		f.IO.Warnf("warning: --principal %s matches %d identities, investigated together: %s; give an ARN to investigate one\n",
			p, total, list)
	}
	return nil
}

// topValues lists the values of expr over the events where selects, the
// most frequent first, as "a, b, c, and N more" (at most maxListed), each
// followed by its count in countFormat unless that is empty; and how many
// values there are.
func topValues(ctx context.Context, db *sql.DB, expr, where string, args []any, countFormat string) (string, int, error) {
	rows, err := db.QueryContext(ctx, "SELECT "+expr+" AS v, count(*) AS n FROM events WHERE ("+where+") AND "+expr+" IS NOT NULL GROUP BY 1 ORDER BY n DESC, v", args...)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var vals []string
	total := 0
	for rows.Next() {
		var v string
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return "", 0, err
		}
		if total++; total <= maxListed {
			if countFormat != "" {
				v += fmt.Sprintf(countFormat, n)
			}
			vals = append(vals, display.Inline(v))
		}
	}
	if total > maxListed {
		vals = append(vals, fmt.Sprintf("and %d more", total-maxListed))
	}
	return strings.Join(vals, ", "), total, rows.Err()
}

// requireCase fails when the case database does not exist: only commands
// that ingest create a case, so a mistyped --db or a run from another
// folder is an error instead of a new, empty case and an empty report.
func (f *Factory) requireCase() error {
	if _, err := os.Stat(f.DBPath); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("no case database at %s (%v): ingest the logs first (%s), give them to this command as PATH, or point --db at an existing case",
			display.Inline(f.DBPath), err, f.suggest("ingest", "PATH"))
	}
	return nil
}

// caseExists reports whether the case file exists, before a command that
// may create it.
func caseExists(path string) bool {
	_, err := os.Stat(path)
	return path != "" && err == nil
}

// openForIngest opens the case for an ingest, creating it if needed.
// settle, called with whether the ingest failed or found nothing, removes a
// case this call created in that case (discardNewCase), says so, and
// reports whether it did.
func (f *Factory) openForIngest(ctx context.Context) (st *store.Store, settle func(empty bool) bool, err error) {
	created := !caseExists(f.DBPath)
	if st, err = f.storeOptions().Open(ctx, f.DBPath); err != nil {
		if created {
			discardNewCase(nil, f.DBPath, err)
		}
		return nil, nil, err
	}
	return st, func(empty bool) bool {
		if !created || !empty {
			return false
		}
		discardNewCase(st, f.DBPath, nil)
		f.IO.Warnf("no case database was created at %s: nothing was ingested\n", f.DBPath)
		return true
	}, nil
}

// discardNewCase removes a case database this command created and whose
// ingest failed, was interrupted or found nothing, with its write-ahead
// log: no ingest run in it finished with events (an unfinished run is
// rolled back by the next open anyway), and left behind it would be read
// by later commands as "nothing happened". The audit entry of the failed
// run goes with it: the case never held evidence.
// st is nil when the case could not even be opened (set up): what it left
// goes too, unless another process holds the file.
func discardNewCase(st *store.Store, path string, openErr error) {
	if errors.Is(openErr, store.ErrLocked) {
		return
	}
	if st != nil {
		st.Close()
	}
	os.Remove(path)          //nolint:errcheck // best effort: an empty case left is harmless
	os.Remove(path + ".wal") //nolint:errcheck // as above
}
