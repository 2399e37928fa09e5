package store

import (
	"fmt"
	"time"
)

// Run ids are UUIDv7, whose first 48 bits are the milliseconds at which
// they were made: for the runs Hookflow makes, when the run was created.
// A time window on CreatedAt is then a range of ids, which the stores seek
// in the indexes they keep by id. A run whose id does not tell its
// creation time within IDTimeTolerance (an id made by another clock, or
// not a UUIDv7) is stored marked as skewed (IDTimeSkewed), and the stores
// find those by their creation time instead.

// IDTimeTolerance is how far a run's creation time may be from the time in
// its id for the run to be found through its id.
const IDTimeTolerance = 100 * time.Millisecond

// idTimeMS is the milliseconds in a canonical lower-case UUIDv7 string; ok
// is false for any other string.
func idTimeMS(id string) (ms int64, ok bool) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[14] != '7' {
		return 0, false
	}
	for i := range 13 {
		if i == 8 {
			continue
		}
		c := id[i]
		var d int64
		switch {
		case c >= '0' && c <= '9':
			d = int64(c - '0')
		case c >= 'a' && c <= 'f':
			d = int64(c-'a') + 10
		default:
			return 0, false
		}
		ms = ms<<4 | d
	}
	return ms, true
}

// IDTimeSkewed tells whether a run created at created cannot be found by
// the time in its id: the id is not a lower-case UUIDv7, or its time is
// more than IDTimeTolerance from created (compared in whole milliseconds).
func IDTimeSkewed(id string, created time.Time) bool {
	ms, ok := idTimeMS(id)
	if !ok {
		return true
	}
	d := created.UnixMilli() - ms
	return d > IDTimeTolerance.Milliseconds() || d < -IDTimeTolerance.Milliseconds()
}

// IDWindow is the range of ids, From <= id < To, that holds every run not
// skewed (IDTimeSkewed) whose creation time is in [since, until); an
// empty bound (a zero time, or one out of a UUIDv7's range) leaves that
// side open.
func IDWindow(since, until time.Time) (from, to string) {
	slack := IDTimeTolerance.Milliseconds() + 1
	if !since.IsZero() {
		from = idPrefix(since.UnixMilli() - slack)
	}
	if !until.IsZero() {
		to = idPrefix(until.UnixMilli() + slack)
	}
	return from, to
}

// IDSince is the range of ids from which the runs not skewed created at or
// after since are counted: IDWindow's From, and sure, at or after which
// every run not skewed was created at or after since (its id's time is
// more than IDTimeTolerance after since), so it is counted from an index
// of ids alone; only those in [from, sure) need their creation time read.
// sure is "" where every run not skewed qualifies (a zero since, or one
// before the first UUIDv7), and "g", above every id of a run not skewed
// (a lower-case UUIDv7 string), where none can be told by its id alone.
func IDSince(since time.Time) (from, sure string) {
	from, _ = IDWindow(since, time.Time{})
	if since.IsZero() {
		return "", ""
	}
	ms := since.UnixMilli() + IDTimeTolerance.Milliseconds() + 1
	switch {
	case ms < 0:
		return from, ""
	case ms >= 1<<48:
		return from, "g"
	}
	return from, idPrefix(ms)
}

// idPrefix is the start of the ids made at ms: every UUIDv7 string made at
// ms or later sorts at or after it, every one made earlier before it. ""
// out of the 48 bits' range.
func idPrefix(ms int64) string {
	if ms < 0 || ms >= 1<<48 {
		return ""
	}
	return fmt.Sprintf("%08x-%04x", ms>>16, ms&0xffff)
}
