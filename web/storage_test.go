package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// TestStorageAPI: keys a storage step keeps are listed by scope and
// prefix, a page at a time; a key is set and deleted; bad input is
// refused with its field.
func TestStorageAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.create(`{"format": "hookflow/v1", "id": "counter", "name": "Counter", "trigger": {"type": "webhook"},
	  "steps": [{"id": "count", "type": "storage", "op": "incr", "key": "orders:{{ payload.customer }}"}]}`)
	for _, c := range []string{"ada", "bob", "ada"} {
		if r := b.waitRun(b.trigger(wf.TriggerURL, map[string]any{"customer": c})); r.Run.Status != "succeeded" {
			t.Fatalf("run = %+v", r.Run)
		}
	}

	type page struct {
		Entries []struct {
			Key       string          `json:"key"`
			Value     json.RawMessage `json:"value"`
			ExpiresAt *string         `json:"expires_at"`
		} `json:"entries"`
		Next string `json:"next"`
	}
	list := func(q string) page {
		t.Helper()
		var p page
		r := b.api(http.MethodGet, "/api/v1/storage?"+q, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET storage?%s = %d %s", q, r.status, r.body)
		}
		r.decode(t, &p)
		return p
	}
	p := list("scope=counter&prefix=orders:&limit=1")
	if len(p.Entries) != 1 || p.Entries[0].Key != "orders:ada" || string(p.Entries[0].Value) != "2" || p.Next != "orders:ada" || p.Entries[0].ExpiresAt != nil {
		t.Fatalf("first page = %+v", p)
	}
	p = list("scope=counter&prefix=orders:&limit=1&after=" + url.QueryEscape(p.Next))
	if len(p.Entries) != 1 || p.Entries[0].Key != "orders:bob" || string(p.Entries[0].Value) != "1" {
		t.Fatalf("second page = %+v", p)
	}
	if p := list("scope=global"); len(p.Entries) != 0 {
		t.Errorf("global keys = %+v, want none", p)
	}

	// Set a value by hand, then the next run counts on from it.
	put := b.apiOK(http.MethodPut, "/api/v1/storage?scope=counter&key=orders:ada", `{"value": 10, "ttl": "1h"}`, http.StatusOK)
	if put["key"] != "orders:ada" || put["value"] != 10.0 || put["expires_at"] == nil {
		t.Errorf("PUT = %v", put)
	}
	b.waitRun(b.trigger(wf.TriggerURL, map[string]any{"customer": "ada"}))
	if e, err := b.store.KVGet(t.Context(), store.KVGetParams{Scope: "counter", Key: "orders:ada"}); err != nil || string(e.Value) != "11" {
		t.Errorf("ada's count = %s, %v; want 11", e.Value, err)
	}
	b.apiOK(http.MethodDelete, "/api/v1/storage?scope=counter&key=orders:bob", nil, http.StatusNoContent)
	if r := b.api(http.MethodDelete, "/api/v1/storage?scope=counter&key=orders:bob", nil); r.status != http.StatusNotFound {
		t.Errorf("DELETE again = %d, want 404", r.status)
	}

	for _, c := range []struct {
		method, query, body string
		status              int
		field               string
	}{
		{http.MethodGet, "scope=Not%20An%20Id", "", http.StatusUnprocessableEntity, "scope"},
		{http.MethodGet, "limit=0", "", http.StatusBadRequest, "limit"},
		{http.MethodPut, "scope=counter", `{"value": 1}`, http.StatusUnprocessableEntity, "key"},
		{http.MethodPut, "key=k", `{"ttl": "1h"}`, http.StatusBadRequest, "value"},
		{http.MethodPut, "key=k", `{"value": 1, "ttl": "soon"}`, http.StatusUnprocessableEntity, "ttl"},
		{http.MethodDelete, "scope=counter", "", http.StatusUnprocessableEntity, "key"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := b.api(c.method, "/api/v1/storage?"+c.query, body)
		var e struct {
			Error struct {
				Field string `json:"field"`
			} `json:"error"`
		}
		r.decode(t, &e)
		if r.status != c.status || e.Error.Field != c.field {
			t.Errorf("%s storage?%s %s = %d %s; want %d at field %s", c.method, c.query, c.body, r.status, r.body, c.status, c.field)
		}
	}
}
