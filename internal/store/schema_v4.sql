-- Schema version 4: sessionCredentialFromConsole as a typed column. Rules
-- use it to tell console sessions from API keys; read from raw, it made
-- those rules read every event's JSON (seconds on a large case). Cases
-- from earlier versions get it filled from raw once, here.
ALTER TABLE events ADD COLUMN IF NOT EXISTS session_credential_from_console BOOLEAN;
UPDATE events
SET session_credential_from_console = TRY_CAST(json_extract_string(raw, '$.sessionCredentialFromConsole') AS BOOLEAN)
WHERE contains(raw, '"sessionCredentialFromConsole"');
