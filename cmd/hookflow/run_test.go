package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestReadPayload: --payload takes JSON as the server does, refusing what
// a trigger would refuse with where it is.
func TestReadPayload(t *testing.T) {
	t.Parallel()
	if data, err := readPayload(`{"a": [1, 2.5e300]}`, nil); err != nil || string(data) != `{"a": [1, 2.5e300]}` {
		t.Errorf("in range: %q, %v", data, err)
	}
	for in, want := range map[string]string{
		`{"a": [1, 1e400]}`: "--payload: payload.a[1]: the number 1e400 is beyond the range",
		`{"a": 1`:           "--payload: not valid JSON",
		`-1e999`:            "--payload: payload: the number -1e999",
	} {
		if _, err := readPayload(in, nil); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("readPayload(%s) = %v, want %q...", in, err, want)
		}
	}
}

// TestRunNoSend: `hookflow run` sends a workflow's webhooks; with --no-send
// (or --dry, its first name) it sends none and shows the request instead.
func TestRunNoSend(t *testing.T) {
	t.Parallel()
	recv := receivertest.New(t)
	wf := filepath.Join(t.TempDir(), "wf.json")
	if err := os.WriteFile(wf, []byte(`{"format": "hookflow/v1", "id": "t", "name": "T", "trigger": {"type": "webhook"},
  "steps": [{"id": "send", "type": "webhook", "url": "`+recv.URL+`/orders"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flag string
		sent int
	}{{"--no-send", 0}, {"--dry", 0}, {"", 1}} {
		args := []string{"run", wf, "--payload", `{"n": 1}`, "--egress-allow", "127.0.0.1"}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		before := recv.Count()
		out, _, err := hookflow(t, "", args...)
		if err != nil || !strings.Contains(out, "request: ") || !strings.Contains(out, recv.URL+"/orders") {
			t.Errorf("run %s = %q, %v; want the request shown", c.flag, out, err)
		}
		if sent := recv.Count() - before; sent != c.sent {
			t.Errorf("run %s sent %d requests, want %d", c.flag, sent, c.sent)
		}
	}
}
