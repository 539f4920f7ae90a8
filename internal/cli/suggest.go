package cli

import (
	"strings"

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
