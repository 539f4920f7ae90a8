package acquire

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"golang.org/x/time/rate"
)

// LookupClient is the CloudTrail call behind collect lookup-events.
type LookupClient interface {
	LookupEvents(context.Context, *cloudtrail.LookupEventsInput, ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// Waiter paces requests (a *rate.Limiter).
type Waiter interface {
	Wait(ctx context.Context) error
}

// LookupWindow is how far back LookupEvents reaches.
const LookupWindow = 90 * 24 * time.Hour

// LookupRate is LookupEvents' documented limit: 2 requests per second per
// account and region.
const LookupRate = 2

// LookupOptions say what to fetch with LookupEvents.
type LookupOptions struct {
	Regions []string
	// Client returns the client for a region.
	Client func(region string) LookupClient
	// Attribute restricts the lookup; the API takes at most one.
	Attribute *cttypes.LookupAttribute
	// Since and Until bound event times; zero means the API's own bounds
	// (90 days ago, now).
	Since, Until time.Time
	Out          string
	// Limiter returns the pacer for a region; nil means LookupRate.
	Limiter  func(region string) Waiter
	Progress func(region string, events int64)
	Now      func() time.Time
}

// LookupRegionResult is one region's collection.
type LookupRegionResult struct {
	Region   string `json:"region"`
	Path     string `json:"path,omitempty"` // relative to Out
	Events   int64  `json:"events"`
	Requests int    `json:"requests"`
	Bad      int64  `json:"bad_events,omitempty"` // CloudTrailEvent not a JSON object
	Error    string `json:"error,omitempty"`
	err      error  // Error's error, kept for the chain of CollectLookupEvents'
}

// ParseLookupAttribute reads Key=Value, checking Key against the API's
// lookup attribute keys (case-insensitively, returned in the API's case).
func ParseLookupAttribute(s string) (*cttypes.LookupAttribute, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || v == "" {
		return nil, fmt.Errorf("attribute %q: want Key=Value", s)
	}
	var keys []string
	for _, key := range cttypes.LookupAttributeKey("").Values() {
		if strings.EqualFold(string(key), strings.TrimSpace(k)) {
			return &cttypes.LookupAttribute{AttributeKey: key, AttributeValue: aws.String(v)}, nil
		}
		keys = append(keys, string(key))
	}
	return nil, fmt.Errorf("attribute key %q: want one of %s", k, strings.Join(keys, ", "))
}

// CollectLookupEvents pages through LookupEvents in each region (regions in
// parallel, each paced to the API's rate) and writes the inner
// CloudTrailEvent objects as JSON lines, one file per region, recording
// each file in the manifest. A region that fails keeps what it fetched in
// a file named *.incomplete.jsonl, marked failed in the manifest.
func CollectLookupEvents(ctx context.Context, opts LookupOptions) ([]LookupRegionResult, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Limiter == nil {
		opts.Limiter = func(string) Waiter { return rate.NewLimiter(LookupRate, 1) }
	}
	mw, err := NewManifestWriter(opts.Out)
	if err != nil {
		return nil, err
	}
	stamp := opts.Now().UTC()
	results := make([]LookupRegionResult, len(opts.Regions))
	var wg sync.WaitGroup
	for i, region := range opts.Regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = lookupRegion(ctx, opts, region, stamp, mw)
		}()
	}
	wg.Wait()
	err = mw.Close()
	var failed errList
	for _, r := range results {
		if r.err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", r.Region, r.err))
		}
	}
	// CloudTrail answered (a region completed): unfinished files of an
	// earlier, killed run can go; this run's own are all finished by now.
	if len(failed) < len(results) {
		if _, rerr := RemovePartials(opts.Out); rerr != nil && err == nil {
			err = rerr
		}
	}
	if len(failed) > 0 {
		return results, fmt.Errorf("%d of %d regions incomplete (%w): %w", len(failed), len(results), failed, ErrIncomplete)
	}
	return results, err
}

// errList reads as its errors joined by "; " (errors.Join puts each on a
// line of its own) and keeps them all in its chain.
type errList []error

func (l errList) Error() string {
	texts := make([]string, len(l))
	for i, err := range l {
		texts[i] = err.Error()
	}
	return strings.Join(texts, "; ")
}

func (l errList) Unwrap() []error { return l }

// queryFile names a new output file under out/dir, unique per run.
func queryFile(out, dir string, stamp time.Time) (abs, rel string) {
	base := stamp.Format("20060102T150405Z")
	for n := 1; ; n++ {
		name := base + ".jsonl"
		if n > 1 {
			name = fmt.Sprintf("%s-%d.jsonl", base, n)
		}
		rel = dir + "/" + name
		abs = filepath.Join(out, filepath.FromSlash(rel))
		if _, err := os.Stat(abs); os.IsNotExist(err) {
			if _, err := os.Stat(incompleteName(abs)); os.IsNotExist(err) {
				return abs, rel
			}
		}
	}
}

