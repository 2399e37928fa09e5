package store

import (
	"bytes"
	"errors"
	"testing"
)

func TestInputRefRoundTrip(t *testing.T) {
	t.Parallel()
	out := []byte(`{"order":"ord_0123456789abcdef","total":150.5,"currency":"USD"}`)
	in := []byte(`{"body":` + string(out) + `,"method":"POST","url":"http://127.0.0.1/d/1"}`)
	ref := RefInput(in, "shape", 2, out)
	if ref == nil || ref.Offset != len(`{"body":`) || ref.Len != len(out) {
		t.Fatalf("RefInput = %+v; want the output at offset 8", ref)
	}
	stored := EncodeInput(StepResult{Input: in, InputRef: ref})
	if len(stored) >= len(in) || bytes.Contains(stored, out) {
		t.Fatalf("EncodeInput kept %d of %d bytes, output included: %q", len(stored), len(in), stored)
	}
	results := []StepResult{
		{StepID: "shape", Attempt: 1, Output: []byte(`{"other":"attempt, same length as nothing"}`)},
		{StepID: "shape", Attempt: 2, Output: out},
		{StepID: "deliver", Attempt: 1, Input: stored},
	}
	if err := ResolveInputs(results); err != nil {
		t.Fatalf("ResolveInputs: %v", err)
	}
	if !bytes.Equal(results[2].Input, in) {
		t.Fatalf("resolved input = %s, want %s", results[2].Input, in)
	}
}

func TestInputRefNotMade(t *testing.T) {
	t.Parallel()
	out := []byte(`{"order":"ord_0123456789abcdef","total":150.5}`)
	for name, in := range map[string][]byte{
		"absent":  []byte(`{"body":{"order":"ord_0123456789abcdef","total":150.6}}`),
		"shorter": out[:20],
	} {
		if ref := RefInput(in, "s", 1, out); ref != nil {
			t.Errorf("%s: RefInput = %+v, want none", name, ref)
		}
	}
	if ref := RefInput([]byte(`{"a":true}`), "s", 1, []byte(`true`)); ref != nil {
		t.Errorf("short output: RefInput = %+v, want none (a reference costs more)", ref)
	}
	// A reference that does not fit its input is not used: Input is kept.
	in := []byte(`{"x":1}`)
	for _, ref := range []*InputRef{{StepID: "s", Offset: 5, Len: 9}, {StepID: "s", Offset: -1, Len: 1}, {StepID: "s", Len: 0}} {
		if got := EncodeInput(StepResult{Input: in, InputRef: ref}); !bytes.Equal(got, in) {
			t.Errorf("EncodeInput(%+v) = %q, want the input as it is", ref, got)
		}
	}
	if got := EncodeInput(StepResult{}); got == nil || len(got) != 0 {
		t.Errorf("EncodeInput(no input) = %#v, want empty, not nil", got)
	}
}

func TestInputRefCorrupt(t *testing.T) {
	t.Parallel()
	out := []byte(`{"order":"ord_0123456789abcdef","total":150.5}`)
	in := []byte(`[` + string(out) + `]`)
	stored := EncodeInput(StepResult{Input: in, InputRef: RefInput(in, "shape", 1, out)})
	// Every truncation fails cleanly, never panics.
	for n := 1; n < len(stored); n++ {
		results := []StepResult{{StepID: "shape", Attempt: 1, Output: out}, {StepID: "d", Input: stored[:n]}}
		if err := ResolveInputs(results); err == nil && bytes.Equal(results[1].Input, in) {
			t.Fatalf("truncated to %d bytes: resolved to the whole input", n)
		}
	}
	// The attempt referred to is missing, or its output is not the one
	// the reference was made with.
	for name, earlier := range map[string][]StepResult{
		"missing":      nil,
		"other step":   {{StepID: "other", Attempt: 1, Output: out}},
		"other length": {{StepID: "shape", Attempt: 1, Output: out[1:]}},
		"later":        nil,
	} {
		results := append(earlier, StepResult{StepID: "d", Input: stored})
		if name == "later" {
			results = append(results, StepResult{StepID: "shape", Attempt: 1, Output: out})
		}
		if err := ResolveInputs(results); !errors.Is(err, ErrCorruptInput) {
			t.Errorf("%s: ResolveInputs = %v, want ErrCorruptInput", name, err)
		}
	}
}
