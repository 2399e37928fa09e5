-- Time windows on the run list without an index of creation times.
--
-- Run ids are UUIDv7: their first 48 bits are the milliseconds at which
-- they were made, which for the runs Hookflow makes is when the run was
-- created (created_at), to the millisecond. A window on created_at is then
-- a range of ids, which every run index already ends with (the primary
-- key, runs_workflow, runs_status): RunList seeks it instead of reading
-- every run newer than the window. time_skewed marks the runs for which
-- that does not hold (an id made at another time than created_at, or not
-- a UUIDv7), and runs_skewed lists them by creation time, so a window also
-- finds them; it is empty where every id is as Hookflow makes it, and
-- costs the writer one comparison per run.
--
-- The runs already stored are marked here, the id's milliseconds read from
-- its hex digits (an id whose first twelve digits are not lower-case hex
-- is marked).

-- +goose Up
ALTER TABLE runs ADD COLUMN time_skewed INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET time_skewed = 1 WHERE length(id) <> 36 OR substr(id, 15, 1) <> '7' OR abs(created_at / 1000000 - (
      (instr('0123456789abcdef', substr(id, 1, 1)) - 1) * 17592186044416
    + (instr('0123456789abcdef', substr(id, 2, 1)) - 1) * 1099511627776
    + (instr('0123456789abcdef', substr(id, 3, 1)) - 1) * 68719476736
    + (instr('0123456789abcdef', substr(id, 4, 1)) - 1) * 4294967296
    + (instr('0123456789abcdef', substr(id, 5, 1)) - 1) * 268435456
    + (instr('0123456789abcdef', substr(id, 6, 1)) - 1) * 16777216
    + (instr('0123456789abcdef', substr(id, 7, 1)) - 1) * 1048576
    + (instr('0123456789abcdef', substr(id, 8, 1)) - 1) * 65536
    + (instr('0123456789abcdef', substr(id, 10, 1)) - 1) * 4096
    + (instr('0123456789abcdef', substr(id, 11, 1)) - 1) * 256
    + (instr('0123456789abcdef', substr(id, 12, 1)) - 1) * 16
    + (instr('0123456789abcdef', substr(id, 13, 1)) - 1))) > 100
    OR substr(id, 9, 1) <> '-' OR (substr(id, 1, 8) || substr(id, 10, 4)) GLOB '*[^0-9a-f]*';
CREATE INDEX runs_skewed ON runs (created_at) WHERE time_skewed <> 0;

-- +goose Down
DROP INDEX runs_skewed;
ALTER TABLE runs DROP COLUMN time_skewed;
