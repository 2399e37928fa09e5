package apps

import (
	"encoding/json"

	"github.com/hookflow/hookflow/workflows"
)

// Format is the value of "format" in an app document.
const Format = "hookflow/app-v1"

// App is one app document.
type App struct {
	// Format is always "hookflow/app-v1".
	Format string `json:"format"`
	// ID names the app in a step's "app": lower-case letters, digits, _
	// and -.
	ID string `json:"id"`
	// Name is what a person finds the app by ("Slack").
	Name string `json:"name"`
	// Icon is the app's logo as an inline SVG document; the editor shows
	// it as an image, so it cannot run a script.
	Icon string `json:"icon,omitempty"`
	// Category groups apps in the editor's gallery ("Chat", "Incidents").
	Category string `json:"category"`
	// Description is one or two sentences on what the app is for.
	Description string `json:"description,omitempty"`
	// Actions are what a step may do with the app; a step names one.
	Actions []Action `json:"actions"`
}

// Action is one thing an app does: a form and the request made from it.
type Action struct {
	// ID names the action in a step's "action".
	ID string `json:"id"`
	// Title is what a person picks the action by ("Send a message").
	Title string `json:"title"`
	// Description says what the action does.
	Description string `json:"description,omitempty"`
	// Fields are the form of the action: a step's "with" holds their
	// values, and the request reads them as {{ with.NAME }}.
	Fields []workflows.Field `json:"fields"`
	// Request is the HTTP request the action makes.
	Request Request `json:"request"`
	// Output says what the step's output is.
	Output *Output `json:"output,omitempty"`
}

// Request is the HTTP request an action makes. Its URL, header values
// and body strings are templates whose only {{ }} parts are the action's
// fields, {{ with.NAME }}.
type Request struct {
	// Method is the HTTP method (default POST).
	Method string `json:"method,omitempty"`
	// URL is where the request goes; it starts with http://, https:// or
	// a field ({{ with.webhook_url }}).
	URL string `json:"url"`
	// Headers are sent with the request; values are templates.
	Headers map[string]string `json:"headers,omitempty"`
	// BodyFormat is how the body is sent, as a webhook step's: json
	// (default), form, multipart or xml (from an object), text or xml
	// (from a string, a template sent as it is).
	BodyFormat string `json:"body_format,omitempty"`
	// Body is what is sent. For json, an object whose keys are the JSON
	// body's (a dotted key makes nested objects) and whose values are
	// JSON, where a string is a template and a string that is exactly
	// {{ with.NAME }} is the field's value, of its own type, left out
	// where the step gives none and the field has no default. For text,
	// a string template sent as it is.
	Body json.RawMessage `json:"body,omitempty"`
	// ContentType is the body's Content-Type where it is not the format's
	// own (application/json, text/plain; charset=utf-8).
	ContentType string `json:"content_type,omitempty"`
}

// Output describes what a step of the action gives later steps as
// steps.ID: the response, as {status, headers, body}.
type Output struct {
	// Description says what the response body holds.
	Description string `json:"description,omitempty"`
	// Example is such a response body.
	Example json.RawMessage `json:"example,omitempty"`
}

// Action returns the app's action of an id.
func (a *App) Action(id string) (*Action, bool) {
	for i := range a.Actions {
		if a.Actions[i].ID == id {
			return &a.Actions[i], true
		}
	}
	return nil, false
}

// Field returns the action's field of a name.
func (a *Action) Field(name string) (*workflows.Field, bool) {
	for i := range a.Fields {
		if a.Fields[i].Name == name {
			return &a.Fields[i], true
		}
	}
	return nil, false
}

// ActionIDs lists the app's action ids, in order.
func (a *App) ActionIDs() []string {
	out := make([]string, len(a.Actions))
	for i, x := range a.Actions {
		out[i] = x.ID
	}
	return out
}

// FieldNames lists the action's field names, in order.
func (a *Action) FieldNames() []string {
	out := make([]string, len(a.Fields))
	for i, f := range a.Fields {
		out[i] = f.Name
	}
	return out
}
