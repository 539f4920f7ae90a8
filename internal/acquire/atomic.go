package acquire

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// partialSuffix marks a file still being written. Collectors write to
// NAME<partialSuffix>-random and rename on success, so an interrupted run
// never leaves a file under its final name that looks complete.
const partialSuffix = ".trailsleuth-partial"

// written is what writeAtomic wrote.
type written struct {
	Size   int64
	SHA256 string
}

// writeAtomic writes dst through fill (temp file in the same folder, fsync,
// rename) and hashes the bytes on the way. The result is read-only:
// evidence is never modified after it is written.
func writeAtomic(dst string, fill func(io.Writer) error) (written, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return written{}, fmt.Errorf("creating folder for %s: %w", dst, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+partialSuffix+"-*")
	if err != nil {
		return written{}, fmt.Errorf("creating %s: %w", dst, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	var keep *keepAsError
	if err := fill(io.MultiWriter(tmp, h)); errors.As(err, &keep) {
		dst = keep.path
	} else if err != nil {
		return written{}, err
	}
	if err := tmp.Sync(); err != nil {
		return written{}, fmt.Errorf("syncing %s: %w", dst, err)
	}
	st, err := tmp.Stat()
	if err != nil {
		return written{}, fmt.Errorf("examining %s: %w", dst, err)
	}
	if err := tmp.Chmod(0o444); err != nil {
		return written{}, fmt.Errorf("protecting %s: %w", dst, err)
	}
	if err := tmp.Close(); err != nil {
		return written{}, fmt.Errorf("closing %s: %w", dst, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return written{}, fmt.Errorf("renaming into %s: %w", dst, err)
	}
	done = true
	w := written{Size: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}
	if keep != nil {
		return w, keep.err
	}
	return w, nil
}

// keepAsError, returned by a writeAtomic fill, keeps what was written
// under another name (one that says it is incomplete) and returns err.
type keepAsError struct {
	path string
	err  error
}

func (e *keepAsError) Error() string { return e.err.Error() }
func (e *keepAsError) Unwrap() error { return e.err }

// hashFile returns the size and SHA-256 of a file on disk.
func hashFile(path string) (written, error) {
	f, err := os.Open(path)
	if err != nil {
		return written{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return written{}, fmt.Errorf("hashing %s: %w", path, err)
	}
	return written{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// RemovePartials deletes the temporary files an interrupted collection
// left under dir (so ingest never reads them) and returns how many.
func RemovePartials(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.Contains(d.Name(), partialSuffix+"-") {
			if err := os.Remove(p); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("removing unfinished files under %s: %w", dir, err)
	}
	return n, nil
}
