package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// Source statuses, as stored in sources.status.
const (
	statusIngested  = "ingested"
	statusPartial   = "partial" // some events stored, then the file could not be read on, or it changed while read
	statusFailed    = "failed"  // read, but no event could be stored
	statusSkipped   = "skipped" // nothing to ingest (not CloudTrail, empty, unreadable)
	statusDigest    = "digest"
	statusUnchanged = "unchanged" // same SHA-256 as a source already in the case
	statusNotRead   = "not_read"  // the ingest stopped before this file
)

// maxZstdWindow bounds the window of a zstd frame (what the decoder
// allocates up front): 128 MiB, the zstd tool's own default limit. A frame
// made with --long=28…31 from a stream of unknown size declares more; it
// is refused as compression_window_too_large, not called corrupt.
const maxZstdWindow = 1 << 27

// wholeFileLimit: files up to this size are read in one call (hashed before
// decoding, so unchanged files are skipped cheaply); larger ones stream.
const wholeFileLimit = 64 << 20

// detailsPerReason bounds the per-file error rows kept in ingest_errors.
const detailsPerReason = 20

type fileResult struct {
	source  store.Source
	errors  map[Reason]int64
	details []store.RecordError
	// cutShort: the file's reading stopped early (truncation, damage, a
	// limit). Its reason is counted once, in errors; how many records
	// followed the damage is unknown, so none is counted as lost.
	cutShort bool
}

// fileReader decodes files one after another, reusing its buffers.
type fileReader struct {
	// wholeLimit is wholeFileLimit; tests lower it to exercise streaming.
	wholeLimit int64
	dec        *decoder
	br         *bufio.Reader
	head       *bufio.Reader
	gz         *gzip.Reader
	data       []byte
	// limit bounds what one compressed file may inflate to.
	limit inflateLimit
	// inPlace: events of files read whole are kept as where they lie in
	// them (Options.Originals); a streamed file's are copied.
	inPlace bool
	// afterRead, if set, runs between reading a file and checking that it
	// did not change meanwhile; afterOpen between taking its size and
	// reading it: tests change the file there.
	afterRead, afterOpen func(path string)
}

func newFileReader() *fileReader {
	return &fileReader{
		wholeLimit: wholeFileLimit,
		dec:        newDecoder(nil, nil),
		br:         bufio.NewReaderSize(nil, 1<<20),
		head:       bufio.NewReaderSize(nil, 64<<10),
		limit:      inflateLimit{ratio: DefaultMaxInflateRatio, bytes: DefaultMaxInflateBytes},
	}
}

// readErr marks a failure to read the file itself.
type readErr struct{ err error }

func (e *readErr) Error() string { return e.err.Error() }
func (e *readErr) Unwrap() error { return e.err }

// decompressErr marks a failure inside the compressed stream.
type decompressErr struct{ err error }

func (e *decompressErr) Error() string { return e.err.Error() }
func (e *decompressErr) Unwrap() error { return e.err }

type tagReader struct {
	r   io.Reader
	tag func(error) error
}

func (t tagReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		err = t.tag(err)
	}
	return n, err
}

func tagRead(err error) error {
	var de *decompressErr
	if errors.As(err, &de) {
		return err
	}
	return &readErr{err}
}
func tagDecompress(err error) error {
	var re *readErr
	if errors.As(err, &re) {
		return err
	}
	return &decompressErr{err}
}

