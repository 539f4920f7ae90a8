package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// corpusSpec is what ctgen is asked for; it is stored in the .complete
// marker so that a corpus is reused only for the same request.
type corpusSpec struct {
	Events   int64  `json:"events"`
	Accounts int    `json:"accounts"`
	Days     int    `json:"days"`
	Seed     uint64 `json:"seed"`
	Attack   bool   `json:"attack"`
}

func (s corpusSpec) args() []string {
	a := []string{
		"-events", strconv.FormatInt(s.Events, 10),
		"-accounts", strconv.Itoa(s.Accounts),
		"-days", strconv.Itoa(s.Days),
		"-seed", strconv.FormatUint(s.Seed, 10),
	}
	if s.Attack {
		a = append(a, "-attack")
	}
	return a
}

const completeMarker = ".complete"

// truth is the part of ctgen's ground truth the bench uses.
type truth struct {
	LeakedAccessKeyID string   `json:"leakedAccessKeyId"`
	AttackerKeys      []string `json:"attackerAccessKeyIds"`
	AttackerIPs       []string `json:"attackerIPs"`
	EventIDs          []string `json:"eventIDs"`
	EventCount        int      `json:"eventCount"` // attack events only
	Events            []struct {
		AccessKeyID string `json:"accessKeyId"`
	} `json:"events"`
}

func readTruth(path string) (*truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if t.LeakedAccessKeyID == "" {
		return nil, fmt.Errorf("%s: no leakedAccessKeyId", path)
	}
	return &t, nil
}

// goTool is the go command that builds the binaries.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

// buildCtgen builds ctgen from its (read-only) source folder into out.
func buildCtgen(srcDir, out string) error {
	if _, err := os.Stat(filepath.Join(srcDir, "main.go")); err != nil {
		return fmt.Errorf("ctgen source not found (-ctgen %s): %w", srcDir, err)
	}
	cmd := exec.Command(goTool(), "build", "-C", srcDir, "-o", out, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// ctgen is its own module: keep the caller's workspace out of it.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building ctgen: %w", err)
	}
	return nil
}

// buildTrailsleuth builds the CLI from the repository at root into out.
func buildTrailsleuth(root, out string) error {
	cmd := exec.Command(goTool(), "build", "-o", out, "./cmd/trailsleuth")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building trailsleuth: %w", err)
	}
	return nil
}

// ensureCorpus makes sure dir holds the corpus spec describes: reused when
// its .complete marker matches, generated with ctgen otherwise. A folder
// without a marker (an interrupted generation) is replaced; a folder whose
// marker describes a different corpus is replaced only if mayReplace.
func ensureCorpus(ctgen, dir string, spec corpusSpec, mayReplace bool, logf func(string, ...any)) (reused bool, err error) {
	marker := filepath.Join(dir, completeMarker)
	if b, err := os.ReadFile(marker); err == nil {
		var have corpusSpec
		if json.Unmarshal(b, &have) == nil && have == spec {
			return true, nil
		}
		if !mayReplace {
			return false, fmt.Errorf("corpus %s was generated with %s, not %s: choose another -corpus folder", dir, bytes.TrimSpace(b), mustJSON(spec))
		}
		logf("corpus %s was generated with other flags (%s): regenerating", dir, bytes.TrimSpace(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if !mayReplace && !isCtgenOutput(dir, entries) {
			return false, fmt.Errorf("corpus folder %s exists, has no %s marker and does not look like a ctgen corpus: not touching it", dir, completeMarker)
		}
		logf("removing incomplete corpus %s", dir)
		if err := os.RemoveAll(dir); err != nil {
			return false, err
		}
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return false, err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return false, err
	}
	args := append([]string{"-out", tmp}, spec.args()...)
	args = append(args, "-truth", filepath.Join(tmp, "truth.json"))
	logf("generating corpus: %s %s", ctgen, strings.Join(args, " "))
	cmd := exec.Command(ctgen, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return false, fmt.Errorf("ctgen: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), append(mustJSON(spec), '\n'), 0o644); err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return false, err
	}
	return false, os.Rename(tmp, dir)
}

// isCtgenOutput reports whether a folder holds only what ctgen writes.
func isCtgenOutput(dir string, entries []os.DirEntry) bool {
	for _, e := range entries {
		switch e.Name() {
		case "AWSLogs", "truth.json", completeMarker:
		default:
			return false
		}
	}
	return true
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
