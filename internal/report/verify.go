package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/trailsleuth/trailsleuth/internal/display"
	"github.com/trailsleuth/trailsleuth/internal/evidence"
	"github.com/trailsleuth/trailsleuth/internal/jsonout"
)

// VerifyFormats are the verify command's output formats.
var VerifyFormats = []string{"table", "json"}

// WriteVerify renders digest validation's report: as JSON, or as the
// summary table, one line per problem and the verdict.
func WriteVerify(w io.Writer, format string, r *evidence.Report) error {
	if format == "json" {
		return jsonout.Write(w, r)
	}
	r = display.Copy(r) // object keys and paths shown escaped
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tREGION\tTRAIL\tDIGESTS\tVALID\tMISSING\tLOGS\tVALID\tFROM\tTO\tERRORS")
	for _, c := range r.Chains {
		acct := c.Account
		if c.Org != "" {
			acct = c.Org + "/" + c.Account
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d\n", acct, c.Region, c.Trail, c.Digests,
			c.DigestsValid, c.DigestsMissing, c.Logs, c.LogsValid, timeOrDash(c.Start), timeOrDash(c.End), c.Errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Chains) == 0 {
		fmt.Fprintln(w, "(no digest files found)")
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w)
	}
	for _, p := range r.Problems {
		path := p.Path
		if path == "" {
			path = "-"
		}
		fmt.Fprintf(w, "%-7s %-20s %s: %s\n", strings.ToUpper(p.Severity), p.Kind, path, p.Detail)
	}
	t := r.Totals
	verdict := "VALID"
	if !r.Valid {
		verdict = "INVALID"
	}
	_, err := fmt.Fprintf(w, "\n%s: %d/%d digests and %d/%d log files verified; %d errors, %d warnings\n",
		verdict, t.DigestsValid, t.Digests, t.LogsValid, t.Logs, t.Errors, t.Warnings)
	return err
}
