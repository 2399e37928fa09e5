package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func TestRedactJSON(t *testing.T) {
	t.Parallel()
	st := &runState{}
	st.env.Secrets = map[string]any{
		"api":    "s3cr3t-tok",
		"quoted": `a"b\c<d>`,
		"num":    "123456",
		"short":  "abc", // too short to redact
		"long":   "s3cr3t-tok-and-more",
		"other":  42, // not a string: ignored
	}
	quoted, _ := json.Marshal(map[string]any{"v": `x a"b\c<d> y`})
	for _, c := range []struct{ name, in, want string }{
		{"string", `{"h":"Bearer s3cr3t-tok","n":1}`, `{"h":"Bearer [redacted]","n":1}`},
		{"key", `{"s3cr3t-tok":true}`, `{"[redacted]":true}`},
		{"escaped", string(quoted), `{"v":"x [redacted] y"}`},
		{"number", `{"pin":91234567,"ok":7}`, `{"ok":7,"pin":"[redacted]"}`},
		{"nested", `[{"a":["x","s3cr3t-tok"]},"s3cr3t-tok-and-more!"]`, `[{"a":["x","[redacted]"]},"[redacted]!"]`},
		{"short", `{"v":"abc"}`, `{"v":"abc"}`},
		{"none", `{"z":1,"a":"b"}`, `{"z":1,"a":"b"}`}, // untouched: not even re-encoded
		{"empty", ``, ``},
	} {
		got := st.redactJSON([]byte(c.in))
		if string(got) != c.want {
			t.Errorf("%s: redactJSON(%s) = %s, want %s", c.name, c.in, got, c.want)
		}
		if len(got) > 0 && !json.Valid(got) {
			t.Errorf("%s: redactJSON gave invalid JSON %s", c.name, got)
		}
	}
	if got := redactString("x s3cr3t-tok-and-more y", st.secretValues()); got != "x [redacted] y" {
		t.Errorf("redactString = %q: the longer secret must be hidden whole", got)
	}
	for _, c := range []struct{ name, value, want string }{
		{"authorization", "Bearer s3cr3t-tok", "Bearer [redacted]"},
		{"authorization", "Basic dXNlcjpwYXNz", "Basic [redacted]"}, // not a secret's value, still hidden
		{"authorization", "rawtoken", "[redacted]"},
		{"cookie", "session=abc; x=y", "[redacted]"},
		{"x-api-key", "s3cr3t-tok", "[redacted]"},
		{"x-source", "hookflow", "hookflow"},
	} {
		if got := st.redactHeader(c.name, c.value); got != c.want {
			t.Errorf("redactHeader(%s, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

// TestCredentialHeadersRecorded: each header on the credential list reaches
// the receiver as sent and is recorded without its credential, though the
// value is no secret's (a value match would miss it).
func TestCredentialHeadersRecorded(t *testing.T) {
	t.Parallel()
	sent := map[string]struct{ value, recorded string }{
		"authorization":       {"Basic dXNlcjpwYXNzd29yZA==", "Basic [redacted]"},
		"proxy-authorization": {"Basic cHJveHk6c2VjcmV0MQ==", "Basic [redacted]"},
		"cookie":              {"session=7c1e0f2a9b; theme=dark", "[redacted]"},
	}
	for name := range credentialHeaders {
		if _, ok := sent[name]; !ok {
			t.Errorf("credential header %q has no case here", name)
		}
	}
	b := setup(t)
	headers := map[string]string{"X-Plain": "kept"}
	for name, c := range sent {
		headers[http.CanonicalHeaderKey(name)] = c.value
	}
	def, _ := json.Marshal(map[string]any{
		"format": "hookflow/v1", "id": "creds", "name": "Credentials",
		"trigger": map[string]any{"type": "webhook"},
		"steps":   []any{map[string]any{"id": "send", "type": "webhook", "url": "{{ vars.recv }}/creds", "headers": headers}},
	})
	wf := b.save(string(def))
	id := b.accept(wf, `{}`)
	if run := b.waitFinished(id); run.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s", run.Status, run.Error)
	}
	hits := b.recv.On("/creds")
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hits))
	}
	results := b.results(id)
	if len(results) != 1 {
		t.Fatalf("%d step results, want 1", len(results))
	}
	var in struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(results[0].Input, &in); err != nil {
		t.Fatal(err)
	}
	for name, c := range sent {
		if got := hits[0].Header.Get(name); got != c.value {
			t.Errorf("%s reached the receiver as %q, want %q", name, got, c.value)
		}
		if got := in.Headers[name]; got != c.recorded {
			t.Errorf("%s recorded as %q, want %q", name, got, c.recorded)
		}
	}
	if in.Headers["x-plain"] != "kept" {
		t.Errorf("x-plain recorded as %q, want it as sent", in.Headers["x-plain"])
	}
	if strings.Contains(string(results[0].Input), "cHJveHk6c2VjcmV0MQ") || strings.Contains(string(results[0].Input), "7c1e0f2a9b") {
		t.Errorf("the step's input holds a credential: %s", results[0].Input)
	}
}