// QueryFile is a new file under an evidence folder for one query's records
// as JSON lines, named like lookup-events' (collect lake writes one).
type QueryFile struct {
	abs string
	// Rel is the path the manifest records, relative to the folder and
	// slash-separated; after a failed Write it names the *.incomplete.jsonl
	// file that kept what was written.
	Rel string
}

// NewQueryFile names a new file under out/dir, unique per run, after stamp.
func NewQueryFile(out, dir string, stamp time.Time) *QueryFile {
	abs, rel := queryFile(out, dir, stamp)
	return &QueryFile{abs: abs, Rel: rel}
}

// Write writes the file through page (see writeLines) and returns its size
// and SHA-256.
func (f *QueryFile) Write(page func(*bufio.Writer) error) (size int64, sha256 string, err error) {
	w, err := writeLines(f.abs, &f.Rel, page)
	return w.Size, w.SHA256, err
}

// incompleteName is the name a query's lines are kept under when paging
// stopped early.
func incompleteName(p string) string { return strings.TrimSuffix(p, ".jsonl") + ".incomplete.jsonl" }

// writeLines writes a query's JSON lines to abs through page (which pages
// through the API). When paging fails, what was fetched is kept under the
// incomplete name, rel follows, and the paging error is returned.
func writeLines(abs string, rel *string, page func(*bufio.Writer) error) (written, error) {
	return writeAtomic(abs, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		pageErr := page(bw)
		if err := bw.Flush(); err != nil {
			return err
		}
		if pageErr != nil {
			*rel = incompleteName(*rel)
			return &keepAsError{path: incompleteName(abs), err: pageErr}
		}
		return nil
	})
}

func lookupRegion(ctx context.Context, opts LookupOptions, region string, stamp time.Time, mw *ManifestWriter) LookupRegionResult {
	res := LookupRegionResult{Region: region}
	abs, rel := queryFile(opts.Out, "lookup-events/"+region, stamp)
	q := &ManifestQuery{Region: region, Since: Timestamp(opts.Since), Until: Timestamp(opts.Until)}
	in := &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(50)}
	if !opts.Since.IsZero() {
		in.StartTime = aws.Time(opts.Since)
	}
	if !opts.Until.IsZero() {
		in.EndTime = aws.Time(opts.Until)
	}
	if a := opts.Attribute; a != nil {
		in.LookupAttributes = []cttypes.LookupAttribute{*a}
		q.Attributes = []string{string(a.AttributeKey) + "=" + aws.ToString(a.AttributeValue)}
	}
	client, limiter := opts.Client(region), opts.Limiter(region)
	var line bytes.Buffer
	w, err := writeLines(abs, &rel, func(bw *bufio.Writer) error {
		for {
			if err := limiter.Wait(ctx); err != nil {
				return err
			}
			// The SDK's retryer retries ThrottlingException with backoff.
			out, err := client.LookupEvents(ctx, in)
			res.Requests++
			if err != nil {
				return fmt.Errorf("LookupEvents in %s: %w", region, apiErr{err})
			}
			for _, ev := range out.Events {
				line.Reset()
				raw := []byte(aws.ToString(ev.CloudTrailEvent))
				// Compact keeps one event on one line whatever its spacing.
				if err := json.Compact(&line, raw); err != nil || line.Len() == 0 || line.Bytes()[0] != '{' {
					res.Bad++
					continue
				}
				line.WriteByte('\n')
				if _, err := bw.Write(line.Bytes()); err != nil {
					return err
				}
				res.Events++
			}
			if opts.Progress != nil {
				opts.Progress(region, res.Events)
			}
			if out.NextToken == nil || *out.NextToken == "" {
				return nil
			}
			in.NextToken = out.NextToken
		}
	})
	q.Requests, q.Records = res.Requests, res.Events
	e := ManifestEntry{Source: SourceLookupEvents, Path: rel, Size: w.Size, SHA256: w.SHA256, FetchedAt: Timestamp(opts.Now()), Status: StatusOK, Query: q}
	if err != nil {
		e.Status, e.Error, res.Error, res.err = StatusFailed, err.Error(), err.Error(), err
	}
	if res.Bad > 0 {
		note := fmt.Sprintf("%d events whose CloudTrailEvent is not a JSON object were left out", res.Bad)
		e.Error = strings.TrimPrefix(e.Error+"; "+note, "; ")
	}
	res.Path = rel
	if merr := mw.Write(e); merr != nil && res.Error == "" {
		res.Error, res.err = merr.Error(), merr
	}
	return res
}
