package kinds

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// mailStep is a valid email step to change one field of.
func mailStep() def {
	return def{"id": "mail", "type": "email", "smtp": "{{ secrets.smtp }}", "from": "Shop <shop@example.com>",
		"to": []any{"{{ payload.email }}"}, "subject": "Order {{ payload.id }}", "text": "Thanks"}
}

// TestEmailCompileErrors: an email step with one mistake is refused at
// the field at fault, and the message never repeats a password.
func TestEmailCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(s def)
		field   string
		message string
	}{
		{"smtp missing", func(s def) { delete(s, "smtp") }, "steps[5].smtp", "is required"},
		{"smtp other scheme", func(s def) { s["smtp"] = "https://mail.example.com" }, "steps[5].smtp", "smtp:// or smtps://"},
		{"smtp no host", func(s def) { s["smtp"] = "smtp://" }, "steps[5].smtp", "has no host"},
		{"smtp bad port", func(s def) { s["smtp"] = "smtp://u:pw-hidden@mail.example.com:99999" }, "steps[5].smtp", "not a port number"},
		{"smtp bad tls", func(s def) { s["smtp"] = "smtp://mail.example.com?tls=maybe" }, "steps[5].smtp", "tls=required or tls=none"},
		{"smtps with tls", func(s def) { s["smtp"] = "smtps://mail.example.com?tls=none" }, "steps[5].smtp", "always TLS"},
		{"smtp unknown setting", func(s def) { s["smtp"] = "smtp://mail.example.com?auth=cram" }, "steps[5].smtp", `unknown setting "auth"`},
		{"smtp blank", func(s def) { s["smtp"] = " " }, "steps[5].smtp", "is empty"},
		{"smtp template", func(s def) { s["smtp"] = "{{ secrets. }}" }, "steps[5].smtp", ""},
		{"from missing", func(s def) { delete(s, "from") }, "steps[5].from", "is required"},
		{"from not an address", func(s def) { s["from"] = "shop at example.com" }, "steps[5].from", "not an email address"},
		{"from two addresses", func(s def) { s["from"] = "a@example.com, b@example.com" }, "steps[5].from", "not an email address"},
		{"to not an address", func(s def) { s["to"] = []any{"{{ payload.email }}", "team"} }, "steps[5].to[1]", "not an email address"},
		{"cc not an address", func(s def) { s["cc"] = []any{"boss@"} }, "steps[5].cc[0]", "not an email address"},
		{"bcc template", func(s def) { s["bcc"] = []any{"{{ payload. }}"} }, "steps[5].bcc[0]", ""},
		{"reply_to not an address", func(s def) { s["reply_to"] = "help" }, "steps[5].reply_to", "not an email address"},
		{"no recipient", func(s def) { delete(s, "to") }, "steps[5].to", "at least one recipient"},
		{"subject missing", func(s def) { delete(s, "subject") }, "steps[5].subject", "is required"},
		{"no text nor html", func(s def) { delete(s, "text") }, "steps[5].text", "text, html or both"},
		{"html template", func(s def) { s["html"] = "<p>{{ payload. }}</p>" }, "steps[5].html", ""},
		{"timeout", func(s def) { s["timeout"] = "soon" }, "steps[5].timeout", "duration"},
		{"retry attempts", func(s def) { s["retry"] = def{"max_attempts": 500} }, "steps[5].retry.max_attempts", "between 1 and 100"},
		{"retry max below initial", func(s def) { s["retry"] = def{"initial": "1m", "max": "1s"} }, "steps[5].retry.max", "not be less"},
		{"unknown field", func(s def) { s["body"] = "x" }, "steps[5].body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mailStep()
			tt.mutate(s)
			w := validDefinition()
			w["steps"] = append(w["steps"].([]any), s)
			_, err := compileDef(t, w)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q: %q; want at %q, containing %q", fe.Field, fe.Message, tt.field, tt.message)
			}
			if strings.Contains(err.Error(), "pw-hidden") {
				t.Errorf("error %q repeats the password", err)
			}
		})
	}
}

