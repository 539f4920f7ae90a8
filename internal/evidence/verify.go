package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options tune Verify.
type Options struct {
	// Keys supplies CloudTrail's public keys (a saved ListPublicKeys
	// response, or the API). Required.
	Keys KeyProvider
	// Progress, if set, is called as objects are read.
	Progress func(done, total int)
	// MaxLogBytes caps a log file's decompressed size (default 4 GiB).
	MaxLogBytes int64
	// Workers read log files in parallel (default 4; S3 is latency-bound).
	Workers int
}

const (
	maxDigestBytes = 64 << 20
	// deliveryMargin: a log file named up to this long before a digest
	// window ends may be delivered after it, so the newest digest (or a
	// missing one) need not list it.
	deliveryMargin = 15 * time.Minute
	// digestInterval is CloudTrail's digest period, used when a chain has
	// too few digests to measure it.
	digestInterval = time.Hour
)

type loc struct{ bucket, key string }

type digestInfo struct {
	path      string
	name      DigestName
	d         *Digest // nil when unreadable or invalid
	sum       string  // SHA-256 of the uncompressed bytes
	visited   bool
	authentic bool
}

type objResult struct {
	h   hashes
	err error
}

type verifier struct {
	src  Source
	opts Options

	byLoc   map[loc]string         // S3 location → path
	digests map[string]*digestInfo // by path
	claims  map[loc]string         // location a digest claims → its path
	keys    map[string][]PublicKey // by fingerprint

	mu      sync.Mutex
	cache   map[string]objResult
	done    int
	total   int
	seen    map[string]bool // problem dedup for files listed by several digests
	files   map[string]*FileStatus
	listed  map[string]bool
	missing map[string][]span // scope → windows of missing digests
	covered map[string][]span // scope → windows of digests present

	problems []Problem
}

type span struct{ from, to time.Time }

// Verify validates the CloudTrail digest chains and log files of src the
// way AWS documents it, and more; see the package documentation. The error
// is for failures to run (listing, keys, cancellation); problems found in
// the evidence are in the report.
func Verify(ctx context.Context, src Source, opts Options) (*Report, error) {
	if opts.Keys == nil {
		return nil, errors.New("verify: no public key provider")
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = 4 << 30
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	v := &verifier{src: src, opts: opts, byLoc: map[loc]string{}, digests: map[string]*digestInfo{},
		claims: map[loc]string{}, keys: map[string][]PublicKey{}, cache: map[string]objResult{},
		seen: map[string]bool{}, files: map[string]*FileStatus{}, listed: map[string]bool{},
		missing: map[string][]span{}, covered: map[string][]span{}}
	if m, ok := src.(manifestReporter); ok && m.ManifestErr() != nil {
		v.add(Problem{Kind: KindInvalidFormat, Severity: SeverityError, Path: "manifest.jsonl",
			Detail: fmt.Sprintf("damaged manifest, the damaged lines are not used: %v", m.ManifestErr())})
	}
	objs, err := src.List(ctx)
	if err != nil {
		return nil, err
	}
	var logPaths []string
	for _, o := range objs {
		b, k := src.Location(o.Path)
		v.byLoc[loc{b, k}] = o.Path
		// Second index by the layout below AWSLogs/: copies without a
		// manifest, and buckets copied elsewhere (replicas), still find
		// the files their digests list; moved digests are reported by
		// the location check.
		if t := (loc{"", tailFromAWSLogs(k)}); v.byLoc[t] == "" {
			v.byLoc[t] = o.Path
		}
		if n, ok := ParseDigestName(k); ok {
			v.digests[o.Path] = &digestInfo{path: o.Path, name: n}
		} else if logFolderRE.MatchString(k) {
			// Every file in a CloudTrail log folder, also one named
			// unlike CloudTrail's files: ingest would read it.
			logPaths = append(logPaths, o.Path)
		}
	}
	v.total = len(v.digests) + len(logPaths)

	if err := v.loadDigests(ctx); err != nil {
		return nil, err
	}
	if err := v.loadKeys(ctx); err != nil {
		return nil, err
	}
	v.prefetch(ctx, logPaths)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	chains := v.chains()
	for _, id := range slices.Sorted(maps.Keys(chains)) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v.walk(ctx, id, chains[id])
	}
	if len(v.digests) == 0 {
		v.add(Problem{Kind: KindDigestMissing, Severity: SeverityWarning,
			Detail: "no digest files in the tree: log file validation was off, or the digests were not copied; nothing could be verified"})
	}
	v.checkUnlisted(ctx, logPaths)
	return v.report(chains), ctx.Err()
}

