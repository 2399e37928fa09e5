package kinds

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// TestWebhookHTTPCompileErrors: a webhook step's body format, auth,
// response and fail_on_status are checked at save, naming the field.
func TestWebhookHTTPCompileErrors(t *testing.T) {
	t.Parallel()
	oauth := func(extra map[string]any) map[string]any {
		a := map[string]any{"type": "oauth2_client_credentials", "token_url": "https://auth.example/token",
			"client_id": "id", "client_secret": "{{ secrets.cs }}"}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	tests := []struct {
		name    string
		set     map[string]any
		field   string
		message string
	}{
		{"body format", map[string]any{"body_format": "yaml"}, "body_format", `unknown body format "yaml"`},
		{"text without body", map[string]any{"body_format": "text"}, "body", "is required with the text body format"},
		{"text template", map[string]any{"body_format": "text", "body": "Hello {{ payload. }}"}, "body", "unexpected"},
		{"form body expression", map[string]any{"body_format": "form", "body": "{a: }"}, "body", "unexpected"},
		{"auth type missing", map[string]any{"auth": map[string]any{"token": "t"}}, "auth.type", "is required"},
		{"auth type unknown", map[string]any{"auth": map[string]any{"type": "digest"}}, "auth.type", `unknown auth type "digest"`},
		{"bearer token", map[string]any{"auth": map[string]any{"type": "bearer"}}, "auth.token", "is required"},
		{"bearer with username", map[string]any{"auth": map[string]any{"type": "bearer", "token": "t", "username": "u"}}, "auth.username", "does not apply to bearer auth"},
		{"basic username", map[string]any{"auth": map[string]any{"type": "basic", "password": "p"}}, "auth.username", "is required"},
		{"api key name", map[string]any{"auth": map[string]any{"type": "api_key", "value": "k"}}, "auth.name", "is required"},
		{"api key header name", map[string]any{"auth": map[string]any{"type": "api_key", "name": "X Key", "value": "k"}}, "auth.name", "is not a header name"},
		{"api key in", map[string]any{"auth": map[string]any{"type": "api_key", "name": "k", "value": "k", "in": "body"}}, "auth.in", "must be header or query"},
		{"api key value template", map[string]any{"auth": map[string]any{"type": "api_key", "name": "k", "value": "{{ secrets. }}"}}, "auth.value", "unexpected"},
		{"oauth2 token url", map[string]any{"auth": oauth(map[string]any{"token_url": "ftp://auth"})}, "auth.token_url", "must start with http:// or https://"},
		{"oauth2 client id", map[string]any{"auth": oauth(map[string]any{"client_id": ""})}, "auth.client_id", "is required"},
		{"oauth2 client secret", map[string]any{"auth": oauth(map[string]any{"client_secret": ""})}, "auth.client_secret", "is required"},
		{"oauth2 scope", map[string]any{"auth": oauth(map[string]any{"scopes": []any{"read", "write all"}})}, "auth.scopes[1]", "one word"},
		{"oauth2 client auth", map[string]any{"auth": oauth(map[string]any{"client_auth": "jwt"})}, "auth.client_auth", "must be basic or body"},
		{"oauth2 with token", map[string]any{"auth": oauth(map[string]any{"token": "t"})}, "auth.token", "does not apply to oauth2_client_credentials auth"},
		{"response", map[string]any{"response": "xml"}, "response", "must be json, text or binary"},
		{"fail_on_status code", map[string]any{"fail_on_status": []any{404, 700}}, "fail_on_status[1]", "not a status code"},
		{"fail_on_status class", map[string]any{"fail_on_status": []any{"6xx"}}, "fail_on_status[0]", "not a status code"},
		{"fail_on_status type", map[string]any{"fail_on_status": []any{true}}, "fail_on_status[0]", "a status is a code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validDefinition()
			for k, v := range tt.set {
				step(w, 2)[k] = v
			}
			_, err := compileDef(t, w)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != "steps[2]."+tt.field || fe.Step != "notify" || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q (step %q): %q; want %q at steps[2].%s", fe.Field, fe.Step, fe.Message, tt.message, tt.field)
			}
			if !fieldPath.MatchString(fe.Field) {
				t.Errorf("Field %q is not a path in DESIGN's style", fe.Field)
			}
		})
	}
}

// TestWebhookHTTPCompileValid: every body format, auth type and response
// setting compiles.
func TestWebhookHTTPCompileValid(t *testing.T) {
	t.Parallel()
	for _, set := range []map[string]any{
		{"body_format": "form", "body": map[string]any{"a": "{{ payload.a }}"}},
		{"body_format": "multipart", "body": map[string]any{"f.filename": "a.txt", "f.content": "hi"}},
		{"body_format": "xml", "body": "<a>{{ payload.a }}</a>"},
		{"body_format": "xml", "body": map[string]any{"a.b": "{{ payload.a }}"}},
		{"body_format": "text", "body": "plain"},
		{"auth": map[string]any{"type": "bearer", "token": "{{ secrets.t }}"}},
		{"auth": map[string]any{"type": "basic", "username": "u", "password": "{{ secrets.p }}"}},
		{"auth": map[string]any{"type": "api_key", "name": "key", "value": "{{ secrets.k }}", "in": "query"}},
		{"auth": map[string]any{"type": "oauth2_client_credentials", "token_url": "{{ vars.auth }}/token", "client_id": "id",
			"client_secret": "{{ secrets.cs }}", "scopes": []any{"a", "b:c"}, "audience": "https://api", "client_auth": "body"}},
		{"response": "binary", "fail_on_status": []any{202, "4XX", "500"}},
	} {
		w := validDefinition()
		for k, v := range set {
			step(w, 2)[k] = v
		}
		if _, err := compileDef(t, w); err != nil {
			t.Errorf("%v: %v", set, err)
		}
	}
}
