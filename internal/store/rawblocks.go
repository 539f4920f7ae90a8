package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/klauspost/compress/zstd"
)

// The original events are kept byte for byte, but not as one DuckDB
// string each: stored that way they were 70 % of a case and more than
// half of ingest's time (docs/performance.md). Each ingest worker packs
// the events it appends into blocks (the raw bytes one after another),
// compresses a block with zstd and appends it to the case's segment file
// (<case>.raw); raw_blocks records where each block is, and an event row
// keeps its block, offset and length. The view events puts raw back with
// the scalar function rawFunction, so `SELECT raw FROM events` and every
// rule that reads raw work as before. The blocks are not BLOBs in DuckDB:
// its checkpoints rewrite a table's open row group, so a table of large
// BLOBs grew the file and the memory with every checkpoint (measured:
// 5 M events 206 s, 2.4 GB RSS, against 187 s for the old layout).

const (
	// blockEvents and blockBytes close a block: about 1.6 MB of a typical
	// trail's JSON, ≈ 0.16× that compressed. Larger blocks compress little
	// better (0.155× at 4,096 events) and cost more to read for one event.
	blockEvents = 1024
	blockBytes  = 2 << 20

	// codecZstd marks a block of the segment file; raw_blocks.codec
	// records it so that another kind can be added without guessing.
	codecZstd = "zstd"
	// codecSource marks a block kept in place in an input file
	// (schema_v9.sql): its events are read from there.
	codecSource = "source"

	// rawFunction is the SQL name of the function reading raw from blocks.
	rawFunction = "trailsleuth_raw"
)

// ErrDamagedBlock is wrapped by the error of reading an event from a block
// that is damaged or missing: the text is never returned in part.
var ErrDamagedBlock = errors.New("damaged block of original events")

// blockWriter packs events into blocks for one appender.
type blockWriter struct {
	enc    *zstd.Encoder
	buf    []byte // the raw bytes of the open block
	out    []byte // compressed, reused
	events int
	id     int64 // the open block's id; 0 when none is open
}

func newBlockWriter() (*blockWriter, error) {
	// One goroutine per encoder: ingest already runs a worker per core.
	// The fastest level: 1 M bench events ingested in a median 26.7 s
	// (48.8 CPU-s) against 28.6 s (53.0) at the default level, seven
	// interleaved runs each; blocks 1.6 % larger (docs/performance.md).
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true), zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		return nil, fmt.Errorf("starting the zstd encoder: %w", err)
	}
	return &blockWriter{enc: enc}, nil
}

// add appends raw to the open block and returns where it is; the caller
// opens a block (id) first when none is open.
func (w *blockWriter) add(raw string) (offset, length int) {
	offset = len(w.buf)
	w.buf = append(w.buf, raw...)
	w.events++
	return offset, len(raw)
}

// full reports whether the open block should be sealed.
func (w *blockWriter) full() bool { return w.events >= blockEvents || len(w.buf) >= blockBytes }

// seal compresses the open block and hands it to store; the writer is then
// empty.
func (w *blockWriter) seal(store func(id int64, events, rawBytes int, data []byte) error) error {
	if w.id == 0 {
		return nil
	}
	w.out = w.enc.EncodeAll(w.buf, w.out[:0])
	err := store(w.id, w.events, len(w.buf), w.out)
	w.buf, w.events, w.id = w.buf[:0], 0, 0
	return err
}

// segmentMagic starts a segment file: it is not JSON and not a
// compressed stream, so ingest given the case's folder skips it.
const segmentMagic = "trailsleuth raw blocks v1\n"

// SegmentPath is where the original events of the case at path are kept.
func SegmentPath(path string) string { return path + ".raw" }

// CaseFiles are the files a case at path is made of: the DuckDB file, its
// write-ahead log when there is one, and the segment file.
func CaseFiles(path string) []string { return []string{path, path + ".wal", SegmentPath(path)} }

// segment is the append-only file of compressed blocks beside a case.
type segment struct {
	mu   sync.Mutex
	path string
	temp bool // a file of an in-memory case: removed on close
	w, r *os.File
	size int64
	// checked: checkEnd found the file whole, once per open.
	checked bool
}

