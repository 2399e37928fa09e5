package kinds

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// The body formats of a webhook step, for the editor.
var bodyFormatOptions = []workflows.Option{
	{Value: actions.BodyJSON, Label: "JSON"},
	{Value: actions.BodyForm, Label: "Form (URL-encoded)"},
	{Value: actions.BodyMultipart, Label: "Multipart form (fields and files)"},
	{Value: actions.BodyXML, Label: "XML"},
	{Value: actions.BodyText, Label: "Text"},
}

// The ways a webhook step's output holds the response body.
const (
	responseJSON   = "json"
	responseText   = "text"
	responseBinary = "binary"
)

// webhookHTTPDoc describes the fields of a webhook step added with body
// formats, auth and response handling.
var (
	bodyFormatDoc = workflows.Field{Name: "body_format", Label: "Body format", Kind: workflows.ValueSelect, Default: actions.BodyJSON,
		Options: bodyFormatOptions,
		Help: "How the body is sent. JSON; a form (fields, as a web form sends them); multipart (fields, and files given as {\"filename\", \"content_type\", \"content_base64\"} or {\"filename\", \"content\"} for text); " +
			"XML (text with {{ }} parts sent as it is, or fields rendered as XML); text (text with {{ }} parts sent as it is). For XML and text, a body written as text is that text, not an expression."}
	responseDoc = workflows.Field{Name: "response", Label: "Response body", Kind: workflows.ValueSelect, Default: responseJSON,
		Options: []workflows.Option{
			{Value: responseJSON, Label: "JSON where it is JSON, else text"},
			{Value: responseText, Label: "Text"},
			{Value: responseBinary, Label: "Binary (base64)"},
		},
		Help: "How the answer's body shows in the step's output (steps.ID.body): parsed JSON, text as it came, or bytes as base64 (a file, an image)."}
	failOnStatusDoc = workflows.Field{Name: "fail_on_status", Label: "Fail on status", Kind: workflows.ValueList,
		Item: &workflows.Field{Name: "status", Label: "Status", Kind: workflows.ValueText, Placeholder: "404 or 4xx"},
		Help: "Answers that fail the step at once, without retries, even where they would otherwise succeed or be retried: codes (202, 404) or classes (4xx, 5xx)."}
)

// statusMatch is one entry of fail_on_status: a code, or a class (its
// hundreds digit, with class set).
type statusMatch struct {
	code  int
	class bool
}

func (m statusMatch) matches(code int) bool {
	if m.class {
		return code/100 == m.code
	}
	return code == m.code
}

// compileHTTP checks and compiles the body (in its format), auth,
// response and fail_on_status of a webhook step.
func (w *Webhook) compileHTTP(b *workflows.StepBuild, s *webhookStep) error {
	if !actions.ValidBodyFormat(w.BodyFormat) {
		return b.Errorf("body_format", "unknown body format %q: use %s", w.BodyFormat, strings.Join(actions.BodyFormats, ", "))
	}
	s.format = w.BodyFormat
	var err error
	if (s.format == actions.BodyXML || s.format == actions.BodyText) && w.Body.Expr != "" {
		if s.textBody, err = b.Template("body", w.Body.Expr); err != nil {
			return err
		}
	} else if s.body, err = compileBody(b, w.Body); err != nil {
		return err
	}
	if s.format == actions.BodyText && w.Body.IsZero() {
		return b.Errorf("body", "is required with the text body format: the text to send")
	}
	if s.auth, err = compileAuth(b, w.Auth); err != nil {
		return err
	}
	switch w.Response {
	case "", responseJSON, responseText, responseBinary:
		s.response = w.Response
	default:
		return b.Errorf("response", "must be json, text or binary, got %q", w.Response)
	}
	for i, raw := range w.FailOnStatus {
		m, err := parseStatusMatch(raw)
		if err != nil {
			return b.Errorf(fmt.Sprintf("fail_on_status[%d]", i), "%v", err)
		}
		s.failOn = append(s.failOn, m)
	}
	return nil
}

// parseStatusMatch reads a status code (a number or its text) or a class
// ("4xx").
func parseStatusMatch(raw json.RawMessage) (statusMatch, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return statusMatch{}, fmt.Errorf("not a status: %s", raw)
	}
	var s string
	switch x := v.(type) {
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		s = strings.ToLower(strings.TrimSpace(x))
	default:
		return statusMatch{}, fmt.Errorf("a status is a code such as 404 or a class such as 4xx, not %s", raw)
	}
	if len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5' {
		return statusMatch{code: int(s[0] - '0'), class: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return statusMatch{}, fmt.Errorf("%q is not a status code (100 to 599) or a class such as 4xx", s)
	}
	return statusMatch{code: n}, nil
}

// encodeBody renders the step's body in its format.
func (s *webhookStep) encodeBody(rt Runtime, req *actions.Request) error {
	env := rt.Env()
	var v any
	var err error
	switch {
	case s.textBody != nil:
		if v, err = s.textBody.Render(env); err != nil {
			return fmt.Errorf("body: %w", err)
		}
	case s.body != nil:
		if v, err = s.body.eval(env); err != nil {
			return fmt.Errorf("body%w", err)
		}
	default:
		v = rt.Payload()
	}
	body, ctype, err := actions.EncodeBody(s.format, v)
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	req.Body = body
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", ctype)
	}
	return nil
}

// output is the step's output from a response, its body as the step's
// response setting has it.
func (s *webhookStep) output(resp *actions.Response) map[string]any {
	out := resp.Output()
	switch s.response {
	case responseText:
		out["body"] = string(resp.RawBody)
	case responseBinary:
		out["body"] = base64.StdEncoding.EncodeToString(resp.RawBody)
	}
	return out
}

// failsOn says whether fail_on_status lists a status.
func (s *webhookStep) failsOn(code int) bool {
	for _, m := range s.failOn {
		if m.matches(code) {
			return true
		}
	}
	return false
}

// checkStatus fails an outcome, at once, whose status fail_on_status
// lists.
func (s *webhookStep) checkStatus(out *Outcome, method string) bool {
	if out.StatusCode == 0 || !s.failsOn(out.StatusCode) {
		return false
	}
	out.Status = store.StepFailed
	out.Err = fmt.Errorf("%s: the answer's status %d is listed in fail_on_status", method, out.StatusCode)
	return true
}

// recordBody is a request body as a step's record shows it: JSON as it
// is, text as text, bytes as their count.
func recordBody(b []byte) any {
	switch {
	case json.Valid(b):
		return json.RawMessage(b)
	case utf8.Valid(b):
		return string(b)
	}
	return fmt.Sprintf("[%d bytes]", len(b))
}
