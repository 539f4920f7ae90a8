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

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
)

// written is what writeAtomic wrote.
type written struct {
	Size   int64
	SHA256 string
}

// writeAtomic writes dst through fill (atomicfile: temporary file in the
// same folder, fsync, rename) and hashes the bytes on the way. The result
// is read-only: evidence is never modified after it is written.
func writeAtomic(dst string, fill func(io.Writer) error) (written, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return written{}, fmt.Errorf("creating folder for %s: %w", dst, err)
	}
	f, err := atomicfile.Create(dst, 0o444)
	if err != nil {
		return written{}, err
	}
	defer f.Abort()
	h := sha256.New()
	var keep *keepAsError
	if err := fill(io.MultiWriter(f, h)); errors.As(err, &keep) {
		dst = keep.path
	} else if err != nil {
		return written{}, err
	}
	st, err := f.Stat()
	if err != nil {
		return written{}, fmt.Errorf("examining %s: %w", dst, err)
	}
	if err := f.CommitAs(dst); err != nil {
		return written{}, err
	}
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
// left under dir (so ingest never reads them) and returns how many. Only
// regular files named exactly as atomicfile names them (NAME, the marker,
// digits) are removed; collectors call it once the source has answered,
// so a mistyped profile or bucket deletes nothing.
func RemovePartials(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() && atomicfile.IsPartial(d.Name()) {
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