// append writes one block at the end of the file and returns its offset.
func (g *segment) append(data []byte) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		if err := g.openWrite(); err != nil {
			return 0, err
		}
	}
	off := g.size
	if _, err := g.w.WriteAt(data, off); err != nil {
		return 0, fmt.Errorf("writing original events to %s: %w", g.path, err)
	}
	g.size += int64(len(data))
	return off, nil
}

func (g *segment) openWrite() error {
	if g.temp && g.path == "" {
		f, err := os.CreateTemp("", "trailsleuth-*.raw")
		if err != nil {
			return fmt.Errorf("creating a segment file: %w", err)
		}
		f.Close()
		g.path = f.Name()
	}
	f, err := os.OpenFile(g.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("opening the segment file of original events: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening the segment file of original events: %w", err)
	}
	g.w, g.size = f, fi.Size()
	if g.size == 0 {
		if _, err := f.WriteAt([]byte(segmentMagic), 0); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", g.path, err)
		}
		g.size = int64(len(segmentMagic))
	}
	return nil
}

// sync makes the blocks written so far durable: rows pointing at them are
// committed only after.
func (g *segment) sync() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		return nil
	}
	if err := g.w.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", g.path, err)
	}
	return nil
}

// readAt reads n bytes of the file at off.
func (g *segment) readAt(off, n int64) ([]byte, error) {
	g.mu.Lock()
	if g.r == nil {
		f, err := os.Open(g.path)
		if err != nil {
			g.mu.Unlock()
			return nil, err
		}
		g.r = f
	}
	r := g.r
	g.mu.Unlock()
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil {
		if err == io.EOF {
			err = fmt.Errorf("the file ends before byte %d", off+n)
		}
		return nil, err
	}
	return b, nil
}

