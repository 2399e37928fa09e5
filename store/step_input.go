package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// InputRef says that a step attempt's Input holds, at Offset, the Output
// of an earlier attempt of the same run: the latest attempt recorded
// before it with StepID and Attempt (a webhook's request whose body is the
// transform's output before it, a step whose input is that output). A
// store may then keep Input without those bytes (EncodeInput) and put them
// back when the run's records are read (ResolveInputs).
type InputRef struct {
	StepID  string
	Attempt int
	// Offset and Len place the earlier attempt's Output in Input.
	Offset int
	Len    int
}

// inputRefMark starts an input stored as a reference: no JSON text starts
// with this byte, so inputs stored before references were made read as
// they are.
const inputRefMark = 0x01

// EventBodyInput is the input a store keeps for an attempt whose input is
// its event's body (StepResult.InputIsEventBody): one NUL byte, which no
// JSON input can be. The body is then stored once, with the event, and
// read from there (see IsEventBodyInput).
var EventBodyInput = []byte{0}

// IsEventBodyInput reports whether a stored input is EventBodyInput.
func IsEventBodyInput(stored []byte) bool { return len(stored) == 1 && stored[0] == 0 }

// EncodeInput is r.Input as a store keeps it: EventBodyInput for the
// event's body; where r.InputRef places an earlier attempt's output inside
// it, the mark, the reference, and Input less those bytes; otherwise Input
// itself (never nil).
func EncodeInput(r StepResult) []byte {
	if r.InputIsEventBody {
		return EventBodyInput
	}
	ref := r.InputRef
	if ref == nil || ref.Offset < 0 || ref.Len <= 0 || ref.Offset+ref.Len > len(r.Input) || ref.Attempt < 0 {
		return NonNil(r.Input)
	}
	b := make([]byte, 0, 16+len(ref.StepID)+len(r.Input)-ref.Len)
	b = append(b, inputRefMark)
	b = binary.AppendUvarint(b, uint64(len(ref.StepID)))
	b = append(b, ref.StepID...)
	b = binary.AppendUvarint(b, uint64(ref.Attempt))
	b = binary.AppendUvarint(b, uint64(ref.Offset))
	b = binary.AppendUvarint(b, uint64(ref.Len))
	b = append(b, r.Input[:ref.Offset]...)
	return append(b, r.Input[ref.Offset+ref.Len:]...)
}

// ErrCorruptInput: a stored input reference cannot be resolved.
var ErrCorruptInput = errors.New("corrupt step input reference")

// ResolveInputs puts back, in place, the inputs EncodeInput stored as
// references, in a run's attempts listed in the order recorded.
func ResolveInputs(results []StepResult) error {
	for i := range results {
		in := results[i].Input
		if len(in) == 0 || in[0] != inputRefMark {
			continue
		}
		ref, rest, err := decodeInputRef(in[1:])
		if err != nil {
			return fmt.Errorf("step %s attempt %d: %w", results[i].StepID, results[i].Attempt, err)
		}
		var out []byte
		found := false
		for j := i - 1; j >= 0; j-- {
			if results[j].StepID == ref.StepID && results[j].Attempt == ref.Attempt {
				out, found = results[j].Output, true
				break
			}
		}
		if !found || len(out) != ref.Len || ref.Offset > len(rest) {
			return fmt.Errorf("step %s attempt %d: input refers to step %s attempt %d: %w",
				results[i].StepID, results[i].Attempt, ref.StepID, ref.Attempt, ErrCorruptInput)
		}
		full := make([]byte, 0, len(rest)+len(out))
		full = append(full, rest[:ref.Offset]...)
		full = append(full, out...)
		results[i].Input = append(full, rest[ref.Offset:]...)
	}
	return nil
}

// decodeInputRef reads what follows the mark: the reference and the rest
// of the input.
func decodeInputRef(b []byte) (InputRef, []byte, error) {
	var ref InputRef
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	n, ok := next()
	if !ok || n > uint64(len(b)) {
		return ref, nil, ErrCorruptInput
	}
	ref.StepID, b = string(b[:n]), b[n:]
	attempt, ok1 := next()
	offset, ok2 := next()
	length, ok3 := next()
	if !ok1 || !ok2 || !ok3 || attempt > 1<<31 || offset > uint64(len(b)) || length > 1<<40 {
		return ref, nil, ErrCorruptInput
	}
	ref.Attempt, ref.Offset, ref.Len = int(attempt), int(offset), int(length)
	return ref, b, nil
}

// RefInput is the InputRef of an input that holds out, the Output of the
// attempt (stepID, attempt), or nil where it does not hold it or out is
// too short for a reference to pay.
func RefInput(input []byte, stepID string, attempt int, out []byte) *InputRef {
	if len(out) < minInputRef || len(input) < len(out) {
		return nil
	}
	i := bytes.Index(input, out)
	if i < 0 {
		return nil
	}
	return &InputRef{StepID: stepID, Attempt: attempt, Offset: i, Len: len(out)}
}

// minInputRef is the shortest output a reference stands in for: a
// reference costs the step's id and a few bytes.
const minInputRef = 32
