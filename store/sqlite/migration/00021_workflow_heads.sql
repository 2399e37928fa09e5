-- The workflow list reads every workflow's head (WorkflowHeads) and no
-- definition: this index holds all it reads, so the list scans the index
-- alone, a few bytes a workflow, not the table's pages of definitions.

-- +goose Up
CREATE INDEX workflows_heads ON workflows (id, revision, enabled, hook_key, name, created_at, updated_at);

-- +goose Down
DROP INDEX workflows_heads;
