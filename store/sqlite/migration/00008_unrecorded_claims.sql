-- Claims of a run since it last recorded a step attempt, less those its
-- owner gave back: the engine fails a run claimed again and again without
-- recording anything (its execution took the process down each time)
-- instead of executing it once more. No index reads it, and no partial
-- index's condition names it, so adding it rewrites no row and changes
-- no query plan; existing runs start from 0.

-- +goose Up
ALTER TABLE runs ADD COLUMN unrecorded_claims INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE runs DROP COLUMN unrecorded_claims;
