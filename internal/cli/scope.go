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
	facts, err := analyze.ReadScope(ctx, db, analyze.ScopeQuery{Since: sc.from, Until: sc.to, Accounts: sc.accounts, Regions: sc.regions,
		Keys: sc.keys, Principals: sc.principals, IPs: sc.ips})
	if err != nil {
		return err
	}
	if facts.All.N == 0 {
		return fail("the case %s holds no events: ingest the logs first (%s), or point --db at the case that holds them",
			display.Inline(f.DBPath), f.suggest("ingest", "PATH"))
	}
	if facts.InScope.N == 0 {
		return fail("no event matches %s: the case holds %s; accounts %s; regions %s; widen or drop those flags",
			sc.flags(), facts.All, listValues(facts.Accounts, ""), listValues(facts.Regions, ""))
	}
	var missing []string
	for _, ind := range facts.Indicators {
		if ind.InScope.N > 0 {
			if len(ind.Identities) > 1 {
				f.IO.Warnf("warning: --principal %s matches %d identities, investigated together: %s; give an ARN to investigate one\n",
					ind.Value, len(ind.Identities), listValues(ind.Identities, " (%d events)"))
			}
			continue
		}
		label := ind.Flag + " " + display.Inline(ind.Value)
		if ind.Anywhere.N > 0 {
			missing = append(missing, fmt.Sprintf("%s: all its %s lie outside %s", label, ind.Anywhere, sc.flags()))
		} else {
			missing = append(missing, fmt.Sprintf("%s matches no event in the case (check the value; the case holds %s)", label, facts.All))
		}
	}
	if len(facts.Indicators) > 0 && len(missing) == len(facts.Indicators) {
		return fail("%s", strings.Join(missing, "; "))
	}
	for _, m := range missing {
		f.IO.Warnf("warning: %s\n", m)
	}
	return nil
}

// maxListed bounds the values a message lists.
const maxListed = 10

// listValues lists values as "a, b, c, and N more" (at most maxListed),
// each followed by its count in countFormat unless that is empty.
func listValues(vals []analyze.ValueCount, countFormat string) string {
	var out []string
	for i, v := range vals {
		if i == maxListed {
			out = append(out, fmt.Sprintf("and %d more", len(vals)-maxListed))
			break
		}
		s := v.Value
		if countFormat != "" {
			s += fmt.Sprintf(countFormat, v.N)
		}
		out = append(out, display.Inline(s))
	}
	return strings.Join(out, ", ")
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
	for _, f := range store.CaseFiles(path) {
		os.Remove(f) //nolint:errcheck // best effort: an empty case left is harmless
	}
}
