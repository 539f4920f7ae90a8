// Package acquire finds CloudTrail evidence where it lives and hands it to
// ingest unchanged: local trees and files here; S3, LookupEvents and
// CloudTrail Lake collectors write local trees in the same layout.
package acquire

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File is one input file found by Walk.
type File struct {
	Path    string
	Size    int64
	ModTime time.Time
	// Account and Region come from the AWSLogs layout when the path follows it.
	Account string
	Region  string
	// Digest is set for files under CloudTrail-Digest/.
	Digest bool
}

// WalkError is a path that could not be examined.
type WalkError struct {
	Path string
	Err  error
}

func (e WalkError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }

// Unwrap lets errors.Is see why the path could not be examined
// (fs.ErrNotExist, fs.ErrPermission).
func (e WalkError) Unwrap() error { return e.Err }

// Walk expands paths (files or directories, walked recursively) into the
// regular files under them, sorted by path so runs are reproducible.
// Paths that cannot be read are returned as WalkErrors, not dropped; an
// error is returned only when ctx is cancelled.
func Walk(ctx context.Context, paths []string) ([]File, []WalkError, error) {
	var files []File
	var problems []WalkError
	seen := map[string]bool{}
	add := func(path string, info fs.FileInfo) {
		abs, err := filepath.Abs(path)
		if err == nil {
			if seen[abs] {
				return
			}
			seen[abs] = true
		}
		f := File{Path: path, Size: info.Size(), ModTime: info.ModTime()}
		f.Account, f.Region, f.Digest = layout(path)
		files = append(files, f)
	}
	for _, root := range paths {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		info, err := os.Stat(root)
		if err != nil {
			problems = append(problems, WalkError{root, err})
			continue
		}
		if !info.IsDir() {
			if info.Mode().IsRegular() {
				add(root, info)
			} else {
				problems = append(problems, WalkError{root, fmt.Errorf("not a regular file (%s)", info.Mode().Type())})
			}
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				problems = append(problems, WalkError{path, err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			if d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				problems = append(problems, WalkError{path, err})
				return nil
			}
			if !info.Mode().IsRegular() {
				if info.Mode()&fs.ModeSymlink != 0 {
					if target, err := os.Stat(path); err == nil && target.Mode().IsRegular() {
						add(path, target)
						return nil
					}
				}
				problems = append(problems, WalkError{path, fmt.Errorf("not a regular file (%s)", info.Mode().Type())})
				return nil
			}
			add(path, info)
			return nil
		})
		if err != nil && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, problems, nil
}

// layout reads account, region and digest-ness from CloudTrail's S3 key
// layout: AWSLogs/[o-org/]<account>/CloudTrail[-Digest|-Insight]/<region>/...
func layout(path string) (account, region string, digest bool) {
	parts := strings.Split(filepath.ToSlash(path), "/")
	for i, p := range parts {
		if p != "AWSLogs" {
			continue
		}
		rest := parts[i+1:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "o-") {
			rest = rest[1:]
		}
		if len(rest) >= 3 && strings.HasPrefix(rest[1], "CloudTrail") {
			return rest[0], rest[2], rest[1] == "CloudTrail-Digest"
		}
	}
	for _, p := range parts {
		if p == "CloudTrail-Digest" {
			digest = true
		}
	}
	return "", "", digest
}
