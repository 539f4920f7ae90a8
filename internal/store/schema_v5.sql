-- Schema version 5.
-- The case marker: a case database says it is one, so that --db pointing at
-- another application's DuckDB file is refused instead of adopted.
CREATE TABLE IF NOT EXISTS trailsleuth_case (
    application VARCHAR NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO trailsleuth_case SELECT 'trailsleuth', now() WHERE NOT EXISTS (SELECT 1 FROM trailsleuth_case);
-- Conflicting copies: rows of events that share an eventID, eventName and
-- eventTime with the copy in events but differ in content. The copy the
-- analysis uses stays in events; the others are kept here with the source
-- of the copy used and why (docs/schema.md). Same columns as events, plus
-- two: a migration adding a column to events adds it here too.
CREATE TABLE IF NOT EXISTS event_conflicts AS SELECT * FROM events LIMIT 0;
ALTER TABLE event_conflicts ADD COLUMN IF NOT EXISTS kept_source_id BIGINT;
ALTER TABLE event_conflicts ADD COLUMN IF NOT EXISTS conflict_reason VARCHAR;
