package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// StubbedRun is what a script run by RunStubbed did.
type StubbedRun struct {
	// Calls are the stubbed programs' argument vectors (program name
	// first), in call order.
	Calls [][]string
	// Created lists the files that appeared in the run's working folder
	// (where a redirection or a command an attacker slipped in would
	// write).
	Created []string
	Output  string
	Err     error
}

// RunStubbed runs script with bash (interactive features off, as for a
// pasted line) in an empty working folder, with PATH holding only stubs for
// the named programs: each records its arguments and exits 0. Every other
// command fails to be found; the test sees what ran through Calls and
// Created. The test is skipped when bash is absent.
func RunStubbed(t testing.TB, script string, programs ...string) StubbedRun {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	bin, work := t.TempDir(), t.TempDir()
	log := filepath.Join(t.TempDir(), "calls")
	for _, p := range programs {
		// One record per call: the name and each argument, NUL-terminated,
		// then endOfCall; printf is a bash builtin, so no PATH lookup.
		stub := "#!" + bash + "\nprintf '%s\\0' " + p + " \"$@\" " + endOfCall + " >>" + shellWord(log) + "\n"
		if err := os.WriteFile(filepath.Join(bin, p), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bash, "--noprofile", "--norc", "-c", script)
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + bin, "HOME=" + work, "LANG=C.UTF-8", "LC_ALL=C.UTF-8"}
	out, runErr := cmd.CombinedOutput()
	var res StubbedRun
	res.Output, res.Err = string(out), runErr
	if b, err := os.ReadFile(log); err == nil {
		var call []string
		for _, f := range bytes.Split(bytes.TrimSuffix(b, []byte{0}), []byte{0}) {
			if string(f) == endOfCall {
				res.Calls = append(res.Calls, call)
				call = nil
				continue
			}
			call = append(call, string(f))
		}
	}
	entries, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		res.Created = append(res.Created, e.Name())
	}
	return res
}

// endOfCall ends a stub's record of one call.
const endOfCall = "--end-of-stubbed-call--"

// shellWord single-quotes a path for the stub script (test folders hold
// no single quote, but stay correct if one does).
func shellWord(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
