-- The access tokens of outbound calls (OAuth2 client credentials), kept
-- encrypted: one row per grant key. refresh_at: when the token is to be
-- refreshed, unix nanoseconds; locked_until: a process fetching it holds
-- the row until then (0: nobody). A row with an empty ciphertext holds a
-- lock only.

-- +goose Up
CREATE TABLE tokens (
    key          TEXT    NOT NULL PRIMARY KEY,
    ciphertext   BLOB    NOT NULL,
    refresh_at   INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE tokens;
