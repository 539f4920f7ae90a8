package evidence

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Problem kinds: stable strings, part of the JSON output.
const (
	KindDigestMissing     = "digest_missing"
	KindDigestMoved       = "digest_moved"
	KindSignatureInvalid  = "signature_invalid"
	KindSignatureMissing  = "signature_missing"
	KindPublicKeyNotFound = "public_key_not_found"
	KindLogMissing        = "log_missing"
	KindHashMismatch      = "hash_mismatch"
	KindInvalidFormat     = "invalid_format"
	KindGap               = "gap"
	KindUnlistedLog       = "unlisted_log"
	KindNotCovered        = "not_covered"
	KindReadError         = "read_error"
)

// Severities. Only errors make a report invalid.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// File statuses.
const (
	StatusValid        = "valid"         // listed by an authenticated digest, hash matches
	StatusUnverified   = "unverified"    // hash matches a digest whose signature could not be checked
	StatusHashMismatch = "hash_mismatch" // content differs from the digest's hash
	StatusInvalid      = "invalid_format"
	StatusMissing      = "missing"     // listed by a digest, absent from the tree
	StatusUnlisted     = "unlisted"    // inside the digests' window but listed by none
	StatusNotCovered   = "not_covered" // outside any digest's window (or a missing digest's)
	StatusReadError    = "read_error"
)

// statusRank orders statuses when several digests list one file: the worst wins.
var statusRank = map[string]int{StatusValid: 0, StatusNotCovered: 1, StatusUnverified: 2, StatusUnlisted: 3,
	StatusMissing: 4, StatusHashMismatch: 5, StatusInvalid: 6, StatusReadError: 7}

// Problem is one finding of the verification.
type Problem struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Chain    string `json:"chain,omitempty"`
	// Path is the object concerned, relative to the root; for an object
	// that is absent it is the S3 key a digest names; empty when only a
	// time range is known (a further digest missing in a row).
	Path   string `json:"path,omitempty"`
	Detail string `json:"detail"`
}

// FileStatus is the verdict on one CloudTrail log file.
type FileStatus struct {
	// Path is relative to the root (the key for S3; the listed S3 key when missing).
	Path string `json:"path"`
	// SHA256 is the hash of the file as stored (compressed), empty when absent.
	SHA256 string `json:"sha256,omitempty"`
	Status string `json:"status"`
	// Digest is the digest listing the file, relative to the root.
	Digest string `json:"digest,omitempty"`
}

// ChainSummary counts one digest chain (account, region, trail).
type ChainSummary struct {
	ID             string    `json:"id"`
	Org            string    `json:"org,omitempty"`
	Account        string    `json:"account"`
	Region         string    `json:"region"`
	Trail          string    `json:"trail"`
	Digests        int       `json:"digests"`
	DigestsValid   int       `json:"digests_valid"`
	DigestsMissing int       `json:"digests_missing"`
	Logs           int       `json:"logs"`
	LogsValid      int       `json:"logs_valid"`
	Start          time.Time `json:"start,omitzero"`
	End            time.Time `json:"end,omitzero"`
	Errors         int       `json:"errors"`
}

// Totals sum the report.
type Totals struct {
	Digests      int `json:"digests"`
	DigestsValid int `json:"digests_valid"`
	Logs         int `json:"logs"`
	LogsValid    int `json:"logs_valid"`
	Errors       int `json:"errors"`
	Warnings     int `json:"warnings"`
}

// Report is the outcome of Verify.
type Report struct {
	Root     string         `json:"root"`
	Valid    bool           `json:"valid"`
	Totals   Totals         `json:"totals"`
	Chains   []ChainSummary `json:"chains"`
	Problems []Problem      `json:"problems"`
	Files    []FileStatus   `json:"files"`
}

// File returns the status of the log file at path (relative to the root).
func (r *Report) File(path string) (FileStatus, bool) {
	i, ok := slices.BinarySearchFunc(r.Files, path, func(f FileStatus, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return FileStatus{}, false
	}
	return r.Files[i], true
}

// fmtTime is a time in a problem's detail: RFC 3339, or "-" when unknown.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// report assembles the Report: chain counts, totals, files by path.
func (v *verifier) report(chains map[string][]*digestInfo) *Report {
	r := &Report{Root: v.src.Root(), Problems: v.problems, Chains: []ChainSummary{}, Files: []FileStatus{}}
	if r.Problems == nil {
		r.Problems = []Problem{}
	}
	perChain := map[string]*ChainSummary{}
	for _, id := range slices.Sorted(maps.Keys(chains)) {
		ds := chains[id]
		n := ds[0].name
		c := &ChainSummary{ID: id, Org: n.Org, Account: n.Account, Region: n.Region, Trail: n.Trail}
		for _, di := range ds {
			c.Digests++
			if di.authentic {
				c.DigestsValid++
			}
			if di.d != nil {
				if c.Start.IsZero() || di.d.Start.Before(c.Start) {
					c.Start = di.d.Start
				}
				if di.d.End.After(c.End) {
					c.End = di.d.End
				}
			}
		}
		perChain[id] = c
	}
	for _, p := range v.problems {
		switch p.Severity {
		case SeverityError:
			r.Totals.Errors++
		case SeverityWarning:
			r.Totals.Warnings++
		}
		if c := perChain[p.Chain]; c != nil {
			if p.Severity == SeverityError {
				c.Errors++
			}
			if p.Kind == KindDigestMissing {
				c.DigestsMissing++
			}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(v.files)) {
		f := *v.files[path]
		r.Files = append(r.Files, f)
		if f.Digest == "" {
			continue
		}
		r.Totals.Logs++
		if f.Status == StatusValid {
			r.Totals.LogsValid++
		}
		if di := v.digests[f.Digest]; di != nil {
			if c := perChain[di.name.ChainID()]; c != nil {
				c.Logs++
				if f.Status == StatusValid {
					c.LogsValid++
				}
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(perChain)) {
		c := perChain[id]
		r.Chains = append(r.Chains, *c)
		r.Totals.Digests += c.Digests
		r.Totals.DigestsValid += c.DigestsValid
	}
	r.Valid = r.Totals.Errors == 0
	return r
}
