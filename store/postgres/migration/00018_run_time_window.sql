-- Time windows on the run list without an index of creation times, as in
-- SQLite's migration 24: run ids are UUIDv7, whose first 48 bits are the
-- milliseconds at which they were made, so a window on created_at is a
-- range of ids in the indexes that end with the id. time_skewed marks the
-- runs whose ids do not tell their creation time within 100 ms (an id made
-- by another clock, or not a lower-case UUIDv7: store.IDTimeSkewed), and
-- runs_skewed lists them by creation time.

-- +goose Up
ALTER TABLE runs ADD COLUMN time_skewed boolean NOT NULL DEFAULT false;
UPDATE runs SET time_skewed = true WHERE CASE
    WHEN length(id) = 36 AND id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7'
    THEN abs(floor(extract(epoch FROM created_at) * 1000)::bigint
        - ('x' || substr(id, 1, 8) || substr(id, 10, 4))::bit(48)::bigint) > 100
    ELSE true END;
CREATE INDEX runs_skewed ON runs (created_at) WHERE time_skewed;

-- +goose Down
DROP INDEX runs_skewed;
ALTER TABLE runs DROP COLUMN time_skewed;
