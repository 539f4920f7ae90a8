package pager

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{nil, "less"},
		{[]string{"PAGER=more"}, "more"},
		{[]string{"PAGER=more", "TRAILSLEUTH_PAGER=most -s"}, "most -s"},
		{[]string{"PAGER=cat"}, ""},
		{[]string{"PAGER="}, ""},
		{[]string{"PAGER=more", "TRAILSLEUTH_PAGER="}, ""},
	}
	for _, tt := range tests {
		if got := Command(tt.env); got != tt.want {
			t.Errorf("Command(%q) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestPager runs a real pager command: the text arrives whole, with
// LESS=FRX when LESS was unset and LESS kept when set.
func TestPager(t *testing.T) {
	for _, less := range []string{"", "LESS=-S"} {
		dir := t.TempDir()
		got := filepath.Join(dir, "paged")
		env := []string{"PATH=" + os.Getenv("PATH"), `PAGER=cat > '` + got + `'; printf %s "$LESS" > '` + got + `.less'`}
		if less != "" {
			env = append(env, less)
		}
		var out, errOut bytes.Buffer
		p, err := Start(&out, &errOut, env)
		if err != nil || p == nil {
			t.Fatalf("Start: %v %v", p, err)
		}
		text := strings.Repeat("a line of the report\n", 5000) // more than a pipe buffer
		if _, err := p.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(got)
		if err != nil || string(b) != text {
			t.Errorf("paged %d bytes, want %d (%v)", len(b), len(text), err)
		}
		want := "FRX"
		if less != "" {
			want = "-S"
		}
		if b, _ := os.ReadFile(got + ".less"); string(b) != want {
			t.Errorf("LESS=%q, want %q", b, want)
		}
	}
}

// TestPagerQuit: a reader who quits the pager early ends the output
// without an error.
func TestPagerQuit(t *testing.T) {
	var out bytes.Buffer
	p, err := Start(&out, &out, []string{"PATH=" + os.Getenv("PATH"), "PAGER=head -c 10"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2000 {
		if _, err := p.Write([]byte(strings.Repeat("x", 1000) + "\n")); err != nil {
			t.Fatalf("write after the pager quit: %v", err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 10 {
		t.Errorf("pager printed %d bytes, want 10", out.Len())
	}
}

// TestNoPager: PAGER=cat asks for none.
func TestNoPager(t *testing.T) {
	p, err := Start(nil, nil, []string{"PAGER=cat"})
	if p != nil || err != nil {
		t.Errorf("Start = %v, %v; want nil, nil", p, err)
	}
}
