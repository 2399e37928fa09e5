-- Hookflow's first schema. Times are INTEGER unix nanoseconds (UTC), 0 for
-- "not set". Free-form bytes (definitions, bodies, step input and output)
-- are BLOBs kept byte for byte.

-- +goose Up
CREATE TABLE workflows (
    id          TEXT    NOT NULL PRIMARY KEY,
    revision    INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    hook_key    TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    definition  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE revisions (
    workflow_id TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    definition  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, revision)
) STRICT, WITHOUT ROWID;

-- events.workflow_id has no foreign key on purpose: an accept batch must not
-- fail as a whole because one workflow was deleted while its webhook was in
-- flight. WorkflowDelete removes a workflow's events and runs itself.
CREATE TABLE events (
    id              TEXT    NOT NULL PRIMARY KEY,
    workflow_id     TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    method          TEXT    NOT NULL,
    headers         TEXT    NOT NULL, -- JSON object
    query           TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    received_at     INTEGER NOT NULL,
    idempotency_key TEXT    NOT NULL
) STRICT;

CREATE INDEX events_workflow_received ON events (workflow_id, received_at);

CREATE UNIQUE INDEX events_idempotency ON events (workflow_id, idempotency_key)
    WHERE idempotency_key <> '';

CREATE TABLE runs (
    id           TEXT    NOT NULL PRIMARY KEY,
    workflow_id  TEXT    NOT NULL,
    revision     INTEGER NOT NULL,
    event_id     TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    status       TEXT    NOT NULL,
    next_step    INTEGER NOT NULL DEFAULT 0,
    attempt      INTEGER NOT NULL DEFAULT 0,
    step_attempt INTEGER NOT NULL DEFAULT 0,
    run_at       INTEGER NOT NULL,
    lease_owner  TEXT    NOT NULL DEFAULT '',
    lease_until  INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    replay_of    TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The queue: due runs in claim order, and running runs by lease expiry.
CREATE INDEX runs_due ON runs (run_at, id)
    WHERE status IN ('queued', 'retrying', 'waiting');
CREATE INDEX runs_lease ON runs (lease_until)
    WHERE status = 'running';
-- History listing and cascades.
CREATE INDEX runs_workflow ON runs (workflow_id, id);
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_event ON runs (event_id, id);

CREATE TABLE step_results (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id     TEXT    NOT NULL,
    step_index  INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    input       BLOB    NOT NULL,
    output      BLOB    NOT NULL,
    error       TEXT    NOT NULL,
    status_code INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL
) STRICT;

CREATE INDEX step_results_run ON step_results (run_id, seq);

CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE settings;
DROP TABLE step_results;
DROP TABLE runs;
DROP TABLE events;
DROP TABLE revisions;
DROP TABLE workflows;
