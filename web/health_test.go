package web_test

import (
	"net/http"
	"testing"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if r := b.send(http.MethodGet, "/healthz", nil); r.status != http.StatusOK {
		t.Errorf("healthz = %d %s", r.status, r.body)
	}
	if r := b.send(http.MethodGet, "/readyz", nil); r.status != http.StatusOK {
		t.Errorf("readyz = %d %s", r.status, r.body)
	}
	if err := b.store.Close(); err != nil {
		t.Fatal(err)
	}
	wantError(t, b.send(http.MethodGet, "/readyz", nil), http.StatusServiceUnavailable, "not_ready")
	if r := b.send(http.MethodGet, "/healthz", nil); r.status != http.StatusOK {
		t.Errorf("healthz with the store closed = %d", r.status)
	}
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range []string{"/nope", "/api/v2/workflows", "/hooks", "/hooks/"} {
		wantError(t, b.send(http.MethodGet, p, nil), http.StatusNotFound, "not_found")
	}
	// Unknown routes under /api/v1 answer 404 whether or not a token is given.
	wantError(t, b.api(http.MethodGet, "/api/v1/nope", nil), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodPatch, "/api/v1/workflows", nil), http.StatusNotFound, "not_found")
}
