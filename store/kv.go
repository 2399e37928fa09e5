package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the key-value store.
const (
	// KVMaxKey is the longest key, in bytes.
	KVMaxKey = 512
	// KVMaxValue is the largest value, in bytes of JSON.
	KVMaxValue = 64 << 10
)

// KVGlobal is the scope of the keys every workflow shares; a workflow's
// own keys have its id as their scope.
const KVGlobal = ""

// ErrKVValue: an operation does not apply to the value a key holds (incr
// of a text, append to an object), or a value is over the limits.
var ErrKVValue = errors.New("storage value")

// KV is one entry of the key-value store, as the steps storage and dedupe
// keep it.
type KV struct {
	// Scope is the workflow id whose key it is, or KVGlobal.
	Scope string `json:"scope"`
	Key   string `json:"key"`
	// Value is JSON.
	Value json.RawMessage `json:"value"`
	// ExpiresAt is when the entry goes (zero: never). An expired entry
	// reads as absent, and is pruned by KVPrune.
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// KVResult is what a write to the key-value store came to.
type KVResult struct {
	// Entry is the entry after the write; for KVDelete, and KVSetIfAbsent
	// where the key was there, the entry as it was.
	Entry KV `json:"entry"`
	// Existed says the key held a live entry before the write.
	Existed bool `json:"existed"`
	// Replayed says the write's OpID was applied before: nothing was
	// changed, and this is that first write's result.
	Replayed bool `json:"-"`
}

// KVWrite is what every write to the key-value store names.
type KVWrite struct {
	Scope string
	Key   string
	// OpID, where set, makes the write apply once: a write with an OpID
	// already applied changes nothing and returns the first one's result
	// (Replayed). The engine uses the run id and step path, so that a run
	// resumed after a crash does not apply a step's write twice.
	OpID string
	// ExpiresAt, where set, is the entry's new expiry; otherwise it keeps
	// the one it had (none for a new entry).
	ExpiresAt time.Time
	Now       time.Time
}

// KVGetParams reads one entry.
type KVGetParams struct {
	Scope string
	Key   string
	Now   time.Time
}

// KVSetParams replaces an entry's value.
type KVSetParams struct {
	KVWrite
	Value json.RawMessage
}

// KVIncrParams adds By to the number an entry holds (0 where none).
type KVIncrParams struct {
	KVWrite
	By float64
}

// KVDeleteParams removes an entry.
type KVDeleteParams struct {
	KVWrite
}

// KVAppendParams adds Value at the end of the list an entry holds (an
// empty list where none), keeping only the last MaxLen items (0: all).
type KVAppendParams struct {
	KVWrite
	Value  json.RawMessage
	MaxLen int
}

// KVSetIfAbsentParams sets an entry only where the key holds no live one
// (dedupe: the first sighting of a key within a window).
type KVSetIfAbsentParams struct {
	KVWrite
	Value json.RawMessage
}

// KVListParams lists the live entries of a scope.
type KVListParams struct {
	Scope  string
	Prefix string
	// After returns the keys after this one (the cursor).
	After string
	Limit int
	Now   time.Time
}

// KVPruneParams says what KVPrune deletes.
type KVPruneParams struct {
	// Now: entries expired at it are deleted.
	Now time.Time
	// OpsBefore: the records of applied OpIDs older than it are deleted.
	OpsBefore time.Time
}

// KVChange computes the entry a write leaves from the live one (nil:
// none): nil deletes it. Drivers call it inside the write's transaction.
type KVChange func(cur *KV) (next *KV, err error)

// KVCheckKey refuses a key the store does not keep.
func KVCheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: the key is empty", ErrKVValue)
	case len(key) > KVMaxKey:
		return fmt.Errorf("%w: the key is %d bytes, over the limit of %d", ErrKVValue, len(key), KVMaxKey)
	case !utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("%w: the key is not valid text", ErrKVValue)
	}
	return nil
}

// KVCheckValue refuses a value the store does not keep.
func KVCheckValue(v []byte) error {
	switch {
	case len(v) > KVMaxValue:
		return fmt.Errorf("%w: the value is %d bytes of JSON, over the limit of %d", ErrKVValue, len(v), KVMaxValue)
	case !json.Valid(v):
		return fmt.Errorf("%w: the value is not JSON", ErrKVValue)
	}
	return nil
}

