package examples

import (
	"encoding/json"
	"regexp"
	"sort"
)

// about is what the gallery says of each template beside its name: what
// it does, and the services it connects (the trigger's first).
var about = map[string]struct {
	summary  string
	connects []string
}{
	"failures-to-pagerduty": {
		"When a workflow that names it as its on_failure fails for good, PagerDuty is paged: one alert per failing workflow (its dedup key), with the run, the step and the error in its details.",
		[]string{"Failed runs", "PagerDuty"},
	},
	"form-to-crm": {
		"A website form's submission becomes a CRM contact; the team chat hears of it and a support request opens a helpdesk ticket; the visitor is sent to a thank-you page.",
		[]string{"Website form", "CRM", "Team chat", "Helpdesk"},
	},
	"form-to-email": {
		"A website form's message is emailed to the team, with Reply-To set to the visitor so a reply goes straight back; bots filling the hidden field are dropped.",
		[]string{"Website form", "Email"},
	},
	"github-push-to-chat": {
		"Each push to a repository's default branch is summed up in the team chat: who pushed how many commits, with a link to the changes.",
		[]string{"GitHub", "Team chat"},
	},
	"lead-dedupe": {
		"Each new lead from a form goes to the CRM once: the same email address sent again within 30 days (in any case) is stopped as a duplicate.",
		[]string{"Lead form", "CRM"},
	},
	"nightly-report": {
		"Every morning at 7 (Berlin time) the day's sales figures are fetched from a reporting API and posted to the team chat.",
		[]string{"Schedule", "Reporting API", "Team chat"},
	},
	"order-lines-to-erp": {
		"Each line of a Shopify order is sent to the ERP as its own request, four at a time, each retried on its own; the team chat hears how many lines went through.",
		[]string{"Shopify", "ERP", "Team chat"},
	},
	"order-to-airtable": {
		"Each paid Shopify order is added as a row of an Airtable table.",
		[]string{"Shopify", "Airtable"},
	},
	"orders-per-customer": {
		"Each paid Shopify order is counted per customer (for a year); the team chat hears of it: a customer's first order, or which order of theirs it is.",
		[]string{"Shopify", "Team chat"},
	},
	"paid-order-to-fulfilment": {
		"Paid Stripe checkouts above an amount are shaped into an order and sent, signed, to a fulfilment service.",
		[]string{"Stripe", "Fulfilment API"},
	},
	"payment-paths": {
		"Succeeded Stripe payments take one of two paths: a big one alerts a person in Slack, a small one is booked in the accounting API.",
		[]string{"Stripe", "Slack", "Accounting API"},
	},
	"payment-to-slack": {
		"When a Stripe payment of at least 100.00 succeeds, Slack hears who paid how much: \"Ann Lee paid 120.00 USD\" (the Slack app's Send a message).",
		[]string{"Stripe", "Slack"},
	},
	"poll-new-orders": {
		"Every minute a shop's orders API is asked for paid orders after the last one seen; each new order is announced in the team chat, once. Orders already there when it starts are only noted.",
		[]string{"Orders API", "Team chat"},
	},
	"refund-approval": {
		"A refund request over 500 waits for a person: the chat gets Approve and Reject links, and the refund is sent only once someone approves (nothing after 48 hours).",
		[]string{"Refund form", "Team chat", "Payments API"},
	},
	"slack-command": {
		"A Slack slash command (/order 1001) looks the order up in an API and answers in Slack with its status and total.",
		[]string{"Slack", "Orders API"},
	},
	"webhook-to-queue": {
		"Each paid Shopify order is put on a RabbitMQ exchange as a persistent message (routing key order.paid.eur, ...), for the services that consume it; the broker confirms each one, and a message it did not is sent again with the same webhook-id.",
		[]string{"Shopify", "RabbitMQ"},
	},
	"uptime-check": {
		"Every 5 minutes a site's health URL is called; the run fails, after a few tries, when the site does not answer.",
		[]string{"Schedule", "Website"},
	},
}

// secretName finds the secrets a definition names (secrets.NAME).
var secretName = regexp.MustCompile(`\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)`)

// describe fills in what the gallery shows of a template: its summary,
// what it connects, and the secrets and vars its user sets before it runs.
func (t *Template) describe() error {
	a := about[t.ID]
	t.Summary, t.Connects = a.summary, a.connects
	t.Secrets, t.Vars = []string{}, []string{}
	seen := map[string]bool{}
	for _, m := range secretName.FindAllSubmatch(t.Definition, -1) {
		if n := string(m[1]); !seen[n] {
			seen[n] = true
			t.Secrets = append(t.Secrets, n)
		}
	}
	sort.Strings(t.Secrets)
	var def struct {
		Vars map[string]json.RawMessage `json:"vars"`
	}
	if err := json.Unmarshal(t.Definition, &def); err != nil {
		return err
	}
	for k := range def.Vars {
		t.Vars = append(t.Vars, k)
	}
	sort.Strings(t.Vars)
	return nil
}
