-- Schema version 7: the original events leave DuckDB's row strings
-- (docs/schema.md, "Where the original events are"). They are kept
-- zstd-compressed in blocks of up to 1,024 events in the segment file
-- beside the case (<case>.raw); raw_blocks says where each block is; event_rows and
-- event_conflict_rows are events and event_conflicts with, in place of raw,
-- the block, offset and length of the event's bytes. The views events and
-- event_conflicts (created after the rows are moved, rawmigrate.go) put raw
-- back through trailsleuth_raw().
CREATE TABLE IF NOT EXISTS raw_blocks (
    block_id  BIGINT PRIMARY KEY,
    run_id    INTEGER NOT NULL,
    events    INTEGER NOT NULL,
    raw_bytes BIGINT NOT NULL,
    codec     VARCHAR NOT NULL,
    file_offset BIGINT NOT NULL,
    data_length BIGINT NOT NULL,
    sha256    VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS event_rows (
    event_id               VARCHAR NOT NULL,
    event_id_synthetic     BOOLEAN NOT NULL,
    event_time             TIMESTAMPTZ,
    event_version          VARCHAR,
    event_name             VARCHAR,
    event_source           VARCHAR,
    aws_region             VARCHAR,
    source_ip              VARCHAR,
    user_agent             VARCHAR,
    error_code             VARCHAR,
    error_message          VARCHAR,
    read_only              BOOLEAN,
    event_type             VARCHAR,
    event_category         VARCHAR,
    management_event       BOOLEAN,
    recipient_account_id   VARCHAR,
    shared_event_id        VARCHAR,
    request_id             VARCHAR,
    vpc_endpoint_id        VARCHAR,
    api_version            VARCHAR,
    identity_type          VARCHAR,
    principal_id           VARCHAR,
    user_arn               VARCHAR,
    account_id             VARCHAR,
    access_key_id          VARCHAR,
    user_name              VARCHAR,
    invoked_by             VARCHAR,
    session_issuer_type    VARCHAR,
    session_issuer_arn     VARCHAR,
    session_issuer_user_name VARCHAR,
    session_issuer_account_id VARCHAR,
    session_mfa            BOOLEAN,
    session_creation_date  TIMESTAMPTZ,
    source_identity        VARCHAR,
    web_id_federation_provider VARCHAR,
    saml_provider          VARCHAR,
    on_behalf_of_user_id   VARCHAR,
    credential_id          VARCHAR,
    request_parameters VARCHAR,
    response_elements VARCHAR,
    additional_event_data VARCHAR,
    resources VARCHAR,
    tls_details VARCHAR,
    service_event_details VARCHAR,
    is_insight             BOOLEAN NOT NULL,
    raw_block              BIGINT NOT NULL,
    raw_offset             INTEGER NOT NULL,
    raw_length             INTEGER NOT NULL,
    source_id              BIGINT NOT NULL,
    source_position        BIGINT NOT NULL,
    source_offset          BIGINT NOT NULL,
    run_id                 INTEGER NOT NULL,
    session_credential_from_console BOOLEAN
);
CREATE TABLE IF NOT EXISTS event_conflict_rows AS SELECT * FROM event_rows LIMIT 0;
ALTER TABLE event_conflict_rows ADD COLUMN IF NOT EXISTS kept_source_id BIGINT;
ALTER TABLE event_conflict_rows ADD COLUMN IF NOT EXISTS conflict_reason VARCHAR;
