package acquire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3Client is the part of the S3 API the collector calls.
type S3Client interface {
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// PublicKeyClient is the CloudTrail call that lists the keys digest files
// are signed with.
type PublicKeyClient interface {
	ListPublicKeys(context.Context, *cloudtrail.ListPublicKeysInput, ...func(*cloudtrail.Options)) (*cloudtrail.ListPublicKeysOutput, error)
}

// S3Options say what to collect from a trail bucket and where to put it.
type S3Options struct {
	Bucket string
	// Prefix narrows the search: a custom prefix before AWSLogs/, or a
	// path inside the layout (AWSLogs/o-…/123456789012/).
	Prefix   string
	Accounts []string // empty: all
	Regions  []string // empty: all
	// Since and Until bound the delivery days listed (one more day is
	// listed on each side). A zero Since lists every day found, by
	// delimiter listings; a zero Until means now.
	Since, Until time.Time
	Out          string
	Concurrency  int
	// PublicKeys, if set, returns a CloudTrail client for a region, to save
	// the digest signing keys (best effort).
	PublicKeys func(region string) PublicKeyClient
	Progress   func(S3Progress)
	Warn       func(format string, a ...any)
	Now        func() time.Time
}

// S3Progress is a snapshot of a running collection.
type S3Progress struct {
	ObjectsDone, ObjectsTotal int64
	BytesDone, BytesTotal     int64
	Resumed, Failed           int64
	Elapsed                   time.Duration
}

// S3Result is what a collection did.
type S3Result struct {
	Trails     []string        `json:"trails"`      // CloudTrail*/<region>/ prefixes found
	DayListing []string        `json:"day_listing"` // day prefixes listed
	Objects    int             `json:"objects"`     // objects in the listed days
	Fetched    int             `json:"fetched"`
	Resumed    int             `json:"resumed"` // already present with the manifest's hash
	Failed     int             `json:"failed"`
	Bytes      int64           `json:"bytes"` // bytes downloaded
	Failures   []ManifestEntry `json:"failures,omitempty"`
	PublicKeys int             `json:"public_keys"`
	Seconds    float64         `json:"seconds"`
}

// ErrIncomplete is returned when some objects could not be collected; they
// are in the manifest with status "failed".
var ErrIncomplete = errors.New("some objects could not be collected")

// ParseS3URL splits s3://bucket/prefix.
func ParseS3URL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q: want s3://bucket[/prefix]", u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q: no bucket name", u)
	}
	return bucket, prefix, nil
}

