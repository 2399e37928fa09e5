package engine

import (
	"context"
	"testing"

	"github.com/hookflow/hookflow/internal/smtptest"
)

// BenchmarkAppStep sends one Slack message per run through the shipped
// Slack app to a local receiver: the app's fields checked and rendered,
// compiled into a webhook step, and sent.
func BenchmarkAppStep(b *testing.B) {
	var recvURL string
	bb := setup(b, withConfig(func(cfg *Config) {
		cfg.Secrets = func(context.Context) (map[string]any, error) { return appSecrets(recvURL), nil }
	}))
	recvURL = bb.recv.URL
	wf := bb.save(`{"format": "hookflow/v1", "id": "bench-app", "name": "Bench app", "trigger": {"type": "webhook"},
  "steps": [` + appCases[0].step + `]}`)
	benchRuns(b, bb, wf, `{"customer": "Ann Lee %d", "amount": 12000, "currency": "usd"}`)
}

// BenchmarkStorage counts orders per customer, appends to a list and
// sends each order with its count (the storage template's workflow): two
// store operations and a delivery per run.
func BenchmarkStorage(b *testing.B) {
	bb := setup(b)
	wf := bb.save(countOrders)
	benchRuns(b, bb, wf, `{"id": "O-%d", "customer": {"id": "ada"}}`)
}

// BenchmarkDedupe passes each run's distinct key through a dedupe step
// with a one-hour window, then delivers it.
func BenchmarkDedupe(b *testing.B) {
	bb := setup(b)
	wf := bb.save(`{"format": "hookflow/v1", "id": "bench-dedupe", "name": "Bench dedupe", "trigger": {"type": "webhook"},
  "steps": [
    {"id": "once", "type": "dedupe", "key": "{{ lower(payload.email) }}", "window": "1h"},
    {"id": "crm", "type": "webhook", "url": "{{ vars.recv }}/leads"}
  ]}`)
	benchRuns(b, bb, wf, `{"email": "Lead-%d@Example.com"}`)
}

// BenchmarkEmail sends one message per run, text and HTML, to a local
// SMTP server over STARTTLS with a login.
func BenchmarkEmail(b *testing.B) {
	bb, _ := emailSetup(b, smtptest.Options{User: "mailer", Password: smtpPassword}, "tls=required", false)
	wf := bb.save(oneEmail)
	benchRuns(b, bb, wf, `{"id": "A-%d", "name": "Ann", "email": "ann@example.com"}`)
}

// BenchmarkPaths routes each run through paths (the first that holds):
// a big order's three lines each delivered by a loop, then one more
// delivery after the paths; four deliveries per run.
func BenchmarkPaths(b *testing.B) {
	bb := setup(b)
	wf := bb.save(pathsWorkflow)
	benchRuns(b, bb, wf, `{"id": "O-%d", "amount": 500, "lines": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]}`)
}
