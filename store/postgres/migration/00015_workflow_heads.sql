-- The workflow list reads every workflow's head (WorkflowHeads) and no
-- definition: an index-only scan of this index reads no definition.

-- +goose Up
CREATE INDEX workflows_heads ON workflows (id) INCLUDE (revision, enabled, hook_key, name, created_at, updated_at);

-- +goose Down
DROP INDEX workflows_heads;
