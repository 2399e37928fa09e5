package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// newReceiver starts a receiver that answers with h, or 200 {"ok":true}
// where h is nil.
func newReceiver(t testing.TB, h http.HandlerFunc) *receivertest.Receiver {
	t.Helper()
	rc := receivertest.New(t)
	if h != nil {
		rc.Handle(h)
	}
	return rc
}

// localSender is a Sender whose guard lets it reach the test servers.
func localSender(t testing.TB, cfg Config) *Sender {
	t.Helper()
	if cfg.Egress == nil {
		e, err := ParseEgressAllow("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Egress = e
	}
	s := NewSender(cfg)
	t.Cleanup(s.CloseIdleConnections)
	return s
}

func asDelivery(t *testing.T, err error) *DeliveryError {
	t.Helper()
	var de *DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want a *DeliveryError", err, err)
	}
	return de
}

func TestSendSuccessJSON(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Reply", "yes")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"ok": true, "id": 7, "tags": ["x"]}`)
	})
	s := localSender(t, Config{})
	resp, err := s.Send(context.Background(), Request{URL: rc.URL + "/orders", Body: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || resp.Header["x-reply"] != "yes" || resp.Header["x-multi"] != "a, b" {
		t.Errorf("status %d, headers %v", resp.Status, resp.Header)
	}
	body, ok := resp.Body.(map[string]any)
	if !ok || body["ok"] != true || body["id"] != 7.0 {
		t.Errorf("body %#v, want the parsed JSON", resp.Body)
	}
	if string(resp.RawBody) != `{"ok": true, "id": 7, "tags": ["x"]}` || resp.Truncated || resp.Duration <= 0 {
		t.Errorf("raw %q, truncated %v, duration %v", resp.RawBody, resp.Truncated, resp.Duration)
	}
	out := resp.Output()
	if out["status"] != 201 || out["headers"].(map[string]any)["x-reply"] != "yes" || out["body"].(map[string]any)["id"] != 7.0 {
		t.Errorf("Output() = %v", out)
	}
	if method := rc.Last().Method; method != "POST" {
		t.Errorf("method %s, want the default POST", method)
	}
}

func TestSendSuccessBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		contentType, body string
		want              any
	}{
		{"text/plain", "hello", "hello"},
		{"text/plain", `{"looks": "json"}`, map[string]any{"looks": "json"}},
		{"application/json", `[1, 2]`, []any{1.0, 2.0}},
		{"application/json", `{"broken"`, `{"broken"`},
		{"text/html", "<p>hi</p>", "<p>hi</p>"},
		{"", "", ""},
	}
	for _, c := range cases {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			if c.contentType != "" {
				w.Header().Set("Content-Type", c.contentType)
			}
			io.WriteString(w, c.body)
		})
		resp, err := localSender(t, Config{}).Send(context.Background(), Request{URL: rc.URL})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(resp.Body) != fmt.Sprint(c.want) || fmt.Sprintf("%T", resp.Body) != fmt.Sprintf("%T", c.want) {
			t.Errorf("%s %q: body %#v, want %#v", c.contentType, c.body, resp.Body, c.want)
		}
	}
}

func TestSendTruncatesLargeBodies(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100))
	})
	resp, err := localSender(t, Config{MaxResponseBytes: 10}).Send(context.Background(), Request{URL: rc.URL})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.RawBody) != 10 || !resp.Truncated || resp.Body != "xxxxxxxxxx" {
		t.Errorf("raw %q, truncated %v", resp.RawBody, resp.Truncated)
	}
}

func TestSendClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status     int
		retryAfter func() string
		retryable  bool
		wantAfter  [2]time.Duration // inclusive range
	}{
		{status: 500, retryable: true},
		{status: 502, retryable: true},
		{status: 503, retryable: true},
		{status: 503, retryAfter: func() string { return "7" }, retryable: true, wantAfter: [2]time.Duration{7 * time.Second, 7 * time.Second}},
		{status: 503, retryAfter: func() string { return time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat) },
			retryable: true, wantAfter: [2]time.Duration{100 * time.Second, 121 * time.Second}},
		{status: 429, retryable: true},
		{status: 429, retryAfter: func() string { return "2" }, retryable: true, wantAfter: [2]time.Duration{2 * time.Second, 2 * time.Second}},
		{status: 429, retryAfter: func() string { return "86400" }, retryable: true, wantAfter: [2]time.Duration{time.Hour, time.Hour}},
		{status: 500, retryAfter: func() string { return "7" }, retryable: true}, // only 429 and 503 are read
		{status: 408, retryable: true},
		{status: 400},
		{status: 401},
		{status: 404},
		{status: 409},
		{status: 422},
	}
	for _, c := range cases {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			if c.retryAfter != nil {
				w.Header().Set("Retry-After", c.retryAfter())
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.status)
			io.WriteString(w, `{"error":"nope"}`)
		})
		resp, err := localSender(t, Config{}).Send(context.Background(), Request{URL: rc.URL + "/x"})
		de := asDelivery(t, err)
		name := fmt.Sprintf("%d retry-after=%v", c.status, c.retryAfter != nil)
		if de.Status != c.status || de.Retryable != c.retryable {
			t.Errorf("%s: status %d retryable %v, want %d %v", name, de.Status, de.Retryable, c.status, c.retryable)
		}
		if de.RetryAfter < c.wantAfter[0] || de.RetryAfter > c.wantAfter[1] {
			t.Errorf("%s: RetryAfter %v, want %v", name, de.RetryAfter, c.wantAfter)
		}
		want := fmt.Sprintf("POST %s/x: %d %s", rc.URL, c.status, http.StatusText(c.status))
		if de.Error() != want {
			t.Errorf("%s: Error() = %q, want %q", name, de.Error(), want)
		}
		if !errors.Is(err, ErrStatus) {
			t.Errorf("%s: want errors.Is(err, ErrStatus)", name)
		}
		if resp == nil || resp.Status != c.status || resp.Body.(map[string]any)["error"] != "nope" {
			t.Errorf("%s: response %+v, want the failed response too", name, resp)
		}
	}
}

func TestSendNeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	target := newReceiver(t, nil)
	for _, code := range []int{301, 302, 303, 307, 308} {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", code)
		})
		resp, err := localSender(t, Config{}).Send(context.Background(), Request{URL: rc.URL})
		de := asDelivery(t, err)
		if de.Status != code || de.Retryable {
			t.Errorf("%d: status %d retryable %v, want %d, not retryable", code, de.Status, de.Retryable, code)
		}
		if !strings.Contains(de.Error(), "redirects are not followed") {
			t.Errorf("%d: Error() = %q", code, de.Error())
		}
		if resp == nil || resp.Header["location"] != target.URL+"/elsewhere" {
			t.Errorf("%d: response %+v, want the redirect itself", code, resp)
		}
	}
	if n := target.Count(); n != 0 {
		t.Fatalf("the Location was contacted %d times", n)
	}
}

func TestSendTimeout(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	resp, err := localSender(t, Config{}).Send(context.Background(), Request{URL: rc.URL, Timeout: 100 * time.Millisecond})
	de := asDelivery(t, err)
	if resp != nil || de.Status != 0 || !de.Retryable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("resp %v, status %d, retryable %v, err %v", resp, de.Status, de.Retryable, err)
	}
	if !strings.Contains(de.Error(), "timeout after 100ms") {
		t.Errorf("Error() = %q", de.Error())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v for a 100ms timeout", d)
	}
}

