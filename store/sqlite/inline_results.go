package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// A run's inline results: the step attempts a run is created with (the
// filters and transforms the engine ran as it accepted the event, or the
// attempts a replay copies) are kept in the run's row, in the column
// runs.initial_steps (up to maxInlineResults), rather than as rows of
// step_results: an accepted event is then two rows, not three, and its
// step record costs the writer a few bytes instead of a row and an index
// entry. They never change once written. StepResultList returns them before the
// step_results rows of the run, which are always made later.
//
// The encoding is a version byte, the count, then per attempt: step id,
// step index, attempt, status, input kind (0: bytes follow, 1: the event's
// body, stored once with the event), input, output, error, status code,
// start (unix ns) and duration (ns); strings and bytes are length-prefixed,
// numbers varints. Inputs of kind 0 are as store.EncodeInput makes them
// (an earlier attempt's output inside them kept as a reference), resolved
// by StepResultList once the run's attempts are read.

const (
	// maxInlineResults caps what a run's row holds: every later update of
	// the run rewrites the row, so larger records go to step_results.
	maxInlineResults = 16 << 10

	inlineResultsVersion = 1
	inputBytes           = 0
	inputEventBody       = 1
)

// encodeInlineResults encodes results for runs.initial_steps; nil or empty
// encodes to an empty value.
func encodeInlineResults(results []store.StepResult) []byte {
	if len(results) == 0 {
		return []byte{}
	}
	n := 16
	for _, r := range results {
		n += 64 + len(r.StepID) + len(r.Status) + len(r.Output) + len(r.Error)
		if !r.InputIsEventBody {
			n += len(r.Input) + 16
		}
	}
	b := make([]byte, 0, n)
	b = append(b, inlineResultsVersion)
	b = binary.AppendUvarint(b, uint64(len(results)))
	for _, r := range results {
		b = appendString(b, r.StepID)
		b = binary.AppendVarint(b, int64(r.StepIndex))
		b = binary.AppendVarint(b, int64(r.Attempt))
		b = appendString(b, r.Status)
		if r.InputIsEventBody {
			b = append(b, inputEventBody)
		} else {
			b = append(b, inputBytes)
			b = appendBytes(b, store.EncodeInput(r))
		}
		b = appendBytes(b, r.Output)
		b = appendString(b, r.Error)
		b = binary.AppendVarint(b, int64(r.StatusCode))
		b = binary.AppendVarint(b, nanos(r.StartedAt))
		b = binary.AppendVarint(b, int64(r.Duration))
	}
	return b
}

// initialSteps is what a new run's row holds of results: their encoding,
// or, where that passes maxInlineResults, nothing and rows (insert them
// into step_results).
func inlineResults(results []store.StepResult) (steps []byte, rows bool) {
	steps = encodeInlineResults(results)
	if len(steps) > maxInlineResults {
		return []byte{}, true
	}
	return steps, false
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytes(b, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

var errCorruptSteps = errors.New("corrupt initial step records")

// decodeInlineResults decodes runs.initial_steps of run runID; body is the
// run's event body, the input of attempts stored as "the event's body".
func decodeInlineResults(runID string, b, body []byte) ([]store.StepResult, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := stepDecoder{b: b}
	if v := d.byte(); v != inlineResultsVersion {
		return nil, fmt.Errorf("initial step records: unknown version %d", v)
	}
	count := d.uvarint()
	if d.err != nil || count > uint64(len(b)) {
		return nil, errCorruptSteps
	}
	results := make([]store.StepResult, 0, count)
	for range count {
		r := store.StepResult{RunID: runID}
		r.StepID = string(d.bytes())
		r.StepIndex = int(d.varint())
		r.Attempt = int(d.varint())
		r.Status = string(d.bytes())
		switch d.byte() {
		case inputBytes:
			r.Input = d.bytes()
		case inputEventBody:
			r.Input = body
		default:
			return nil, errCorruptSteps
		}
		r.Output = d.bytes()
		r.Error = string(d.bytes())
		r.StatusCode = int(d.varint())
		r.StartedAt = fromNanos(d.varint())
		r.Duration = time.Duration(d.varint())
		if d.err != nil {
			return nil, d.err
		}
		results = append(results, r)
	}
	if len(d.b) != 0 {
		return nil, errCorruptSteps
	}
	return results, nil
}

// stepDecoder reads initial_steps, remembering the first error.
type stepDecoder struct {
	b   []byte
	err error
}

func (d *stepDecoder) fail() { d.err, d.b = errCorruptSteps, nil }

func (d *stepDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0xff
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *stepDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint undoes binary.AppendVarint's zig-zag encoding.
func (d *stepDecoder) varint() int64 {
	x := d.uvarint()
	v := int64(x >> 1)
	if x&1 != 0 {
		v = ^v
	}
	return v
}

// bytes returns a length-prefixed value, never nil (stored inputs and
// outputs read back as empty, not nil, as from step_results).
func (d *stepDecoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return []byte{}
	}
	p := make([]byte, n)
	copy(p, d.b)
	d.b = d.b[n:]
	return p
}
