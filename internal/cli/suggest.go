package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trailsleuth/trailsleuth/internal/shell"
)

// quoteArg quotes a path for a command the user is told to run; one
// holding a NUL byte (which no shell can pass) is shown as PATH.
func quoteArg(p string) string { return shell.QuoteOr(p, "PATH") }

// suggest is a trailsleuth command line the user is told to run next, on
// this case: it carries --db, so pasted elsewhere it opens this case and
// not a new ./trailsleuth.duckdb. Every word is quoted for the shell;
// upper-case placeholders such as PATH stay as they are.
func (f *Factory) suggest(args ...string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = quoteArg(a)
	}
	return f.suggestRaw(words...)
}

// suggestRaw is suggest with words already quoted (or placeholders).
func (f *Factory) suggestRaw(words ...string) string {
	return "trailsleuth --db " + quoteArg(f.DBPath) + " " + strings.Join(words, " ")
}

// flagSuggestion is ", did you mean --x?" for a mistyped flag of c (its own
// and inherited, hidden ones left out), or "" when none is close. cobra
// suggests commands but not flags.
func flagSuggestion(c *cobra.Command, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return ""
	}
	best, bestD := "", 3 // at most two edits away
	visit := func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		d := editDistance(name, fl.Name)
		if strings.HasPrefix(fl.Name, name) && len(name) >= 3 {
			d = min(d, 1)
		}
		if d < bestD || d == bestD && fl.Name < best {
			best, bestD = fl.Name, d
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	if best == "" {
		return ""
	}
	return "; did you mean --" + best + "?"
}

// commandSuggestion turns cobra's multi-line "Did you mean this?" block of
// an unknown command into one line.
func commandSuggestion(msg string) string {
	head, list, ok := strings.Cut(msg, "\n\nDid you mean this?\n")
	if !ok {
		return msg
	}
	return head + "; did you mean " + strings.Join(strings.Fields(list), " or ") + "?"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
