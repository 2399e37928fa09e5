package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/web"
)

// consumerServer is the server with the consumers' supervisor, which
// re-reads the workflows only when the API changes them.
type consumerServer struct {
	t     *testing.T
	url   string
	token string
}

func setupConsumerServer(t *testing.T) *consumerServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookflow.db"), sqlite.WithSynchronous(sqlite.SynchronousNormal))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	hash, token, _, err := web.AdminToken(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Store: st, Sender: actions.NewSender(actions.Config{Egress: egress}),
		PollInterval: 100 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(); err != nil {
		t.Fatal(err)
	}
	consumers := triggers.NewConsumers(triggers.ConsumersConfig{Engine: eng, Refresh: time.Hour, Logger: quiet})
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		consumers.Run(cctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = eng.Shutdown(context.Background())
	})
	reg := web.NewRegistry()
	reg.MustRegister(consumers)
	srv := httptest.NewServer(web.New(web.Config{Engine: eng, AdminTokenHash: hash, Logger: quiet, Registry: reg, Consumers: consumers}))
	t.Cleanup(srv.Close)
	return &consumerServer{t: t, url: srv.URL, token: token}
}

// call makes a request, with the admin token where admin, and returns the
// status and body.
func (s *consumerServer) call(method, path, body string, admin bool) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if admin {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type triggerStateView struct {
	TriggerState *struct {
		Type  string    `json:"type"`
		State string    `json:"state"`
		Error string    `json:"error"`
		Since time.Time `json:"since"`
	} `json:"trigger_state"`
}

// waitTriggerState polls the workflow's API until its trigger_state is
// state, and returns it.
func (s *consumerServer) waitTriggerState(id, state string) triggerStateView {
	s.t.Helper()
	var v triggerStateView
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := s.call(http.MethodGet, "/api/v1/workflows/"+id, "", true)
		if code != http.StatusOK {
			s.t.Fatalf("GET workflow = %d: %s", code, body)
		}
		v = triggerStateView{}
		if err := json.Unmarshal(body, &v); err != nil {
			s.t.Fatal(err)
		}
		if v.TriggerState != nil && v.TriggerState.State == state {
			return v
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("trigger_state of %s never %s: %s", id, state, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConsumerTriggerState: a consumer trigger's state is on the
// workflow's API (with its error, the URL's password hidden), on /readyz
// (without the error) and in /metrics; saving through the API starts the
// consumer at once, disabling stops it.
func TestConsumerTriggerState(t *testing.T) {
	t.Parallel()
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rc.Close()
	if err := rc.Ping(context.Background()).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis: %v", err)
		}
		t.Skipf("no Redis on 127.0.0.1:6379: %v", err)
	}
	s := setupConsumerServer(t)
	stream := fmt.Sprintf("hf-web-%d", time.Now().UnixNano())
	defer rc.Del(context.Background(), stream)
	def := `{"format": "hookflow/v1", "id": "from-redis", "name": "from redis",
		"trigger": {"type": "redis", "url": "redis://127.0.0.1:6379/0", "stream": "` + stream + `", "start": "all"},
		"steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`
	if code, body := s.call(http.MethodPost, "/api/v1/workflows", def, true); code != http.StatusCreated {
		t.Fatalf("create = %d: %s", code, body)
	}
	v := s.waitTriggerState("from-redis", "connected")
	if v.TriggerState.Type != "redis" || v.TriggerState.Since.IsZero() || v.TriggerState.Error != "" {
		t.Errorf("trigger_state = %+v", *v.TriggerState)
	}
	code, body := s.call(http.MethodGet, "/readyz", "", false)
	var ready struct {
		Status   string                    `json:"status"`
		Triggers map[string]map[string]any `json:"triggers"`
	}
	if err := json.Unmarshal(body, &ready); err != nil || code != http.StatusOK {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	if st := ready.Triggers["from-redis"]; st["state"] != "connected" || st["type"] != "redis" {
		t.Errorf("/readyz triggers = %v", ready.Triggers)
	}
	_, metrics := s.call(http.MethodGet, "/metrics", "", false)
	if !strings.Contains(string(metrics), `hookflow_trigger_connected{type="redis",workflow="from-redis"} 1`) {
		t.Errorf("/metrics lacks the connected gauge:\n%s", grepLines(string(metrics), "hookflow_trigger"))
	}

	// A server that does not answer: retrying, the password hidden.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	bad := `{"format": "hookflow/v1", "id": "redis-down", "name": "down",
		"trigger": {"type": "redis", "url": "redis://:pa55-w0rd-x@` + closed + `/0", "stream": "s"}, "steps": []}`
	if code, body := s.call(http.MethodPost, "/api/v1/workflows", bad, true); code != http.StatusCreated {
		t.Fatalf("create = %d: %s", code, body)
	}
	v = s.waitTriggerState("redis-down", "retrying")
	if v.TriggerState.Error == "" || strings.Contains(v.TriggerState.Error, "pa55-w0rd-x") {
		t.Errorf("retrying error = %q, want one without the password", v.TriggerState.Error)
	}
	_, body = s.call(http.MethodGet, "/readyz", "", false)
	if strings.Contains(string(body), "error") || !strings.Contains(string(body), "retrying") {
		t.Errorf("/readyz = %s, want the state without its error", body)
	}
	_, metrics = s.call(http.MethodGet, "/metrics", "", false)
	if !strings.Contains(string(metrics), `hookflow_trigger_connected{type="redis",workflow="redis-down"} 0`) {
		t.Errorf("/metrics lacks the disconnected gauge:\n%s", grepLines(string(metrics), "hookflow_trigger"))
	}

	// Disabled through the API: stopped.
	if code, body := s.call(http.MethodPost, "/api/v1/workflows/from-redis/disable", "", true); code != http.StatusOK {
		t.Fatalf("disable = %d: %s", code, body)
	}
	s.waitTriggerState("from-redis", "stopped")
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := s.call(http.MethodGet, "/readyz", "", false)
		if !strings.Contains(string(body), `"from-redis"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still shows the disabled workflow: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