func (v *verifier) add(p Problem) { v.problems = append(v.problems, p) }

func (v *verifier) progress() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.done++
	if v.opts.Progress != nil {
		// Called under the lock: readers run in parallel, progress
		// displays are not safe for concurrent use.
		v.opts.Progress(v.done, v.total)
	}
}

// find returns the path of the object at an S3 location: exactly, or else
// by the layout below AWSLogs/.
func (v *verifier) find(bucket, key string) (string, bool) {
	if p, ok := v.byLoc[loc{bucket, key}]; ok {
		return p, true
	}
	p, ok := v.byLoc[loc{"", tailFromAWSLogs(key)}]
	return p, ok
}

// read hashes an object (once) and, for digests, keeps its content.
func (v *verifier) read(ctx context.Context, path string, out *bytes.Buffer, limit int64) objResult {
	v.mu.Lock()
	r, ok := v.cache[path]
	v.mu.Unlock()
	if ok && out == nil {
		return r
	}
	rc, err := v.src.Open(ctx, path)
	if err != nil {
		r = objResult{err: err}
	} else {
		var w io.Writer // stays a nil interface when there is no buffer
		if out != nil {
			w = out
		}
		r.h, r.err = hashGzip(rc, w, limit)
		rc.Close()
	}
	v.mu.Lock()
	v.cache[path] = r
	v.mu.Unlock()
	v.progress()
	return r
}

// fetchFailure is the note on a missing object when the source knows that
// collect failed to fetch it ("" otherwise).
func (v *verifier) fetchFailure(bucket, key string) string {
	if f, ok := v.src.(fetchFailures); ok {
		if e := f.ManifestFailure(bucket, key); e != "" {
			return "; collect failed to fetch it: " + e
		}
	}
	return ""
}

// objectProblem turns a read result into a problem (and file status).
func (v *verifier) objectProblem(chain, path string, r objResult) (string, bool) {
	switch {
	case r.err == nil:
		if h, ok := v.src.(collectedHasher); ok {
			if want := h.ManifestSHA256(path); want != "" && !strings.EqualFold(want, r.h.Stored) {
				v.addOnce(Problem{Kind: KindHashMismatch, Severity: SeverityError, Chain: chain, Path: path,
					Detail: fmt.Sprintf("file changed since it was collected: SHA-256 %s, manifest.jsonl says %s", r.h.Stored, want)})
			}
		}
		return "", false
	case errors.Is(r.err, errFormat):
		v.addOnce(Problem{Kind: KindInvalidFormat, Severity: SeverityError, Chain: chain, Path: path, Detail: r.err.Error()})
		return StatusInvalid, true
	default:
		v.addOnce(Problem{Kind: KindReadError, Severity: SeverityError, Chain: chain, Path: path, Detail: r.err.Error()})
		return StatusReadError, true
	}
}

func (v *verifier) addOnce(p Problem) {
	k := p.Kind + "\x00" + p.Path
	if v.seen[k] {
		return
	}
	v.seen[k] = true
	v.add(p)
}

func (v *verifier) loadDigests(ctx context.Context) error {
	for _, path := range slices.Sorted(maps.Keys(v.digests)) {
		if err := ctx.Err(); err != nil {
			return err
		}
		di := v.digests[path]
		var buf bytes.Buffer
		r := v.read(ctx, path, &buf, maxDigestBytes)
		if _, bad := v.objectProblem(di.name.ChainID(), path, r); bad {
			continue
		}
		d, err := ParseDigest(buf.Bytes())
		if err != nil {
			v.add(Problem{Kind: KindInvalidFormat, Severity: SeverityError, Chain: di.name.ChainID(), Path: path,
				Detail: "not a CloudTrail digest: " + err.Error()})
			continue
		}
		di.d, di.sum = d, r.h.Uncompressed
		v.claims[loc{d.DigestS3Bucket, d.DigestS3Object}] = path
		v.claims[loc{"", tailFromAWSLogs(d.DigestS3Object)}] = path
	}
	return nil
}

