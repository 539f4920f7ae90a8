package evidence

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// errFormat marks content that is not what CloudTrail writes (not gzip,
// damaged gzip, trailing data, too large); reported as invalid_format.
var errFormat = errors.New("invalid format")

// hashes are the two SHA-256s of a stored object: of the bytes as stored
// (what ingest sees) and of the decompressed content (what digests list).
type hashes struct {
	Stored       string
	Uncompressed string
	Size         int64
}

// hashGzip reads one gzip member from r, writing the decompressed bytes to
// out (if not nil) and hashing both sides. Data after the first member
// makes the file invalid: CloudTrail writes one member, and a second one
// would be content no digest covers. The decompressed size is capped at
// limit bytes so a gzip bomb cannot exhaust memory or time.
func hashGzip(r io.Reader, out io.Writer, limit int64) (hashes, error) {
	stored := sha256.New()
	cr := &countingReader{r: io.TeeReader(r, stored)}
	br := bufio.NewReader(cr)
	var h hashes
	zr, err := gzip.NewReader(br)
	if err != nil {
		drain(br)
		h.Stored, h.Size = hexSum(stored), cr.n
		if isReadErr(err, cr) {
			return h, err
		}
		return h, fmt.Errorf("%w: not gzip: %w", errFormat, err)
	}
	zr.Multistream(false)
	un := sha256.New()
	var w io.Writer = un
	if out != nil {
		w = io.MultiWriter(un, out)
	}
	n, err := io.Copy(w, io.LimitReader(zr, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("%w: decompresses to more than %d bytes", errFormat, limit)
	} else if err != nil && !isReadErr(err, cr) {
		err = fmt.Errorf("%w: damaged gzip: %w", errFormat, err)
	}
	if err == nil {
		if _, perr := br.Peek(1); perr == nil {
			err = fmt.Errorf("%w: data after the first gzip member", errFormat)
		} else if perr != io.EOF {
			err = perr
		}
	}
	drain(br)
	h.Stored, h.Uncompressed, h.Size = hexSum(stored), hexSum(un), cr.n
	return h, err
}

// drain reads the rest so the stored hash covers the whole object.
func drain(r io.Reader) { io.Copy(io.Discard, r) } //nolint:errcheck // read errors surface on the main path

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// isReadErr tells an I/O error of the underlying reader from a format error.
func isReadErr(err error, cr *countingReader) bool { return cr.err != nil && errors.Is(err, cr.err) }

type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}