// read decodes one file into res, passing each event to emit: it opens and
// hashes the file (skipping it if the case holds it already), undoes its
// compression, decodes it and classifies how decoding ended.
func (fr *fileReader) read(ctx context.Context, f acquire.File, known map[string]store.StoredSource, res *fileResult, emit func(*event.Event)) {
	src := res.describe(f)
	file, before, err := openStat(f.Path)
	if err != nil {
		res.skipUnreadable(err)
		return
	}
	defer file.Close()
	src.Size, src.ModifiedAt = before.Size(), before.ModTime()
	if fr.afterOpen != nil {
		fr.afterOpen(f.Path)
	}

	var in io.Reader
	var hasher hash.Hash
	if before.Size() <= fr.wholeLimit {
		data, err := fr.readWhole(ctx, file, before.Size())
		if err != nil {
			res.skipUnreadable(err)
			return
		}
		if fr.hashWhole(data, known, src) {
			return
		}
		in = bytes.NewReader(data)
	} else {
		hasher = sha256.New()
		counted := &countingReader{r: tagReader{file, tagRead}}
		in = io.TeeReader(counted, hasher)
		// The size recorded is that of the bytes hashed, not the size at
		// open (a file that grew while read is reported by checkUnchanged).
		defer func() { src.Size = counted.n }()
	}
	defer fr.checkUnchanged(f.Path, before, hasher != nil, res)
	fr.dec.inPlace = fr.inPlace && hasher == nil

	stream, closeStream, err := fr.decompress(in, src)
	if err != nil {
		fr.finish(res, hasher, in, &decompressErr{err})
		return
	}
	defer closeStream()
	fr.br.Reset(stream)
	fr.finish(res, hasher, in, fr.decode(res, emit))
}

// describe starts the source record of f with what the walk found.
func (res *fileResult) describe(f acquire.File) *store.Source {
	src := &res.source
	src.Path = f.Path
	if abs, err := filepath.Abs(f.Path); err == nil {
		src.Path = abs
	}
	src.Size, src.ModifiedAt, src.AccountID, src.Region, src.IsDigest = f.Size, f.ModTime, f.Account, f.Region, f.Digest
	res.errors = map[Reason]int64{}
	return src
}

// skipUnreadable records a file that could not be opened or read.
func (res *fileResult) skipUnreadable(err error) {
	res.errors[ReasonReadError]++
	src := &res.source
	src.Status, src.SkipReason, src.ErrorDetail = statusSkipped, string(ReasonReadError), err.Error()
	res.cutShort = true // not read: how many records it held is unknown
}

// openStat opens path and takes what the file looked like when opened, to
// tell afterwards whether it changed while being read (the evidence would
// then not be what was hashed on disk).
func openStat(path string) (*os.File, os.FileInfo, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	before, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return file, before, nil
}

// readWhole reads a small file into the reader's reused buffer.
func (fr *fileReader) readWhole(ctx context.Context, file io.Reader, size int64) ([]byte, error) {
	if need := int(size) + 1; cap(fr.data) < need {
		fr.data = make([]byte, 0, need) // one allocation instead of doublings
	}
	data, err := readAll(ctx, file, fr.data[:0])
	fr.data = data
	return data, err
}

// hashWhole records the SHA-256 and size of a file read whole. It reports
// true, with the source marked unchanged, when the case holds the same bytes.
func (fr *fileReader) hashWhole(data []byte, known map[string]store.StoredSource, src *store.Source) bool {
	sum := sha256.Sum256(data)
	src.SHA256 = hex.EncodeToString(sum[:])
	src.Size = int64(len(data))
	prev, ok := known[src.SHA256]
	if ok {
		src.Status, src.Events, src.Format = statusUnchanged, prev.Events, prev.Format
		src.ErrorDetail = fmt.Sprintf("same SHA-256 as source %d (%s)", prev.ID, prev.Path)
	}
	return ok
}

// decompress recognises gzip and zstd by their magic bytes and returns the
// stream to decode (in itself when it is not compressed) and what closes it.
func (fr *fileReader) decompress(in io.Reader, src *store.Source) (io.Reader, func(), error) {
	compressed := &countingReader{r: in}
	fr.head.Reset(compressed)
	magic, _ := fr.head.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		src.Compression = "gzip"
		var err error
		if fr.gz == nil {
			fr.gz, err = gzip.NewReader(fr.head)
		} else {
			err = fr.gz.Reset(fr.head)
		}
		if err != nil {
			return nil, nil, err
		}
		return &limitedInflater{r: tagReader{fr.gz, tagDecompress}, in: compressed, lim: fr.limit}, func() {}, nil
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		src.Compression = "zstd"
		// The decoder allocates the window a frame declares, whatever the
		// frame holds: bounded as the zstd tool bounds it by default.
		zr, err := zstd.NewReader(fr.head, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, nil, err
		}
		return &limitedInflater{r: tagReader{zr, tagDecompress}, in: compressed, lim: fr.limit}, zr.Close, nil
	}
	return fr.head, func() {}, nil
}

