package web_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/workflows/examples"
)

// TestGalleryBrowser makes a workflow from the gallery as a new user would:
// "New workflow", the payment -> Slack template, its Stripe secret made
// from the secret field, its Slack URL typed as a plain address; then
// test with the template's sample, save, enable, and a real, signed Stripe
// event delivers the message to the receiver standing in for Slack.
func TestGalleryBrowser(t *testing.T) {
	b, u := loggedInWith(t, withVault())
	u.acceptLeaving()
	const stripeSecret = "whsec_gallery_5f2a9c"

	u.click("#new-workflow")
	dialog := u.byRole("dialog", "New workflow")
	u.waitText(dialog, "Big Stripe payments to Slack", "Stripe", "Slack", "Blank workflow")
	u.waitText(`[data-template="payment-to-slack"]`, "Ann Lee paid 120.00 USD", "Needs the secret stripe")
	templates, err := examples.Templates()
	if err != nil {
		t.Fatal(err)
	}
	if n, want := u.eval(`String(document.querySelectorAll('.gallery-item').length)`), fmt.Sprint(len(templates)); n != want {
		t.Errorf("the gallery shows %s templates, want %s", n, want)
	}
	u.screenshot("editor-gallery.png")
	u.click(u.byRole("button", "Use template: Big Stripe payments to Slack"))
	u.waitPath("/workflows/new")

	// Loaded: its definition, its sample, and what to set before it runs.
	u.waitText("#template-notice", "Big Stripe payments to Slack", "stripe", "(not set yet)", "slack_webhook_url")
	u.waitText(".sample-view", "pi_3PxSample0001", "Ann Lee")
	if got := u.eval(`document.getElementById('wf-name').value`); got != "Big Stripe payments to Slack" {
		t.Errorf("name = %q", got)
	}
	if u.eval(`String(document.getElementById('wf-enabled').checked)`) != "false" {
		t.Error("a workflow from a template starts enabled; it should start off until tested and turned on")
	}

	// The Stripe signing secret, made from the trigger's secret field.
	pick := u.byLabel("Secret: stored secret")
	u.waitJS("the secret field says stripe is not set", `[...document.querySelectorAll('.secret-pick option')].some((o) => o.textContent === 'stripe (not set)')`)
	u.choose(pick, "New secret…")
	u.typeInto(u.byLabel("New secret name"), "stripe")
	u.typeInto(u.byLabel("New secret value"), stripeSecret)
	u.click(u.byRole("button", "Create secret"))
	u.waitJS("the new secret is picked", `document.querySelector('.secret-pick').selectedOptions[0].textContent === 'stripe'`)
	if got := u.eval(`document.querySelector('[data-field="trigger.auth.secret"]').value`); got != "{{ secrets.stripe }}" {
		t.Errorf("the trigger's secret is %q", got)
	}

	// Slack's URL: the receiver's address, typed as it is.
	u.fill(`[data-field="steps[1].with.webhook_url"]`, b.recv.URL+"/slack")

	u.click("#save")
	u.waitJS("the saved workflow's page opens", `/^\/workflows\/big-stripe-payments-to-slack[a-z0-9-]*$/.test(location.pathname)`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
	u.waitText("#template-notice", "stripe", "(set)")
	u.waitText(".sample-view", "pi_3PxSample0001") // the template's sample stays

	// Test with the template's sample: the filter passes, the message is made.
	u.click("#test")
	u.waitText("#test-result", "Succeeded")
	u.waitText(`li.step[data-field="steps[1]"]`, "Ann Lee paid 120.00 USD")
	if n := b.recv.Count(); n != 0 {
		t.Errorf("the test sent %d requests; it sends none unless asked", n)
	}

	u.click("#wf-enabled")
	u.waitJS("the workflow is enabled", `document.getElementById('wf-enabled').checked && !document.getElementById('wf-enabled').disabled`)
	var w workflow
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &w)
	if !w.Enabled || w.TriggerURL == "" {
		t.Fatalf("after enabling: enabled %v, trigger URL %q", w.Enabled, w.TriggerURL)
	}

	// A real Stripe event, signed with the secret set from the editor.
	body := []byte(`{"id": "evt_live_1", "type": "payment_intent.succeeded", "data": {"object": {"amount": 12000, "currency": "usd",
		"receipt_email": "ann.lee@example.com", "metadata": {"customer_name": "Ann Lee"}}}}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(stripeSecret))
	mac.Write([]byte(ts + "." + string(body)))
	runID := b.trigger(w.TriggerURL, body, "Content-Type", "application/json",
		"Stripe-Signature", "t="+ts+",v1="+hex.EncodeToString(mac.Sum(nil)))
	if run := b.waitRun(runID); run.Run.Status != "succeeded" {
		t.Fatalf("run %s: %s %s", runID, run.Run.Status, run.Run.Error)
	}
	hits := b.recv.On("/slack")
	if len(hits) != 1 {
		t.Fatalf("the receiver got %d requests on /slack, want 1", len(hits))
	}
	var got map[string]any
	if err := json.Unmarshal(hits[0].Body, &got); err != nil {
		t.Fatalf("body %q: %v", hits[0].Body, err)
	}
	if len(got) != 1 || got["text"] != "Ann Lee paid 120.00 USD" {
		t.Errorf("Slack got %s, want {\"text\": \"Ann Lee paid 120.00 USD\"}", hits[0].Body)
	}

	// An unsigned request is refused: the secret is the one Stripe signs with.
	if r := b.send(http.MethodPost, w.TriggerURL, body, "Content-Type", "application/json"); r.status != http.StatusUnauthorized {
		t.Errorf("unsigned event = %d, want 401", r.status)
	}
}

// TestGalleryBrowserEveryTemplate: each template of the gallery opens with
// its sample and saves as it is: every field valid, nothing to mend first.
func TestGalleryBrowserEveryTemplate(t *testing.T) {
	b, u := loggedIn(t)
	u.acceptLeaving()
	var list struct {
		Templates []struct {
			ID, Name string
		} `json:"templates"`
	}
	b.api(http.MethodGet, "/api/v1/templates", nil).decode(t, &list)
	for _, tpl := range list.Templates {
		u.click("#new-workflow")
		u.click(u.byRole("button", "Use template: "+tpl.Name))
		u.waitText("#template-notice", tpl.Name)
		u.waitJS("the sample is the template's", `document.getElementById('sample-label').textContent.includes('template')`)
		u.click("#save")
		u.waitJS(tpl.ID+" is saved", `/^\/workflows\/[a-z0-9-]+$/.test(location.pathname) && location.pathname !== '/workflows/new'`)
		if txt := u.eval(`document.getElementById('save-error') ? document.getElementById('save-error').textContent : ''`); txt != "" {
			t.Errorf("%s: save error %q", tpl.ID, txt)
		}
		id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
		var w workflow
		b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &w)
		if w.Name != tpl.Name || w.Enabled {
			t.Errorf("%s: saved as %q, enabled %v; want its name, off", tpl.ID, w.Name, w.Enabled)
		}
		u.open("/")
		u.waitVisible("#new-workflow")
	}
}
