-- Run controls and failures grouped into issues.
--
-- runs.cancel_requested marks a run asked to cancel while an attempt was in
-- flight: its owner's next update ends it cancelled.
--
-- failure_issues groups failed runs by workflow, step and error class; one
-- upsert per failed run, in the transaction of its final update.
-- last_opened says the latest failure opened the issue (created it, or
-- reopened it after it was resolved): what the engine fires on_failure on.

-- +goose Up
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;

CREATE TABLE failure_issues (
    id          TEXT    NOT NULL PRIMARY KEY,
    workflow_id TEXT    NOT NULL,
    step_id     TEXT    NOT NULL,
    class       TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    sample_run  TEXT    NOT NULL,
    last_error  TEXT    NOT NULL,
    last_opened INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX failure_issues_key ON failure_issues (workflow_id, step_id, class);
CREATE INDEX failure_issues_last_seen ON failure_issues (last_seen);

-- +goose Down
DROP TABLE failure_issues;
ALTER TABLE runs DROP COLUMN cancel_requested;