// loadKeys asks the provider once per region the digests name, over the
// digests' whole time range.
func (v *verifier) loadKeys(ctx context.Context) error {
	regions := map[string]bool{}
	var from, to time.Time
	for _, di := range v.digests {
		if di.d == nil {
			continue
		}
		regions[di.name.Region], regions[di.name.HomeRegion] = true, true
		if from.IsZero() || di.d.Start.Before(from) {
			from = di.d.Start
		}
		if di.d.End.After(to) {
			to = di.d.End
		}
	}
	for _, r := range slices.Sorted(maps.Keys(regions)) {
		ks, err := v.opts.Keys.PublicKeys(ctx, r, from.Add(-time.Hour), to.Add(time.Hour))
		if err != nil {
			return fmt.Errorf("loading public keys: %w", err)
		}
		for _, k := range ks {
			fp := strings.ToLower(k.Fingerprint)
			if !containsKey(v.keys[fp], k.Key) {
				v.keys[fp] = append(v.keys[fp], k)
			}
		}
	}
	return nil
}

func containsKey(ks []PublicKey, k *rsa.PublicKey) bool {
	for _, x := range ks {
		if x.Key.Equal(k) {
			return true
		}
	}
	return false
}

// prefetch hashes the tree's log files in parallel, so the walk only
// looks results up.
func (v *verifier) prefetch(ctx context.Context, paths []string) {
	ch := make(chan string)
	var wg sync.WaitGroup
	for range v.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range ch {
				v.read(ctx, p, nil, v.opts.MaxLogBytes)
			}
		}()
	}
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		ch <- p
	}
	close(ch)
	wg.Wait()
}

// chains groups the non-backfill digests by chain, oldest first.
func (v *verifier) chains() map[string][]*digestInfo {
	m := map[string][]*digestInfo{}
	for _, di := range v.digests {
		id := di.name.ChainID()
		m[id] = append(m[id], di)
	}
	for _, ds := range m {
		sort.Slice(ds, func(i, j int) bool {
			if !ds[i].name.End.Equal(ds[j].name.End) {
				return ds[i].name.End.Before(ds[j].name.End)
			}
			return ds[i].path < ds[j].path
		})
	}
	return m
}

// newestBefore returns the newest unvisited chain digest ending before t
// (any, when t is zero).
func newestBefore(ds []*digestInfo, t time.Time) *digestInfo {
	for i := len(ds) - 1; i >= 0; i-- {
		di := ds[i]
		if di.visited || di.name.Backfill {
			continue
		}
		if t.IsZero() || di.name.End.Before(t) || di.name.End.Equal(t) {
			return di
		}
	}
	return nil
}

// walk follows one chain from its newest digest back to its start.
func (v *verifier) walk(ctx context.Context, id string, ds []*digestInfo) {
	interval := chainInterval(ds)
	cur := newestBefore(ds, time.Time{})
	var newer *digestInfo
	for cur != nil && ctx.Err() == nil {
		cur.visited = true
		v.checkDigest(ctx, cur, newer)
		if cur.d == nil {
			cur, newer = newestBefore(ds, cur.name.End.Add(-time.Second)), nil
			continue
		}
		if cur.d.Starting() {
			older := newestBefore(ds, cur.d.Start)
			if older != nil {
				from := older.name.End
				if older.d != nil {
					from = older.d.End
				}
				v.add(Problem{Kind: KindGap, Severity: SeverityInfo, Chain: id, Path: cur.path,
					Detail: fmt.Sprintf("chain restarts: no digests between %s and %s (logging or log file validation was off)", fmtTime(from), cur.d.DigestStartTime)})
			}
			cur, newer = older, nil
			continue
		}
		pb, po := *cur.d.PreviousDigestS3Bucket, *cur.d.PreviousDigestS3Object
		prevPath, ok := v.find(pb, po)
		if !ok {
			// A digest moved away from where the chain says it is is
			// found by the location it claims.
			if p, ok2 := v.claims[loc{pb, po}]; ok2 {
				prevPath, ok = p, true
			} else if p, ok2 := v.claims[loc{"", tailFromAWSLogs(po)}]; ok2 {
				prevPath, ok = p, true
			}
		}
		if prev := v.digests[prevPath]; ok && prev != nil && !prev.visited {
			cur, newer = prev, cur
			continue
		} else if ok && prev != nil {
			v.add(Problem{Kind: KindInvalidFormat, Severity: SeverityError, Chain: id, Path: cur.path,
				Detail: "previousDigestS3Object points to a digest already in the chain: " + po})
			cur, newer = newestBefore(ds, cur.d.Start), nil
			continue
		}
		cur, newer = v.missingDigests(id, ds, cur, interval), nil
	}
	// Backfill digests and digests no chain link reaches are verified on
	// their own.
	for _, di := range ds {
		if !di.visited {
			di.visited = true
			v.checkDigest(ctx, di, nil)
		}
	}
}

