package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBaselineHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(BaselineHandler())
	defer srv.Close()
	for _, tc := range []struct {
		body string
		want int
	}{
		{string(DefaultPayload), http.StatusAccepted},
		{`{"broken":`, http.StatusBadRequest},
	} {
		resp, err := http.Post(srv.URL+baselinePath, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("POST %.20s: %d, want %d", tc.body, resp.StatusCode, tc.want)
		}
	}
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /readyz: %d, want 200", resp.StatusCode)
	}
}
