-- The key-value store of the storage and dedupe steps: one row per scope
-- (a workflow id, or '' for the keys every workflow shares) and key, its
-- value JSON text; expires_at unix nanoseconds, 0 never.
--
-- kv_ops records the writes made under an op id (a run's step) with their
-- result, so that a run resumed after a crash does not apply one twice.

-- +goose Up
CREATE TABLE kv (
    scope      TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX kv_expires ON kv (expires_at) WHERE expires_at > 0;

CREATE TABLE kv_ops (
    op_id      TEXT    NOT NULL PRIMARY KEY,
    result     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX kv_ops_created ON kv_ops (created_at);

-- +goose Down
DROP TABLE kv_ops;
DROP TABLE kv;
