-- Named secrets. The value is never stored in clear: ciphertext is what the
-- vault (package secrets) sealed with AES-256-GCM under the name.

-- +goose Up
CREATE TABLE secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    ciphertext BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE secrets;
