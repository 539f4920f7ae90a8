package faulttest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bytesRead is how much the process has read so far (rchar in
// /proc/PID/io): the corpus, mostly, so it measures ingest progress whatever
// the database does; -1 when it cannot be read.
func bytesRead(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// killAt starts an ingest of corpus into db and sends it sig once it has
// read threshold bytes, or, with threshold 0, as soon as the database file
// exists and is not empty (while the schema is being created). It reports
// whether the signal came before the ingest finished on its own.
func killAt(t *testing.T, db, corpus string, threshold int64, sig syscall.Signal) bool {
	t.Helper()
	cmd := exec.Command(trailsleuth(t), "--db", db, "--quiet", "ingest", "--workers", "2", corpus)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Poll observed progress; the clock only paces the polling.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			t.Logf("ingest finished (%v) before the kill point %d", err, threshold)
			return false
		case <-tick.C:
		}
		var reached bool
		n := int64(0)
		if threshold == 0 {
			fi, err := os.Stat(db)
			reached = err == nil && fi.Size() > 0
		} else {
			n = bytesRead(cmd.Process.Pid)
			if n < 0 {
				cmd.Process.Kill()
				<-done
				t.Skip("/proc/PID/io is not readable here: progress cannot be observed")
			}
			reached = n >= threshold
		}
		if reached {
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := <-done
			t.Logf("%v at kill point %d (read %d bytes): %v", sig, threshold, n, err)
			return true
		}
	}
}

func corpusBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInterruptedIngest kills `trailsleuth ingest` again and again on one
// case database, at points drawn from a seeded RNG along the bytes it has
// read (and once while the schema is created, once after all input is read,
// when the sources are being recorded), then lets it finish and checks that
// the case holds exactly the corpus: every event once, every file recorded
// once as ingested with its own events, nothing half-done. A kill during the
// roll-back of an earlier kill is among them. TRAILSLEUTH_FAULT_SEED changes
// the seed (it is logged).
func TestInterruptedIngest(t *testing.T) {
	trailsleuth(t)
	seed := uint64(1)
	if s := os.Getenv("TRAILSLEUTH_FAULT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TRAILSLEUTH_FAULT_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x7472))

	const events = corpusEvents
	corpus := ctgenCorpus(t)
	want, files := corpusIDs(t, corpus)
	if len(want) != events {
		t.Fatalf("ctgen wrote %d events, asked for %d", len(want), events)
	}
	total := corpusBytes(t, corpus)

	// SIGKILL leaves whatever DuckDB had committed; SIGINT lets the
	// workers stop and their appenders commit what was decoded, without the
	// sources (the state that once left events without a source).
	type point struct {
		at  int64
		sig syscall.Signal
	}
	points := []point{{0, syscall.SIGKILL}}
	for band, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL, syscall.SIGINT} {
		f := (float64(band) + 0.1 + 0.8*rng.Float64()) / 3
		points = append(points, point{int64(f * float64(total)), sig})
	}
	points = append(points, point{total, syscall.SIGKILL})
	db := filepath.Join(t.TempDir(), "case.duckdb")
	killed := 0
	for _, p := range points {
		if killAt(t, db, corpus, p.at, p.sig) {
			killed++
		}
	}
	r := run(t, "--db", db, "--quiet", "ingest", "--json", "--workers", "2", corpus)
	if r.code != 0 {
		t.Fatalf("re-run after the kills: exit %d\n%s", r.code, r.stderr)
	}
	sum := parseSummary(t, r)
	if sum.Events != events || sum.EventsRead != events || len(sum.Errors) != 0 {
		t.Errorf("re-run summary %+v, want %d new events and no errors", sum, events)
	}
	checkComplete(t, db, want, files)
	if killed < 3 {
		t.Errorf("only %d of %d ingests were killed before finishing", killed, len(points))
	}

	// And once more: nothing new, nothing lost.
	r = run(t, "--db", db, "--quiet", "ingest", "--json", "--workers", "2", corpus)
	if sum := parseSummary(t, r); r.code != 0 || sum.Events != 0 || sum.Duplicates != events {
		t.Errorf("second complete ingest: exit %d, %+v", r.code, sum)
	}
	checkComplete(t, db, want, files)
}
