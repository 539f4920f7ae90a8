package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
)

// Object is one file of a source: its path relative to the root
// (slash-separated; the key for S3) and size.
type Object struct {
	Path string
	Size int64
}

// Source is a tree of CloudTrail files to verify: a local copy or an S3
// bucket/prefix.
type Source interface {
	// Root names the source for reports (a folder or s3://bucket/prefix).
	Root() string
	// List returns every object, sorted by path.
	List(ctx context.Context) ([]Object, error)
	// Open opens an object for reading.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// Meta returns an object's S3 user metadata (lower-case names without
	// x-amz-meta-) and whether the source knows it at all: S3 always does;
	// a local copy only through its manifest.
	Meta(ctx context.Context, path string) (map[string]string, bool, error)
	// Location returns the object's S3 bucket ("" when unknown) and key.
	Location(path string) (bucket, key string)
}

// A Source may also keep the record of its collection (Dir: the manifest).
// Verify asks for it through these optional interfaces, checked by type
// assertion, so that it depends on what a source knows, not on its type.
type (
	// manifestReporter says the record is damaged (its good lines still used).
	manifestReporter interface{ ManifestErr() error }
	// collectedHasher knows the SHA-256 an object had when collected.
	collectedHasher interface{ ManifestSHA256(path string) string }
	// fetchFailures knows why collect could not fetch an object.
	fetchFailures interface {
		ManifestFailure(bucket, key string) string
	}
)

// Dir is a local copy of a CloudTrail bucket, with the manifest.jsonl
// that `collect s3` writes when there is one.
type Dir struct {
	dir    string
	byPath map[string]acquire.ManifestEntry
	// manifestErr is a damaged manifest, reported rather than trusted silently.
	manifestErr error
}

// OpenDir opens a local copy rooted at dir and reads dir/manifest.jsonl.
func OpenDir(dir string) (*Dir, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	d := &Dir{dir: dir, byPath: map[string]acquire.ManifestEntry{}}
	entries, err := acquire.ReadManifest(filepath.Join(dir, acquire.ManifestName))
	var lines *acquire.ManifestLinesError
	switch {
	case errors.As(err, &lines):
		d.manifestErr = err
	case err != nil:
		return nil, err
	}
	for _, e := range entries {
		if e.Source == acquire.SourceS3 && e.Path != "" {
			d.byPath[e.Path] = e
		}
	}
	return d, nil
}

// ManifestErr is the damaged manifest's error (nil when it is whole or absent).
func (d *Dir) ManifestErr() error { return d.manifestErr }

// Root implements Source.
func (d *Dir) Root() string { return d.dir }

// List implements Source.
func (d *Dir) List(ctx context.Context) ([]Object, error) {
	var objs []Object
	err := filepath.WalkDir(d.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("listing %s: %w", p, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !e.Type().IsRegular() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("listing %s: %w", p, err)
		}
		rel, err := filepath.Rel(d.dir, p)
		if err != nil {
			return err
		}
		objs = append(objs, Object{Path: filepath.ToSlash(rel), Size: info.Size()})
		return nil
	})
	sort.Slice(objs, func(i, j int) bool { return objs[i].Path < objs[j].Path })
	return objs, err
}

// Open implements Source; files are opened read-only.
func (d *Dir) Open(_ context.Context, path string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(d.dir, filepath.FromSlash(path)))
}

// Meta implements Source from the manifest.
func (d *Dir) Meta(_ context.Context, path string) (map[string]string, bool, error) {
	e, ok := d.byPath[path]
	if !ok || e.Status != acquire.StatusOK {
		return nil, false, nil
	}
	return e.Metadata, true, nil
}

// Location implements Source: from the manifest, else the path itself.
func (d *Dir) Location(path string) (string, string) {
	if e, ok := d.byPath[path]; ok && e.Key != "" {
		return e.Bucket, e.Key
	}
	return "", path
}

// ManifestSHA256 returns the hash collect recorded for path ("" when none).
func (d *Dir) ManifestSHA256(path string) string {
	if e, ok := d.byPath[path]; ok && e.Status == acquire.StatusOK {
		return e.SHA256
	}
	return ""
}

// ManifestFailure returns collect's error for an object it could not fetch
// ("" when it did not fail).
func (d *Dir) ManifestFailure(bucket, key string) string {
	for _, e := range d.byPath {
		if e.Key == key && (bucket == "" || e.Bucket == bucket) && e.Status == acquire.StatusFailed {
			return e.Error
		}
	}
	return ""
}

// S3API is the part of the S3 client a bucket source uses.
type S3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// Bucket is a CloudTrail bucket (or a prefix of one) read in place.
type Bucket struct {
	api            S3API
	bucket, prefix string
}

// OpenBucket returns the source s3://bucket/prefix.
func OpenBucket(api S3API, bucket, prefix string) *Bucket {
	return &Bucket{api: api, bucket: bucket, prefix: strings.TrimPrefix(prefix, "/")}
}

// Root implements Source.
func (b *Bucket) Root() string { return "s3://" + b.bucket + "/" + b.prefix }

// List implements Source.
func (b *Bucket) List(ctx context.Context) ([]Object, error) {
	var objs []Object
	p := s3.NewListObjectsV2Paginator(b.api, &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(b.prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", b.Root(), err)
		}
		for _, o := range page.Contents {
			objs = append(objs, Object{Path: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Path < objs[j].Path })
	return objs, nil
}

// Open implements Source.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := b.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)}, quietChecksum)
	if err != nil {
		return nil, fmt.Errorf("getting s3://%s/%s: %w", b.bucket, key, err)
	}
	return out.Body, nil
}

// Meta implements Source.
func (b *Bucket) Meta(ctx context.Context, key string) (map[string]string, bool, error) {
	out, err := b.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, false, fmt.Errorf("reading metadata of s3://%s/%s: %w", b.bucket, key, err)
	}
	m := make(map[string]string, len(out.Metadata))
	for k, v := range out.Metadata {
		m[strings.ToLower(k)] = v
	}
	return m, true, nil
}

// quietChecksum silences the SDK's log line for every object served
// without a checksum (S3-compatible stores): the content is hashed here anyway.
func quietChecksum(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true }

// Location implements Source.
func (b *Bucket) Location(key string) (string, string) { return b.bucket, key }
