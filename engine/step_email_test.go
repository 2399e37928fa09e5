package engine

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/internal/smtptest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// smtpPassword is the test server's password: it must never be recorded.
const smtpPassword = "s3cret-Passw0rd"

// emailSetup starts an SMTP server with opts and an engine whose sender
// may reach 127.0.0.1 (unless guarded) and trusts the server's
// certificate, with secrets.smtp its URL. The URL logs in as mailer with
// smtpPassword, whatever the server takes.
func emailSetup(t testing.TB, opts smtptest.Options, query string, guarded bool) (*bundle, *smtptest.Server) {
	t.Helper()
	srv := smtptest.New(t, opts)
	egress := actions.DefaultEgress()
	if !guarded {
		var err error
		if egress, err = actions.ParseEgressAllow("127.0.0.0/8"); err != nil {
			t.Fatal(err)
		}
	}
	sender := actions.NewSender(actions.Config{Egress: egress,
		TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs, MinVersion: tls.VersionTLS12}})
	b := setup(t, withConfig(func(c *Config) {
		c.Sender = sender
		c.Secrets = func(context.Context) (map[string]any, error) {
			u := srv.URL(query)
			if opts.User != "" {
				u = strings.Replace(u, url.UserPassword(opts.User, opts.Password).String(), url.UserPassword("mailer", smtpPassword).String(), 1)
			}
			return map[string]any{"smtp": u}, nil
		}
	}))
	return b, srv
}

// oneEmail is a workflow of one email step, retried quickly.
const oneEmail = `{
  "format": "hookflow/v1", "id": "one-email", "name": "One email",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "mail", "type": "email", "smtp": "{{ secrets.smtp }}",
    "from": "Zoë Brandt <orders@example.com>",
    "to": ["{{ payload.email }}", "Team <team@example.com>"],
    "cc": ["{{ payload.cc ?? '' }}"],
    "bcc": ["audit@example.com"],
    "reply_to": "help@example.com",
    "subject": "Commande {{ payload.id }} reçue ✓",
    "text": "Hello {{ payload.name }}, order {{ payload.id }} is in.",
    "html": "<p>Hello <b>{{ payload.name }}</b>, order {{ payload.id }} is in.</p>",
    "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}]
}`

const oneEmailEvent = `{"id": "A-17", "name": "Ann <i>&</i>", "email": "ann@example.com", "cc": "boss@example.com"}`

// TestEmailSends: the message reaches the server over STARTTLS after
// logging in, with encoded headers, a text and an HTML part, cc and bcc
// in the envelope only where they belong, and a record without the
// password.
func TestEmailSends(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword}, "tls=required", false)
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	msgs := srv.Accepted()
	if len(msgs) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if !m.TLS || m.User != "mailer" {
		t.Errorf("message over TLS %v as %q, want STARTTLS and logged in as mailer", m.TLS, m.User)
	}
	if m.From != "orders@example.com" {
		t.Errorf("MAIL FROM %q", m.From)
	}
	wantRcpt := []string{"ann@example.com", "team@example.com", "boss@example.com", "audit@example.com"}
	if !slices.Equal(m.To, wantRcpt) {
		t.Errorf("RCPT TO %v, want %v", m.To, wantRcpt)
	}
	dec := new(mime.WordDecoder)
	h := m.Header
	for name, want := range map[string]string{
		"Subject":  "Commande A-17 reçue ✓",
		"From":     `Zoë Brandt <orders@example.com>`,
		"To":       `<ann@example.com>, "Team" <team@example.com>`,
		"Cc":       "<boss@example.com>",
		"Reply-To": "<help@example.com>",
		"Bcc":      "",
	} {
		raw := h.Get(name)
		got, err := dec.DecodeHeader(raw)
		if err != nil || got != want {
			t.Errorf("%s: %q decodes to %q (%v), want %q", name, raw, got, err, want)
		}
		if strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
			t.Errorf("%s: %q is not encoded", name, raw)
		}
	}
	if bytes.Contains(m.Data, []byte("audit@example.com")) {
		t.Errorf("the bcc address is in the message:\n%s", m.Data)
	}
	msgID := h.Get("Message-Id")
	if want := "<" + kinds.MessageID(run, "mail", "example.com") + ">"; msgID != want {
		t.Errorf("Message-ID %q, want %q", msgID, want)
	}
	parts := mimeParts(t, m.Data)
	if parts["text/plain"] != "Hello Ann <i>&</i>, order A-17 is in." || parts["text/html"] != "<p>Hello <b>Ann &lt;i&gt;&amp;&lt;/i&gt;</b>, order A-17 is in.</p>" {
		t.Errorf("parts = %q, want the text and the html, the event's values escaped in it", parts)
	}

	rs := b.resultsOf(run, "mail")
	if len(rs) != 1 {
		t.Fatalf("%d results, want 1", len(rs))
	}
	var in map[string]any
	if err := json.Unmarshal(rs[0].Input, &in); err != nil {
		t.Fatal(err)
	}
	if in["smtp"] != "smtp://"+srv.Addr+"?tls=required" || in["subject"] != "Commande A-17 reçue ✓" || in["user"] != "mailer" {
		t.Errorf("recorded input = %s", rs[0].Input)
	}
	var out map[string]any
	if err := json.Unmarshal(rs[0].Output, &out); err != nil {
		t.Fatal(err)
	}
	if out["sent"] != true || out["reply"] != "250 2.0.0 OK: queued" || "<"+out["message_id"].(string)+">" != msgID {
		t.Errorf("recorded output = %s, want sent, the server's 250 reply and the Message-ID", rs[0].Output)
	}
	noPassword(t, b, run)
}

