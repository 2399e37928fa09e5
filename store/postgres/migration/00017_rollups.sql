-- Per workflow and minute, the dashboard's aggregates (store.RollupStore):
-- runs finished by status, delivery attempts by outcome, a histogram of
-- event-to-finish latency in fixed buckets (lat_00 under 100µs, each next
-- one twice as wide, lat_29 the rest), and the sampled backlog. Engines add
-- to a row every few seconds; nothing is written per run. minute is minutes
-- since the Unix epoch.

-- +goose Up
CREATE TABLE rollups (
    workflow_id      TEXT NOT NULL,
    minute           BIGINT NOT NULL,
    succeeded        BIGINT NOT NULL DEFAULT 0,
    failed           BIGINT NOT NULL DEFAULT 0,
    filtered         BIGINT NOT NULL DEFAULT 0,
    cancelled        BIGINT NOT NULL DEFAULT 0,
    delivered        BIGINT NOT NULL DEFAULT 0,
    delivery_failed  BIGINT NOT NULL DEFAULT 0,
    delivery_retried BIGINT NOT NULL DEFAULT 0,
    lat_00           BIGINT NOT NULL DEFAULT 0,
    lat_01           BIGINT NOT NULL DEFAULT 0,
    lat_02           BIGINT NOT NULL DEFAULT 0,
    lat_03           BIGINT NOT NULL DEFAULT 0,
    lat_04           BIGINT NOT NULL DEFAULT 0,
    lat_05           BIGINT NOT NULL DEFAULT 0,
    lat_06           BIGINT NOT NULL DEFAULT 0,
    lat_07           BIGINT NOT NULL DEFAULT 0,
    lat_08           BIGINT NOT NULL DEFAULT 0,
    lat_09           BIGINT NOT NULL DEFAULT 0,
    lat_10           BIGINT NOT NULL DEFAULT 0,
    lat_11           BIGINT NOT NULL DEFAULT 0,
    lat_12           BIGINT NOT NULL DEFAULT 0,
    lat_13           BIGINT NOT NULL DEFAULT 0,
    lat_14           BIGINT NOT NULL DEFAULT 0,
    lat_15           BIGINT NOT NULL DEFAULT 0,
    lat_16           BIGINT NOT NULL DEFAULT 0,
    lat_17           BIGINT NOT NULL DEFAULT 0,
    lat_18           BIGINT NOT NULL DEFAULT 0,
    lat_19           BIGINT NOT NULL DEFAULT 0,
    lat_20           BIGINT NOT NULL DEFAULT 0,
    lat_21           BIGINT NOT NULL DEFAULT 0,
    lat_22           BIGINT NOT NULL DEFAULT 0,
    lat_23           BIGINT NOT NULL DEFAULT 0,
    lat_24           BIGINT NOT NULL DEFAULT 0,
    lat_25           BIGINT NOT NULL DEFAULT 0,
    lat_26           BIGINT NOT NULL DEFAULT 0,
    lat_27           BIGINT NOT NULL DEFAULT 0,
    lat_28           BIGINT NOT NULL DEFAULT 0,
    lat_29           BIGINT NOT NULL DEFAULT 0,
    backlog          BIGINT NOT NULL DEFAULT 0,
    oldest_due_ms    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workflow_id, minute)
);
CREATE INDEX rollups_minute ON rollups (minute);

-- +goose Down
DROP TABLE rollups;
