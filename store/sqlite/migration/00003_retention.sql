-- Retention: Prune finds finished runs by finished_at (0 while a run is not
-- finished) without scanning the history.

-- +goose Up
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at > 0;

-- +goose Down
DROP INDEX runs_finished;
