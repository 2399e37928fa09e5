-- Claims of a run since it last recorded a step attempt, less those its
-- owner gave back: the engine fails a run claimed again and again without
-- recording anything (its execution took the process down each time)
-- instead of executing it once more. A column with a constant default is
-- added without rewriting the table; existing runs start from 0.

-- +goose Up
ALTER TABLE runs ADD COLUMN unrecorded_claims integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE runs DROP COLUMN unrecorded_claims;
