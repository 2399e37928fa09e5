package triggers

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

// A sync run's answer never carries a header a respond step may not set,
// even where the run made one (a replica of an older Hookflow sharing the
// store), and is inert whatever it holds.
func TestWriteResponseDropsRefusedHeaders(t *testing.T) {
	t.Parallel()
	h := NewWebhook(WebhookConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	w := httptest.NewRecorder()
	h.writeResponse(w, "run-1", engine.Response{Status: http.StatusCreated, Body: "<b>hi</b>", Headers: map[string]string{
		"set-cookie": "hookflow_session=x", "Content-Security-Policy": "script-src *", "x-content-type-options": "",
		"Access-Control-Allow-Origin": "*", "Strict-Transport-Security": "max-age=63072000",
		"Content-Type": "text/html", "X-Kept": "1",
	}})
	got := w.Result().Header
	if w.Code != http.StatusCreated || w.Body.String() != "<b>hi</b>" || got.Get("Content-Type") != "text/html" || got.Get("X-Kept") != "1" {
		t.Errorf("answer = %d %v %q", w.Code, got, w.Body.String())
	}
	for _, name := range []string{"Set-Cookie", "Access-Control-Allow-Origin", "Strict-Transport-Security"} {
		if v := got.Values(name); len(v) != 0 {
			t.Errorf("%s sent: %q", name, v)
		}
	}
	if got.Get("Content-Security-Policy") != inertCSP || got.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("not inert: %v", got)
	}
}

// A run's answer JSON cannot hold is a JSON 500, not an empty answer.
func TestWriteResponseUnencodable(t *testing.T) {
	t.Parallel()
	h := NewWebhook(WebhookConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	w := httptest.NewRecorder()
	h.writeResponse(w, "run-1", engine.Response{Status: http.StatusOK, Body: map[string]any{"n": math.Inf(1)}})
	var body struct{ Error struct{ Code string } }
	if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != http.StatusInternalServerError || err != nil || body.Error.Code != "internal" {
		t.Errorf("answer = %d %q", w.Code, w.Body.String())
	}
}
