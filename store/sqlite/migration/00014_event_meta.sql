-- An event's metadata beside its headers: what a broker or poll says of
-- the message (subject, stream sequence, redelivery count), a JSON object,
-- '' where there is none (webhook, cron and manual events).

-- +goose Up
ALTER TABLE events ADD COLUMN meta TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN meta;