// missingDigests reports the digest cur points to, absent from the tree,
// and the further ones in a row that the time until the next present
// digest implies, and returns that next digest.
func (v *verifier) missingDigests(id string, ds []*digestInfo, cur *digestInfo, interval time.Duration) *digestInfo {
	po := *cur.d.PreviousDigestS3Object
	older := newestBefore(ds, cur.d.Start)
	sev, note := SeverityError, ""
	from := time.Time{}
	if older == nil {
		// Nothing older in the tree: the copy may simply start here.
		sev, note = SeverityWarning, " (no older digest in the tree: the copy may start here, or the oldest digests were deleted)"
	} else {
		from = older.name.End
		if older.d != nil {
			from = older.d.End
		}
	}
	detail := fmt.Sprintf("digest named by previousDigestS3Object of %s is not in the tree%s", cur.path, note)
	detail += v.fetchFailure(*cur.d.PreviousDigestS3Bucket, po)
	v.add(Problem{Kind: KindDigestMissing, Severity: sev, Chain: id, Path: po, Detail: detail})
	v.missing[cur.name.scope()] = append(v.missing[cur.name.scope()], span{from, cur.d.Start})
	if older != nil {
		n := int(math.Round(float64(cur.d.Start.Sub(from)) / float64(interval)))
		for i := 2; i <= n; i++ {
			v.add(Problem{Kind: KindDigestMissing, Severity: SeverityError, Chain: id,
				Detail: fmt.Sprintf("digest %d of %d missing in a row between %s and %s (the chain resumes at %s)", i, n, fmtTime(from), cur.d.DigestStartTime, older.path)})
		}
	}
	return older
}