// TestEmailHTMLOnly: with HTML only, a text part is made from it; a
// local relay without TLS or login takes the message.
func TestEmailHTMLOnly(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{NoTLS: true}, "tls=none", false)
	wf := b.save(`{"format": "hookflow/v1", "id": "html-email", "name": "HTML email",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "mail", "type": "email", "smtp": "{{ secrets.smtp }}", "from": "shop@example.com",
    "to": ["{{ payload.email }}"], "subject": "Hi",
    "html": "<h1>Order {{ payload.id }}</h1><p>See <a href=\"https://shop.example.com/o/{{ payload.id }}\">your order</a>.<br>Thanks</p><script>x()</script>"}]}`)
	run := b.accept(wf, `{"id": "B-2", "email": "bo@example.com"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	msgs := srv.Accepted()
	if len(msgs) != 1 || msgs[0].TLS {
		t.Fatalf("accepted %d messages (TLS %v), want 1 without TLS", len(msgs), len(msgs) > 0 && msgs[0].TLS)
	}
	parts := mimeParts(t, msgs[0].Data)
	if want := "Order B-2\n\nSee your order (https://shop.example.com/o/B-2).\nThanks"; parts["text/plain"] != want {
		t.Errorf("text part %q, want %q", parts["text/plain"], want)
	}
	if !strings.Contains(parts["text/html"], "<h1>Order B-2</h1>") {
		t.Errorf("html part %q", parts["text/html"])
	}
}

// TestEmailRetries4xx: a 451 at DATA is retried, with the same
// Message-ID, and the second attempt is accepted.
func TestEmailRetries4xx(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword}, "", false)
	srv.Answer(func(n int) error {
		if n == 1 {
			return smtptest.Reply(451, "Greylisted, try again later")
		}
		return nil
	})
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[0].Refused == nil || msgs[1].Refused != nil {
		t.Fatalf("server got %d messages, want a refused then an accepted one", len(msgs))
	}
	if a, b := msgs[0].Header.Get("Message-Id"), msgs[1].Header.Get("Message-Id"); a == "" || a != b {
		t.Errorf("Message-IDs %q and %q, want the same on both attempts", a, b)
	}
	rs := b.resultsOf(run, "mail")
	if len(rs) != 2 || rs[0].Status != store.StepRetrying || !strings.Contains(rs[0].Error, "451") || rs[1].Status != store.StepSucceeded {
		t.Errorf("results = %+v, want retrying with the 451, then succeeded", rs)
	}
	noPassword(t, b, run)
}

// TestEmailFails5xx: a 550 fails the step at once.
func TestEmailFails5xx(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword}, "", false)
	srv.Answer(func(int) error { return smtptest.Reply(550, "Mailbox unavailable") })
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	r := b.waitFinished(run)
	t.Logf("run error: %s", r.Error)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "550") || !strings.Contains(r.Error, `"mail"`) {
		t.Errorf("run = %s (%q), want failed naming the step and the 550", r.Status, r.Error)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server got %d messages, want 1 (no retry)", n)
	}
	if rs := b.resultsOf(run, "mail"); len(rs) != 1 || rs[0].Status != store.StepFailed {
		t.Errorf("results = %+v, want one failed attempt", rs)
	}
	noPassword(t, b, run)
}

// TestEmailWrongPassword: a login the server refuses (535) fails at once,
// and the error does not repeat the password.
func TestEmailWrongPassword(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: "another-one"}, "", false)
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	r := b.waitFinished(run)
	t.Logf("run error: %s", r.Error)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "535") {
		t.Errorf("run = %s (%q), want failed with the 535", r.Status, r.Error)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want none", n)
	}
	noPassword(t, b, run)
}

// TestEmailLoginAuth: a server offering only LOGIN is logged in to with it.
func TestEmailLoginAuth(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword, Mechanisms: []string{"LOGIN"}}, "", false)
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if msgs := srv.Accepted(); len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "mailer" {
		t.Errorf("accepted %+v, want one message over STARTTLS as mailer", msgs)
	}
	noPassword(t, b, run)
}

// TestEmailImplicitTLS: smtps:// speaks TLS from the first byte.
func TestEmailImplicitTLS(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword, ImplicitTLS: true}, "", false)
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if msgs := srv.Accepted(); len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "mailer" {
		t.Errorf("accepted %+v, want one message over TLS as mailer", msgs)
	}
}

// TestEmailEgressGuard: with the default guard, 127.0.0.1 is refused and
// the step fails at once without reaching the server.
func TestEmailEgressGuard(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword}, "", true)
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	r := b.waitFinished(run)
	t.Logf("run error: %s", r.Error)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "egress refused") || !strings.Contains(r.Error, "loopback") {
		t.Errorf("run = %s (%q), want failed by the egress guard", r.Status, r.Error)
	}
	if rs := b.resultsOf(run, "mail"); len(rs) != 1 {
		t.Errorf("%d attempts, want 1 (no retry)", len(rs))
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want none", n)
	}
	noPassword(t, b, run)
}

// TestEmailNoPasswordInClear: a password is not sent over a connection
// without TLS to a server other than this machine's 127.0.0.1.
func TestEmailNoPasswordInClear(t *testing.T) {
	t.Parallel()
	probe, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 to listen on: %v", err)
	}
	_ = probe.Close()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword, NoTLS: true, Host: "127.0.0.2"}, "tls=none", false)
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	r := b.waitFinished(run)
	t.Logf("run error: %s", r.Error)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "unencrypted") {
		t.Errorf("run = %s (%q), want failed: no login without TLS", r.Status, r.Error)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want none", n)
	}
	if rs := b.resultsOf(run, "mail"); len(rs) != 1 {
		t.Errorf("%d attempts, want 1 (no retry)", len(rs))
	}
}

// TestEmailNetworkErrorRetried: a server that does not answer is tried
// again, up to retry.max_attempts.
func TestEmailNetworkErrorRetried(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: connections are refused
	b := setup(t, withConfig(func(c *Config) {
		c.Secrets = func(context.Context) (map[string]any, error) {
			return map[string]any{"smtp": "smtp://mailer:" + smtpPassword + "@" + addr}, nil
		}
	}))
	run := b.accept(b.save(oneEmail), oneEmailEvent)
	r := b.waitFinished(run)
	t.Logf("run error: %s", r.Error)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "gave up after 3 attempts") {
		t.Errorf("run = %s (%q), want failed after its 3 attempts", r.Status, r.Error)
	}
	rs := b.resultsOf(run, "mail")
	if len(rs) != 3 || rs[0].Status != store.StepRetrying || rs[1].Status != store.StepRetrying {
		t.Errorf("results = %+v, want retrying, retrying, failed", rs)
	}
	noPassword(t, b, run)
}

// TestEmailTestRunSendsNothing: a test run shows the message it would
// send and sends nothing, unless asked to.
func TestEmailTestRunSendsNothing(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword}, "", false)
	c, err := workflows.Compile(decode(t, oneEmail))
	if err != nil {
		t.Fatal(err)
	}
	ev := jsonEvent(oneEmailEvent)
	rep := b.engine.Test(b.ctx, c, &ev, TestOptions{})
	if rep.Status != store.StatusSucceeded || len(rep.Steps) != 1 {
		t.Fatalf("test run = %+v", rep)
	}
	if in, out := string(rep.Steps[0].Input), string(rep.Steps[0].Output); !strings.Contains(in, "Commande A-17") || !strings.Contains(out, `"sent":false`) || strings.Contains(in, smtpPassword) {
		t.Errorf("test step input %s, output %s; want the message, not sent, no password", in, out)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("a test run sent %d messages", n)
	}
	ev = jsonEvent(oneEmailEvent)
	if rep := b.engine.Test(b.ctx, c, &ev, TestOptions{Send: true}); rep.Status != store.StatusSucceeded || len(srv.Accepted()) != 1 {
		t.Errorf("a test run with Send: %s (%s), %d messages; want it sent", rep.Status, rep.Error, len(srv.Accepted()))
	}
}

// TestEmailInLoop: an email step in a loop sends one message per item,
// each with a Message-ID of its own path.
func TestEmailInLoop(t *testing.T) {
	t.Parallel()
	b, srv := emailSetup(t, smtptest.Options{User: "mailer", Password: smtpPassword}, "", false)
	wf := b.save(`{"format": "hookflow/v1", "id": "loop-email", "name": "Loop email",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "each", "type": "for_each", "items": "payload.people", "steps": [
    {"id": "mail", "type": "email", "smtp": "{{ secrets.smtp }}", "from": "shop@example.com",
     "to": ["{{ item.email }}"], "subject": "Hi {{ item.name }}", "text": "Hello"}]}]}`)
	run := b.accept(wf, `{"people": [{"name": "Ann", "email": "ann@example.com"}, {"name": "Bo", "email": "bo@example.com"}]}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	got := map[string]string{}
	for _, m := range srv.Accepted() {
		got[m.To[0]] = m.Header.Get("Message-Id")
	}
	want := map[string]string{
		"ann@example.com": "<" + kinds.MessageID(run, "each[0].mail", "example.com") + ">",
		"bo@example.com":  "<" + kinds.MessageID(run, "each[1].mail", "example.com") + ">",
	}
	if len(got) != 2 || got["ann@example.com"] != want["ann@example.com"] || got["bo@example.com"] != want["bo@example.com"] {
		t.Errorf("Message-IDs by recipient = %v, want %v", got, want)
	}
}