func (g *segment) close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var err error
	for _, f := range []*os.File{g.w, g.r} {
		if f != nil {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	g.w, g.r = nil, nil
	if g.temp && g.path != "" {
		os.Remove(g.path)
	}
	return err
}

// blockSum is the SHA-256 raw_blocks records of a block's compressed bytes.
func blockSum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// checkEnd refuses to append to a segment file that is shorter than the
// blocks the case records (missing, or another file put in its place):
// new blocks would land where old ones are said to be.
func (g *segment) checkEnd(ctx context.Context, db *sql.DB) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.checked {
		return nil
	}
	var end sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(file_offset + data_length) FROM raw_blocks WHERE codec <> ?`, codecSource).Scan(&end); err != nil {
		return fmt.Errorf("reading raw_blocks: %w", err)
	}
	if end.Valid {
		var size int64
		if fi, err := os.Stat(g.path); err == nil {
			size = fi.Size()
		}
		if size < end.Int64 {
			return fmt.Errorf("%s: %w: the case's blocks end at byte %d but the file has %d; put the case's segment file back beside it (a case is the two files)",
				g.path, ErrDamagedBlock, end.Int64, size)
		}
	}
	g.checked = true
	return nil
}

// blockIDs hands out raw_blocks ids to the appenders of one Store. A case
// is written by one process at a time (DuckDB's lock), so the largest id
// stored, read once, is where to go on.
type blockIDs struct {
	mu   sync.Mutex
	next int64 // 0: not read yet
}

func (b *blockIDs) take(ctx context.Context, db *sql.DB) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == 0 {
		var max int64
		if err := db.QueryRowContext(ctx, `SELECT coalesce(max(block_id), 0) FROM raw_blocks`).Scan(&max); err != nil {
			return 0, fmt.Errorf("reading raw_blocks: %w", err)
		}
		b.next = max + 1
	}
	id := b.next
	b.next++
	return id, nil
}

// blockCache keeps the last blocks read, decompressed: a query reading raw
// in table order reads each block once, and a few in flight per thread.
type blockCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order []int64
	m     map[int64][]byte
}

// cacheBytes bounds the cache: a few blocks per DuckDB thread.
const cacheBytes = 32 << 20

func (c *blockCache) get(id int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[id]
	return b, ok
}

func (c *blockCache) put(id int64, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; ok {
		return
	}
	for c.size+len(b) > c.max && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= len(c.m[old])
		delete(c.m, old)
	}
	c.m[id] = b
	c.order = append(c.order, id)
	c.size += len(b)
}

// rawReader is the scalar function trailsleuth_raw(block, offset, length):
// the original text of one event. It reads blocks through the database it
// is registered on, so in a case read through memory (readthrough.go) it
// reads the file's raw_blocks through the view there.
type rawReader struct {
	db    *sql.DB
	seg   *segment
	dec   *zstd.Decoder
	cache *blockCache
}

func newRawReader(db *sql.DB, seg *segment) (*rawReader, error) {
	// DecodeAll is safe for concurrent use; DuckDB calls from its threads.
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	if err != nil {
		return nil, fmt.Errorf("starting the zstd decoder: %w", err)
	}
	return &rawReader{db: db, seg: seg, dec: dec, cache: &blockCache{max: cacheBytes, m: map[int64][]byte{}}}, nil
}

// block returns block id decompressed, checked against what raw_blocks
// says it holds.
func (r *rawReader) block(ctx context.Context, id int64) ([]byte, error) {
	if b, ok := r.cache.get(id); ok {
		return b, nil
	}
	var codec, sum string
	var rawBytes, off, n int64
	err := r.db.QueryRowContext(ctx, `SELECT codec, raw_bytes, file_offset, data_length, sha256 FROM raw_blocks WHERE block_id = ?`, id).Scan(&codec, &rawBytes, &off, &n, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("block %d: %w: it is missing from raw_blocks", id, ErrDamagedBlock)
	}
	if err != nil {
		return nil, fmt.Errorf("reading block %d of original events: %w", id, err)
	}
	if codec == codecSource {
		b, err := r.inPlace(ctx, id, rawBytes)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w: %v", id, ErrDamagedBlock, err)
		}
		r.cache.put(id, b)
		return b, nil
	}
	data, err := r.seg.readAt(off, n)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w: reading %s: %v", id, ErrDamagedBlock, r.seg.path, err)
	}
	// The hash ties the bytes to the case: a segment file that is another
	// case's, or was rewritten, is caught before zstd is asked.
	if got := blockSum(data); got != sum {
		return nil, fmt.Errorf("block %d: %w: its bytes in %s have SHA-256 %s, raw_blocks says %s", id, ErrDamagedBlock, r.seg.path, short(got), short(sum))
	}
	if codec != codecZstd {
		return nil, fmt.Errorf("block %d: %w: unknown codec %q", id, ErrDamagedBlock, codec)
	}
	b, err := r.dec.DecodeAll(data, make([]byte, 0, rawBytes))
	if err != nil {
		return nil, fmt.Errorf("block %d: %w: %v", id, ErrDamagedBlock, err)
	}
	if int64(len(b)) != rawBytes {
		return nil, fmt.Errorf("block %d: %w: %d bytes, raw_blocks says %d", id, ErrDamagedBlock, len(b), rawBytes)
	}
	r.cache.put(id, b)
	return b, nil
}

func (r *rawReader) Config() duckdb.ScalarFuncConfig {
	big, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	integer, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	text, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{big, integer, integer}, ResultTypeInfo: text}
}

func (r *rawReader) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: r.chunk}
}

// chunk fills one chunk of results; rows of a chunk mostly share a block.
func (r *rawReader) chunk(ctx context.Context, st *duckdb.ChunkIteratorState) error {
	var lastID int64 = -1
	var last []byte
	for row, err := range st.Rows() {
		if err != nil {
			return err
		}
		id, _ := (*row.GetValuePtr(0)).(int64)
		off, _ := (*row.GetValuePtr(1)).(int32)
		n, _ := (*row.GetValuePtr(2)).(int32)
		if id != lastID {
			if last, err = r.block(ctx, id); err != nil {
				return fmt.Errorf("reading raw: %w", err)
			}
			lastID = id
		}
		if off < 0 || n < 0 || int(off)+int(n) > len(last) {
			return fmt.Errorf("reading raw: block %d: %w: an event at %d+%d lies outside its %d bytes", id, ErrDamagedBlock, off, n, len(last))
		}
		if err := row.SetResult(string(last[off : off+n])); err != nil {
			return err
		}
	}
	return nil
}

// registerRaw makes trailsleuth_raw known to db: DuckDB keeps functions in
// its system catalog, so every connection of db sees it.
func registerRaw(ctx context.Context, db *sql.DB, seg *segment) error {
	r, err := newRawReader(db, seg)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connecting to case database: %w", err)
	}
	defer conn.Close()
	if err := duckdb.RegisterScalarUDF(conn, rawFunction, r); err != nil {
		return fmt.Errorf("registering %s: %w", rawFunction, err)
	}
	return nil
}

// BlockCheck is what VerifyBlocks found: every block of original events
// read from the segment file and its SHA-256 compared with raw_blocks, and
// every input file that holds events in place read and checked against
// its recorded size and SHA-256.
type BlockCheck struct {
	Segment string `json:"segment"`
	Blocks  int64  `json:"blocks"`
	Bytes   int64  `json:"bytes"`
	// Unused counts the segment file's bytes that no block covers: blocks
	// of ingests that were rolled back or never finished. The case never
	// reads them; they are reported so that the file's size adds up.
	Unused int64 `json:"unused_bytes"`
	// InPlaceFiles counts the input files read for events ingested with
	// --originals in-place (inplace.go); InPlaceBytes is their size.
	InPlaceFiles int64    `json:"in_place_files"`
	InPlaceBytes int64    `json:"in_place_bytes"`
	Problems     []string `json:"problems"`
}

// maxBlockProblems bounds the problems listed; Blocks still counts all.
const maxBlockProblems = 20

// problem lists p, up to maxBlockProblems, and counts it in n.
func (c *BlockCheck) problem(n *int, p string) {
	if *n++; *n <= maxBlockProblems {
		c.Problems = append(c.Problems, p)
	}
}

// VerifyBlocks reads every block of the case's segment file and checks it
// against raw_blocks, then every input file holding events in place. A
// case without raw_blocks (schema 6, read as it is) has nothing to check.
func (s *Store) VerifyBlocks(ctx context.Context) (BlockCheck, error) {
	c := BlockCheck{Segment: s.seg.path, Problems: []string{}}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'raw_blocks'`).Scan(&n); err != nil || n == 0 {
		return c, err
	}
	var problems int
	if err := s.verifySegment(ctx, &c, &problems); err != nil {
		return c, err
	}
	if err := s.verifyInPlace(ctx, &c, &problems); err != nil {
		return c, err
	}
	if problems > maxBlockProblems {
		c.Problems = append(c.Problems, fmt.Sprintf("… and %d more problems", problems-maxBlockProblems))
	}
	return c, nil
}

