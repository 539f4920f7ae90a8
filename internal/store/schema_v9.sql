-- Schema version 9: source_blocks. A raw_blocks row of codec 'source' is
-- not in the segment file: its events are read from the input file they
-- were ingested from (ingest --originals in-place), whose path, size and
-- SHA-256 are the source's in sources and are checked before each read.
-- Its raw_bytes is where its last event ends in the decompressed file;
-- file_offset and data_length are 0 and sha256 is empty.
CREATE TABLE IF NOT EXISTS source_blocks (
    block_id  BIGINT NOT NULL,
    source_id BIGINT NOT NULL
);
