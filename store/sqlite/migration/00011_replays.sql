-- The replays of a run: its page links to them, and the failed runs whose
-- latest replay succeeded can be left out of the run list (unresolved).
-- Partial: most runs replay nothing, and the index holds only those that
-- do; the queries that read it say replay_of <> '' so the planner may.

-- +goose Up
CREATE INDEX runs_replay_of ON runs (replay_of, id) WHERE replay_of <> '';

-- +goose Down
DROP INDEX runs_replay_of;
