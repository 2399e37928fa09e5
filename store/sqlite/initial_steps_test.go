package sqlite

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func TestInitialStepsRoundTrip(t *testing.T) {
	t.Parallel()
	body := []byte(`{"order":"A-1"}`)
	in := []store.StepResult{
		{StepID: "paid", StepIndex: 0, Attempt: 1, Status: store.StepSucceeded, Input: body, InputIsEventBody: true,
			Output: []byte("true"), StartedAt: time.Unix(1700000000, 123456789).UTC(), Duration: 1500 * time.Nanosecond},
		{StepID: "shape", StepIndex: 1, Attempt: 2, Status: store.StepFailed, Input: []byte(`{"x":1}`),
			Output: []byte{}, Error: "transform: " + strings.Repeat("é", 300), StatusCode: -1,
			StartedAt: time.Unix(1700000001, 0).UTC(), Duration: time.Hour},
		{StepID: "", Status: "", Input: nil, Output: nil}, // zero values survive too
	}
	got, err := decodeInitialSteps("run-1", encodeInitialSteps(in), body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := make([]store.StepResult, len(in))
	for i, r := range in {
		r.RunID, r.InputIsEventBody = "run-1", false
		r.Input, r.Output = store.NonNil(r.Input), store.NonNil(r.Output)
		if r.StartedAt.IsZero() {
			r.StartedAt = fromNanos(0)
		}
		want[i] = r
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}

	if got, err := decodeInitialSteps("run-1", encodeInitialSteps(nil), body); err != nil || got != nil {
		t.Errorf("no steps decode to %v, %v; want nil, nil", got, err)
	}
}

// TestInitialStepsCorrupt: every truncation and a few damaged bytes give an
// error, never a panic or a silently short list.
func TestInitialStepsCorrupt(t *testing.T) {
	t.Parallel()
	b := encodeInitialSteps([]store.StepResult{
		{StepID: "a", Attempt: 1, Status: store.StepSucceeded, Input: []byte("{}"), Output: []byte("1")},
		{StepID: "b", Attempt: 1, Status: store.StepFiltered, InputIsEventBody: true, Output: []byte("false")},
	})
	for n := 1; n < len(b); n++ {
		if got, err := decodeInitialSteps("r", b[:n], nil); err == nil {
			t.Errorf("decoding the first %d of %d bytes = %+v, want an error", n, len(b), got)
		}
	}
	if _, err := decodeInitialSteps("r", append(append([]byte{}, b...), 0), nil); err == nil {
		t.Error("trailing byte accepted")
	}
	bad := append([]byte{}, b...)
	bad[0] = 9
	if _, err := decodeInitialSteps("r", bad, nil); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("version 9: err = %v, want unknown version", err)
	}
	huge := []byte{initialStepsVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}
	if _, err := decodeInitialSteps("r", huge, nil); err == nil {
		t.Error("a count beyond the data accepted")
	}
}
