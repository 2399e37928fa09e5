package web_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// The secret values of the end-to-end test: distinctive, so a search of
// answers, logs and files for them cannot match anything else.
const (
	secAPI  = "api-tok-3c9e71f0d2b84a56"
	secGH   = "gh-hook-8b2f4d6a1e0c9735"
	secGH2  = "gh-hook-rotated-5a7c9e1b"
	secSign = "sign-key-4e6a8c0b2d1f3957"
)

// secLog is a log sink the test reads while the server writes.
type secLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *secLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *secLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// secServer is a server with a secrets vault, its database files, its log
// and a receiver on 127.0.0.1 that echoes the Authorization it got.
type secServer struct {
	t      *testing.T
	url    string
	token  string
	db     string
	store  *sqlite.Store
	engine *engine.Engine
	log    *secLog
	recv   *receivertest.Receiver
}

func newSecServer(t *testing.T) *secServer {
	t.Helper()
	ctx := context.Background()
	s := &secServer{t: t, db: filepath.Join(t.TempDir(), "hookflow.db"), log: &secLog{}}
	logger := slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))

	s.recv = receivertest.New(t)
	s.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		echo, _ := json.Marshal(map[string]any{"you_sent": h.Header.Get("Authorization")})
		return receivertest.Reply{Body: string(echo)}
	})

	st, err := sqlite.Open(ctx, s.db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	s.store = st
	t.Cleanup(func() { _ = st.Close() })
	hash, token, _, err := web.AdminToken(ctx, st, "")
	if err != nil {
		t.Fatalf("AdminToken: %v", err)
	}
	s.token = token
	key, err := secrets.LoadKey("", s.db, true)
	if err != nil {
		t.Fatalf("LoadKey: %v", err)
	}
	vault, err := secrets.New(st, key)
	if err != nil {
		t.Fatalf("secrets.New: %v", err)
	}
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{
		Store: st, Sender: actions.NewSender(actions.Config{Egress: egress}),
		Workers: 2, PollInterval: 20 * time.Millisecond, Logger: logger, Secrets: vault.All,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(); err != nil {
		t.Fatal(err)
	}
	s.engine = eng
	t.Cleanup(func() { s.stopEngine() })
	srv := httptest.NewServer(web.New(web.Config{Engine: eng, AdminTokenHash: hash, Logger: logger, Secrets: vault}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *secServer) stopEngine() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.engine.Shutdown(ctx)
}

// call makes a request; auth adds the admin token. body: nil, string or
// []byte as is, anything else as JSON.
func (s *secServer) call(method, path string, body any, auth bool, headers ...string) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	if !strings.HasPrefix(path, "http") {
		path = s.url + path
	}
	req, err := http.NewRequest(method, path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// want calls the admin API and fails unless the answer has the status.
func (s *secServer) want(method, path string, body any, status int) []byte {
	s.t.Helper()
	got, data := s.call(method, path, body, true)
	if got != status {
		s.t.Fatalf("%s %s = %d, want %d\n%s", method, path, got, status, data)
	}
	return data
}

// noSecrets fails the test where text holds a secret value.
func secNone(t *testing.T, what string, text []byte) {
	t.Helper()
	for _, v := range []string{secAPI, secGH, secGH2, secSign} {
		if bytes.Contains(text, []byte(v)) {
			t.Errorf("%s holds the value of a secret (%s...):\n%s", what, v[:8], text)
		}
	}
}

func secGitHubSig(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestSecretsAPI(t *testing.T) {
	t.Parallel()
	s := newSecServer(t)

	if got, _ := s.call(http.MethodGet, "/api/v1/secrets", nil, false); got != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/secrets without the token = %d, want 401", got)
	}
	if got, _ := s.call(http.MethodPut, "/api/v1/secrets/api", map[string]string{"value": "x1234"}, false); got != http.StatusUnauthorized {
		t.Errorf("PUT without the token = %d, want 401", got)
	}
	if data := s.want(http.MethodGet, "/api/v1/secrets", nil, http.StatusOK); strings.TrimSpace(string(data)) != `{"secrets":[]}` {
		t.Errorf("GET /api/v1/secrets (none) = %s", data)
	}
	for _, c := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"1bad", map[string]string{"value": secAPI}, http.StatusUnprocessableEntity, "invalid_name"},
		{"a-b", map[string]string{"value": secAPI}, http.StatusUnprocessableEntity, "invalid_name"},
		{"api", map[string]string{}, http.StatusBadRequest, "missing_value"},
		{"api", map[string]string{"value": ""}, http.StatusBadRequest, "missing_value"},
		{"api", `{"value": 12}`, http.StatusBadRequest, "bad_json"},
		{"api", `{"value": "` + secAPI, http.StatusBadRequest, "bad_json"},
		{"api", map[string]string{"value": strings.Repeat("x", secrets.MaxValueSize+1)}, http.StatusRequestEntityTooLarge, "value_too_large"},
	} {
		got, data := s.call(http.MethodPut, "/api/v1/secrets/"+c.name, c.body, true)
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		if got != c.status || e.Error.Code != c.code {
			t.Errorf("PUT %s %v = %d %s, want %d %s", c.name, c.body, got, data, c.status, c.code)
		}
		secNone(t, "error answer", data)
	}

	s.want(http.MethodPut, "/api/v1/secrets/api", map[string]string{"value": "first-value"}, http.StatusNoContent)
	s.want(http.MethodPut, "/api/v1/secrets/api", map[string]string{"value": secAPI}, http.StatusNoContent)
	s.want(http.MethodPut, "/api/v1/secrets/gh", map[string]string{"value": secGH}, http.StatusNoContent)
	data := s.want(http.MethodGet, "/api/v1/secrets", nil, http.StatusOK)
	var list struct {
		Secrets []struct {
			Name      string    `json:"name"`
			CreatedAt time.Time `json:"created_at"`
			UpdatedAt time.Time `json:"updated_at"`
			Value     *string   `json:"value"`
		} `json:"secrets"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Secrets) != 2 || list.Secrets[0].Name != "api" || list.Secrets[1].Name != "gh" ||
		list.Secrets[0].UpdatedAt.IsZero() || list.Secrets[0].UpdatedAt.Before(list.Secrets[0].CreatedAt) || list.Secrets[0].Value != nil {
		t.Errorf("GET /api/v1/secrets = %s, want api and gh with times and no value", data)
	}
	secNone(t, "GET /api/v1/secrets", data)
	secNone(t, "GET /api/v1/secrets", []byte("first-value"))

	s.want(http.MethodDelete, "/api/v1/secrets/api", nil, http.StatusNoContent)
	s.want(http.MethodDelete, "/api/v1/secrets/api", nil, http.StatusNotFound)
	s.want(http.MethodDelete, "/api/v1/secrets/1bad", nil, http.StatusNotFound)
	if data := s.want(http.MethodGet, "/api/v1/secrets", nil, http.StatusOK); !strings.Contains(string(data), `"gh"`) || strings.Contains(string(data), `"api"`) {
		t.Errorf("GET /api/v1/secrets after DELETE = %s", data)
	}
}

// TestSecretsEndToEnd: secrets set through the API sign and authorise an
// outbound webhook and verify a GitHub trigger, and their values appear in
// no API answer, no stored step, no log line and not in clear in the
// database files.
func TestSecretsEndToEnd(t *testing.T) {
	t.Parallel()
	s := newSecServer(t)
	for name, value := range map[string]string{"api": secAPI, "gh": secGH, "sign": secSign} {
		s.want(http.MethodPut, "/api/v1/secrets/"+name, map[string]string{"value": value}, http.StatusNoContent)
	}
	def := `{
  "format": "hookflow/v1", "id": "sec", "name": "Secrets",
  "trigger": {"type": "webhook", "auth": {"type": "github", "secret": "{{ secrets.gh }}"}},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{order: payload.order, key: secrets.api}"},
    {"id": "send", "type": "webhook", "url": "` + s.recv.URL + `/hook",
     "headers": {"Authorization": "Bearer {{ secrets.api }}"},
     "body": "{order: payload.order}",
     "sign": {"secret": "{{ secrets.sign }}"}}
  ]
}`
	var wf struct {
		TriggerURL string `json:"trigger_url"`
	}
	if err := json.Unmarshal(s.want(http.MethodPost, "/api/v1/workflows", def, http.StatusCreated), &wf); err != nil {
		t.Fatal(err)
	}

	// The trigger verifies with the stored secret.
	body := []byte(`{"order": 42}`)
	if got, _ := s.call(http.MethodPost, wf.TriggerURL, body, false); got != http.StatusUnauthorized {
		t.Errorf("trigger without a signature = %d, want 401", got)
	}
	if got, _ := s.call(http.MethodPost, wf.TriggerURL, body, false, "X-Hub-Signature-256", secGitHubSig("wrong", body)); got != http.StatusUnauthorized {
		t.Errorf("trigger signed with another secret = %d, want 401", got)
	}
	got, data := s.call(http.MethodPost, wf.TriggerURL, body, false, "X-Hub-Signature-256", secGitHubSig(secGH, body))
	if got != http.StatusAccepted {
		t.Fatalf("trigger signed with secrets.gh = %d, want 202\n%s", got, data)
	}
	var acc struct {
		RunID string `json:"run_id"`
	}
	_ = json.Unmarshal(data, &acc)

	// Rotating the secret takes effect at once.
	s.want(http.MethodPut, "/api/v1/secrets/gh", map[string]string{"value": secGH2}, http.StatusNoContent)
	if got, _ := s.call(http.MethodPost, wf.TriggerURL, body, false, "X-Hub-Signature-256", secGitHubSig(secGH, body)); got != http.StatusUnauthorized {
		t.Errorf("trigger signed with the old secret after rotation = %d, want 401", got)
	}
	if got, _ := s.call(http.MethodPost, wf.TriggerURL, body, false, "X-Hub-Signature-256", secGitHubSig(secGH2, body)); got != http.StatusAccepted {
		t.Errorf("trigger signed with the rotated secret = %d, want 202", got)
	}

	// The run succeeds; the receiver got the real values.
	var run struct {
		Run struct {
			Status string `json:"status"`
		} `json:"run"`
		Steps []struct {
			Step   string          `json:"step"`
			Input  json.RawMessage `json:"input"`
			Output json.RawMessage `json:"output"`
		} `json:"steps"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data = s.want(http.MethodGet, "/api/v1/runs/"+acc.RunID, nil, http.StatusOK)
		run.Steps = nil
		if err := json.Unmarshal(data, &run); err != nil {
			t.Fatal(err)
		}
		if run.Run.Status == "succeeded" || run.Run.Status == "failed" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if run.Run.Status != "succeeded" {
		t.Fatalf("run %s:\n%s", run.Run.Status, data)
	}
	hits := s.recv.Hits()
	if len(hits) == 0 {
		t.Fatalf("the receiver got nothing")
	}
	h := hits[0]
	if got := h.Header.Get("Authorization"); got != "Bearer "+secAPI {
		t.Errorf("receiver's Authorization = %q, want the secret", got)
	}
	if err := actions.Verify(secSign, h.Header, h.Body, time.Now(), 0); err != nil {
		t.Errorf("receiver's webhook-signature does not verify with secrets.sign: %v", err)
	}

	// The recorded request shows where the secret went, not what it is.
	if len(run.Steps) != 2 || !strings.Contains(string(run.Steps[1].Input), `"authorization":"Bearer [redacted]"`) {
		t.Errorf("recorded steps = %s, want the send input's authorization redacted", data)
	}
	if !strings.Contains(string(run.Steps[1].Output), "Bearer [redacted]") {
		t.Errorf("send output = %s, want the receiver's echo redacted", run.Steps[1].Output)
	}

	// No answer holds a value.
	for _, path := range []string{
		"/api/v1/runs/" + acc.RunID, "/api/v1/runs", "/api/v1/runs?workflow=sec", "/api/v1/export", "/api/v1/export?id=sec",
		"/api/v1/secrets", "/api/v1/workflows/sec", "/api/v1/workflows", "/api/v1/workflows/sec/events",
		"/api/v1/workflows/sec/revisions",
	} {
		got, data := s.call(http.MethodGet, path, nil, true)
		if got != http.StatusOK {
			t.Errorf("GET %s = %d\n%s", path, got, data)
		}
		secNone(t, "GET "+path, data)
	}
	// A test run answers redacted too.
	got, data = s.call(http.MethodPost, "/api/v1/workflows/sec/test", map[string]any{"payload": map[string]any{"order": 1}}, true)
	if got != http.StatusOK {
		t.Errorf("POST test = %d\n%s", got, data)
	}
	secNone(t, "POST /api/v1/workflows/sec/test", data)

	// Nor does the store's record of the steps (read directly).
	results, err := s.store.StepResultList(context.Background(), acc.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		secNone(t, "stored input of "+r.StepID, r.Input)
		secNone(t, "stored output of "+r.StepID, r.Output)
		secNone(t, "stored error of "+r.StepID, []byte(r.Error))
	}

	// Nor the log.
	secNone(t, "the log", []byte(s.log.String()))

	// Nor the database files in clear: with the WAL present, then after
	// the engine stopped and the store closed (a checkpoint into the file).
	scan := func(when string) {
		t.Helper()
		for _, p := range []string{s.db, s.db + "-wal", s.db + "-shm"} {
			b, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []string{secAPI, secGH, secGH2, secSign} {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("%s: %s holds a secret's value (%s...) in clear", when, filepath.Base(p), v[:8])
				}
			}
		}
	}
	// Nothing truncates the WAL while the store is open here (no
	// retention, so no pruning; background checkpoints are passive): a
	// missing or empty one would make this scan prove nothing.
	if fi, err := os.Stat(s.db + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL to scan before the checkpoint (%v)", err)
	}
	scan("with the WAL")
	s.stopEngine()
	if err := s.store.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	scan("after the checkpoint")
}
