-- Step attempts recorded as a run is created (filters and transforms run
-- as its event was accepted, steps a replay copies) are kept in the run's
-- row: see initial_steps.go. Empty for runs without any.

-- +goose Up
ALTER TABLE runs ADD COLUMN initial_steps BLOB NOT NULL DEFAULT x'';

-- +goose Down
ALTER TABLE runs DROP COLUMN initial_steps;
