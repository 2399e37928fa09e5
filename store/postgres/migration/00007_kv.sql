-- The key-value store of the storage and dedupe steps: one row per scope
-- (a workflow id, or '' for the keys every workflow shares) and key, its
-- value JSON text (kept as written); expires_at NULL: never.
--
-- kv_ops records the writes made under an op id (a run's step) with their
-- result, so that a run resumed after a crash does not apply one twice.

-- +goose Up
CREATE TABLE kv (
    scope      text        NOT NULL,
    key        text        NOT NULL,
    value      text        NOT NULL,
    expires_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE kv_ops (
    op_id      text        NOT NULL PRIMARY KEY,
    result     text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX kv_ops_created ON kv_ops (created_at);

-- +goose Down
DROP TABLE kv_ops;
DROP TABLE kv;
