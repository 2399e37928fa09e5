-- The audit log: who changed what, when, from where. ids are UUIDv7, so
-- the id order is the time order; at is unix nanoseconds.

-- +goose Up
CREATE TABLE audit_log (
    id              TEXT    NOT NULL PRIMARY KEY,
    at              INTEGER NOT NULL,
    actor           TEXT    NOT NULL,
    via             TEXT    NOT NULL,
    client          TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    revision_before INTEGER NOT NULL DEFAULT 0,
    revision_after  INTEGER NOT NULL DEFAULT 0,
    detail          TEXT    NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

-- +goose Down
DROP TABLE audit_log;
