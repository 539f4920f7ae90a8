-- Schema version 3: the chain of custody. audit_log is append-only and
-- hash-chained: each entry's hash covers its fields and the previous
-- entry's hash, so an edited or deleted entry breaks the chain
-- (trailsleuth audit verify). reports gains the fingerprint that makes a
-- re-run of the same investigation on the same case state keep its id.
CREATE TABLE IF NOT EXISTS audit_log (
    seq          BIGINT PRIMARY KEY,
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
ALTER TABLE reports ADD COLUMN IF NOT EXISTS fingerprint VARCHAR;
-- What log file integrity validation said of each source (evidence.Verify
-- status: valid, unverified, hash_mismatch, unlisted, …); NULL = not checked.
ALTER TABLE sources ADD COLUMN IF NOT EXISTS validation VARCHAR;
