-- Per workflow and minute, the dashboard's aggregates (store.RollupStore):
-- runs finished by status, delivery attempts by outcome, a histogram of
-- event-to-finish latency in fixed buckets (lat_00 under 100µs, each next
-- one twice as wide, lat_29 the rest), and the sampled backlog. Engines add
-- to a row every few seconds; nothing is written per run. minute is minutes
-- since the Unix epoch.

-- +goose Up
CREATE TABLE rollups (
    workflow_id      TEXT NOT NULL,
    minute           INTEGER NOT NULL,
    succeeded        INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    filtered         INTEGER NOT NULL DEFAULT 0,
    cancelled        INTEGER NOT NULL DEFAULT 0,
    delivered        INTEGER NOT NULL DEFAULT 0,
    delivery_failed  INTEGER NOT NULL DEFAULT 0,
    delivery_retried INTEGER NOT NULL DEFAULT 0,
    lat_00           INTEGER NOT NULL DEFAULT 0,
    lat_01           INTEGER NOT NULL DEFAULT 0,
    lat_02           INTEGER NOT NULL DEFAULT 0,
    lat_03           INTEGER NOT NULL DEFAULT 0,
    lat_04           INTEGER NOT NULL DEFAULT 0,
    lat_05           INTEGER NOT NULL DEFAULT 0,
    lat_06           INTEGER NOT NULL DEFAULT 0,
    lat_07           INTEGER NOT NULL DEFAULT 0,
    lat_08           INTEGER NOT NULL DEFAULT 0,
    lat_09           INTEGER NOT NULL DEFAULT 0,
    lat_10           INTEGER NOT NULL DEFAULT 0,
    lat_11           INTEGER NOT NULL DEFAULT 0,
    lat_12           INTEGER NOT NULL DEFAULT 0,
    lat_13           INTEGER NOT NULL DEFAULT 0,
    lat_14           INTEGER NOT NULL DEFAULT 0,
    lat_15           INTEGER NOT NULL DEFAULT 0,
    lat_16           INTEGER NOT NULL DEFAULT 0,
    lat_17           INTEGER NOT NULL DEFAULT 0,
    lat_18           INTEGER NOT NULL DEFAULT 0,
    lat_19           INTEGER NOT NULL DEFAULT 0,
    lat_20           INTEGER NOT NULL DEFAULT 0,
    lat_21           INTEGER NOT NULL DEFAULT 0,
    lat_22           INTEGER NOT NULL DEFAULT 0,
    lat_23           INTEGER NOT NULL DEFAULT 0,
    lat_24           INTEGER NOT NULL DEFAULT 0,
    lat_25           INTEGER NOT NULL DEFAULT 0,
    lat_26           INTEGER NOT NULL DEFAULT 0,
    lat_27           INTEGER NOT NULL DEFAULT 0,
    lat_28           INTEGER NOT NULL DEFAULT 0,
    lat_29           INTEGER NOT NULL DEFAULT 0,
    backlog          INTEGER NOT NULL DEFAULT 0,
    oldest_due_ms    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workflow_id, minute)
) WITHOUT ROWID;
CREATE INDEX rollups_minute ON rollups (minute);

-- +goose Down
DROP TABLE rollups;
