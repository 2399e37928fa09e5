package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// testRefundApproval: a big refund asks in chat with Approve and Reject
// links (the wait step's resume URL), waits, and refunds only when
// approved; a small one asks nothing.
func testRefundApproval(t *testing.T, x *example) {
	refund := func(order string, amount int) string {
		ev := jsonEvent(fmt.Sprintf(`{"order": %q, "customer": "ann@example.com", "amount": %d, "currency": "eur", "reason": "Damaged"}`, order, amount))
		ev.Headers["x-refund-key"] = x.secret("refund_key")
		return x.deliver(t, ev, false).RunID
	}
	// links returns the approve and reject links of the order's message.
	links := func(order string) (approve, reject string) {
		t.Helper()
		waitUntil(t, "the question for "+order, func() bool {
			for _, h := range x.recv.On("/chat_webhook") {
				var m struct{ Text string }
				_ = json.Unmarshal(h.Body, &m)
				if strings.Contains(m.Text, order) && strings.Contains(m.Text, "|Approve>") {
					for _, part := range strings.Split(m.Text, "<")[1:] {
						link, label, _ := strings.Cut(part, "|")
						if strings.HasPrefix(label, "Approve") {
							approve = link
						} else if strings.HasPrefix(label, "Reject") {
							reject = link
						}
					}
					return true
				}
			}
			return false
		})
		return approve, reject
	}
	// open follows a link as a browser would: a GET with its query.
	open := func(link string) {
		t.Helper()
		_, rest, ok := strings.Cut(link, "/hooks/resume/")
		tok, query, _ := strings.Cut(rest, "?")
		if !ok {
			t.Fatalf("link %q is not a resume URL", link)
		}
		if _, err := x.engine.ResumeByToken(x.ctx, tok, ResumeRequestOf("GET", nil, nil, query)); err != nil {
			t.Fatalf("open %s: %v", link, err)
		}
	}

	yes, no, small := refund("SO-1", 1250), refund("SO-2", 900), refund("SO-3", 20)
	if r := x.waitFinished(small); r.Status != store.StatusFiltered {
		t.Errorf("small refund = %s, want filtered", r.Status)
	}
	approve, _ := links("SO-1")
	_, reject := links("SO-2")
	if !strings.HasSuffix(approve, "?decision=approve") {
		t.Errorf("approve link %q", approve)
	}
	x.waitStatus(yes, store.StatusWaiting)
	x.waitStatus(no, store.StatusWaiting)
	open(approve)
	open(reject)
	for _, id := range []string{yes, no} {
		if r := x.waitFinished(id); r.Status != store.StatusSucceeded {
			t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
		}
	}
	refunds := x.recv.On("/payments/refunds")
	if len(refunds) != 1 {
		t.Fatalf("%d refunds sent, want 1", len(refunds))
	}
	jsonEqual(t, "refund", refunds[0].Body, `{"order":"SO-1","amount":1250,"currency":"eur","reason":"Damaged"}`)
	if got := refunds[0].Header.Get("Authorization"); got != "Bearer "+x.secret("payments_token") {
		t.Errorf("refund Authorization = %q", got)
	}
	var told []string
	for _, h := range x.recv.On("/chat_webhook") {
		var m struct{ Text string }
		_ = json.Unmarshal(h.Body, &m)
		if !strings.Contains(m.Text, "|Approve>") {
			told = append(told, m.Text)
		}
	}
	if !contains(told, "Refund for order SO-1 approved and sent.") || !contains(told, "Refund for order SO-2 rejected.") {
		t.Errorf("chat told %q", told)
	}
}
