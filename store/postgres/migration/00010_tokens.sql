-- The access tokens of outbound calls (OAuth2 client credentials), kept
-- encrypted: one row per grant key. refresh_at: when the token is to be
-- refreshed; locked_until: a replica fetching it holds the row until then
-- (NULL: nobody). A row with an empty ciphertext holds a lock only.

-- +goose Up
CREATE TABLE tokens (
    key          text        NOT NULL PRIMARY KEY,
    ciphertext   bytea       NOT NULL,
    refresh_at   timestamptz,
    locked_until timestamptz,
    updated_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE tokens;
