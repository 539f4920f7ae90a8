package sigma

import "testing"

// TestLikeShape: the LIKE patterns a contains, startswith or endswith
// writes become DuckDB's string functions; any other pattern stays LIKE.
func TestLikeShape(t *testing.T) {
	for _, tc := range []struct {
		pattern, fn, lit string
	}{
		{`%abc%`, "contains", "abc"},
		{`abc%`, "starts_with", "abc"},
		{`%abc`, "ends_with", "abc"},
		{`%50\%\_off%`, "contains", "50%_off"},
		{`c:\\tools%`, "starts_with", `c:\tools`},
		{`abc`, "", ""},    // equality is written elsewhere
		{`%`, "", ""},      // no literal
		{`%%`, "", ""},     // no literal
		{`%a%b%`, "", ""},  // two literals
		{`a_c%`, "", ""},   // one-character wildcard
		{`%abc%%`, "", ""}, // something after the final %
		{`%%abc`, "", ""},  // two leading %
		{`abc\`, "", ""},   // a dangling escape
		{`%ä%`, "contains", "ä"},
	} {
		fn, lit, ok := likeShape(tc.pattern)
		if ok != (tc.fn != "") || fn != tc.fn || lit != tc.lit {
			t.Errorf("likeShape(%q) = %q, %q, %v; want %q, %q", tc.pattern, fn, lit, ok, tc.fn, tc.lit)
		}
	}
}
