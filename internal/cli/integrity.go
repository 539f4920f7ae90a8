package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trailsleuth/trailsleuth/internal/evidence"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// validateIngested runs log file integrity validation on the folders just
// ingested that hold digest files, and records on each source whether it
// validated. It needs CloudTrail's public keys: --public-keys, or the
// public-keys.json that collect saves at the root of a folder. Without
// keys it says so and leaves the sources unchecked.
func validateIngested(ctx context.Context, f *Factory, st *store.Store, paths []string, keysFile string) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			continue
		}
		dir, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		kf := keysFile
		if kf == "" {
			kf = filepath.Join(dir, "public-keys.json")
			if _, err := os.Stat(kf); err != nil {
				f.IO.Warnf("integrity: %s holds digest files but no public-keys.json and no --public-keys was given: its files are not validated (trailsleuth verify %s --public-keys FILE)\n", p, quoteArg(p))
				continue
			}
		}
		keys, err := evidence.LoadPublicKeys(kf)
		if err != nil {
			f.IO.Warnf("integrity: %v: files of %s are not validated\n", err, p)
			continue
		}
		src, err := evidence.OpenDir(dir)
		if err != nil {
			f.IO.Warnf("integrity: %v\n", err)
			continue
		}
		rep, err := evidence.Verify(ctx, src, evidence.Options{Keys: keys})
		if err != nil {
			f.IO.Warnf("integrity: validating %s: %v\n", p, err)
			continue
		}
		results := make([]store.SourceValidation, 0, len(rep.Files))
		for _, fs := range rep.Files {
			if fs.SHA256 == "" {
				continue // listed but absent: nothing was ingested
			}
			results = append(results, store.SourceValidation{Path: filepath.Join(dir, filepath.FromSlash(fs.Path)), SHA256: fs.SHA256, Status: fs.Status})
		}
		n, err := st.SetValidation(ctx, results)
		if err != nil {
			f.IO.Warnf("integrity: %v\n", err)
			continue
		}
		verdict := "valid"
		if !rep.Valid {
			verdict = fmt.Sprintf("INVALID, %d errors (trailsleuth verify %s for details)", rep.Totals.Errors, quoteArg(p))
		}
		f.IO.Warnf("integrity of %s: %s; %d of %d log files validated against signed digests, %d sources marked\n",
			p, verdict, rep.Totals.LogsValid, rep.Totals.Logs, n)
	}
}
