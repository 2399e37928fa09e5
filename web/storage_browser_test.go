package web_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// TestStorageBrowser: the Storage page (in the main navigation) lists a
// workflow's keys and the global ones, by prefix; a value is edited as
// JSON, a key set by hand, and deleted after a confirmation.
func TestStorageBrowser(t *testing.T) {
	b, u := loggedIn(t)
	b.create(`{"format": "hookflow/v1", "id": "counter", "name": "Order counter", "trigger": {"type": "webhook"},
	  "steps": [{"id": "count", "type": "storage", "op": "incr", "key": "orders:{{ payload.customer }}"}]}`)
	ctx := context.Background()
	set := func(scope, key, value string) {
		t.Helper()
		if _, err := b.store.KVSet(ctx, store.KVSetParams{KVWrite: store.KVWrite{Scope: scope, Key: key}, Value: json.RawMessage(value)}); err != nil {
			t.Fatal(err)
		}
	}
	value := func(scope, key string) string {
		t.Helper()
		e, err := b.store.KVGet(ctx, store.KVGetParams{Scope: scope, Key: key})
		if err != nil {
			return "(none)"
		}
		return string(e.Value)
	}
	set("counter", "orders:ada", "3")
	set("counter", "orders:bob", "1")
	set("counter", "last_order", `{"id":"O-7"}`)
	set(store.KVGlobal, "recent", `["O-7"]`)

	u.click(u.byRole("link", "Storage"))
	u.waitPath("/storage")
	u.byRole("heading", "Storage")
	if cur := u.eval(`document.querySelector('a[data-nav="storage"]').getAttribute('aria-current')`); cur != "page" {
		t.Errorf("the Storage nav entry is not marked current: %q", cur)
	}
	u.waitText(`tr[data-key="recent"]`, `["O-7"]`)
	if got := u.eval(unnamedControls); got != "[]" {
		t.Errorf("controls without an accessible name: %s", got)
	}

	u.choose(u.byLabel("Scope"), "Order counter (counter)")
	u.waitText(`tr[data-key="orders:ada"]`, "3")
	u.fill(u.byLabel("Keys starting with"), "orders:")
	u.click(u.byRole("button", "Show keys"))
	u.waitJS("only the orders keys", `!document.querySelector('tr[data-key="last_order"]') && !!document.querySelector('tr[data-key="orders:bob"]')`)
	u.screenshot("editor-storage.png")

	// Edit: the value as JSON; what is not JSON is refused in place.
	u.click(u.byRole("button", "Edit orders:ada"))
	u.fill(u.byLabel("New value for orders:ada"), "ten")
	u.click(u.byRole("button", "Save value"))
	u.waitText(`tr.storage-edit[data-key="orders:ada"] .error-text`, "must be JSON")
	u.fill(u.byLabel("New value for orders:ada"), "10")
	u.click(u.byRole("button", "Save value"))
	u.waitText(`tr[data-key="orders:ada"]`, "10")
	if got := value("counter", "orders:ada"); got != "10" {
		t.Errorf("orders:ada = %s after editing, want 10", got)
	}

	// Set a key by hand.
	u.fill(u.byLabel("Key"), "orders:cy")
	u.fill(u.byLabel("Value (JSON)"), "5")
	u.click(u.byRole("button", "Set key"))
	u.waitVisible(`tr[data-key="orders:cy"]`)
	if got := u.eval(unnamedControls); got != "[]" {
		t.Errorf("controls without an accessible name, with an edit row: %s", got)
	}
	if got := value("counter", "orders:cy"); got != "5" {
		t.Errorf("orders:cy = %s, want 5", got)
	}

	// Delete asks first; Cancel keeps it.
	u.click(u.byRole("button", "Delete orders:bob"))
	u.byRole("dialog", "Delete the key “orders:bob”?")
	u.click(u.byRole("button", "Cancel"))
	u.waitJS("the dialog is closed", `!document.querySelector('dialog[open]')`)
	if got := value("counter", "orders:bob"); got != "1" {
		t.Fatalf("Cancel deleted the key: %s", got)
	}
	u.click(u.byRole("button", "Delete orders:bob"))
	u.click(u.byRole("button", "Delete key"))
	u.waitJS("the row is gone", `!document.querySelector('tr[data-key="orders:bob"]')`)
	if got := value("counter", "orders:bob"); got != "(none)" {
		t.Errorf("orders:bob = %s after deleting", got)
	}
}

// The storage and dedupe steps, every field of each, round-trip through
// the editor too (TestEditorBrowserRoundTrip).
func init() {
	roundTripDefs = append(roundTripDefs, `{
  "format": "hookflow/v1", "id": "rt-storage", "name": "Round trip: storage and dedupe",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "once", "type": "dedupe", "key": "lead:{{ lower(payload.email ?? '') }}", "window": "720h", "scope": "global"},
    {"id": "seen", "type": "dedupe", "key": "id:{{ payload.id }}"},
    {"id": "last", "type": "storage", "op": "get", "key": "last:{{ payload.email }}", "default": {"orders": 0}},
    {"id": "keep", "type": "storage", "op": "set", "key": "last:{{ payload.email }}", "value": {"id": "{{ payload.id }}", "at": "{{ now() }}"}, "ttl": "24h"},
    {"id": "keep_expr", "type": "storage", "op": "set", "key": "total", "value": "payload.total", "scope": "global"},
    {"id": "count", "type": "storage", "op": "incr", "key": "orders:{{ payload.customer }}", "by": 2, "ttl": "720h"},
    {"id": "recent", "type": "storage", "op": "append", "key": "recent", "value": "payload.id", "max_len": 10},
    {"id": "forget", "type": "storage", "op": "delete", "key": "last:{{ payload.email }}"}
  ]
}`)
}
