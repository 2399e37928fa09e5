package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/apps"
	"github.com/hookflow/hookflow/internal/receivertest"
)

// cliApp is a custom app document; id names it, so that tests running
// side by side do not share one.
func cliApp(id string) string {
	return `{"format": "hookflow/app-v1", "id": "` + id + `", "name": "Acme CRM", "category": "CRM",
  "actions": [{"id": "create_lead", "title": "Create a lead",
    "fields": [{"name": "base_url", "label": "API address", "kind": "text", "default": "https://crm.example"},
               {"name": "email", "label": "Email", "kind": "template", "required": true}],
    "request": {"url": "{{ with.base_url }}/leads", "body": {"email": "{{ with.email }}"}}}]}`
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, doc := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestServeLoadsApps: serve's --apps loads a folder's app documents; a
// malformed one is refused in one log line with its path and field, one
// with a shipped app's id too, and neither stops the others.
func TestServeLoadsApps(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"good.json":  cliApp("cli-serve-crm"),
		"bad.json":   strings.Replace(cliApp("cli-serve-bad"), `"kind": "template"`, `"kind": "email"`, 1),
		"slack.json": strings.Replace(cliApp("slack"), "Acme CRM", "Not Slack", 1),
	})
	t.Cleanup(func() { apps.Remove("cli-serve-crm") })
	var out bytes.Buffer
	if err := (&config{Apps: dir}).loadApps(slog.New(slog.NewTextHandler(&out, nil))); err != nil {
		t.Fatal(err)
	}
	if _, ok := apps.Lookup("cli-serve-crm"); !ok {
		t.Error("the good app was not loaded")
	}
	if _, ok := apps.Lookup("cli-serve-bad"); ok {
		t.Error("the bad app was loaded")
	}
	if a, _ := apps.Lookup("slack"); a.Name != "Slack" {
		t.Error("the shipped slack app was replaced")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var refused []string
	for _, l := range lines {
		if strings.Contains(l, "app refused") {
			refused = append(refused, l)
		}
	}
	if len(refused) != 2 ||
		!strings.Contains(refused[0], filepath.Join(dir, "bad.json")+": action create_lead: fields[1].kind: must be one of") ||
		!strings.Contains(refused[1], filepath.Join(dir, "slack.json")+`: id: \"slack\" is the id of a shipped app`) {
		t.Errorf("log:\n%s\nwant one line per refused file, with its path and field", out.String())
	}
	if err := (&config{Apps: filepath.Join(dir, "none")}).loadApps(slog.New(slog.NewTextHandler(&out, nil))); err == nil {
		t.Error("a missing folder did not stop the start")
	}
}

// TestAppsEnv: HOOKFLOW_APPS is --apps' twin.
func TestAppsEnv(t *testing.T) {
	t.Setenv("HOOKFLOW_APPS", "/srv/hookflow/apps")
	for _, cmd := range []string{"serve", "run", "import"} {
		c, _, err := newRootCmd().Find([]string{cmd})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Flags().Lookup("apps").Value.String(); got != "/srv/hookflow/apps" {
			t.Errorf("%s --apps = %q, want HOOKFLOW_APPS", cmd, got)
		}
	}
}

// TestValidateApps: validate checks app documents beside workflows; a bad
// one exits 1 naming file: action: field: reason, and a workflow using a
// valid one given with it passes.
func TestValidateApps(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"crm.json": cliApp("cli-validate-crm"),
		"wf.json": `{"format": "hookflow/v1", "id": "lead", "name": "Lead", "trigger": {"type": "webhook"},
		  "steps": [{"id": "lead", "type": "app", "app": "cli-validate-crm", "action": "create_lead", "with": {"email": "{{ payload.email }}"}}]}`,
	})
	t.Cleanup(func() { apps.Remove("cli-validate-crm") })
	out, errOut, err := hookflow(t, "", "validate", dir)
	if err != nil || !strings.Contains(out, "crm.json: ok (app cli-validate-crm, 1 action)") || !strings.Contains(out, "wf.json: ok (1 workflow)") {
		t.Errorf("validate = %q %q %v", out, errOut, err)
	}

	bad := writeFiles(t, map[string]string{
		"crm.json": strings.Replace(cliApp("cli-validate-bad"), `{{ with.email }}`, `{{ payload.email }}`, 1),
	})
	_, errOut, err = hookflow(t, "", "validate", filepath.Join(bad, "crm.json"))
	want := filepath.Join(bad, "crm.json") + ": action create_lead: request.body.email: {{ payload.email }}: an app's template may only hold {{ with.NAME }}"
	if err == nil || !strings.Contains(errOut, want) {
		t.Errorf("validate of a bad app = %q, %v; want exit 1 and %q", errOut, err, want)
	}
}

// TestRunWithApps: `hookflow run --apps DIR` runs a workflow using a
// custom app of the folder, its request sent to the app's address.
func TestRunWithApps(t *testing.T) {
	t.Parallel()
	recv := receivertest.New(t)
	dir := writeFiles(t, map[string]string{"crm.json": cliApp("cli-run-crm")})
	t.Cleanup(func() { apps.Remove("cli-run-crm") })
	wf := filepath.Join(writeFiles(t, map[string]string{"wf.json": `{"format": "hookflow/v1", "id": "lead", "name": "Lead", "trigger": {"type": "webhook"},
	  "steps": [{"id": "lead", "type": "app", "app": "cli-run-crm", "action": "create_lead",
	    "with": {"base_url": "` + recv.URL + `", "email": "{{ payload.email }}"}}]}`}), "wf.json")
	out, errOut, err := hookflow(t, "", "run", wf, "--apps", dir, "--payload", `{"email": "ann@example.com"}`, "--egress-allow", "127.0.0.1")
	if err != nil {
		t.Fatalf("run = %q %q %v", out, errOut, err)
	}
	hits := recv.Hits()
	if len(hits) != 1 || hits[0].Path != "/leads" || string(hits[0].Body) != `{"email":"ann@example.com"}` {
		t.Errorf("receiver got %+v", hits)
	}
}