// BucketRegion asks S3 where bucket lives (HeadBucket names the region
// even when it answers with a redirect); "" when it cannot tell.
func BucketRegion(ctx context.Context, client *s3.Client, bucket string) string {
	out, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return aws.ToString(out.BucketRegion)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

// trail kinds under an account: logs, digests, Insights events.
var trailKinds = []string{"CloudTrail", "CloudTrail-Digest", "CloudTrail-Insight"}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

type s3Object struct {
	key          string
	size         int64
	etag         string
	lastModified time.Time
}

type s3Collector struct {
	opts     S3Options
	s3       S3Client
	manifest map[string]ManifestEntry
	mw       *ManifestWriter
	res      S3Result
	mu       sync.Mutex

	objectsDone, bytesDone, resumed, failed atomic.Int64
}

// CollectS3 copies a trail bucket's objects for the window into
// opts.Out, keeping the key layout, and records each in manifest.jsonl.
// Objects already collected with a matching hash are not fetched again.
// When objects fail, the result lists them and the error is ErrIncomplete.
func CollectS3(ctx context.Context, client S3Client, opts S3Options) (*S3Result, error) {
	start := time.Now()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Until.IsZero() {
		opts.Until = opts.Now()
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Warn == nil {
		opts.Warn = func(string, ...any) {}
	}
	opts.Prefix = strings.TrimPrefix(opts.Prefix, "/")
	manifest, err := ReadManifest(filepath.Join(opts.Out, ManifestName))
	var lineErr *ManifestLinesError
	if errors.As(err, &lineErr) {
		opts.Warn("warning: %v; those objects will be fetched again\n", err)
	} else if err != nil {
		return nil, err
	}
	c := &s3Collector{opts: opts, s3: client, manifest: manifest}

	trails, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	c.res.Trails = trails
	if len(trails) == 0 {
		return nil, fmt.Errorf("no CloudTrail layout (AWSLogs/<account>/CloudTrail/<region>/) under s3://%s/%s matching the filters", opts.Bucket, opts.Prefix)
	}
	// The bucket answered: unfinished files of an earlier, killed run can
	// go (not before: a wrong profile or bucket must change nothing here).
	if _, err := RemovePartials(opts.Out); err != nil {
		return nil, err
	}
	days, err := c.dayPrefixes(ctx, trails)
	if err != nil {
		return nil, err
	}
	objects, err := c.listDays(ctx, days)
	if err != nil {
		return nil, err
	}
	c.res.Objects = len(objects)

	mw, err := NewManifestWriter(opts.Out)
	if err != nil {
		return nil, err
	}
	c.mw = mw
	err = c.fetchAll(ctx, objects, start)
	if cerr := mw.Close(); err == nil {
		err = cerr
	}
	c.res.Resumed = int(c.resumed.Load())
	c.res.Failed = int(c.failed.Load())
	// Objects not reached by an interrupted run are neither.
	c.res.Fetched = int(c.objectsDone.Load()) - c.res.Resumed - c.res.Failed
	sort.Slice(c.res.Failures, func(i, j int) bool { return c.res.Failures[i].Key < c.res.Failures[j].Key })
	if err != nil {
		c.res.Seconds = time.Since(start).Seconds()
		return &c.res, err
	}
	if opts.PublicKeys != nil {
		c.savePublicKeys(ctx, trails, days)
	}
	c.res.Seconds = time.Since(start).Seconds()
	if c.res.Failed > 0 {
		return &c.res, fmt.Errorf("%d of %d objects failed (status \"failed\" in %s): %w", c.res.Failed, c.res.Objects, filepath.Join(opts.Out, ManifestName), ErrIncomplete)
	}
	return &c.res, nil
}

// listDirs returns the "folders" directly under prefix (a delimiter
// listing: one level, never the objects below).
func (c *s3Collector) listDirs(ctx context.Context, prefix string) ([]string, error) {
	var dirs []string
	p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{
		Bucket: aws.String(c.opts.Bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", c.opts.Bucket, prefix, err)
		}
		for _, cp := range out.CommonPrefixes {
			dirs = append(dirs, aws.ToString(cp.Prefix))
		}
	}
	return dirs, nil
}

// compatible reports whether a prefix lies on the path to, or under, the
// user's prefix.
func (c *s3Collector) compatible(p string) bool {
	return strings.HasPrefix(p, c.opts.Prefix) || strings.HasPrefix(c.opts.Prefix, p)
}

func base(dir string) string { return path.Base(strings.TrimSuffix(dir, "/")) }

// discover finds the CloudTrail*/<region>/ prefixes for the accounts and
// regions asked, one delimiter listing per level.
func (c *s3Collector) discover(ctx context.Context) ([]string, error) {
	var roots []string
	p := c.opts.Prefix
	if i := strings.Index("/"+p, "/AWSLogs/"); i >= 0 {
		roots = []string{p[:i] + "AWSLogs/"}
	} else {
		start := p
		if start != "" && !strings.HasSuffix(start, "/") {
			start += "/"
		}
		var err error
		if roots, err = c.findAWSLogs(ctx, start, 0); err != nil {
			return nil, err
		}
	}
	var trails []string
	for _, root := range roots {
		dirs, err := c.listDirs(ctx, root)
		if err != nil {
			return nil, err
		}
		var accounts []string
		for _, d := range dirs {
			switch name := base(d); {
			case strings.HasPrefix(name, "o-") && c.compatible(d):
				sub, err := c.listDirs(ctx, d)
				if err != nil {
					return nil, err
				}
				for _, a := range sub {
					if accountRE.MatchString(base(a)) {
						accounts = append(accounts, a)
					}
				}
			case accountRE.MatchString(name):
				accounts = append(accounts, d)
			}
		}
		for _, acct := range accounts {
			if !c.compatible(acct) || (len(c.opts.Accounts) > 0 && !slices.Contains(c.opts.Accounts, base(acct))) {
				continue
			}
			kinds, err := c.listDirs(ctx, acct)
			if err != nil {
				return nil, err
			}
			for _, k := range kinds {
				if !slices.Contains(trailKinds, base(k)) || !c.compatible(k) {
					continue
				}
				regions, err := c.listDirs(ctx, k)
				if err != nil {
					return nil, err
				}
				for _, r := range regions {
					if c.compatible(r) && (len(c.opts.Regions) == 0 || slices.Contains(c.opts.Regions, base(r))) {
						trails = append(trails, r)
					}
				}
			}
		}
	}
	sort.Strings(trails)
	return trails, nil
}

// findAWSLogs looks for AWSLogs/ folders under custom prefixes, a few
// levels deep, descending only where none was found yet.
func (c *s3Collector) findAWSLogs(ctx context.Context, start string, depth int) ([]string, error) {
	dirs, err := c.listDirs(ctx, start)
	if err != nil {
		return nil, err
	}
	var found []string
	for _, d := range dirs {
		if base(d) == "AWSLogs" {
			found = append(found, d)
		}
	}
	if len(found) > 0 || depth >= 3 {
		return found, nil
	}
	if len(dirs) > 200 {
		c.opts.Warn("warning: %d folders under s3://%s/%s and no AWSLogs/ among them; give the trail's prefix in the URL\n", len(dirs), c.opts.Bucket, start)
		return nil, nil
	}
	for _, d := range dirs {
		sub, err := c.findAWSLogs(ctx, d, depth+1)
		if err != nil {
			return nil, err
		}
		found = append(found, sub...)
	}
	return found, nil
}

// dayPrefixes returns the YYYY/MM/DD/ prefixes to list under each trail:
// the window's days plus one on each side, because a file's folder is its
// delivery day, not its events'.
func (c *s3Collector) dayPrefixes(ctx context.Context, trails []string) ([]string, error) {
	last := dayOf(c.opts.Until).AddDate(0, 0, 1)
	var days []string
	for _, t := range trails {
		if c.opts.Since.IsZero() {
			found, err := c.discoverDays(ctx, t, last)
			if err != nil {
				return nil, err
			}
			days = append(days, found...)
			continue
		}
		for d := dayOf(c.opts.Since).AddDate(0, 0, -1); !d.After(last); d = d.AddDate(0, 0, 1) {
			if p := t + d.Format("2006/01/02/"); c.compatible(p) {
				days = append(days, p)
			}
		}
	}
	return days, nil
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// discoverDays lists year, month and day folders of a trail up to last.
func (c *s3Collector) discoverDays(ctx context.Context, trail string, last time.Time) ([]string, error) {
	level := []string{trail}
	for i := 0; i < 3; i++ {
		var next []string
		for _, p := range level {
			if !c.compatible(p) {
				continue
			}
			dirs, err := c.listDirs(ctx, p)
			if err != nil {
				return nil, err
			}
			next = append(next, dirs...)
		}
		level = next
	}
	var days []string
	for _, p := range level {
		d, err := time.Parse("2006/01/02/", strings.TrimPrefix(p, trail))
		if err == nil && !d.After(last) && c.compatible(p) {
			days = append(days, p)
		}
	}
	return days, nil
}

// listDays lists the objects of each day prefix, in parallel.
func (c *s3Collector) listDays(ctx context.Context, days []string) ([]s3Object, error) {
	c.res.DayListing = days
	results := make([][]s3Object, len(days))
	errs := make([]error, len(days))
	parallel(ctx, len(days), c.opts.Concurrency, func(i int) {
		p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{Bucket: aws.String(c.opts.Bucket), Prefix: aws.String(days[i])})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				errs[i] = fmt.Errorf("listing s3://%s/%s: %w", c.opts.Bucket, days[i], err)
				return
			}
			for _, o := range out.Contents {
				k := aws.ToString(o.Key)
				if strings.HasSuffix(k, "/") || !c.compatible(k) {
					continue // folder marker, or outside the prefix asked for
				}
				results[i] = append(results[i], s3Object{key: k, size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag), lastModified: aws.ToTime(o.LastModified)})
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var all []s3Object
	for _, r := range results {
		all = append(all, r...)
	}
	return all, nil
}

// parallel runs fn(0..n-1) on up to workers goroutines, stopping early
// when ctx ends.
func parallel(ctx context.Context, n, workers int, fn func(i int)) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

func (c *s3Collector) fetchAll(ctx context.Context, objects []s3Object, start time.Time) error {
	var total int64
	for _, o := range objects {
		total += o.size
	}
	snapshot := func() S3Progress {
		return S3Progress{c.objectsDone.Load(), int64(len(objects)), c.bytesDone.Load(), total, c.resumed.Load(), c.failed.Load(), time.Since(start)}
	}
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	if c.opts.Progress != nil {
		ticker.Add(1)
		go func() {
			defer ticker.Done()
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					c.opts.Progress(snapshot())
				}
			}
		}()
	}
	var writeErr error
	var once sync.Once
	parallel(ctx, len(objects), c.opts.Concurrency, func(i int) {
		e := c.fetchOne(ctx, objects[i])
		c.objectsDone.Add(1)
		if e == nil {
			return // resumed: nothing new to record
		}
		if err := c.mw.Write(*e); err != nil {
			once.Do(func() { writeErr = err })
		}
	})
	close(stop)
	ticker.Wait()
	if c.opts.Progress != nil {
		c.opts.Progress(snapshot())
	}
	if writeErr != nil {
		return writeErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("collection interrupted (run again to resume): %w", err)
	}
	return nil
}

// fetchOne downloads one object unless a verified copy is present, and
// returns its manifest entry (nil when resumed).
func (c *s3Collector) fetchOne(ctx context.Context, o s3Object) *ManifestEntry {
	dst, err := localPath(c.opts.Out, o.key)
	if err == nil && c.present(o, dst) {
		c.resumed.Add(1)
		c.bytesDone.Add(o.size)
		return nil
	}
	e := &ManifestEntry{Source: SourceS3, Bucket: c.opts.Bucket, Key: o.key, Path: o.key}
	if err == nil {
		for attempt := 1; ; attempt++ {
			err = c.get(ctx, o, dst, e)
			var be *bodyError
			if err == nil || !errors.As(err, &be) || attempt == 3 || ctx.Err() != nil {
				break
			}
		}
	}
	e.FetchedAt = Timestamp(time.Now())
	if err != nil {
		e.Status, e.Error = StatusFailed, err.Error()
		// What the listing said; no bytes were kept.
		e.Size, e.SHA256, e.ETag, e.LastModified = o.size, "", o.etag, Timestamp(o.lastModified)
		e.VersionID, e.Metadata = "", nil
		c.failed.Add(1)
		c.mu.Lock()
		c.res.Failures = append(c.res.Failures, *e)
		c.mu.Unlock()
		return e
	}
	e.Status = StatusOK
	c.mu.Lock()
	c.res.Bytes += e.Size
	c.mu.Unlock()
	return e
}

// present reports whether dst holds the object as the manifest recorded it:
// same size and ETag as listed now, and the file's bytes hash to the
// manifest's SHA-256.
func (c *s3Collector) present(o s3Object, dst string) bool {
	prev, ok := c.manifest[o.key]
	if !ok || prev.Status != StatusOK || prev.Size != o.size || (o.etag != "" && prev.ETag != o.etag) {
		return false
	}
	w, err := hashFile(dst)
	if err != nil {
		return false
	}
	if w.Size != prev.Size || w.SHA256 != prev.SHA256 {
		c.opts.Warn("warning: %s differs from the manifest's hash; fetching it again\n", dst)
		return false
	}
	return true
}

// localPath maps an S3 key to its place under out, refusing keys that
// would escape it.
func localPath(out, key string) (string, error) {
	clean := path.Clean("/" + key)
	if clean != "/"+key || strings.Contains(key, "\\") {
		return "", fmt.Errorf("key %q is not a plain relative path; not written", key)
	}
	return filepath.Join(out, filepath.FromSlash(key)), nil
}

// bodyError marks a failure while reading an object's body, which the SDK
// does not retry.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

func (c *s3Collector) get(ctx context.Context, o s3Object, dst string, e *ManifestEntry) error {
	out, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(c.opts.Bucket), Key: aws.String(o.key)}, func(o *s3.Options) {
		// S3-compatible stores often send no checksum; the SHA-256 we
		// record is the check that matters, so spare the per-object log.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	if err != nil {
		return fmt.Errorf("getting s3://%s/%s: %w", c.opts.Bucket, o.key, apiErr{err})
	}
	defer out.Body.Close()
	w, err := writeAtomic(dst, func(w io.Writer) error {
		n, err := io.Copy(w, &progressReader{r: out.Body, n: &c.bytesDone})
		if err != nil {
			return &bodyError{fmt.Errorf("reading s3://%s/%s: %w", c.opts.Bucket, o.key, err)}
		}
		if out.ContentLength != nil && n != *out.ContentLength {
			return &bodyError{fmt.Errorf("s3://%s/%s: got %d bytes, Content-Length %d", c.opts.Bucket, o.key, n, *out.ContentLength)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.Size, e.SHA256 = w.Size, w.SHA256
	e.ETag = aws.ToString(out.ETag)
	e.VersionID = aws.ToString(out.VersionId)
	if out.LastModified != nil {
		e.LastModified = Timestamp(*out.LastModified)
	} else {
		e.LastModified = Timestamp(o.lastModified)
	}
	if len(out.Metadata) > 0 {
		e.Metadata = make(map[string]string, len(out.Metadata))
		for k, v := range out.Metadata {
			e.Metadata[strings.ToLower(k)] = v
		}
	}
	return nil
}

// apiErrorText names the AWS error code and message when there is one.
// apiErr wraps an SDK error so that its text is apiErrorText's while its
// chain stays whole: errors.Is finds a cancelled context, errors.As the API
// error, through the messages acquire adds.
type apiErr struct{ err error }

func (e apiErr) Error() string { return apiErrorText(e.err) }
func (e apiErr) Unwrap() error { return e.err }

// APIErr wraps an SDK error as apiErr does, for the other collectors
// (internal/lake) to word API errors the same way.
func APIErr(err error) error { return apiErr{err} }

func apiErrorText(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

type progressReader struct {
	r io.Reader
	n *atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	return n, err
}

// publicKeyJSON is one key as the AWS CLI prints list-public-keys.
type publicKeyJSON struct {
	Value             []byte `json:"Value"` // base64 in JSON, like the CLI
	ValidityStartTime string `json:"ValidityStartTime,omitempty"`
	ValidityEndTime   string `json:"ValidityEndTime,omitempty"`
	Fingerprint       string `json:"Fingerprint"`
}

// savePublicKeys writes public-keys.json with the signing keys valid over
// the days listed, from every region with a trail. Best effort: a denied
// call is a warning.
func (c *s3Collector) savePublicKeys(ctx context.Context, trails, days []string) {
	var regions []string
	for _, t := range trails {
		if r := base(t); !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	var first, last time.Time
	for _, d := range days {
		i := len(d) - len("2006/01/02/")
		if t, err := time.Parse("2006/01/02/", d[max(i, 0):]); err == nil {
			if first.IsZero() || t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		}
	}
	in := &cloudtrail.ListPublicKeysInput{}
	if !first.IsZero() {
		in.StartTime, in.EndTime = aws.Time(first), aws.Time(last.AddDate(0, 0, 1))
	}
	seen := map[string]bool{}
	var keys []publicKeyJSON
	for _, r := range regions {
		client := c.opts.PublicKeys(r)
		req := *in
		for {
			out, err := client.ListPublicKeys(ctx, &req)
			if err != nil {
				c.opts.Warn("warning: ListPublicKeys in %s: %s; %s not complete (digest signatures need these keys)\n", r, apiErrorText(err), PublicKeysName)
				break
			}
			for _, k := range out.PublicKeyList {
				fp := aws.ToString(k.Fingerprint)
				if seen[fp] {
					continue
				}
				seen[fp] = true
				keys = append(keys, publicKeyJSON{Value: k.Value, ValidityStartTime: Timestamp(aws.ToTime(k.ValidityStartTime)), ValidityEndTime: Timestamp(aws.ToTime(k.ValidityEndTime)), Fingerprint: fp})
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			req.NextToken = out.NextToken
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ValidityStartTime < keys[j].ValidityStartTime })
	_, err := writeAtomic(filepath.Join(c.opts.Out, PublicKeysName), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "    ")
		return enc.Encode(struct {
			PublicKeyList []publicKeyJSON
		}{keys})
	})
	if err != nil {
		c.opts.Warn("warning: %v\n", err)
		return
	}
	c.res.PublicKeys = len(keys)
}
