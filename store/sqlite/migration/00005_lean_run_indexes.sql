-- Leaner run indexes: each one is written for every accepted event.
--
-- runs_status holds the runs a user looks for by status (queued, retrying,
-- waiting, failed, cancelled), not those that ended well: a list of
-- succeeded or filtered runs, the bulk of the history, reads the runs newest
-- first through the primary key (or runs_workflow) and meets them at once.
-- Nor running runs, which runs_lease holds (as many as the workers take
-- on). RunList repeats the index's condition so the planner can use it.
--
-- runs_event needs only the event id: an event has a handful of runs.

-- +goose Up
DROP INDEX runs_status;
CREATE INDEX runs_status ON runs (status, id) WHERE status NOT IN ('succeeded', 'filtered', 'running');
DROP INDEX runs_event;
CREATE INDEX runs_event ON runs (event_id);

-- +goose Down
DROP INDEX runs_status;
CREATE INDEX runs_status ON runs (status, id);
DROP INDEX runs_event;
CREATE INDEX runs_event ON runs (event_id, id);
