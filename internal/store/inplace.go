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

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// Events ingested with --originals in-place are not copied into the
// segment file: a raw_blocks row of codec "source" stands for the events
// of one input file, source_blocks names the file's source, and an event's
// raw_offset is where it starts in the file's decompressed bytes. The
// file is read whole and its SHA-256 compared with the one recorded at
// ingest before any byte of it is returned, so a file that is missing,
// moved or changed is an error naming it, never different text.

// inPlaceSource is what the case recorded of an input file that holds
// events in place: where it is, what it was, and the compression ingest
// found in it.
type inPlaceSource struct {
	id                     int64
	path, sum, compression string
	size                   int64
}

// inPlaceSourceCols are the sources columns an inPlaceSource is scanned
// from (scan), for sources joined as s.
const inPlaceSourceCols = `s.source_id, s.path, coalesce(s.sha256, ''), s.size, coalesce(s.compression, '')`

func (src *inPlaceSource) scan(row interface{ Scan(...any) error }) error {
	return row.Scan(&src.id, &src.path, &src.sum, &src.size, &src.compression)
}

// inPlaceSourceOf reads the source of in-place block id.
func inPlaceSourceOf(ctx context.Context, db *sql.DB, id int64) (inPlaceSource, error) {
	var src inPlaceSource
	err := src.scan(db.QueryRowContext(ctx, `SELECT `+inPlaceSourceCols+`
		FROM source_blocks b JOIN sources s USING (source_id) WHERE b.block_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return src, errors.New("its input file is not recorded (source_blocks or sources lacks it)")
	}
	if err != nil {
		return src, fmt.Errorf("reading the input file of block %d: %w", id, err)
	}
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
	return decompressPrefix(data, src.compression, end)
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

// decompressPrefix undoes the compression ingest recorded for the file
// (sources.compression; the SHA-256 check has shown the bytes are those it
// looked at) and returns the first end bytes: where the block's last event
// ends. Nothing past them is inflated.
func decompressPrefix(data []byte, compression string, end int64) ([]byte, error) {
	var in io.Reader = bytes.NewReader(data)
	switch compression {
	case "gzip":
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
		in = zr
	case "zstd":
		zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
		defer zr.Close()
		in = zr
	case "":
		if int64(len(data)) < end {
			return nil, fmt.Errorf("the file has %d bytes, its events end at %d", len(data), end)
		}
		return data[:end], nil
	default:
		return nil, fmt.Errorf("the case recorded an unknown compression %q for it", compression)
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
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT `+inPlaceSourceCols+`
		FROM source_blocks b JOIN sources s USING (source_id) ORDER BY s.path`)
	if err != nil {
		return fmt.Errorf("reading source_blocks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src inPlaceSource
		if err := src.scan(rows); err != nil {
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

// InPlace counts the events kept in place in their input files, and
// those files: of ingest run, or of the whole case when run is 0. It is
// nil when there are none. source_blocks exists in every case this build
// opens (in memory for an older one read as it is); only a case with rows
// in it has the tables the count joins.
func (s *Store) InPlace(ctx context.Context, run int64) (*event.InPlaceTotals, error) {
	var blocks int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM source_blocks`).Scan(&blocks); err != nil {
		return nil, fmt.Errorf("reading source_blocks: %w", err)
	}
	if blocks == 0 {
		return nil, nil
	}
	var t event.InPlaceTotals
	err := s.db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT e.source_id) FROM event_rows e
		JOIN raw_blocks b ON b.block_id = e.raw_block WHERE b.codec = ? AND (? = 0 OR e.run_id = ?)`, codecSource, run, run).Scan(&t.Events, &t.Files)
	if err != nil {
		return nil, fmt.Errorf("counting the events kept in place: %w", err)
	}
	if t.Events == 0 {
		return nil, nil
	}
	return &t, nil
}
