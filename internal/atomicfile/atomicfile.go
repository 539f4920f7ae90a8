// Package atomicfile writes output files (reports, exports, timelines,
// collected evidence) so that a file under its final name is always whole:
// the bytes go to a temporary file in the same folder, which is synced and
// renamed over the final name only once complete. A crash, a kill, a full
// disk or a failed write leaves the previous file (if any) as it was, and at
// most a temporary file whose name says it is unfinished.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// PartialMarker is in the name of every temporary file: NAME<marker>NNN.
// A folder scan (ingest, collect) can tell an unfinished file by it.
const PartialMarker = ".trailsleuth-partial-"

// IsPartial reports whether a file name is one of this package's temporary
// files: a name, the marker, then only the digits os.CreateTemp adds.
func IsPartial(name string) bool {
	i := strings.LastIndex(name, PartialMarker)
	if i <= 0 {
		return false
	}
	digits := name[i+len(PartialMarker):]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

// File is an output being written: an *os.File on a temporary file beside
// the final path. Finish it with Commit or Abort (Abort after Commit does
// nothing, so `defer f.Abort()` is the usual pattern).
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path: a temporary file in path's folder with
// permissions perm.
func Create(path string, perm os.FileMode) (*File, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+PartialMarker+"*")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return &File{File: tmp, path: path}, nil
}

// Commit syncs the temporary file, closes it and renames it to the final
// path, then syncs the folder so the rename survives a crash.
func (f *File) Commit() error { return f.CommitAs(f.path) }

// CommitAs is Commit under another final name (an incomplete download kept
// as NAME.incomplete, say).
func (f *File) CommitAs(path string) error {
	if f.done {
		return errors.New("atomicfile: already finished")
	}
	f.done = true
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// Abort closes and removes the temporary file; the final path is untouched.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// Write writes path through fill and commits it; on any error the
// previous file at path is left as it was.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fill(f); err != nil {
		return err
	}
	return f.Commit()
}

// Reserve is for writers that produce a file by name (DuckDB's COPY … TO):
// it returns a temporary path beside path to write to, and finish, which
// with ok renames it into place (after syncing it) and otherwise removes it.
func Reserve(path string, perm os.FileMode) (tmp string, finish func(ok bool) error, err error) {
	f, err := Create(path, perm)
	if err != nil {
		return "", nil, err
	}
	f.Close()
	return f.Name(), func(ok bool) error {
		if !ok {
			os.Remove(f.Name())
			return nil
		}
		g, err := os.OpenFile(f.Name(), os.O_RDWR, 0)
		if err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return (&File{File: g, path: path}).Commit()
	}, nil
}

// syncDir makes a rename in dir durable. Not every system can sync a
// folder (Windows cannot); the rename itself has happened, so a failure
// here is not reported.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync() //nolint:errcheck // best effort, see above
	d.Close()
}
