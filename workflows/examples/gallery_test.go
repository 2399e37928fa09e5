package examples

import (
	"slices"
	"testing"
)

// TestGalleryDescribesEveryTemplate: each template has a summary, the
// services it connects, and the secrets and vars its definition uses.
func TestGalleryDescribesEveryTemplate(t *testing.T) {
	ts, err := Templates()
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range ts {
		if tpl.Summary == "" || len(tpl.Connects) < 2 {
			t.Errorf("template %s: summary %q, connects %v; want both (add it to about)", tpl.ID, tpl.Summary, tpl.Connects)
		}
	}
	if len(about) != len(ts) {
		t.Errorf("about describes %d templates; there are %d", len(about), len(ts))
	}
	byID := map[string]Template{}
	for _, tpl := range ts {
		byID[tpl.ID] = tpl
	}
	slack := byID["payment-to-slack"]
	if !slices.Equal(slack.Secrets, []string{"stripe"}) || !slices.Equal(slack.Vars, []string{"min_amount_cents", "slack_webhook_url"}) {
		t.Errorf("payment-to-slack: secrets %v, vars %v", slack.Secrets, slack.Vars)
	}
	crm := byID["form-to-crm"]
	if !slices.Equal(crm.Secrets, []string{"crm_token", "form_key", "helpdesk_token"}) {
		t.Errorf("form-to-crm: secrets %v", crm.Secrets)
	}
	if up := byID["uptime-check"]; len(up.Secrets) != 0 || !slices.Equal(up.Vars, []string{"site_url"}) {
		t.Errorf("uptime-check: secrets %v, vars %v", up.Secrets, up.Vars)
	}
}
