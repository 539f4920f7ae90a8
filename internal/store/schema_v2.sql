-- Schema version 2: the report counter, so report ids AWS-IR-<date>-<seq>
-- are unique per case database.
CREATE TABLE IF NOT EXISTS reports (
    seq          INTEGER PRIMARY KEY,
    report_id    VARCHAR NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    command_line VARCHAR
);
