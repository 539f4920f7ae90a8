package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Events ingested with --originals in-place are not copied into the
// segment file: a raw_blocks row of codec "source" stands for the events
// of one input file, source_blocks names the file's source, and an event's
// raw_offset is where it starts in the file's decompressed bytes. The
// file is read whole and its SHA-256 compared with the one recorded at
// ingest before any byte of it is returned, so a file that is missing,
// moved or changed is an error naming it, never different text.

// inPlaceSource is what the case recorded of an input file that holds
// events in place.
type inPlaceSource struct {
	id        int64
	path, sum string
	size      int64
}

// inPlaceSourceOf reads the source of in-place block id.
func inPlaceSourceOf(ctx context.Context, db *sql.DB, id int64) (inPlaceSource, error) {
	var src inPlaceSource
	var sum sql.NullString
	err := db.QueryRowContext(ctx, `SELECT s.source_id, s.path, s.sha256, s.size
		FROM source_blocks b JOIN sources s USING (source_id) WHERE b.block_id = ?`, id).
		Scan(&src.id, &src.path, &sum, &src.size)
	if errors.Is(err, sql.ErrNoRows) {
		return src, errors.New("its input file is not recorded (source_blocks or sources lacks it)")
	}
	if err != nil {
		return src, fmt.Errorf("reading the input file of block %d: %w", id, err)
	}
	src.sum = sum.String
	return src, nil
}

// inPlace returns the first end bytes of the decompressed input file of
// block id, after checking the file is the one ingested.
func (r *rawReader) inPlace(ctx context.Context, id, end int64) ([]byte, error) {
	src, err := inPlaceSourceOf(ctx, r.db, id)
	if err != nil {
		return nil, err
	}
	data, err := src.read()
	if err != nil {
		return nil, err
	}
	return decompressPrefix(data, end)
}

// read reads the whole file and checks its size and SHA-256 against what
// ingest recorded.
func (src inPlaceSource) read() ([]byte, error) {
	f, err := os.Open(src.path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named below
		}
		return nil, fmt.Errorf("the events are kept in their input file (ingest --originals in-place), which cannot be opened (%w): put it back at %s (SHA-256 %s)", err, src.path, short(src.sum))
	}
	defer f.Close()
	// One byte more than recorded tells a file that grew from one that did not.
	data, err := io.ReadAll(io.LimitReader(f, src.size+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src.path, err)
	}
	if int64(len(data)) != src.size {
		return nil, fmt.Errorf("%s has changed since it was ingested: %d bytes, the case recorded %d", src.path, len(data), src.size)
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != src.sum {
		return nil, fmt.Errorf("%s has changed since it was ingested: SHA-256 %s, the case recorded %s", src.path, short(hex.EncodeToString(got[:])), short(src.sum))
	}
	return data, nil
}

// decompressPrefix undoes the compression ingest recognised (gzip and
// zstd by their magic bytes, as ingest does) and returns the first end
// bytes: where the block's last event ends. Nothing past them is inflated.
func decompressPrefix(data []byte, end int64) ([]byte, error) {
	var in io.Reader = bytes.NewReader(data)
	switch {
	case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
		in = zr
	case len(data) >= 4 && bytes.Equal(data[:4], []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
		defer zr.Close()
		in = zr
	default:
		if int64(len(data)) < end {
			return nil, fmt.Errorf("the file has %d bytes, its events end at %d", len(data), end)
		}
		return data[:end], nil
	}
	out := make([]byte, end)
	if _, err := io.ReadFull(in, out); err != nil {
		return nil, fmt.Errorf("decompressing the file's first %d bytes: %w", end, err)
	}
	return out, nil
}

// verifyInPlace reads every input file that holds events in place and
// checks it against its recorded size and SHA-256; an in-place block whose
// file is not recorded is a problem too.
func (s *Store) verifyInPlace(ctx context.Context, c *BlockCheck, problems *int) error {
	var orphans int64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM raw_blocks r WHERE codec = ? AND NOT EXISTS
		(SELECT 1 FROM source_blocks b JOIN sources s USING (source_id) WHERE b.block_id = r.block_id)`, codecSource).Scan(&orphans)
	if err != nil {
		return fmt.Errorf("reading raw_blocks: %w", err)
	}
	if orphans > 0 {
		c.problem(problems, fmt.Sprintf("%d blocks of events kept in place name no recorded input file", orphans))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT s.source_id, s.path, coalesce(s.sha256, ''), s.size
		FROM source_blocks b JOIN sources s USING (source_id) ORDER BY s.path`)
	if err != nil {
		return fmt.Errorf("reading source_blocks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src inPlaceSource
		if err := rows.Scan(&src.id, &src.path, &src.sum, &src.size); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c.InPlaceFiles++
		c.InPlaceBytes += src.size
		if _, err := src.read(); err != nil {
			c.problem(problems, fmt.Sprintf("source %d: %v", src.id, err))
		}
	}
	return rows.Err()
}

// InPlaceCount counts run's events kept in place in their input files, and
// those files.
func (s *Store) InPlaceCount(ctx context.Context, run int64) (events, files int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT e.source_id) FROM event_rows e
		JOIN raw_blocks b ON b.block_id = e.raw_block WHERE e.run_id = ? AND b.codec = ?`, run, codecSource).Scan(&events, &files)
	if err != nil {
		return 0, 0, fmt.Errorf("counting the events kept in place: %w", err)
	}
	return events, files, nil
}

// InPlaceTotals counts the case's events kept in place in their input
// files, and those files. source_blocks exists in every case this build
// opens (in memory for an older one read as it is), and only a case that
// has rows in it has the tables the count joins.
func (s *Store) InPlaceTotals(ctx context.Context) (events, files int64, err error) {
	var blocks int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM source_blocks`).Scan(&blocks); err != nil {
		return 0, 0, fmt.Errorf("reading source_blocks: %w", err)
	}
	if blocks == 0 {
		return 0, 0, nil
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT e.source_id) FROM event_rows e
		JOIN raw_blocks b ON b.block_id = e.raw_block WHERE b.codec = ?`, codecSource).Scan(&events, &files)
	if err != nil {
		return 0, 0, fmt.Errorf("counting the events kept in place: %w", err)
	}
	return events, files, nil
}
