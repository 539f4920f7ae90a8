package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// mainArgsEnv makes the test binary run trailsleuth (Run) with the JSON
// array of arguments it holds, for tests that signal a real process.
const mainArgsEnv = "TRAILSLEUTH_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if a := os.Getenv(mainArgsEnv); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			panic(err)
		}
		os.Exit(Run("test", args))
	}
	os.Exit(m.Run())
}

// waitFor polls until path exists: the case is created, so the command is
// past its start and into its work.
func waitFor(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestInterruptedIngest (issue 20, item 6): a context cancelled during an
// ingest (what Ctrl-C does) ends with "interrupted" and exit 130, not
// "context canceled" and 1, and a case the ingest created is removed.
func TestInterruptedIngest(t *testing.T) {
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	for _, cmd := range []string{"ingest", "investigate"} {
		t.Run(cmd, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "case.duckdb")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				waitFor(t, db)
				cancel()
			}()
			io, _, errOut := iostreams.Test()
			code := Main(ctx, io, "test", []string{"--db", db, cmd, example})
			if code != ExitInterrupted || !strings.Contains(errOut.String(), "trailsleuth: interrupted") || strings.Contains(errOut.String(), "context canceled") {
				t.Errorf("exit %d, want %d; stderr: %s", code, ExitInterrupted, errOut)
			}
			// The case was new: an interrupted first ingest leaves none.
			if _, err := os.Stat(db); err == nil {
				t.Errorf("%s left behind", db)
			}
		})
	}
}

// TestSIGINT sends a real SIGINT to a trailsleuth process (this test
// binary, re-run as Run) during an ingest: exit status 130.
func TestSIGINT(t *testing.T) {
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	db := filepath.Join(t.TempDir(), "case.duckdb")
	args, _ := json.Marshal([]string{"--db", db, "ingest", example})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+string(args))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, db)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted || !strings.Contains(stderr.String(), "trailsleuth: interrupted") {
		t.Errorf("after SIGINT: %v (exit %d), stderr: %s", err, cmd.ProcessState.ExitCode(), stderr.String())
	}
}

// TestInvestigateShowsIngestProgress (issue 20, item 6): investigate PATH
// reports its ingest as ingest does, its hunt counts rules as rules, and a
// line says the analysis runs.
func TestInvestigateShowsIngestProgress(t *testing.T) {
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	db := filepath.Join(t.TempDir(), "case.duckdb")
	io, _, errOut := iostreams.Test()
	io.ErrTTY = true // progress is drawn at once on a terminal
	if code := Main(context.Background(), io, "test", []string{"--db", db, "investigate", example}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := errOut.String()
	// The last report of the ingest is always drawn: everything read.
	if !strings.Contains(got, "\ringest · 100% of 1.2 MB · 740/740 files · 3229 events · ") {
		t.Errorf("no ingest progress: %q", got)
	}
	if !regexp.MustCompile(`\rhunt · \d+/\d+ rules`).MatchString(got) {
		t.Errorf("no hunt progress in rules: %q", got)
	}
	if !strings.Contains(got, "\rinvestigate · following the credentials") {
		t.Errorf("nothing said while the analysis runs: %q", got)
	}
	for _, line := range strings.Split(got, "\r") {
		if strings.Count(line, "/s") > 1 || strings.Count(line, "ETA") > 1 || strings.Contains(line, " B ") {
			t.Errorf("two rates or ETAs, or rules as bytes: %q", line)
		}
	}
}
