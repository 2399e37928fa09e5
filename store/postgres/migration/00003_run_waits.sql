-- The wait steps of runs: when each gives up (until; NULL never) and, once a
-- request to its resume URL came, what it brought (resume, JSON; empty until
-- then). A run's rows go with it.
--
-- resume_key is the random key resume URLs are signed with: made here, once,
-- so that every replica signs with the same one. gen_random_uuid draws from
-- the server's strong random source: two give 244 random bits.

-- +goose Up
CREATE TABLE run_waits (
    run_id     text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id    text        NOT NULL,
    until      timestamptz,
    resume     bytea       NOT NULL DEFAULT '',
    resumed_at timestamptz,
    PRIMARY KEY (run_id, step_id)
);

INSERT INTO settings (name, value)
    VALUES ('resume_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
    ON CONFLICT (name) DO NOTHING;

-- +goose Down
DROP TABLE run_waits;
DELETE FROM settings WHERE name = 'resume_key';
