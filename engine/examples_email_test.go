package engine

import (
	"maps"
	"mime"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/internal/smtptest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	exampleCases["form-to-email"] = testFormToEmail
}

// exampleMail starts an SMTP server on 127.0.0.1 for an example with
// email steps and gives the secrets with secrets.smtp its URL; an example
// without gets no server and the usual secrets.
func exampleMail(t *testing.T, w *workflows.Workflow) (*smtptest.Server, map[string]any) {
	t.Helper()
	for _, s := range w.Steps {
		if _, ok := s.Settings.(*kinds.Email); ok {
			srv := smtptest.New(t, smtptest.Options{User: "website", Password: "smtp-password", NoTLS: true})
			secrets := maps.Clone(exampleSecrets)
			secrets["smtp"] = srv.URL("tls=none")
			return srv, secrets
		}
	}
	return nil, exampleSecrets
}

func testFormToEmail(t *testing.T, x *example) {
	form := func(v url.Values) store.Event {
		return store.Event{Source: "webhook", Method: "POST", Body: []byte(v.Encode()),
			Query: "key=" + url.QueryEscape(x.secret("form_key")),
			Headers: map[string]string{
				"content-type": "application/x-www-form-urlencoded",
				"origin":       "https://www.example.com",
			}}
	}

	// A visitor's message: they are sent to the thank-you page, the team
	// gets an email they can reply to.
	sent := x.deliver(t, form(url.Values{
		"name": {" Zoë Brandt "}, "email": {"zoe.brandt@example.com "},
		"message": {"Do you ship to Austria?\n<b>Soon</b> please & thanks"}, "website": {""},
	}), true)
	resp, err := x.engine.AwaitResponse(x.ctx, sent.RunID, waitFor)
	if err != nil {
		t.Fatalf("AwaitResponse: %v", err)
	}
	if resp.Status != 303 || resp.Headers["Location"] != x.secret("thank_you_page") {
		t.Errorf("form response = %+v, want 303 to the thank-you page", resp)
	}
	if r := x.waitFinished(sent.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}

	// A bot filling the hidden field, and a form without a usable address,
	// send nothing.
	for _, v := range []url.Values{
		{"name": {"Buy now"}, "email": {"bot@spam.example"}, "message": {"cheap"}, "website": {"http://spam.example"}},
		{"name": {"No address"}, "email": {"not an address"}, "message": {"hi"}},
	} {
		run := x.deliver(t, form(v), false)
		if r := x.waitFinished(run.RunID); r.Status != store.StatusFiltered {
			t.Errorf("run of %v = %s (%q), want filtered", v, r.Status, r.Error)
		}
	}

	msgs := x.mail.Accepted()
	if len(msgs) != 1 {
		t.Fatalf("the team got %d emails, want 1", len(msgs))
	}
	m := msgs[0]
	if m.User != "website" || m.From != "website@example.com" || !slices.Equal(m.To, []string{"sales@example.com"}) {
		t.Errorf("envelope: user %q, from %q, to %v", m.User, m.From, m.To)
	}
	if got := m.Header.Get("Reply-To"); got != "<zoe.brandt@example.com>" {
		t.Errorf("Reply-To %q, want the visitor", got)
	}
	if subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); subject != "Website enquiry from Zoë Brandt" {
		t.Errorf("Subject %q", subject)
	}
	parts := mimeParts(t, m.Data)
	if want := "Zoë Brandt <zoe.brandt@example.com> wrote on the website:\n\nDo you ship to Austria?\n<b>Soon</b> please & thanks\n\nReply to this email to answer them."; parts["text/plain"] != want {
		t.Errorf("text part:\n%s\nwant:\n%s", parts["text/plain"], want)
	}
	if html := parts["text/html"]; !strings.Contains(html, "&lt;b&gt;Soon&lt;/b&gt; please &amp; thanks") || !strings.Contains(html, `<a href="mailto:zoe.brandt@example.com">`) {
		t.Errorf("html part, want the message escaped and a mailto link:\n%s", html)
	}
}
