package apps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validApp is a custom app document to change one part of.
const validApp = `{
  "format": "hookflow/app-v1", "id": "crm", "name": "Acme CRM", "category": "CRM",
  "icon": "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'/>",
  "actions": [{"id": "create_contact", "title": "Create a contact",
    "fields": [
      {"name": "base_url", "label": "API address", "kind": "text", "default": "https://api.acme.example"},
      {"name": "token", "label": "API token", "kind": "secret", "required": true},
      {"name": "email", "label": "Email", "kind": "template", "required": true},
      {"name": "tier", "label": "Tier", "kind": "select", "options": [{"value": "a", "label": "A"}]}
    ],
    "request": {"method": "POST", "url": "{{ with.base_url }}/contacts",
      "headers": {"Authorization": "Bearer {{ with.token }}"},
      "body": {"email": "{{ with.email }}", "contact.tier": "{{ with.tier }}", "source": "hookflow"}}}]
}`

// TestShippedApps: every shipped app is there, valid (init would have
// panicked otherwise), with an icon and its provider's default base URL
// where the API has one.
func TestShippedApps(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"slack", "discord", "teams", "telegram", "mattermost", "pagerduty"} {
		a, ok := Lookup(id)
		if !ok || !Shipped(id) {
			t.Errorf("%s: not shipped", id)
			continue
		}
		if !strings.HasPrefix(a.Icon, "<svg") || a.Description == "" {
			t.Errorf("%s: icon or description missing", id)
		}
	}
	for id, base := range map[string]string{"telegram": "https://api.telegram.org", "pagerduty": "https://events.pagerduty.com"} {
		a, _ := Lookup(id)
		for _, x := range a.Actions {
			f, ok := x.Field("base_url")
			if !ok || f.Default != base {
				t.Errorf("%s %s: base_url default %v, want %s", id, x.ID, f, base)
			}
		}
	}
}

// TestValidateErrors: an app document with one mistake is refused with
// its file, its action and the field, in plain words.
func TestValidateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, from, to, want string }{
		{"format", `"hookflow/app-v1"`, `"hookflow/v1"`, `crm.json: format: must be hookflow/app-v1, not "hookflow/v1"`},
		{"id", `"id": "crm"`, `"id": "Acme CRM"`, "crm.json: id: must be lower-case"},
		{"category", `"category": "CRM"`, `"category": ""`, "crm.json: category: is required"},
		{"icon", `"<svg xmlns`, `"<img xmlns`, "crm.json: icon: must be an SVG document"},
		{"unknown field", `"name": "Acme CRM"`, `"nmae": "Acme CRM"`, `crm.json: unknown field "nmae"`},
		{"action title", `"title": "Create a contact"`, `"title": ""`, "crm.json: action create_contact: title: is required"},
		{"field kind", `"kind": "secret"`, `"kind": "password"`, "crm.json: action create_contact: fields[1].kind: must be one of text, template"},
		{"select without options", `"options": [{"value": "a", "label": "A"}]`, `"options": []`, "action create_contact: fields[3].options: a select needs options"},
		{"url scheme", `"url": "{{ with.base_url }}/contacts"`, `"url": "ftp://x/contacts"`, "action create_contact: request.url: must start with http://"},
		{"url other template", `{{ with.base_url }}/contacts`, `{{ vars.base }}/contacts`, "action create_contact: request.url: {{ vars.base }}: an app's template may only hold {{ with.NAME }}"},
		{"unknown field ref", `"{{ with.email }}"`, `"{{ with.mail }}"`, `action create_contact: request.body.email: {{ with.mail }}: the action has no field "mail"`},
		{"header ref", `Bearer {{ with.token }}`, `Bearer {{ with.tok }}`, `request.headers.Authorization: {{ with.tok }}: the action has no field "tok"`},
		{"method", `"method": "POST"`, `"method": "SEND"`, `request.method: unknown HTTP method "SEND"`},
		{"body format", `"method": "POST"`, `"body_format": "yaml", "method": "POST"`, "request.body_format: must be json, form, multipart, xml or text"},
		{"deep mixed", `"source": "hookflow"`, `"source": {"by": "x {{ with.email }}"}`, "request.body.source.by: inside an object or a list, a string with {{ }} must be exactly {{ with.NAME }}"},
		{"number default", `"default": "https://api.acme.example"`, `"default": 12`, "action create_contact: fields[0].default: must be text"},
		{"select default", `"options": [{"value": "a", "label": "A"}]`, `"options": [{"value": "a", "label": "A"}], "default": "b"`, "fields[3].default: must be one of the options"},
		{"option template", `{"value": "a", "label": "A"}`, `{"value": "{{ a }}", "label": "A"}`, "fields[3].options[0].value: must be text, without {{ }}"},
		{"trailing", "}]\n}", "}]\n}{}", "unexpected data after the app object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := strings.Replace(validApp, tt.from, tt.to, 1)
			if doc == validApp {
				t.Fatalf("%q not in the document", tt.from)
			}
			_, err := Decode([]byte(doc), "crm.json")
			var ae *Error
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Decode([]byte(validApp), "crm.json"); err != nil {
		t.Errorf("the valid app: %v", err)
	}
}

// TestLoadDir: a folder's valid apps load; a malformed one is refused
// with its path and field and does not stop the others; a shipped app's
// id is refused.
func TestLoadDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, doc string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a-good.json", strings.Replace(validApp, `"id": "crm"`, `"id": "crm-loaddir"`, 1))
	write("b-bad.json", strings.Replace(validApp, `"kind": "secret"`, `"kind": "password"`, 1))
	write("c-slack.json", strings.Replace(validApp, `"id": "crm"`, `"id": "slack"`, 1))
	write("notes.txt", "not an app")
	t.Cleanup(func() { Remove("crm-loaddir") })

	loaded, errs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 1 || loaded[0].ID != "crm-loaddir" {
		t.Errorf("loaded %v, want crm-loaddir only", loaded)
	}
	if _, ok := Lookup("crm-loaddir"); !ok {
		t.Error("crm-loaddir not in the registry")
	}
	if len(errs) != 2 {
		t.Fatalf("errors %v, want 2", errs)
	}
	if got := errs[0].Error(); !strings.Contains(got, filepath.Join(dir, "b-bad.json")+": action create_contact: fields[1].kind: must be one of") {
		t.Errorf("bad file: %s", got)
	}
	if got := errs[1].Error(); !strings.Contains(got, "c-slack.json: id: \"slack\" is the id of a shipped app") {
		t.Errorf("shipped id: %s", got)
	}
	if a, _ := Lookup("slack"); a.Name != "Slack" {
		t.Errorf("the shipped slack app was replaced by %q", a.Name)
	}
	if _, _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder loaded")
	}
}
