package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/internal/smtptest"
)

// The email step, every field, round-trips through the editor too
// (TestEditorBrowserRoundTrip).
func init() {
	roundTripDefs = append(roundTripDefs, `{
  "format": "hookflow/v1", "id": "rt-email", "name": "Round trip: email",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "mail", "type": "email", "smtp": "smtp://mail.example.com:587?tls=required", "from": "Shop <shop@example.com>",
     "to": ["{{ payload.email }}", "team@example.com"], "cc": ["boss@example.com"], "bcc": ["audit@example.com"],
     "reply_to": "help@example.com", "subject": "Order {{ payload.id }}", "text": "Thanks, {{ payload.name }}.",
     "html": "<p>Thanks, <b>{{ payload.name }}</b>.</p>", "timeout": "10s",
     "retry": {"max_attempts": 3, "initial": "1s", "max": "1m"}}
  ]
}`)
}

// TestEditorBrowserEmailStep: an email step made in the editor by its
// labelled fields saves, and an event sends its message to an SMTP server.
func TestEditorBrowserEmailStep(t *testing.T) {
	b, u := loggedIn(t)
	mail := smtptest.New(t, smtptest.Options{NoTLS: true})
	u.acceptLeaving()

	u.click("#new-workflow")
	u.click("#gallery-blank")
	u.waitPath("/workflows/new")
	u.typeInto("#wf-name", "Order mail")
	u.click(`[data-add-step="email"]`)
	u.fill(u.byLabel("SMTP server"), mail.URL("tls=none"))
	u.fill(u.byLabel("From"), "Shop <shop@example.com>")
	u.click(u.byRole("button", "+ To address"))
	u.fill(u.byLabel("To address 1"), "{{ payload.email }}")
	u.fill(u.byLabel("Subject"), "Order {{ payload.id }}")
	u.fill(u.byLabel("Text"), "Thanks for order {{ payload.id }}.")
	u.click("#save")
	u.waitJS("the new workflow's page opens", `/^\/workflows\/order-mail-[0-9a-f]+$/.test(location.pathname)`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")

	var wf workflow
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &wf)
	runID := b.trigger(wf.TriggerURL, map[string]any{"id": "ord_7", "email": "ann@example.com"})
	if done := b.waitRun(runID); done.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", done.Run.Status, done.Run.Error)
	}
	msgs := mail.Accepted()
	if len(msgs) != 1 {
		t.Fatalf("the server got %d messages, want 1", len(msgs))
	}
	if m := msgs[0]; m.From != "shop@example.com" || !slices.Equal(m.To, []string{"ann@example.com"}) || m.Header.Get("Subject") != "Order ord_7" {
		t.Errorf("message from %q to %v, subject %q", m.From, m.To, m.Header.Get("Subject"))
	}
}
