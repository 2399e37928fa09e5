-- Bulk replay jobs: the filter they replay, how far they are (cursor: the
-- last source run dealt with; counts), and the lease of the replica that
-- works on one. NULL times are "none".

-- +goose Up
CREATE TABLE replay_jobs (
    id              text COLLATE "C" NOT NULL PRIMARY KEY,
    workflow_id     text COLLATE "C" NOT NULL,
    status          text        NOT NULL,
    since           timestamptz,
    until           timestamptz,
    from_point      text        NOT NULL,
    rate_per_second integer     NOT NULL,
    state           text        NOT NULL,
    total           bigint      NOT NULL,
    done            bigint      NOT NULL DEFAULT 0,
    failed          bigint      NOT NULL DEFAULT 0,
    cursor          text COLLATE "C" NOT NULL DEFAULT '',
    last_error      text        NOT NULL DEFAULT '',
    lease_owner     text        NOT NULL DEFAULT '',
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    finished_at     timestamptz
);
CREATE INDEX replay_jobs_state ON replay_jobs (state, id);

-- +goose Down
DROP TABLE replay_jobs;
