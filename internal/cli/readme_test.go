package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestReadmeUsingIt (issue 20, item 7): every ./trailsleuth command in the
// README's "First run" and "Using it" sections runs as printed, in order,
// from a folder that holds the example as the checkout does, and exits 0.
func TestReadmeUsingIt(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to split the README's commands")
	}
	root := testenv.RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, section := range []string{"## First run\n", "## Using it\n"} {
		_, body, ok := strings.Cut(string(b), section)
		if !ok {
			t.Fatalf("README has no %q", section)
		}
		body, _, _ = strings.Cut(body, "\n## ")
		n := 0
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, "./trailsleuth ") {
				cmds = append(cmds, line)
				n++
			}
		}
		if n == 0 {
			t.Fatalf("README's %s has no command", section)
		}
	}
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "examples"), filepath.Join(dir, "examples")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, c := range cmds {
		words := shellWords(t, bash, c)
		if r := run(t, append([]string{"-q"}, words[1:]...)...); r.code != 0 {
			t.Errorf("%s: exit %d\n%s", c, r.code, r.errOut)
		}
	}
	for _, f := range []string{"trailsleuth.duckdb", "case.duckdb", "report.html", "report.md", "attacker.html", "case.parquet", "attacker.jsonl"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the README's commands did not write %s: %v", f, err)
		}
	}
}
