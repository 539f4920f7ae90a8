-- Schema version 8: audit_log without its PRIMARY KEY. DuckDB's commit of
-- a row into a table with a key index read back the table's long strings
-- — an ingest's entry lists every file with its SHA-256, 12 MB for 48,384
-- files — so recording any command cost 20 ms per such entry, more with
-- every ingest (docs/performance.md). The sequence stays unique without
-- it: AppendAudit appends one entry at a time in a transaction that reads
-- the last one, and audit verify reports a repeated or missing number.
-- Version 8 also adds grant_json, made and filled in Go (grantjson.go).
CREATE TABLE audit_log_v8 (
    seq          BIGINT NOT NULL,
    at_time      TIMESTAMPTZ NOT NULL,
    kind         VARCHAR NOT NULL,   -- write: changed the case; read: only read it
    tool_version VARCHAR NOT NULL,
    command_line VARCHAR NOT NULL,
    user_name    VARCHAR NOT NULL,
    host         VARCHAR NOT NULL,
    inputs       VARCHAR NOT NULL,   -- JSON [{path, sha256}]
    outputs      VARCHAR NOT NULL,   -- JSON [{path, sha256}]
    note         VARCHAR NOT NULL,
    prev_hash    VARCHAR NOT NULL,
    hash         VARCHAR NOT NULL
);
INSERT INTO audit_log_v8 SELECT * FROM audit_log ORDER BY seq;
DROP TABLE audit_log;
ALTER TABLE audit_log_v8 RENAME TO audit_log;
