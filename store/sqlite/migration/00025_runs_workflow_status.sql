-- One workflow's runs of one status (GET /api/v1/runs?workflow=W&status=failed).
--
-- With both filters the planner chose between runs_workflow (every run of
-- the workflow) and runs_status (every run of that status), and having no
-- statistics it took runs_status: with a million runs, a workflow with no
-- failed run read every failed run of every workflow (126 ms a page). This
-- index seeks the pair. Like runs_status it holds only the runs a user
-- looks for by status (not succeeded, filtered or running: those are most
-- runs, and a workflow's succeeded ones are found in runs_workflow), so the
-- writer pays for it only for runs that wait, retry or fail. Its condition
-- is runs_status's, word for word, which RunList repeats.

-- +goose Up
CREATE INDEX runs_workflow_status ON runs (workflow_id, status, id)
    WHERE status <> 'succeeded' AND status <> 'filtered' AND status <> 'running';

-- +goose Down
DROP INDEX runs_workflow_status;
