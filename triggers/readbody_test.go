package triggers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

// stalled gives its bytes, then fails as a connection cut off would.
type stalled struct{ r io.Reader }

var errStalled = errors.New("stalled")

func (s *stalled) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		return n, errStalled
	}
	return n, err
}

// TestReadBodyGrowsAsItArrives: a body's buffer follows the bytes that
// arrive, not the length the caller declares, and a whole body is read
// byte for byte whatever its size.
func TestReadBodyGrowsAsItArrives(t *testing.T) {
	r := httptest.NewRequest("POST", "/hooks/x", &stalled{strings.NewReader("0123456789")})
	r.ContentLength = 1 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := readBody(httptest.NewRecorder(), r, 1<<20, nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errStalled) {
		t.Fatalf("readBody = %v, want the stall", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
		t.Errorf("a body declared as 1 MiB of which 10 bytes came took %d KiB", n>>10)
	}

	for _, size := range []int{0, 1, 100, 64 << 10, 64<<10 + 1, 128 << 10, 300000, 1 << 20} {
		data := bytes.Repeat([]byte("abcdefg"), size/7+1)[:size]
		for _, declared := range []bool{true, false} {
			r := httptest.NewRequest("POST", "/hooks/x", bytes.NewReader(data))
			if !declared {
				r.ContentLength = -1
			}
			got, _, err := readBody(httptest.NewRecorder(), r, 1<<20, nil)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%d bytes (length declared: %v): got %d bytes, %v", size, declared, len(got), err)
			}
		}
	}
	r = httptest.NewRequest("POST", "/hooks/x", strings.NewReader("short"))
	r.ContentLength = 10
	if _, _, err := readBody(httptest.NewRecorder(), r, 1<<20, nil); err == nil {
		t.Error("a body shorter than its length was read without an error")
	}
	r = httptest.NewRequest("POST", "/hooks/x", strings.NewReader(strings.Repeat("x", 2000)))
	r.ContentLength = -1
	var mbe *http.MaxBytesError
	if _, _, err := readBody(httptest.NewRecorder(), r, 1000, nil); !errors.As(err, &mbe) {
		t.Errorf("a body of unknown length over the limit: %v, want a MaxBytesError", err)
	}
	r = httptest.NewRequest("POST", "/hooks/x", strings.NewReader(strings.Repeat("x", 300000)))
	r.ContentLength = -1
	if _, _, err := readBody(httptest.NewRecorder(), r, 200000, nil); !errors.As(err, &mbe) {
		t.Errorf("a body of unknown length over the limit past its first part: %v, want a MaxBytesError", err)
	}
}

// held gives its bytes, then tells it has none left and waits to be cut
// off, as a sender that stops would.
type held struct {
	r       io.Reader
	waiting chan struct{} // closed once the bytes are all read
	cut     chan struct{}
}

func (h *held) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if err == io.EOF {
		close(h.waiting)
		<-h.cut
		return n, errStalled
	}
	return n, err
}

// TestReadBodyCountsWhatCame: a body that declares a megabyte holds in the
// ReadBudget nothing while it has sent no more than its first part, one
// part once more has come, and nothing once it is cut off.
func TestReadBodyCountsWhatCame(t *testing.T) {
	reads := engine.NewReadBudget(4 << 20)
	for _, c := range []struct{ sent, held int64 }{
		{bodyPart, 0},
		{bodyPart + 10, bodyPart},
		{3*bodyPart + 10, 3 * bodyPart},
	} {
		h := &held{r: bytes.NewReader(make([]byte, c.sent)), waiting: make(chan struct{}), cut: make(chan struct{})}
		r := httptest.NewRequest("POST", "/hooks/x", h)
		r.ContentLength = 1 << 20
		done := make(chan error)
		go func() {
			_, read, err := readBody(httptest.NewRecorder(), r, 1<<20, reads)
			read.Release()
			done <- err
		}()
		<-h.waiting
		if got := reads.Used(); got != c.held {
			t.Errorf("%d bytes of 1 MiB sent: %d held, want %d", c.sent, got, c.held)
		}
		close(h.cut)
		if err := <-done; !errors.Is(err, errStalled) {
			t.Errorf("%d bytes sent, then cut off: %v, want the stall", c.sent, err)
		}
		if got := reads.Used(); got != 0 {
			t.Errorf("%d bytes still held once the body was cut off", got)
		}
	}
}
