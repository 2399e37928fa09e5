-- Bulk replay jobs: the filter they replay, how far they are (cursor: the
-- last source run dealt with; counts), and the lease of the process that
-- works on one. Times are unix nanoseconds, 0 for none.

-- +goose Up
CREATE TABLE replay_jobs (
    id              TEXT    NOT NULL PRIMARY KEY,
    workflow_id     TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    since           INTEGER NOT NULL,
    until           INTEGER NOT NULL,
    from_point      TEXT    NOT NULL,
    rate_per_second INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    total           INTEGER NOT NULL,
    done            INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    cursor          TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    lease_owner     TEXT    NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX replay_jobs_state ON replay_jobs (state, id);

-- +goose Down
DROP TABLE replay_jobs;
