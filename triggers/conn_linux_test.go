package triggers

import (
	"github.com/hookflow/hookflow/web/connlimit"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAnswerEarly: the 202 is written as soon as the event is durable
// where the connection has nothing unsent (a client that reads its
// answers), over plain HTTP/1.1 and over TLS; where the server does not put
// the connection in the context, or the request is HTTP/2, the handler
// writes it. The answer is the same either way.
func TestAnswerEarly(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		conns   bool // ConnContext set
		tls     bool
		h2      bool
		limited bool // behind serve's connection limits
		early   bool
	}{
		{"HTTP/1.1", true, false, false, false, true},
		{"HTTP/1.1 over TLS", true, true, false, false, true},
		{"HTTP/2", true, true, true, false, false},
		{"no ConnContext", false, false, false, false, false},
		{"HTTP/1.1 behind the connection limits", true, false, false, true, true},
		{"HTTP/1.1 over TLS behind the connection limits", true, true, false, true, true},
	} {
		early := make(chan bool, 1)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ok := answerEarly(w, r, "run-1")
			early <- ok
			if !ok {
				writeAccepted(w, "run-1")
			}
		}))
		if c.conns {
			srv.Config.ConnContext = ConnContext
		}
		srv.EnableHTTP2 = c.h2
		if c.limited {
			cl := connlimit.New(srv.Listener, connlimit.Config{MaxConns: 8, MaxPerAddr: 8})
			cl.Install(srv.Config)
			srv.Listener = cl
		}
		if c.tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		client := srv.Client()
		for i := range 3 { // one connection, kept alive
			resp, err := client.Post(srv.URL, "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted || string(body) != `{"run_id":"run-1"}`+"\n" || resp.ProtoMajor != map[bool]int{false: 1, true: 2}[c.h2] {
				t.Errorf("%s, request %d: %s %d %q", c.name, i+1, resp.Proto, resp.StatusCode, body)
			}
			// The first request may find the end of the TLS handshake not
			// yet acknowledged: it is then answered by the handler.
			if got := <-early; got != c.early && (i > 0 || got) {
				t.Errorf("%s, request %d: answered early %v, want %v", c.name, i+1, got, c.early)
			}
		}
		srv.Close()
	}
}