// verifySegment checks the blocks kept in the segment file.
func (s *Store) verifySegment(ctx context.Context, c *BlockCheck, problems *int) error {
	fi, err := os.Stat(s.seg.path)
	if err != nil {
		if qerr := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(data_length), 0) FROM raw_blocks WHERE codec <> ?`, codecSource).Scan(&c.Blocks, &c.Bytes); qerr != nil {
			return fmt.Errorf("reading raw_blocks: %w", qerr)
		}
		if c.Blocks > 0 {
			c.problem(problems, fmt.Sprintf("the segment file of the case's %d blocks is not there: %v", c.Blocks, err))
		}
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT block_id, file_offset, data_length, sha256 FROM raw_blocks WHERE codec <> ? ORDER BY file_offset`, codecSource)
	if err != nil {
		return fmt.Errorf("reading raw_blocks: %w", err)
	}
	defer rows.Close()
	end := int64(len(segmentMagic)) // where the blocks so far end
	for rows.Next() {
		var id, off, length int64
		var sum string
		if err := rows.Scan(&id, &off, &length, &sum); err != nil {
			return err
		}
		c.Blocks++
		c.Bytes += length
		problem := s.seg.checkBlock(id, off, length, sum, end)
		if off > end {
			c.Unused += off - end
		}
		end = max(end, off+length)
		if problem != "" {
			c.problem(problems, problem)
		}
	}
	if fi.Size() > end {
		c.Unused += fi.Size() - end
	}
	return rows.Err()
}

// checkBlock says what is wrong with the block at off ("" if nothing),
// given where the blocks before it end.
func (g *segment) checkBlock(id, off, length int64, sum string, end int64) string {
	if off < end {
		return fmt.Sprintf("block %d: starts at byte %d, inside the block before it (which ends at %d)", id, off, end)
	}
	data, err := g.readAt(off, length)
	if err != nil {
		return fmt.Sprintf("block %d: %v", id, err)
	}
	if got := blockSum(data); got != sum {
		return fmt.Sprintf("block %d: SHA-256 %s, raw_blocks says %s", id, short(got), short(sum))
	}
	return ""
}
