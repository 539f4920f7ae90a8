package sigma

import "testing"

// TestGlobShape: the globs a contains, startswith or endswith makes become
// DuckDB's string functions; any other glob stays LIKE.
func TestGlobShape(t *testing.T) {
	for _, tc := range []struct {
		sigma, fn, lit string
	}{
		{`*abc*`, "contains", "abc"},
		{`abc*`, "starts_with", "abc"},
		{`*abc`, "ends_with", "abc"},
		{`*50%_off*`, "contains", "50%_off"},
		{`c:\\tools*`, "starts_with", `c:\tools`},
		{`*a\*b*`, "contains", "a*b"},
		{`abc`, "", ""},   // equality is written elsewhere
		{`*`, "", ""},     // no literal
		{`**`, "", ""},    // no literal
		{`*a*b*`, "", ""}, // two literals
		{`a?c*`, "", ""},  // one-character wildcard
		{`*ä*`, "contains", "ä"},
	} {
		fn, lit, ok := globShape(parseWildcards(tc.sigma))
		if ok != (tc.fn != "") || fn != tc.fn || lit != tc.lit {
			t.Errorf("globShape(%q) = %q, %q, %v; want %q, %q", tc.sigma, fn, lit, ok, tc.fn, tc.lit)
		}
	}
}
