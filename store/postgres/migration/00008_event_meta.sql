-- An event's metadata beside its headers: what a broker or poll says of
-- the message (subject, stream sequence, redelivery count), a JSON object
-- as text (as headers are), '' where there is none.

-- +goose Up
ALTER TABLE events ADD COLUMN meta text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN meta;
