-- Users who log in, their editor sessions and their personal API tokens.
-- Passwords are kept as argon2id hashes, sessions and tokens as the
-- SHA-256 of the random value the user holds. A token's expires_at NULL
-- means never.

-- +goose Up
CREATE TABLE users (
    id            text        NOT NULL PRIMARY KEY,
    email         text COLLATE "C" NOT NULL UNIQUE,
    role          text        NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
    id_hash          text        NOT NULL PRIMARY KEY,
    user_id          text        NOT NULL DEFAULT '',
    admin_token_hash text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id         text        NOT NULL PRIMARY KEY,
    user_id    text        NOT NULL,
    name       text        NOT NULL,
    role       text        NOT NULL,
    hash       text        NOT NULL UNIQUE,
    expires_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