// decode runs the decoder over fr.br, counting each record's problem in res
// and keeping the first few of each reason in detail.
func (fr *fileReader) decode(res *fileResult, emit func(*event.Event)) error {
	d := fr.dec
	d.reset()
	d.emit = emit
	d.problem = func(r Reason, off int64, detail string) {
		res.errors[r]++
		if res.errors[r] <= detailsPerReason {
			res.details = append(res.details, store.RecordError{
				SourceID: res.source.ID, Position: d.index - 1, Offset: off, Reason: string(r), Detail: detail})
		}
	}
	return d.decode(fr.br)
}

// finish classifies how decoding ended and completes the source record.
func (fr *fileReader) finish(res *fileResult, hasher hash.Hash, in io.Reader, err error) {
	src := &res.source
	d := fr.dec
	if hasher != nil {
		// Hash the whole file even when decoding stopped early.
		io.Copy(io.Discard, in) //nolint:errcheck // a read error is already reported
		src.SHA256 = hex.EncodeToString(hasher.Sum(nil))
	}
	src.Format = d.format()
	src.Events = d.events
	err = fr.streamCause(src, err)
	if fr.countEnd(res, err) {
		return
	}
	res.cutShort = err != nil
	fr.setStatus(res, err)
}

// streamCause: when decoding stopped on bad JSON inside a compressed
// stream and the stream itself is damaged (its checksum comes at the end),
// that damage is the cause to report.
func (fr *fileReader) streamCause(src *store.Source, err error) error {
	var re *readErr
	var de *decompressErr
	if err != nil && src.Compression != "" && !errors.As(err, &de) && !errors.As(err, &re) {
		if _, derr := io.Copy(io.Discard, fr.br); derr != nil && errors.As(derr, &de) {
			err = fmt.Errorf("%w (after: %v)", derr, err)
		}
	}
	return err
}

// countEnd counts the reason decoding stopped, if it did, and keeps its
// detail. It reports true when the file held nothing to ingest (empty, not
// JSON): its status is then set already.
func (fr *fileReader) countEnd(res *fileResult, err error) (skipped bool) {
	src := &res.source
	d := fr.dec
	var re *readErr
	var de *decompressErr
	switch {
	case err == nil:
		return false
	case errors.Is(err, io.EOF) && d.index == 0 && !d.isDigest:
		src.Status, src.SkipReason = statusSkipped, string(SkipEmpty)
		return true
	case errors.Is(err, errNotJSON):
		src.Status, src.SkipReason = statusSkipped, string(SkipNotJSON)
		src.ErrorDetail = "content is not JSON"
		if src.Compression != "" {
			src.ErrorDetail = "decompressed content is not JSON"
		}
		if head, _ := fr.br.Peek(linePeek); recogniseText(head) != "" {
			src.ErrorDetail += ": " + recogniseText(head)
		}
		return true
	case errors.As(err, &re):
		res.errors[ReasonReadError]++
		src.ErrorDetail = err.Error()
	case errors.Is(err, errInflateLimit):
		res.errors[ReasonInflateLimit]++
		src.ErrorDetail = err.Error()
	case errors.Is(err, zstd.ErrWindowSizeExceeded):
		res.errors[ReasonZstdWindow]++
		src.ErrorDetail = fmt.Sprintf("a zstd frame needs a window above %d MiB (made with zstd --long=28 or more from a stream of unknown size); decompress it first: zstd -d --long=31 FILE", maxZstdWindow>>20)
	case errors.As(err, &de):
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			res.errors[ReasonTruncatedGzip]++
		} else {
			res.errors[ReasonCorruptCompression]++
		}
		src.ErrorDetail = err.Error()
	case errors.Is(err, errTruncated):
		res.errors[ReasonTruncatedJSON]++
		src.ErrorDetail = err.Error()
	default:
		res.errors[ReasonMalformedJSON]++
		src.ErrorDetail = err.Error()
	}
	return false
}

