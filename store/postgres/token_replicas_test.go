package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// TestOAuth2TokenAcrossReplicas: two replicas (a store, a vault and a
// sender each, one database) running a workflow with OAuth2 client
// credentials at the same time fetch one token between them; it is kept
// in the database encrypted, never in clear.
func TestOAuth2TokenAcrossReplicas(t *testing.T) {
	t.Parallel()
	dbURL := newSchema(t)
	var fetches atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "replica-app" || p != "replica-secret" {
			w.WriteHeader(401)
			return
		}
		time.Sleep(200 * time.Millisecond) // both replicas want the token meanwhile
		n := fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "shared-token-" + strconv.Itoa(int(n)), "expires_in": 3600})
	}))
	t.Cleanup(tokens.Close)
	var mu sync.Mutex
	var auths []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	t.Cleanup(target.Close)

	key := make([]byte, secrets.KeySize)
	_, _ = rand.Read(key)
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	var engines []*engine.Engine
	var stores []*Store
	for range 2 {
		st := open(t, dbURL)
		vault, err := secrets.New(st, key)
		if err != nil {
			t.Fatal(err)
		}
		sender := actions.NewSender(actions.Config{Egress: egress, Tokens: vault})
		t.Cleanup(sender.CloseIdleConnections)
		e, err := engine.New(engine.Config{Store: st, Sender: sender, PollInterval: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Secrets: func(context.Context) (map[string]any, error) {
				return map[string]any{"client_secret": "replica-secret"}, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = e.Shutdown(ctx)
		})
		engines, stores = append(engines, e), append(stores, st)
	}
	w, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "id": "shared-token", "name": "Shared token",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "send", "type": "webhook", "url": "` + target.URL + `/orders",
    "auth": {"type": "oauth2_client_credentials", "token_url": "` + tokens.URL + `/token",
      "client_id": "replica-app", "client_secret": "{{ secrets.client_secret }}", "scopes": ["orders"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := engines[0].SaveWorkflow(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	var runsMu sync.Mutex
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			res, err := engines[i%2].Accept(context.Background(), engine.AcceptParams{WorkflowID: saved.Workflow.ID, Revision: saved.Workflow.Revision,
				Event: store.Event{Source: "webhook", Method: "POST", Body: []byte(`{"n": 1}`), Headers: map[string]string{"content-type": "application/json"}}})
			if err != nil {
				t.Errorf("Accept: %v", err)
				return
			}
			runsMu.Lock()
			runs = append(runs, res.RunID)
			runsMu.Unlock()
		})
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for _, id := range runs {
		for {
			r, err := stores[0].RunGet(context.Background(), id)
			if err == nil && store.Finished(r.Status) {
				if r.Status != store.StatusSucceeded {
					t.Fatalf("run %s: %s %s", id, r.Status, r.Error)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s not finished: %+v, %v", id, r, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d token fetches by two replicas, want 1", n)
	}
	mu.Lock()
	for _, a := range auths {
		if a != "Bearer shared-token-1" {
			t.Errorf("a request authorised with %q", a)
		}
	}
	mu.Unlock()
	var ct []byte
	if err := stores[0].pool.QueryRow(context.Background(), `SELECT ciphertext FROM tokens LIMIT 1`).Scan(&ct); err != nil {
		t.Fatalf("read the kept token: %v", err)
	}
	if len(ct) == 0 || strings.Contains(string(ct), "shared-token") {
		t.Errorf("the token is kept as %q, want it encrypted", ct)
	}
}