// noPassword checks that nothing recorded of the run holds the password.
func noPassword(t *testing.T, b *bundle, run string) {
	t.Helper()
	r, err := b.db.RunGet(b.ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Error, smtpPassword) {
		t.Errorf("run error holds the password: %q", r.Error)
	}
	for _, s := range b.results(run) {
		for _, v := range []string{string(s.Input), string(s.Output), s.Error} {
			if strings.Contains(v, smtpPassword) {
				t.Errorf("step %s attempt %d recorded the password: %s", s.StepID, s.Attempt, v)
			}
		}
	}
}

// mimeParts reads a message's parts by content type, decoded.
func mimeParts(t *testing.T, data []byte) map[string]string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	out := map[string]string{}
	var walk func(ct string, r io.Reader, enc string)
	walk = func(ct string, r io.Reader, enc string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("part: %v", err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"))
			}
		}
		body, err := io.ReadAll(decodeTransfer(r, enc))
		if err != nil {
			t.Fatalf("%s part: %v", mt, err)
		}
		out[mt] = strings.TrimRight(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	}
	walk(m.Header.Get("Content-Type"), m.Body, m.Header.Get("Content-Transfer-Encoding"))
	return out
}

// decodeTransfer undoes a part's Content-Transfer-Encoding.
func decodeTransfer(r io.Reader, enc string) io.Reader {
	switch strings.ToLower(enc) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}