// syncBuffer is a log sink the test reads while the engine writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretsNotRecorded: secrets reach the receiver (a header, the
// signature, a body built from them, a URL path) while the run's records,
// its error and the log hold none of them.
func TestSecretsNotRecorded(t *testing.T) {
	t.Parallel()
	const (
		api  = "tok-5f1d8e7a9c"
		sign = "sign-key-0b7e44"
	)
	var logs syncBuffer
	b := setup(t, withConfig(func(c *Config) {
		c.Secrets = func(context.Context) (map[string]any, error) {
			return map[string]any{"api": api, "sign": sign}, nil
		}
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}))
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if strings.HasPrefix(h.Path, "/fail/") {
			return receivertest.Reply{Status: http.StatusBadRequest, Body: `{"error":"no"}`}
		}
		echo, _ := json.Marshal(map[string]any{"you_sent": h.Header.Get("Authorization"), "body": string(h.Body)})
		return receivertest.Reply{Body: string(echo)}
	})
	wf := b.save(`{
  "format": "hookflow/v1", "id": "sec", "name": "Secrets",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{token: secrets.api, order: payload.order}"},
    {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/ok",
     "headers": {"Authorization": "Bearer {{ secrets.api }}", "X-Key": "{{ secrets.api }}"},
     "body": "payload", "sign": {"secret": "{{ secrets.sign }}"}},
    {"id": "fail", "type": "webhook", "url": "{{ vars.recv }}/fail/{{ secrets.api }}", "retry": {"max_attempts": 1}}
  ]
}`)
	id := b.accept(wf, `{"order": 7}`)
	run := b.waitFinished(id)
	if run.Status != store.StatusFailed {
		t.Fatalf("run %s, want failed (the last step's receiver answers 400)", run.Status)
	}

	// The receiver got the real values.
	ok := b.recv.On("/ok")
	if len(ok) != 1 {
		t.Fatalf("receiver got %d requests on /ok, want 1", len(ok))
	}
	if got := ok[0].Header.Get("Authorization"); got != "Bearer "+api {
		t.Errorf("Authorization = %q, want the secret", got)
	}
	if !bytes.Contains(ok[0].Body, []byte(api)) {
		t.Errorf("body %s lacks the token the transform put there", ok[0].Body)
	}
	if err := actions.Verify(sign, ok[0].Header, ok[0].Body, time.Now(), 0); err != nil {
		t.Errorf("signature does not verify with the signing secret: %v", err)
	}
	if n := len(b.recv.On("/fail/" + api)); n != 1 {
		t.Errorf("receiver got %d requests on the secret path, want 1", n)
	}

	// None of them is recorded or logged.
	results := b.results(id)
	if len(results) != 3 {
		t.Fatalf("%d step results, want 3", len(results))
	}
	for _, r := range results {
		for _, part := range []struct{ what, text string }{
			{"input", string(r.Input)}, {"output", string(r.Output)}, {"error", r.Error},
		} {
			for _, secret := range []string{api, sign} {
				if strings.Contains(part.text, secret) {
					t.Errorf("step %s %s holds a secret: %s", r.StepID, part.what, part.text)
				}
			}
		}
		if len(r.Input) > 0 && !json.Valid(r.Input) || len(r.Output) > 0 && !json.Valid(r.Output) {
			t.Errorf("step %s record is not JSON after redaction", r.StepID)
		}
	}
	jsonEqual(t, "shape output", results[0].Output, `{"order":7,"token":"[redacted]"}`)
	var in struct {
		Headers map[string]string `json:"headers"`
		Body    map[string]any    `json:"body"`
	}
	if err := json.Unmarshal(results[1].Input, &in); err != nil {
		t.Fatal(err)
	}
	if in.Headers["authorization"] != "Bearer [redacted]" || in.Headers["x-key"] != "[redacted]" || in.Body["token"] != "[redacted]" {
		t.Errorf("send input = %s, want the header, key and body token redacted", results[1].Input)
	}
	if !strings.Contains(string(results[1].Output), "Bearer [redacted]") {
		t.Errorf("send output = %s, want the echoed header redacted", results[1].Output)
	}
	if !strings.Contains(results[2].Error, "/fail/[redacted]") {
		t.Errorf("fail error = %q, want the secret path redacted", results[2].Error)
	}
	if strings.Contains(run.Error, api) || !strings.Contains(run.Error, "[redacted]") {
		t.Errorf("run error = %q, want it redacted", run.Error)
	}
	waitUntil(t, "the failure logged", func() bool { return strings.Contains(logs.String(), "run failed") })
	if text := logs.String(); strings.Contains(text, api) || strings.Contains(text, sign) {
		t.Errorf("the log holds a secret:\n%s", text)
	}
}

// TestSecretsTestRun: a test run (the editor's Test, hookflow run) answers
// with the same redaction.
func TestSecretsTestRun(t *testing.T) {
	t.Parallel()
	const api = "tok-77aa66bb"
	b := setup(t, withConfig(func(c *Config) {
		c.Secrets = func(context.Context) (map[string]any, error) { return map[string]any{"api": api}, nil }
	}))
	c, err := workflows.Compile(decode(t, `{
  "format": "hookflow/v1", "id": "t", "name": "T", "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{t: secrets.api}"},
    {"id": "send", "type": "webhook", "url": "https://example.com/{{ secrets.api }}",
     "headers": {"Authorization": "Bearer {{ secrets.api }}"}}
  ]
}`))
	if err != nil {
		t.Fatal(err)
	}
	ev := jsonEvent(`{}`)
	rep := b.engine.Test(b.ctx, c, &ev, TestOptions{})
	out, _ := json.Marshal(rep)
	if strings.Contains(string(out), api) {
		t.Errorf("test report holds the secret: %s", out)
	}
	if rep.Status != store.StatusSucceeded {
		t.Errorf("test run %s: %s", rep.Status, rep.Error)
	}
}
