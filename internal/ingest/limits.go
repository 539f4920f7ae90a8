package ingest

import (
	"errors"
	"fmt"
	"io"
)

// Decompression limits. A gzip member can expand about 1,000 times (zeros),
// and members can be concatenated without end, so a small hostile file could
// keep a worker busy for hours and fill the case database. Real CloudTrail
// compresses 5–15× (the highest in ../shared/datasets is 12.4×), so the
// defaults leave a wide margin; both are per file and can be raised with
// `ingest --max-inflate-ratio/--max-inflate-bytes`.
const (
	DefaultMaxInflateRatio = 200
	DefaultMaxInflateBytes = 64 << 30
	// inflateRatioFloor: the ratio is only judged past this many
	// decompressed bytes, so small, very regular files never trip it.
	inflateRatioFloor = 16 << 20
)

// errInflateLimit marks a compressed stream stopped by a limit.
var errInflateLimit = errors.New("decompression limit exceeded (possible decompression bomb)")

// inflateLimit bounds what one compressed file may expand to; zero fields
// mean no bound.
type inflateLimit struct {
	ratio float64
	bytes int64
}

// countingReader counts the compressed bytes consumed.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// limitedInflater stops a decompressed stream once it outgrows the limit.
type limitedInflater struct {
	r   io.Reader
	in  *countingReader
	out int64
	lim inflateLimit
}

func (l *limitedInflater) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.out += int64(n)
	if l.lim.bytes > 0 && l.out > l.lim.bytes {
		return n, &decompressErr{fmt.Errorf("%w: more than %d bytes decompressed (limit --max-inflate-bytes)", errInflateLimit, l.lim.bytes)}
	}
	if l.lim.ratio > 0 && l.out > inflateRatioFloor && float64(l.out) > l.lim.ratio*float64(l.in.n) {
		return n, &decompressErr{fmt.Errorf("%w: %d bytes decompressed from %d (more than %g×, limit --max-inflate-ratio)",
			errInflateLimit, l.out, l.in.n, l.lim.ratio)}
	}
	return n, err
}