// setStatus sets the status of a file that was decoded, fully or in part.
func (fr *fileReader) setStatus(res *fileResult, err error) {
	src := &res.source
	d := fr.dec
	switch {
	case d.isDigest && d.events == 0:
		src.Status = statusDigest
	case err != nil && d.events > 0:
		src.Status = statusPartial
	case err != nil:
		src.Status = statusFailed
	case d.events == 0 && d.notEvents > 0 && lost(res.errors) == res.errors[ReasonNotEvent]:
		// Nothing in it looked like CloudTrail: a skipped file, not errors.
		res.dropNotEvents()
		src.Status, src.SkipReason = statusSkipped, string(SkipNoEvents)
		src.ErrorDetail = "JSON, but no CloudTrail events: " + d.notWhat
	case d.events == 0 && lost(res.errors) > 0:
		// Records were met and none could be stored: not "ingested".
		src.Status = statusFailed
		src.ErrorDetail = "no record of the file could be stored (see ingest_errors)"
	default:
		src.Status = statusIngested
	}
}

// dropNotEvents forgets the not-an-event records of a file that turned out
// to hold no CloudTrail at all.
func (res *fileResult) dropNotEvents() {
	delete(res.errors, ReasonNotEvent)
	kept := res.details[:0]
	for _, r := range res.details {
		if r.Reason != string(ReasonNotEvent) {
			kept = append(kept, r)
		}
	}
	res.details = kept
}

// lost counts the records of a file that were met and not stored.
func lost(errs map[Reason]int64) int64 {
	var n int64
	for r, c := range errs {
		if !r.Stored() {
			n += c
		}
	}
	return n
}

// checkUnchanged reports a file whose size or modification time changed
// while it was read, or, when it was streamed, whose bytes no longer hash to
// what was decoded. The events read stay stored (they are exactly the bytes
// hashed), but the source is marked partial so that the next ingest reads
// the file again, and the change is counted.
func (fr *fileReader) checkUnchanged(path string, before os.FileInfo, streamed bool, res *fileResult) {
	src := &res.source
	if src.Status == statusUnchanged || src.Status == statusSkipped && src.SkipReason == string(ReasonReadError) {
		return
	}
	if fr.afterRead != nil {
		fr.afterRead(path)
	}
	why := ""
	after, err := os.Stat(path)
	switch {
	case err != nil:
		why = fmt.Sprintf("file is gone after reading: %v", err)
	case after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()):
		why = fmt.Sprintf("size %d → %d, modified %s → %s", before.Size(), after.Size(),
			before.ModTime().UTC().Format(time.RFC3339Nano), after.ModTime().UTC().Format(time.RFC3339Nano))
	case !streamed && src.Size != before.Size():
		why = fmt.Sprintf("%d bytes read, the file had %d when opened", src.Size, before.Size())
	case streamed && src.SHA256 != "":
		if h, err := store.FileSHA256(path); err != nil {
			why = fmt.Sprintf("re-reading to re-hash: %v", err)
		} else if h != src.SHA256 {
			why = fmt.Sprintf("SHA-256 of what was read %s, of the file now %s", src.SHA256, h)
		}
	}
	if why == "" {
		return
	}
	res.errors[ReasonChangedWhileRead]++
	detail := "changed while being read: " + why
	if src.ErrorDetail != "" {
		detail = src.ErrorDetail + "; " + detail
	}
	src.ErrorDetail = detail
	if src.Status == statusIngested {
		src.Status = statusPartial
	}
}

// readAll reads a file into buf, checking ctx between chunks.
func readAll(ctx context.Context, r io.Reader, buf []byte) ([]byte, error) {
	for {
		if err := ctx.Err(); err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