func TestSendTimeoutWhileReadingBody(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	resp, err := localSender(t, Config{}).Send(context.Background(), Request{URL: rc.URL, Timeout: 200 * time.Millisecond})
	de := asDelivery(t, err)
	if de.Status != 500 || !de.Retryable || resp == nil || resp.Body != "partial" {
		t.Errorf("status %d retryable %v resp %+v", de.Status, de.Retryable, resp)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = localSender(t, Config{}).Send(context.Background(), Request{URL: "http://" + addr + "/hook"})
	de := asDelivery(t, err)
	if de.Status != 0 || !de.Retryable {
		t.Errorf("status %d retryable %v, want 0 and retryable", de.Status, de.Retryable)
	}
	if !strings.HasPrefix(de.Error(), "POST http://"+addr+"/hook: dial tcp") || !strings.Contains(de.Error(), "connection refused") {
		t.Errorf("Error() = %q", de.Error())
	}
}

func TestSendEgressGuard(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	_, port, _ := net.SplitHostPort(rc.Server.Listener.Addr().String())
	def := NewSender(Config{}) // the zero Config: guard on

	refused := []struct{ url, msg string }{
		{rc.URL + "/", "POST " + rc.URL + "/: egress refused: 127.0.0.1 is a loopback address (allow it with --egress-allow)"},
		{"http://localhost:" + port + "/", "localhost resolves to 127.0.0.1, a loopback address"},
		{"http://LOCALHOST:" + port + "/", "LOCALHOST resolves to 127.0.0.1, a loopback address"},
		{"http://[::1]:" + port + "/", "::1 is a loopback address"},
		{"http://[::ffff:127.0.0.1]:" + port + "/", "IPv4-mapped form of 127.0.0.1"},
		{"http://0.0.0.0:" + port + "/", "0.0.0.0 is an unspecified address"},
	}
	for _, c := range refused {
		resp, err := def.Send(context.Background(), Request{URL: c.url})
		de := asDelivery(t, err)
		if resp != nil || de.Retryable || de.Status != 0 {
			t.Errorf("%s: resp %v retryable %v status %d", c.url, resp, de.Retryable, de.Status)
		}
		if !errors.Is(err, ErrEgressRefused) || !strings.Contains(de.Error(), c.msg) {
			t.Errorf("%s: Error() = %q, want it to contain %q", c.url, de.Error(), c.msg)
		}
	}
	if n := rc.Count(); n != 0 {
		t.Fatalf("the guarded server was reached %d times", n)
	}

	allowed := []struct{ allow, url string }{
		{"127.0.0.1", rc.URL},
		{"127.0.0.0/8", rc.URL},
		{"localhost", "http://localhost:" + port},
		{"LOCALHOST", "http://localhost:" + port},
		{"any", rc.URL},
		{"any", "http://localhost:" + port},
	}
	for _, c := range allowed {
		e, err := ParseEgressAllow(c.allow)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := localSender(t, Config{Egress: e}).Send(context.Background(), Request{URL: c.url}); err != nil {
			t.Errorf("allow %q, %s: %v", c.allow, c.url, err)
		}
	}

	// An exception for one range does not open another.
	e, _ := ParseEgressAllow("10.0.0.0/8,internal.example")
	if _, err := NewSender(Config{Egress: e}).Send(context.Background(), Request{URL: rc.URL}); !errors.Is(err, ErrEgressRefused) {
		t.Errorf("allow 10/8: %v, want refused", err)
	}
}

func TestSendIgnoresProxyEnvironment(t *testing.T) {
	// Not parallel: it sets environment variables.
	proxy := newReceiver(t, nil)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	_, err := NewSender(Config{}).Send(context.Background(), Request{URL: "http://169.254.169.254/latest/meta-data/"})
	if !errors.Is(err, ErrEgressRefused) {
		t.Errorf("got %v, want an egress refusal", err)
	}
	if n := proxy.Count(); n != 0 {
		t.Errorf("the proxy was used %d times", n)
	}
}

func TestSendRequireHTTPS(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	_, err := localSender(t, Config{RequireHTTPS: true}).Send(context.Background(), Request{URL: rc.URL})
	de := asDelivery(t, err)
	if !errors.Is(err, ErrInsecureURL) || de.Retryable || rc.Count() != 0 {
		t.Errorf("err %v retryable %v hits %d", err, de.Retryable, rc.Count())
	}

	tlsRC := receivertest.NewTLS(t)
	tlsCfg := tlsRC.Server.Client().Transport.(*http.Transport).TLSClientConfig
	s := localSender(t, Config{RequireHTTPS: true, TLSClientConfig: tlsCfg})
	resp, err := s.Send(context.Background(), Request{URL: tlsRC.URL, Body: []byte(`{}`)})
	if err != nil || resp.Status != 200 {
		t.Fatalf("https: %v %v", resp, err)
	}
	if proto := tlsRC.Last().Proto; proto != 2 {
		t.Errorf("HTTP/%d, want HTTP/2 over TLS", proto)
	}
}

func TestSendRefusesInvalidRequests(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	s := localSender(t, Config{})
	cases := []struct {
		req  Request
		want error
	}{
		{Request{URL: ""}, ErrInvalidURL},
		{Request{URL: "ftp://127.0.0.1/x"}, ErrInvalidURL},
		{Request{URL: "http://"}, ErrInvalidURL},
		{Request{URL: "/relative/path"}, ErrInvalidURL},
		{Request{URL: "http://127.0.0.1:80\x7f/"}, ErrInvalidURL},
		{Request{URL: rc.URL, Method: "BAD METHOD"}, ErrInvalidRequest},
		{Request{URL: rc.URL, SignSecret: "whsec_%%%not-base64"}, ErrInvalidRequest},
	}
	for _, c := range cases {
		_, err := s.Send(context.Background(), c.req)
		de := asDelivery(t, err)
		if !errors.Is(err, c.want) || de.Retryable || de.Status != 0 {
			t.Errorf("%q %q: %v (retryable %v), want %v", c.req.Method, c.req.URL, err, de.Retryable, c.want)
		}
		if c.req.SignSecret != "" && strings.Contains(err.Error(), c.req.SignSecret) {
			t.Errorf("error %q shows the secret", err)
		}
	}
	if rc.Count() != 0 {
		t.Error("an invalid request was sent")
	}
}

func TestSendHeaders(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	s := localSender(t, Config{})
	ts := time.Now().Truncate(time.Second)
	body := []byte(`{"order":42}`)
	req := Request{
		URL: rc.URL,
		Header: http.Header{
			"webhook-id":        {"evil"},
			"Webhook-Signature": {"v1,forged"},
			"WEBHOOK-TIMESTAMP": {"1"},
			"x-source":          {"hookflow"},
		},
		Body:       body,
		WebhookID:  "msg_step1_run9",
		Timestamp:  ts,
		SignSecret: specSecret,
	}
	for attempt := 1; attempt <= 2; attempt++ {
		if _, err := s.Send(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		last := rc.Last()
		h, got := last.Header, last.Body
		if v := h.Values(HeaderWebhookID); len(v) != 1 || v[0] != "msg_step1_run9" {
			t.Errorf("attempt %d: webhook-id %q, want the step's stable id", attempt, v)
		}
		if v := h.Values(HeaderWebhookTimestamp); len(v) != 1 || v[0] != strconv.FormatInt(ts.Unix(), 10) {
			t.Errorf("attempt %d: webhook-timestamp %q", attempt, v)
		}
		if v := h.Values(HeaderWebhookSignature); len(v) != 1 || strings.Contains(v[0], "forged") {
			t.Errorf("attempt %d: webhook-signature %q", attempt, v)
		}
		if err := Verify(specSecret, h, got, time.Now(), time.Minute); err != nil {
			t.Errorf("attempt %d: the receiver cannot verify: %v", attempt, err)
		}
		if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "Hookflow" || h.Get("X-Source") != "hookflow" {
			t.Errorf("attempt %d: headers %v", attempt, h)
		}
		if string(got) != string(body) {
			t.Errorf("attempt %d: body %q", attempt, got)
		}
	}

	// A user Content-Type and User-Agent win; no secret, no signature.
	_, err := localSender(t, Config{UserAgent: "Custom/1"}).Send(context.Background(), Request{
		URL: rc.URL, Method: "put", Body: []byte("plain"), Header: http.Header{"Content-Type": {"text/plain"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	last := rc.Last()
	h, method := last.Header, last.Method
	if method != "PUT" || h.Get("Content-Type") != "text/plain" || h.Get("User-Agent") != "Custom/1" || h.Get(HeaderWebhookSignature) != "" {
		t.Errorf("%s %v", method, h)
	}
	if id := h.Get(HeaderWebhookID); !strings.HasPrefix(id, "msg_") || len(id) < 20 {
		t.Errorf("generated webhook-id %q", id)
	}
	if ts, err := strconv.ParseInt(h.Get(HeaderWebhookTimestamp), 10, 64); err != nil || time.Since(time.Unix(ts, 0)) > time.Minute {
		t.Errorf("default webhook-timestamp %q", h.Get(HeaderWebhookTimestamp))
	}

	// No body: no Content-Type.
	if _, err := s.Send(context.Background(), Request{URL: rc.URL, Method: "GET"}); err != nil {
		t.Fatal(err)
	}
	if last := rc.Last(); last.Method != "GET" || last.Header.Get("Content-Type") != "" || len(last.Body) != 0 {
		t.Errorf("GET: %v %q", last.Header, last.Body)
	}
}

func TestSendErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	u := strings.Replace(rc.URL, "http://", "http://user:hunter2@", 1) + "/p?token=s3cret#frag"
	_, err := localSender(t, Config{}).Send(context.Background(), Request{
		URL: u, SignSecret: specSecret, Header: http.Header{"Authorization": {"Bearer tok-abc"}},
	})
	de := asDelivery(t, err)
	msg := de.Error()
	for _, secret := range []string{"hunter2", "s3cret", "tok-abc", specSecret, "v1,"} {
		if strings.Contains(msg, secret) {
			t.Errorf("Error() = %q shows %q", msg, secret)
		}
	}
	if !strings.Contains(msg, "/p?") || !strings.Contains(msg, "500 Internal Server Error") {
		t.Errorf("Error() = %q", msg)
	}
}

func TestSendConcurrent(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	s := localSender(t, Config{})
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := s.Send(context.Background(), Request{URL: rc.URL, Body: []byte(`{"i":` + strconv.Itoa(i) + `}`), SignSecret: "k"})
			if err != nil || resp.Status != 200 {
				t.Errorf("send %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if n.Load() != 64 {
		t.Errorf("%d requests arrived, want 64", n.Load())
	}
}

func TestSendReusesConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 2000))
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	s := localSender(t, Config{MaxResponseBytes: 100}) // over-long bodies are drained, not a reason to reconnect
	for range 20 {
		if _, err := s.Send(context.Background(), Request{URL: srv.URL, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 20 sequential sends, want 1 kept alive", n)
	}
}
