package receivertest

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, c *http.Client, url, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestRecordsAndAnswers(t *testing.T) {
	t.Parallel()
	rc := New(t)
	if status, body, h := post(t, http.DefaultClient, rc.URL+"/a?x=%41", `{"n":1}`); status != 200 || body != `{"ok":true}` ||
		h.Get("Content-Type") != "application/json" {
		t.Errorf("default answer: %d %s %v", status, body, h)
	}
	rc.Answer(func(h Hit) Reply {
		if h.PathN == 2 {
			return Reply{Status: 503, Header: map[string]string{"Retry-After": "1"}, Body: "later"}
		}
		return Reply{Body: `{"n":` + strconv.Itoa(h.N) + `}`}
	})
	if status, body, _ := post(t, http.DefaultClient, rc.URL+"/b", `{}`); status != 200 || body != `{"n":2}` {
		t.Errorf("second hit: %d %s", status, body)
	}
	if status, body, h := post(t, http.DefaultClient, rc.URL+"/a", `{}`); status != 503 || body != "later" || h.Get("Retry-After") != "1" ||
		h.Get("Content-Type") == "application/json" {
		t.Errorf("second hit on /a: %d %s %v", status, body, h)
	}
	hits := rc.Hits()
	if len(hits) != 3 || rc.Count() != 3 || rc.Last().N != 3 || len(rc.On("/a")) != 2 {
		t.Fatalf("hits %+v", hits)
	}
	if h := hits[0]; h.Method != "POST" || h.Path != "/a" || h.URI != "/a?x=%41" || string(h.Body) != `{"n":1}` || h.Proto != 1 ||
		h.Header.Get("Content-Type") != "application/json" || h.At.IsZero() {
		t.Errorf("first hit %+v", h)
	}
	if n := rc.Next(t).N; n != 1 {
		t.Errorf("Next = hit %d, want 1", n)
	}
	if n := rc.Next(t).N; n != 2 {
		t.Errorf("Next = hit %d, want 2", n)
	}
}

// A held answer counts as in flight until it is released or its caller
// gives up.
func TestHoldsAnswers(t *testing.T) {
	t.Parallel()
	rc := New(t)
	release := make(chan struct{})
	rc.Answer(func(Hit) Reply { return Reply{Block: release} })
	done := make(chan int, 3)
	for range 3 {
		go func() {
			resp, err := http.Post(rc.URL, "text/plain", nil)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	if hits := rc.Wait(t, 3); len(hits) != 3 {
		t.Fatalf("Wait(3) = %d hits", len(hits))
	}
	if n := rc.MaxInFlight(); n != 3 {
		t.Errorf("MaxInFlight = %d while three answers are held, want 3", n)
	}
	select {
	case code := <-done:
		t.Fatalf("an answer came before the release: %d", code)
	default:
	}
	close(release)
	for range 3 {
		if code := <-done; code != 200 {
			t.Errorf("answer %d after the release", code)
		}
	}

	rc.Answer(func(Hit) Reply { return Reply{Delay: time.Hour} })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rc.URL, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("an hour's delay answered")
	}
	// Were the hour not cut short, the server's Close at cleanup would
	// wait for it.
	if hits := rc.Wait(t, 4); hits[3].Method != http.MethodGet {
		t.Errorf("fourth hit %+v", hits[3])
	}
}

func TestHandleAndTLS(t *testing.T) {
	t.Parallel()
	rc := NewTLS(t)
	rc.Handle(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/elsewhere")
		w.WriteHeader(http.StatusFound)
	})
	c := rc.Server.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if status, _, h := post(t, c, rc.URL+"/x", `{}`); status != http.StatusFound || h.Get("Location") != "/elsewhere" {
		t.Errorf("handled answer: %d %v", status, h)
	}
	if h := rc.Last(); h.Proto != 2 || h.WebhookID() != "" {
		t.Errorf("hit over TLS: HTTP/%d, webhook-id %q; want HTTP/2 and none", h.Proto, h.WebhookID())
	}
}
