package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer stands in for a hookflow server: it stores the bench
// workflow, answers its trigger URL with 202, and delivers each event to
// the receiver named in the workflow's vars, save where drop says so, and
// twice where twice says so.
type fakeServer struct {
	*httptest.Server
	drop, twice func(seq int) bool

	mu       sync.Mutex
	receiver string
	runs     int
	deleted  bool
}

func newFakeServer(t *testing.T, drop, twice func(int) bool) *fakeServer {
	f := &fakeServer{drop: drop, twice: twice}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/workflows", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, `{"error":{"message":"bad token"}}`, http.StatusUnauthorized)
			return
		}
		var def struct {
			Vars map[string]string `json:"vars"`
		}
		if err := json.NewDecoder(r.Body).Decode(&def); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.receiver = def.Vars["receiver"]
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"bench-1","trigger_url":"`+f.URL+`/hooks/k"}`)
	})
	mux.HandleFunc("DELETE /api/v1/workflows/bench-1", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.deleted = true
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/v1/runs", func(w http.ResponseWriter, r *http.Request) {
		// Ingest mode: nothing pending; every run filtered, in one page.
		var p runPage
		if r.URL.Query().Get("status") == "" {
			f.mu.Lock()
			for i := range f.runs {
				p.Runs = append(p.Runs, struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				}{strconv.Itoa(i), "filtered"})
			}
			f.mu.Unlock()
		}
		_ = json.NewEncoder(w).Encode(p)
	})
	mux.HandleFunc("POST /hooks/k", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		seq, err := strconv.Atoi(r.Header.Get("X-Bench-Seq"))
		if err != nil {
			http.Error(w, "no seq", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		recv := f.receiver
		if !f.drop(seq) {
			f.runs++
		}
		f.mu.Unlock()
		if recv != "" && !f.drop(seq) {
			n := 1
			if f.twice(seq) {
				n = 2
			}
			for range n {
				body := `{"seq":"` + strconv.Itoa(seq) + `"}`
				resp, err := http.Post(recv+"/d/"+strconv.Itoa(seq), "application/json", strings.NewReader(body))
				if err != nil {
					t.Errorf("deliver %d: %v", seq, err)
					break
				}
				resp.Body.Close()
			}
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"run_id":"r"}`)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// TestRunCountsLossAndDuplicates drives a fake server that drops every
// tenth event and delivers every seventh twice.
func TestRunCountsLossAndDuplicates(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, func(seq int) bool { return seq%10 == 0 }, func(seq int) bool { return seq%7 == 0 })
	var progress bytes.Buffer
	res, err := Run(context.Background(), Config{
		Mode: ModeE2E, Connections: 3, Duration: 300 * time.Millisecond, Payload: DefaultPayload,
		DrainTimeout: 300 * time.Millisecond, URL: f.URL, Token: "secret", Progress: &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := res.Accepted
	if n < 10 || res.Sent != n || res.Errors != 0 {
		t.Fatalf("sent %d accepted %d errors %d; want at least 10 accepted, no errors", res.Sent, n, res.Errors)
	}
	wantLost := n / 10
	wantDup := n/7 - n/70
	if res.Lost != wantLost || res.Delivered != n-wantLost || res.Duplicates == nil || *res.Duplicates != wantDup {
		t.Errorf("accepted %d: lost %d delivered %d duplicates %v; want %d, %d, %d",
			n, res.Lost, res.Delivered, res.Duplicates, wantLost, n-wantLost, wantDup)
	}
	if res.OK() || res.Drained {
		t.Errorf("OK %v drained %v with events lost; want false, false", res.OK(), res.Drained)
	}
	if res.ServerRSSMB != nil || res.ServerCPUS != nil || res.StartupMS != nil || res.StealPct != nil || res.Target != f.URL {
		t.Errorf("a --url run reports server figures or the wrong target: %+v", res)
	}
	if res.E2EP50MS == nil || *res.E2EP50MS <= 0 || res.AcceptP99MS <= 0 || res.AcceptP99MS < res.AcceptP50MS {
		t.Errorf("latencies: accept p50 %v p99 %v, e2e p50 %v", res.AcceptP50MS, res.AcceptP99MS, res.E2EP50MS)
	}
	f.mu.Lock()
	deleted := f.deleted
	f.mu.Unlock()
	if !deleted {
		t.Error("the bench workflow was left on the --url server")
	}
}

func TestRunIngestCountsRuns(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, func(int) bool { return false }, func(int) bool { return false })
	res, err := Run(context.Background(), Config{
		Mode: ModeIngest, Connections: 2, Duration: 200 * time.Millisecond, Payload: DefaultPayload,
		URL: f.URL, Token: "secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted == 0 || res.Delivered != res.Accepted || res.Lost != 0 || !res.Drained || !res.OK() {
		t.Errorf("accepted %d runs %d lost %d drained %v; want runs == accepted, none lost", res.Accepted, res.Delivered, res.Lost, res.Drained)
	}
	if res.Duplicates != nil || res.E2EP50MS != nil {
		t.Errorf("ingest reports duplicates %v and e2e p50 %v; want null", res.Duplicates, res.E2EP50MS)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ok := Config{Mode: ModeE2E, Connections: 1, Duration: time.Second, Payload: DefaultPayload, URL: "http://x", Token: "t"}
	for name, mutate := range map[string]func(*Config){
		"mode":        func(c *Config) { c.Mode = "x" },
		"connections": func(c *Config) { c.Connections = 0 },
		"duration":    func(c *Config) { c.Duration = 0 },
		"payload":     func(c *Config) { c.Payload = []byte("{nope") },
		"token":       func(c *Config) { c.Token = "" },
		"no server":   func(c *Config) { c.URL = "" },
	} {
		c := ok
		mutate(&c)
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
