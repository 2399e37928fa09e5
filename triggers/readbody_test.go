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
	_, err := readBody(httptest.NewRecorder(), r, 1<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errStalled) {
		t.Fatalf("readBody = %v, want the stall", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
		t.Errorf("a body declared as 1 MiB of which 10 bytes came took %d KiB", n>>10)
	}

	for _, size := range []int{0, 1, 100, 64 << 10, 64<<10 + 1, 300000, 1 << 20} {
		data := bytes.Repeat([]byte("abcdefg"), size/7+1)[:size]
		r := httptest.NewRequest("POST", "/hooks/x", bytes.NewReader(data))
		got, err := readBody(httptest.NewRecorder(), r, 1<<20)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: got %d bytes, %v", size, len(got), err)
		}
	}
	r = httptest.NewRequest("POST", "/hooks/x", strings.NewReader("short"))
	r.ContentLength = 10
	if _, err := readBody(httptest.NewRecorder(), r, 1<<20); err == nil {
		t.Error("a body shorter than its length was read without an error")
	}
	r = httptest.NewRequest("POST", "/hooks/x", strings.NewReader(strings.Repeat("x", 2000)))
	r.ContentLength = -1
	var mbe *http.MaxBytesError
	if _, err := readBody(httptest.NewRecorder(), r, 1000); !errors.As(err, &mbe) {
		t.Errorf("a body of unknown length over the limit: %v, want a MaxBytesError", err)
	}
}
