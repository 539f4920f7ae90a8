-- trailsleuth case database, schema version 1. Documented in docs/schema.md.
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL);

CREATE SEQUENCE IF NOT EXISTS ingest_run_seq START 1;
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id        INTEGER PRIMARY KEY,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    tool_version  VARCHAR,
    command_line  VARCHAR,
    files         BIGINT,
    files_skipped BIGINT,
    events        BIGINT,
    duplicates    BIGINT,
    errors        VARCHAR
);

CREATE TABLE IF NOT EXISTS sources (
    source_id     BIGINT PRIMARY KEY,
    run_id        INTEGER NOT NULL,
    path          VARCHAR NOT NULL,
    size          BIGINT NOT NULL,
    sha256        VARCHAR,
    modified_at   TIMESTAMPTZ,
    compression   VARCHAR,
    format        VARCHAR,
    status        VARCHAR NOT NULL,
    skip_reason   VARCHAR,
    events        BIGINT NOT NULL,
    errors VARCHAR,
    error_detail  VARCHAR,
    account_id    VARCHAR,
    region        VARCHAR,
    is_digest     BOOLEAN NOT NULL DEFAULT false,
    validated     BOOLEAN,
    ingested_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS ingest_errors (
    source_id BIGINT NOT NULL,
    position  BIGINT,
    "offset"  BIGINT,
    reason    VARCHAR NOT NULL,
    detail    VARCHAR
);

CREATE TABLE IF NOT EXISTS events (
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
    raw VARCHAR NOT NULL,
    source_id              BIGINT NOT NULL,
    source_position        BIGINT NOT NULL,
    source_offset          BIGINT NOT NULL,
    run_id                 INTEGER NOT NULL
);
