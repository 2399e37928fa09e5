-- Retention finds finished runs through their events (events by workflow
-- and time, then runs by event), so runs no longer keep an index of finish
-- times: one B-tree fewer written for every run that ends.

-- +goose Up
DROP INDEX runs_finished;

-- +goose Down
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at > 0;