// chainInterval is the median digest window of a chain.
func chainInterval(ds []*digestInfo) time.Duration {
	var ws []time.Duration
	for _, di := range ds {
		if di.d != nil && !di.name.Backfill {
			if w := di.d.End.Sub(di.d.Start); w > 0 {
				ws = append(ws, w)
			}
		}
	}
	if len(ws) == 0 {
		return digestInterval
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
	return ws[len(ws)/2]
}

// checkDigest verifies one digest: location, the newer digest's hash of it
// and continuity, its signature, then its log files. newer is the digest
// whose previousDigest* fields point here, if any.
func (v *verifier) checkDigest(ctx context.Context, di *digestInfo, newer *digestInfo) {
	if di.d == nil {
		return
	}
	id, d := di.name.ChainID(), di.d
	b, k := v.src.Location(di.path)
	if (b != "" && (b != d.DigestS3Bucket || k != d.DigestS3Object)) ||
		(b == "" && tailFromAWSLogs(k) != tailFromAWSLogs(d.DigestS3Object)) {
		where := k
		if b != "" {
			where = b + "/" + k
		}
		v.add(Problem{Kind: KindDigestMoved, Severity: SeverityError, Chain: id, Path: di.path,
			Detail: fmt.Sprintf("digest is at %s but was delivered to %s/%s", where, d.DigestS3Bucket, d.DigestS3Object)})
	}
	var chained *string
	if newer != nil {
		nd := newer.d
		chained = nd.PreviousDigestSignature
		if !strings.EqualFold(*nd.PreviousDigestHashValue, di.sum) {
			v.add(Problem{Kind: KindHashMismatch, Severity: SeverityError, Chain: id, Path: di.path,
				Detail: fmt.Sprintf("SHA-256 of the uncompressed digest is %s, %s records previousDigestHashValue %s", di.sum, newer.path, *nd.PreviousDigestHashValue)})
		}
		switch {
		case d.End.Before(nd.Start):
			v.add(Problem{Kind: KindGap, Severity: SeverityInfo, Chain: id, Path: newer.path,
				Detail: fmt.Sprintf("no digest covers %s to %s", d.DigestEndTime, nd.DigestStartTime)})
		case d.End.After(nd.Start):
			v.add(Problem{Kind: KindInvalidFormat, Severity: SeverityError, Chain: id, Path: newer.path,
				Detail: fmt.Sprintf("digest window starts at %s, before the previous digest ends (%s)", nd.DigestStartTime, d.DigestEndTime)})
		}
	}
	di.authentic = v.checkSignature(ctx, id, di, chained)
	v.addSpan(v.covered, di.name.scope(), span{d.Start, d.End})
	for _, lf := range d.LogFiles {
		v.checkLog(ctx, di, lf)
	}
}

// checkSignature verifies a digest's signature: from its S3 metadata, or
// from the newer digest's previousDigestSignature when a local copy has no
// metadata for it (the newer digest's own signature covers that value).
func (v *verifier) checkSignature(ctx context.Context, id string, di *digestInfo, chained *string) bool {
	d := di.d
	meta, known, err := v.src.Meta(ctx, di.path)
	if err != nil {
		v.add(Problem{Kind: KindReadError, Severity: SeverityError, Chain: id, Path: di.path, Detail: err.Error()})
	}
	sig, alg := meta["signature"], meta["signature-algorithm"]
	switch {
	case known && sig == "":
		v.add(Problem{Kind: KindSignatureMissing, Severity: SeverityError, Chain: id, Path: di.path,
			Detail: "the object has no signature metadata (CloudTrail always sets it: the object was rewritten)"})
	case !known && chained == nil:
		v.add(Problem{Kind: KindSignatureMissing, Severity: SeverityWarning, Chain: id, Path: di.path,
			Detail: "no signature metadata for this copy (no manifest.jsonl entry) and no newer digest records it: this digest and its log files are unverifiable"})
	}
	if sig != "" && alg != "" && alg != SignatureAlgorithm {
		v.add(Problem{Kind: KindSignatureInvalid, Severity: SeverityError, Chain: id, Path: di.path,
			Detail: fmt.Sprintf("signature-algorithm %q: only %s is defined", alg, SignatureAlgorithm)})
		return false
	}
	if sig != "" && chained != nil && !strings.EqualFold(sig, *chained) {
		v.add(Problem{Kind: KindSignatureInvalid, Severity: SeverityError, Chain: id, Path: di.path,
			Detail: "signature metadata differs from the previousDigestSignature the newer digest records"})
	}
	if sig == "" && chained != nil {
		sig = *chained
	}
	if sig == "" {
		return false
	}
	keys := v.keys[strings.ToLower(d.DigestPublicKeyFingerprint)]
	if len(keys) == 0 {
		v.add(Problem{Kind: KindPublicKeyNotFound, Severity: SeverityError, Chain: id, Path: di.path,
			Detail: fmt.Sprintf("no public key with fingerprint %s (region %s)", d.DigestPublicKeyFingerprint, di.name.Region)})
		return false
	}
	raw, err := hex.DecodeString(sig)
	if err == nil {
		sum := sha256.Sum256([]byte(StringToSign(d, di.sum)))
		for _, k := range keys {
			if rsa.VerifyPKCS1v15(k.Key, crypto.SHA256, sum[:], raw) == nil {
				return true
			}
		}
	}
	v.add(Problem{Kind: KindSignatureInvalid, Severity: SeverityError, Chain: id, Path: di.path,
		Detail: fmt.Sprintf("RSA signature does not verify with the key of fingerprint %s", d.DigestPublicKeyFingerprint)})
	return false
}

func (v *verifier) addSpan(m map[string][]span, scope string, s span) { m[scope] = append(m[scope], s) }

// checkLog verifies one log file a digest lists.
func (v *verifier) checkLog(ctx context.Context, di *digestInfo, lf LogFile) {
	id := di.name.ChainID()
	path, ok := v.find(lf.S3Bucket, lf.S3Object)
	if !ok {
		v.listed[lf.S3Object] = true
		detail := fmt.Sprintf("listed by %s, not in the tree", di.path)
		detail += v.fetchFailure(lf.S3Bucket, lf.S3Object)
		v.addOnce(Problem{Kind: KindLogMissing, Severity: SeverityError, Chain: id, Path: lf.S3Object, Detail: detail})
		v.setFile(FileStatus{Path: lf.S3Object, Status: StatusMissing, Digest: di.path})
		return
	}
	v.listed[path] = true
	r := v.read(ctx, path, nil, v.opts.MaxLogBytes)
	st, bad := v.objectProblem(id, path, r)
	switch {
	case bad:
	case !strings.EqualFold(r.h.Uncompressed, lf.HashValue):
		st = StatusHashMismatch
		v.addOnce(Problem{Kind: KindHashMismatch, Severity: SeverityError, Chain: id, Path: path,
			Detail: fmt.Sprintf("SHA-256 of the decompressed content is %s, %s lists %s", r.h.Uncompressed, di.path, lf.HashValue)})
	case di.authentic:
		st = StatusValid
	default:
		st = StatusUnverified
	}
	v.setFile(FileStatus{Path: path, SHA256: r.h.Stored, Status: st, Digest: di.path})
}

// setFile records a file's status, keeping the worst when several digests list it.
func (v *verifier) setFile(f FileStatus) {
	if old, ok := v.files[f.Path]; ok && statusRank[old.Status] >= statusRank[f.Status] {
		return
	}
	v.files[f.Path] = &f
}
