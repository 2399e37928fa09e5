-- The wait steps of runs: when each gives up (until, unix nanoseconds; 0
-- never) and, once a request to its resume URL came, what it brought
-- (resume, JSON; empty until then). A run's rows go with it.
--
-- resume_key is the random key resume URLs are signed with: made here, once,
-- so that every process sharing the database signs with the same one.

-- +goose Up
CREATE TABLE run_waits (
    run_id     TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id    TEXT    NOT NULL,
    until      INTEGER NOT NULL,
    resume     BLOB    NOT NULL DEFAULT x'',
    resumed_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, step_id)
) STRICT, WITHOUT ROWID;

INSERT INTO settings (name, value) VALUES ('resume_key', lower(hex(randomblob(32))))
    ON CONFLICT (name) DO NOTHING;

-- +goose Down
DROP TABLE run_waits;
DELETE FROM settings WHERE name = 'resume_key';