// TestEmailCompileValid: the email step's fields in the ways they may be
// given.
func TestEmailCompileValid(t *testing.T) {
	t.Parallel()
	for i, mutate := range []func(s def){
		func(def) {},
		func(s def) { s["smtp"] = "smtp://user:pass@mail.example.com:587?tls=required" },
		func(s def) { s["smtp"] = "smtps://mail.example.com" },
		func(s def) { s["smtp"] = "smtp://127.0.0.1:25?tls=none" },
		func(s def) { delete(s, "to"); s["bcc"] = []any{"Ann <ann@example.com>, bo@example.com"} },
		func(s def) { delete(s, "text"); s["html"] = "<p>Hi {{ payload.name }}</p>" },
		func(s def) {
			s["from"] = "{{ vars.sender }}"
			s["reply_to"] = "Zoë <zoe@example.com>"
			s["cc"] = []any{"{{ payload.cc ?? '' }}"}
			s["timeout"] = "10s"
			s["retry"] = def{"max_attempts": 3, "initial": "1s", "max": "1m"}
		},
	} {
		s := mailStep()
		mutate(s)
		w := validDefinition()
		w["steps"] = append(w["steps"].([]any), s)
		if _, err := compileDef(t, w); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

// TestMessageID: the Message-ID is the same for a step of a run, differs
// between runs and steps, and is a valid msg-id for any step path.
func TestMessageID(t *testing.T) {
	t.Parallel()
	a := MessageID("01a2-35", "mail", "example.com")
	if a != "hookflow.01a235.mail@example.com" || a != MessageID("01a2-35", "mail", "example.com") {
		t.Errorf("MessageID = %q", a)
	}
	if MessageID("01a2-36", "mail", "example.com") == a || MessageID("01a2-35", "mail2", "example.com") == a {
		t.Error("MessageID is the same for another run or step")
	}
	if got := MessageID("r1", "each_line[3].send", ""); got != "hookflow.r1.each_line.3.send@hookflow.invalid" {
		t.Errorf("MessageID of a nested step = %q", got)
	}
}

// TestHTMLText: the text part made from HTML.
func TestHTMLText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ html, want string }{
		{"<p>Hello <b>Ann</b></p><p>Bye</p>", "Hello Ann\n\nBye"},
		{"<style>p{color:red}</style>Line one<br>Line two &amp; more", "Line one\nLine two & more"},
		{`<a href="https://example.com/x">the order</a>`, "the order (https://example.com/x)"},
		{`<a href="mailto:help@example.com">help@example.com</a>`, "help@example.com"},
		{"<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"plain   text\n\twith  spaces", "plain text with spaces"},
	} {
		if got := HTMLText(tt.html); got != tt.want {
			t.Errorf("HTMLText(%q) = %q, want %q", tt.html, got, tt.want)
		}
	}
}

// TestParseSMTPURL: the parts of an SMTP URL, with percent-encoded
// credentials and default ports, and the URL as shown without them.
func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		raw, user, pass, shown string
		port                   int
		implicit               bool
	}{
		{"smtp://u%40x:p%2Fw%40@mail.example.com?tls=required", "u@x", "p/w@", "smtp://mail.example.com:587?tls=required", 587, false},
		{"smtps://me:pw@mail.example.com", "me", "pw", "smtps://mail.example.com:465", 465, true},
		{"smtp://127.0.0.1:2525?tls=none", "", "", "smtp://127.0.0.1:2525?tls=none", 2525, false},
	} {
		s, err := parseSMTPURL(tt.raw)
		if err != nil {
			t.Errorf("%s: %v", tt.raw, err)
			continue
		}
		if s.user != tt.user || s.pass != tt.pass || s.shown != tt.shown || s.port != tt.port || s.implicit != tt.implicit || s.hasAuth != (tt.user != "") {
			t.Errorf("%s = %+v", tt.raw, s)
		}
	}
}
