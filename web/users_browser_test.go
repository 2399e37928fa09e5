package web_test

import (
	"testing"
)

// TestUsersBrowser: an admin adds a viewer on the Users page and sees it
// in the audit log; the viewer logs in with email and password, sees no
// Users entry, no save button on a workflow, a plain "not allowed" on the
// Users page, and makes a personal API token, shown once.
func TestUsersBrowser(t *testing.T) {
	b, u := loggedIn(t)
	b.create(`{"format": "hookflow/v1", "id": "orders", "name": "Orders", "trigger": {"type": "webhook"},
  "steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`)

	// The admin adds a viewer.
	u.click(u.byRole("link", "Users"))
	u.waitPath("/users")
	u.waitVisible("#users-empty")
	u.fill(u.byLabel("Email"), "vera@example.com")
	u.fill(u.byLabel("Password"), "short")
	u.click(u.byRole("button", "Add user"))
	u.waitText("#user-add-error", "at least 10")
	u.fill(u.byLabel("Password"), "vera-password-1")
	u.choose(u.byLabel("Role"), "Viewer: reads workflows, runs and storage")
	u.click(u.byRole("button", "Add user"))
	u.waitVisible(`tr[data-user="vera@example.com"]`)
	u.screenshot("editor-users.png")

	// The audit log shows it, with its actor.
	u.click(u.byRole("link", "Audit"))
	u.waitPath("/audit")
	u.waitText(`tr[data-action="user.create"]`, "admin token", "vera@example.com")
	u.screenshot("editor-audit.png")
	u.fill(u.byLabel("Action"), "workflow.create")
	u.click(u.byRole("button", "Filter"))
	u.waitJS("only workflow.create", `document.querySelectorAll('#audit-rows tr').length === 1 && !!document.querySelector('tr[data-action="workflow.create"]')`)

	// The viewer logs in.
	u.click("#logout")
	u.waitPath("/login")
	u.fill("#login-email", "vera@example.com")
	u.fill("#login-password", "not-her-password")
	u.click("#login-submit")
	u.waitText("#login-error", "Wrong email or password")
	u.fill("#login-password", "vera-password-1")
	u.click("#login-submit")
	u.waitVisible("#new-workflow")
	u.waitText("#whoami", "vera@example.com", "viewer")
	if got := u.eval(`String(document.querySelector('a[data-nav="users"]').hidden)`); got != "true" {
		t.Errorf("a viewer sees the Users entry (hidden = %s)", got)
	}

	// A workflow reads, without a save button.
	u.open("/workflows/orders")
	u.waitVisible("#read-only")
	if got := u.eval(`String(!!document.querySelector('#save'))`); got != "false" {
		t.Error("a viewer sees the save button")
	}
	if got := u.eval(`String(document.querySelector('#wf-enabled').disabled)`); got != "true" {
		t.Error("a viewer can switch the workflow off")
	}

	// The Users page is not allowed, in plain words.
	u.open("/users")
	u.waitText("#not-allowed", "does not allow this page")

	// A personal token, shown once.
	u.open("/tokens")
	u.fill(u.byLabel("Name"), "report script")
	u.click(u.byRole("button", "Make token"))
	u.waitVisible("#token-value")
	u.waitVisible(`tr[data-token="report script"]`)
	if tok := u.eval(`document.querySelector('#token-value').value`); len(tok) < 20 || tok[:4] != "hft_" {
		t.Errorf("token shown = %q", tok)
	}
}
