-- The audit log: who changed what, when, from where. ids are UUIDv7, so
-- the id order is the time order.

-- +goose Up
CREATE TABLE audit_log (
    id              text COLLATE "C" NOT NULL PRIMARY KEY,
    at              timestamptz NOT NULL,
    actor           text COLLATE "C" NOT NULL,
    via             text        NOT NULL,
    client          text        NOT NULL,
    action          text        NOT NULL,
    target          text        NOT NULL,
    revision_before integer     NOT NULL DEFAULT 0,
    revision_after  integer     NOT NULL DEFAULT 0,
    detail          text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

-- +goose Down
DROP TABLE audit_log;
