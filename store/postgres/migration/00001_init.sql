-- Hookflow's PostgreSQL schema. Times are timestamptz (microseconds); NULL
-- is "not set" (the zero time.Time). Free-form bytes (definitions, bodies,
-- step input and output, secret ciphertext) are bytea, kept byte for byte.
-- Ids that are sorted (run ids are UUIDv7, workflow ids, secret names) use
-- the "C" collation, so they order byte-wise as in the SQLite driver,
-- whatever the database's locale.

-- +goose Up
CREATE TABLE workflows (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    revision    integer     NOT NULL,
    enabled     boolean     NOT NULL,
    hook_key    text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    definition  bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE revisions (
    workflow_id text COLLATE "C" NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    revision    integer     NOT NULL,
    definition  bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, revision)
);

-- events.workflow_id has no foreign key on purpose: an accept batch must not
-- fail as a whole because one workflow was deleted while its webhook was in
-- flight. WorkflowDelete removes a workflow's events and runs itself.
CREATE TABLE events (
    id              text COLLATE "C" NOT NULL PRIMARY KEY,
    workflow_id     text COLLATE "C" NOT NULL,
    source          text        NOT NULL,
    method          text        NOT NULL,
    headers         text        NOT NULL, -- JSON object (text: jsonb refuses \u0000)
    query           text        NOT NULL,
    body            bytea       NOT NULL,
    received_at     timestamptz NOT NULL,
    idempotency_key text        NOT NULL
);

CREATE INDEX events_workflow_received ON events (workflow_id, received_at);

-- The arbiter of EventAccept's ON CONFLICT: one event per key and workflow.
CREATE UNIQUE INDEX events_idempotency ON events (workflow_id, idempotency_key)
    WHERE idempotency_key <> '';

CREATE TABLE runs (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    workflow_id  text COLLATE "C" NOT NULL,
    revision     integer     NOT NULL,
    event_id     text COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    status       text        NOT NULL,
    next_step    integer     NOT NULL DEFAULT 0,
    attempt      integer     NOT NULL DEFAULT 0,
    step_attempt integer     NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL,
    lease_owner  text        NOT NULL DEFAULT '',
    lease_until  timestamptz,
    error        text        NOT NULL DEFAULT '',
    replay_of    text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    finished_at  timestamptz
);

-- The queue: due runs in claim order, and running runs by lease expiry.
CREATE INDEX runs_due ON runs (run_at, id)
    WHERE status IN ('queued', 'retrying', 'waiting');
CREATE INDEX runs_lease ON runs (lease_until)
    WHERE status = 'running';
-- History listing and cascades.
CREATE INDEX runs_workflow ON runs (workflow_id, id);
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_event ON runs (event_id, id);
-- Retention: Prune finds finished runs without scanning the history.
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE step_results (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id     text        NOT NULL,
    step_index  integer     NOT NULL,
    attempt     integer     NOT NULL,
    status      text        NOT NULL,
    input       bytea       NOT NULL,
    output      bytea       NOT NULL,
    error       text        NOT NULL,
    status_code integer     NOT NULL,
    started_at  timestamptz,
    duration_ns bigint      NOT NULL
);

CREATE INDEX step_results_run ON step_results (run_id, seq);

CREATE TABLE settings (
    name  text NOT NULL PRIMARY KEY,
    value text NOT NULL
);

-- Named secrets. The value is never stored in clear: ciphertext is what the
-- vault sealed.
CREATE TABLE secrets (
    name       text COLLATE "C" NOT NULL PRIMARY KEY,
    ciphertext bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE secrets;
DROP TABLE settings;
DROP TABLE step_results;
DROP TABLE runs;
DROP TABLE events;
DROP TABLE revisions;
DROP TABLE workflows;
