-- Paused destinations (circuit breaker): the state of each destination of
-- outbound calls (scheme://host:port), written only when it changes or a
-- call to it fails, never per successful call to a healthy destination.
-- Times in unix nanoseconds (0: none); cooldown in nanoseconds.

-- +goose Up
CREATE TABLE destinations (
    key                  TEXT    NOT NULL PRIMARY KEY,
    state                TEXT    NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    paused_until         INTEGER NOT NULL,
    cooldown             INTEGER NOT NULL,
    last_error           TEXT    NOT NULL,
    last_failure_at      INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE destinations;
