package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// calibrate is the -calibrate mode: the rule pack's hit counts on a ctgen
// background corpus (no -attack) and on each shared dataset, one case
// database per corpus, printed by `trailsleuth rules calibrate --format
// markdown` (the table in docs/detections.md).
func calibrate(ctx context.Context, o *options) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	outDir := filepath.Join(root, "bench", "out")
	binDir := filepath.Join(outDir, "bin")
	calDir := filepath.Join(outDir, "calibrate")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(calDir, 0o755); err != nil {
		return err
	}
	if o.ctgenDir == "" {
		o.ctgenDir = filepath.Join(filepath.Dir(root), "shared", "tools", "ctgen")
	}
	if o.datasets == "" {
		o.datasets = filepath.Join(filepath.Dir(root), "shared", "datasets")
	}
	spec := o.spec
	spec.Attack = false
	defaultCorpus := o.corpus == ""
	if defaultCorpus {
		o.corpus = filepath.Join(outDir, fmt.Sprintf("corpus-bg-%d-a%d-d%d-s%d", spec.Events, spec.Accounts, spec.Days, spec.Seed))
	}
	ctgenBin, tsBin := filepath.Join(binDir, "ctgen"), filepath.Join(binDir, "trailsleuth")
	logf("building ctgen and trailsleuth into %s", binDir)
	if err := buildCtgen(o.ctgenDir, ctgenBin); err != nil {
		return err
	}
	if err := buildTrailsleuth(root, tsBin); err != nil {
		return err
	}
	if _, err := ensureCorpus(ctgenBin, o.corpus, spec, defaultCorpus, logf); err != nil {
		return err
	}

	// One fresh case per corpus: the ctgen background first, then the
	// datasets in name order (the rules folder is not CloudTrail).
	type corpus struct{ name, dir string }
	corpora := []corpus{{fmt.Sprintf("ctgen-background-%s", humanCount(spec.Events)), filepath.Join(o.corpus, "AWSLogs")}}
	entries, err := os.ReadDir(o.datasets)
	if err != nil {
		return fmt.Errorf("datasets (-datasets): %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if e.IsDir() && !strings.Contains(e.Name(), "rules") {
			corpora = append(corpora, corpus{e.Name(), filepath.Join(o.datasets, e.Name())})
		}
	}
	var dbs []string
	for _, c := range corpora {
		db := filepath.Join(calDir, c.name+".duckdb")
		removeDB(db)
		logf("ingesting %s into %s", c.dir, db)
		sum, _, err := runIngest(ctx, root, tsBin, db, c.dir)
		if err != nil {
			return fmt.Errorf("ingesting %s: %w", c.dir, err)
		}
		logf("%s: %d events stored", c.name, sum.Events)
		dbs = append(dbs, db)
	}
	args := append([]string{"-q", "rules", "calibrate", "--format", "markdown"}, dbs...)
	logf("running: %s %s", tsBin, strings.Join(args, " "))
	p, err := runProc(ctx, root, tsBin, args...)
	if err != nil {
		return err
	}
	fmt.Print(string(p.stdout))
	if o.out != "" {
		if err := os.WriteFile(o.out, p.stdout, 0o644); err != nil {
			return err
		}
	}
	logf("calibration took %.1f s (%s)", p.Wall, commandLine())
	return nil
}

// humanCount writes 1000000 as 1M and 50000 as 50k.
func humanCount(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
