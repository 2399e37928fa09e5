package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// The tests drive the real server over real HTTP: web.New in front of a
// started engine on a SQLite file, and a receiver on 127.0.0.1 that the
// engine's webhook steps call.

// quiet is the tests' logger: the server logs nothing a test reads.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// bundle is what a test gets from setup.
type bundle struct {
	t      *testing.T
	url    string // the server's base URL
	token  string // the admin token
	client *http.Client
	recv   *receivertest.Receiver
	server *web.Server
	store  *sqlite.Store
	engine *engine.Engine
	vault  *secrets.Vault // with withVault
}

// options tune setup.
type options struct {
	maxBody   int64
	baseURL   string
	editorURL string
	vault     bool
}

// setup starts a server with a fresh database and receiver.
func setup(t *testing.T, opts ...func(*options)) *bundle {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	log := quiet

	// NORMAL: the tests need no crash durability, and fsyncs would slow them.
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookflow.db"), sqlite.WithSynchronous(sqlite.SynchronousNormal))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })

	hash, token, generated, err := web.AdminToken(ctx, st, "")
	if err != nil || !generated || token == "" {
		t.Fatalf("AdminToken = %q, %q, %v, %v; want a generated token", hash, token, generated, err)
	}

	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatalf("egress: %v", err)
	}
	var vault *secrets.Vault
	var readSecrets func(context.Context) (map[string]any, error)
	if o.vault {
		vault = newTestVault(t, st)
		readSecrets = vault.All
	}
	eng, err := engine.New(engine.Config{
		Store:        st,
		Sender:       actions.NewSender(actions.Config{Egress: egress}),
		Workers:      4,
		PollInterval: 200 * time.Millisecond, // accepts and replays wake the engine at once
		Logger:       log,
		Secrets:      readSecrets,
	})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	if err := eng.Start(); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = eng.Shutdown(sctx)
	})

	recv := newReceiver(t)
	server := web.New(web.Config{
		Engine: eng, AdminTokenHash: hash, MaxBody: o.maxBody, BaseURL: o.baseURL, EditorURL: o.editorURL, Logger: log,
		Secrets: vault,
	})
	srv := httptest.NewServer(server)
	t.Cleanup(srv.Close)
	return &bundle{t: t, url: srv.URL, token: token, client: srv.Client(), recv: recv, server: server, store: st, engine: eng, vault: vault}
}

// withMaxBody sets the server's webhook body limit.
func withMaxBody(n int64) func(*options) { return func(o *options) { o.maxBody = n } }

// withBaseURL sets the public URL trigger URLs are built on.
func withBaseURL(u string) func(*options) { return func(o *options) { o.baseURL = u } }

// withVault gives the server a secrets vault (the API's /secrets, and
// secrets.NAME in expressions).
func withVault() func(*options) { return func(o *options) { o.vault = true } }

// withEditorURL sets the only origin the editor and admin API answer on.
func withEditorURL(u string) func(*options) { return func(o *options) { o.editorURL = u } }

// answer is a response read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map, failing the test if it is not
// a JSON object.
func (r *answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %v\n%s", r.status, err, r.body)
	}
	return m
}

// decode decodes the body into v.
func (r *answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode body (status %d): %v\n%s", r.status, err, r.body)
	}
}

