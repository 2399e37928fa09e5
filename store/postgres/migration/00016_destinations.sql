-- Paused destinations (circuit breaker): the state of each destination of
-- outbound calls (scheme://host:port), written only when it changes or a
-- call to it fails, never per successful call to a healthy destination.
-- cooldown in nanoseconds.

-- +goose Up
CREATE TABLE destinations (
    key                  text COLLATE "C" NOT NULL PRIMARY KEY,
    state                text        NOT NULL,
    consecutive_failures integer     NOT NULL,
    paused_until         timestamptz,
    cooldown             bigint      NOT NULL,
    last_error           text        NOT NULL,
    last_failure_at      timestamptz,
    updated_at           timestamptz NOT NULL
);

-- +goose Down
DROP TABLE destinations;
