package timeline

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/analyze"
)

// Filter selects the events of a timeline, with investigate's semantics:
// the scope (time window, accounts, regions, event names) restricts every
// event, and the indicators (access keys, principals, source IPs) each
// select events, their union being kept. Repeated values of one flag are
// alternatives. A zero Filter selects every event.
type Filter struct {
	Since, Until *time.Time // Since inclusive, Until exclusive
	Accounts     []string   // recipientAccountId
	Regions      []string   // awsRegion
	EventNames   []string   // eventName, exact
	Keys         []string   // userIdentity.accessKeyId
	// Principals match the caller's ARN or IAM user name, or the role
	// (ARN or name) behind an assumed-role session.
	Principals []string
	// IPs are exact sourceIPAddress values (an address, or an AWS service
	// name) or CIDR blocks.
	IPs []string
}

// ValidateIPs reports a value that looks like a CIDR block but is not one
// ("10.0.0.0/33"): it would otherwise silently match nothing.
func ValidateIPs(ips []string) error {
	for _, s := range ips {
		if strings.Contains(s, "/") {
			if _, _, err := net.ParseCIDR(s); err != nil {
				return fmt.Errorf("--ip %q: not an address or CIDR block", s)
			}
		}
	}
	return nil
}

// where returns the SQL condition and its arguments. CIDR blocks are
// expanded to the source addresses present in scope (DuckDB's inet
// extension may not be installed, and a case holds few distinct addresses).
func (f Filter) where(ctx context.Context, db *sql.DB) (string, []any, error) {
	var conds []string
	var args []any
	if f.Since != nil {
		conds = append(conds, "event_time >= ?")
		args = append(args, *f.Since)
	}
	if f.Until != nil {
		conds = append(conds, "event_time < ?")
		args = append(args, *f.Until)
	}
	for _, in := range []struct {
		col  string
		vals []string
	}{{"recipient_account_id", f.Accounts}, {"aws_region", f.Regions}, {"event_name", f.EventNames}} {
		if len(in.vals) > 0 {
			conds = append(conds, "list_contains(?, "+in.col+")")
			args = append(args, in.vals)
		}
	}
	scope := strings.Join(conds, " AND ")
	if scope == "" {
		scope = "true"
	}
	scopeArgs := append([]any(nil), args...)

	var either []string
	if len(f.Keys) > 0 {
		either = append(either, "list_contains(?, access_key_id)")
		args = append(args, f.Keys)
	}
	if len(f.Principals) > 0 {
		either = append(either, "list_contains(?, user_arn) OR list_contains(?, user_name) OR list_contains(?, session_issuer_arn) OR list_contains(?, session_issuer_user_name)")
		args = append(args, f.Principals, f.Principals, f.Principals, f.Principals)
	}
	if len(f.IPs) > 0 {
		ips, err := analyze.ExpandIPs(ctx, db, f.IPs, scope, scopeArgs)
		if err != nil {
			return "", nil, err
		}
		if len(ips) == 0 {
			either = append(either, "false") // no address in scope is in those blocks
		} else {
			either = append(either, "list_contains(?, source_ip)")
			args = append(args, ips)
		}
	}
	if len(either) > 0 {
		conds = append(conds, "("+strings.Join(either, " OR ")+")")
	}
	if len(conds) == 0 {
		return "true", nil, nil
	}
	return strings.Join(conds, " AND "), args, nil
}