// Live reports whether the entry has not expired at now.
func (e KV) Live(now time.Time) bool { return e.ExpiresAt.IsZero() || e.ExpiresAt.After(now) }

// next is the entry cur becomes with value v under write w.
func (w KVWrite) next(cur *KV, v []byte) *KV {
	now := OrNow(w.Now)
	e := &KV{Scope: w.Scope, Key: w.Key, Value: v, CreatedAt: now, UpdatedAt: now, ExpiresAt: w.ExpiresAt}
	if cur != nil {
		e.CreatedAt = cur.CreatedAt
		if w.ExpiresAt.IsZero() {
			e.ExpiresAt = cur.ExpiresAt
		}
	}
	return e
}

// Change is how a set changes an entry.
func (p KVSetParams) Change() KVChange {
	return func(cur *KV) (*KV, error) {
		if err := KVCheckValue(p.Value); err != nil {
			return nil, err
		}
		return p.next(cur, p.Value), nil
	}
}

// Change is how a set-if-absent changes an entry: not at all where there
// is one.
func (p KVSetIfAbsentParams) Change() KVChange {
	return func(cur *KV) (*KV, error) {
		if cur != nil {
			return cur, nil
		}
		if err := KVCheckValue(p.Value); err != nil {
			return nil, err
		}
		return p.next(cur, p.Value), nil
	}
}

// Change is how a delete changes an entry.
func (p KVDeleteParams) Change() KVChange {
	return func(*KV) (*KV, error) { return nil, nil }
}

// Change is how an incr changes an entry.
func (p KVIncrParams) Change() KVChange {
	return func(cur *KV) (*KV, error) {
		var old []byte
		if cur != nil {
			old = cur.Value
		}
		v, err := KVIncrValue(old, p.By)
		if err != nil {
			return nil, err
		}
		return p.next(cur, v), nil
	}
}

// Change is how an append changes an entry.
func (p KVAppendParams) Change() KVChange {
	return func(cur *KV) (*KV, error) {
		var old []byte
		if cur != nil {
			old = cur.Value
		}
		v, err := KVAppendValue(old, p.Value, p.MaxLen)
		if err != nil {
			return nil, err
		}
		return p.next(cur, v), nil
	}
}

// KVIncrValue adds by to the JSON number old (none, or null: 0). Whole
// numbers stay whole: counts are exact up to 2^53.
func KVIncrValue(old []byte, by float64) ([]byte, error) {
	if math.IsNaN(by) || math.IsInf(by, 0) {
		return nil, fmt.Errorf("%w: cannot add %v", ErrKVValue, by)
	}
	n := 0.0
	if t := bytes.TrimSpace(old); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		var err error
		if n, err = strconv.ParseFloat(string(t), 64); err != nil || t[0] == '"' {
			return nil, fmt.Errorf("%w: the key holds %s, not a number", ErrKVValue, clip(t))
		}
	}
	sum := n + by
	if math.IsInf(sum, 0) {
		return nil, fmt.Errorf("%w: the sum is too large", ErrKVValue)
	}
	if sum == math.Trunc(sum) && math.Abs(sum) < 1<<53 {
		return strconv.AppendInt(nil, int64(sum), 10), nil
	}
	return strconv.AppendFloat(nil, sum, 'g', -1, 64), nil
}

// KVAppendValue adds item at the end of the JSON list old (none, or null:
// an empty list), keeping the last maxLen items where maxLen > 0.
func KVAppendValue(old, item []byte, maxLen int) ([]byte, error) {
	if !json.Valid(item) {
		return nil, fmt.Errorf("%w: the item is not JSON", ErrKVValue)
	}
	var list []json.RawMessage
	if t := bytes.TrimSpace(old); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		if err := json.Unmarshal(t, &list); err != nil {
			return nil, fmt.Errorf("%w: the key holds %s, not a list", ErrKVValue, clip(t))
		}
	}
	list = append(list, json.RawMessage(bytes.TrimSpace(item)))
	if maxLen > 0 && len(list) > maxLen {
		list = list[len(list)-maxLen:]
	}
	v, err := json.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	if err := KVCheckValue(v); err != nil {
		return nil, err
	}
	return v, nil
}

// clip shortens a value quoted in an error.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