// send makes a request to the server. body may be nil, a string or []byte
// (sent as is), or anything else (sent as JSON). Headers come in pairs.
func (b *bundle) send(method, url string, body any, headers ...string) *answer {
	b.t.Helper()
	var rd io.Reader
	ctype := ""
	switch x := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(x)
	case []byte:
		rd = bytes.NewReader(x)
	default:
		j, err := json.Marshal(x)
		if err != nil {
			b.t.Fatalf("encode request body: %v", err)
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	if !strings.HasPrefix(url, "http") {
		url = b.url + url
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		b.t.Fatalf("new request: %v", err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// do sends a prepared request and reads the answer.
func (b *bundle) do(req *http.Request) *answer {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// api calls the admin API with the admin token.
func (b *bundle) api(method, path string, body any) *answer {
	b.t.Helper()
	return b.send(method, path, body, "Authorization", "Bearer "+b.token)
}

// apiOK calls the admin API and fails the test unless it answers want.
func (b *bundle) apiOK(method, path string, body any, want int) map[string]any {
	b.t.Helper()
	r := b.api(method, path, body)
	if r.status != want {
		b.t.Fatalf("%s %s = %d, want %d\n%s", method, path, r.status, want, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(b.t)
}

// workflow is a stored workflow as the API shows it.
type workflow struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Enabled    bool            `json:"enabled"`
	Revision   int             `json:"revision"`
	TriggerURL string          `json:"trigger_url"`
	Definition json.RawMessage `json:"definition"`
}

// create stores a definition through POST /api/v1/workflows.
func (b *bundle) create(def string) workflow {
	b.t.Helper()
	r := b.api(http.MethodPost, "/api/v1/workflows", def)
	if r.status != http.StatusCreated {
		b.t.Fatalf("create workflow = %d, want 201\n%s", r.status, r.body)
	}
	var w workflow
	r.decode(b.t, &w)
	return w
}

// trigger posts a JSON payload to a trigger URL and returns the run id of
// a 202.
func (b *bundle) trigger(hookURL string, payload any, headers ...string) string {
	b.t.Helper()
	r := b.send(http.MethodPost, hookURL, payload, headers...)
	if r.status != http.StatusAccepted {
		b.t.Fatalf("trigger = %d, want 202\n%s", r.status, r.body)
	}
	id, _ := r.json(b.t)["run_id"].(string)
	if id == "" {
		b.t.Fatalf("trigger answered no run_id: %s", r.body)
	}
	return id
}

// runDetail is GET /api/v1/runs/{id} decoded.
type runDetail struct {
	Run struct {
		ID       string `json:"id"`
		Workflow string `json:"workflow"`
		Revision int    `json:"revision"`
		EventID  string `json:"event_id"`
		Status   string `json:"status"`
		Error    string `json:"error"`
		ReplayOf string `json:"replay_of"`
	} `json:"run"`
	Event struct {
		ID      string            `json:"id"`
		Source  string            `json:"source"`
		Method  string            `json:"method"`
		Headers map[string]string `json:"headers"`
		Body    any               `json:"body"`
	} `json:"event"`
	Steps []struct {
		Step       string          `json:"step"`
		Index      int             `json:"index"`
		Attempt    int             `json:"attempt"`
		Status     string          `json:"status"`
		Input      json.RawMessage `json:"input"`
		Output     json.RawMessage `json:"output"`
		Error      string          `json:"error"`
		StatusCode int             `json:"status_code"`
	} `json:"steps"`
}

// getRun reads one run.
func (b *bundle) getRun(id string) runDetail {
	b.t.Helper()
	r := b.api(http.MethodGet, "/api/v1/runs/"+id, nil)
	if r.status != http.StatusOK {
		b.t.Fatalf("GET run %s = %d\n%s", id, r.status, r.body)
	}
	var out runDetail
	r.decode(b.t, &out)
	return out
}

// waitRun waits until a run has finished and returns it.
func (b *bundle) waitRun(id string) runDetail {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := b.getRun(id)
		switch r.Run.Status {
		case "succeeded", "filtered", "failed", "cancelled":
			return r
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("run %s still %s after 10s", id, r.Run.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runIDs lists the ids of runs matching a query, e.g. "workflow=x".
func (b *bundle) runIDs(query string) []string {
	b.t.Helper()
	var out struct {
		Runs []struct {
			ID string `json:"id"`
		} `json:"runs"`
	}
	r := b.api(http.MethodGet, "/api/v1/runs?"+query, nil)
	if r.status != http.StatusOK {
		b.t.Fatalf("GET runs?%s = %d\n%s", query, r.status, r.body)
	}
	r.decode(b.t, &out)
	ids := make([]string, 0, len(out.Runs))
	for _, x := range out.Runs {
		ids = append(ids, x.ID)
	}
	return ids
}

// wantError checks an answer is the JSON error shape with this status and
// code, and returns the error object.
func wantError(t *testing.T, r *answer, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d\n%s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", r.body)
	}
	if e["code"] != code {
		t.Errorf("error.code = %v, want %q (%s)", e["code"], code, r.body)
	}
	if m, _ := e["message"].(string); m == "" {
		t.Errorf("error.message is empty: %s", r.body)
	}
	return e
}

// newReceiver starts the receiver standing in for the systems workflows
// call. Paths choose its answer: /fail answers 400, /slow waits a second
// (or until the caller gives up), anything else 200 {"ok": true}.
func newReceiver(t *testing.T) *receivertest.Receiver {
	rc := receivertest.New(t)
	rc.Answer(func(h receivertest.Hit) receivertest.Reply {
		switch h.Path {
		case "/fail":
			return receivertest.Reply{Status: http.StatusBadRequest, Body: `{"error":"no"}`}
		case "/slow":
			return receivertest.Reply{Delay: time.Second}
		}
		return receivertest.Reply{}
	})
	return rc
}

// jsonEqual compares a JSON document with a Go value by meaning.
func jsonEqual(t *testing.T, got []byte, want any) {
	t.Helper()
	var g any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	wb, _ := json.Marshal(want)
	var w any
	_ = json.Unmarshal(wb, &w)
	gb, _ := json.Marshal(g)
	wb, _ = json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("JSON = %s, want %s", gb, wb)
	}
}
