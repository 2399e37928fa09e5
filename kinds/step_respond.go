package kinds

import (
	"context"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:    "respond",
			Title:   "Answer the caller",
			Summary: "Sets the answer a sync webhook trigger gives its caller: status, headers and body.",
			Fields: []workflows.Field{
				{Name: "headers", Label: "Headers", Kind: workflows.ValueHeaders,
					Help: "Headers of the answer. Cookies, CORS and security headers may not be set: the answer is served on Hookflow's own host."},
				{Name: "body", Label: "Body", Kind: workflows.ValueMapping,
					Help: "The answer's body: fields with text and fields of the data in them, or an expression (advanced; a string answers as text). Empty: the payload."},
				{Name: "status", Label: "Status", Kind: workflows.ValueNumber, Default: 200,
					Help: "The HTTP status of the answer, 100 to 599."},
			},
			Example: []byte(`{"id": "answer", "type": "respond", "status": 200, "body": "{ok: true}"}`),
		},
		New: func() workflows.StepSettings { return &Respond{} },
	})
}

// Respond computes the answer a sync trigger gives its caller.
type Respond struct {
	// Headers of the answer; values are templates.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is what is answered: a mapping, or an expression (default: the
	// payload).
	Body workflows.Body `json:"body,omitzero"`
	// Status of the answer (default 200).
	Status int `json:"status,omitempty"`
}

// Compile checks the status and header names and compiles the templates
// and the body. A header RefusedResponseHeader refuses is an error; in a
// revision stored before it was refused, it is left out.
func (r *Respond) Compile(b *workflows.StepBuild) (any, error) {
	if r.Status != 0 && (r.Status < 100 || r.Status > 599) {
		return nil, b.Errorf("status", "must be an HTTP status between 100 and 599")
	}
	s := &respondStep{status: r.Status}
	if s.status == 0 {
		s.status = 200
	}
	headers := r.Headers
	if b.Stored() {
		headers = map[string]string{}
		for name, v := range r.Headers {
			if RefusedResponseHeader(name) != "" {
				b.Dropped("headers." + name)
				continue
			}
			headers[name] = v
		}
	}
	var err error
	if s.headers, err = b.Headers("headers", headers, RefusedResponseHeader); err != nil {
		return nil, err
	}
	if r.Body.IsZero() {
		b.UsesPayload() // it answers with the payload
	} else if s.body, err = compileBody(b, r.Body); err != nil {
		return nil, err
	}
	return s, nil
}

type respondStep struct {
	status  int
	headers []workflows.HeaderTemplate
	body    *body // nil: the payload
}

var (
	_ Step      = (*respondStep)(nil)
	_ Responder = (*respondStep)(nil)
)

func (*respondStep) Responds() {}

func (s *respondStep) Run(_ context.Context, rt Runtime) Outcome {
	headers := map[string]any{}
	for _, h := range s.headers {
		v, err := h.Value.Render(rt.Env())
		if err != nil {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("headers.%s: %w", h.Name, err)}
		}
		headers[h.Name] = v
	}
	var body any
	if s.body == nil {
		body = rt.Payload()
	} else {
		v, err := s.body.eval(rt.Env())
		if err != nil {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("body%w", err)}
		}
		body = v
	}
	return Outcome{Status: store.StepSucceeded, StatusCode: s.status,
		Output: map[string]any{"status": s.status, "headers": headers, "body": body}}
}

// A sync trigger's answer is served on Hookflow's own host name, which may
// be the editor's. Hookflow makes every such answer inert there (a
// sandboxing Content-Security-Policy, nosniff); a respond step may not undo
// that, nor set anything a browser keeps for the whole host. Headers that
// only shape this one answer stay the author's: Content-Type, Location
// (redirects), Link (pagination), Cache-Control and the like.

const (
	refusedCookie = "a trigger's answer may not set cookies: it is served on Hookflow's host, " +
		"where the editor's login is a cookie"
	refusedPolicy = "Hookflow sets the security headers of a trigger's answer itself " +
		"(it is sandboxed and never sniffed); a respond step may not change them"
	refusedCORS = "a trigger's answer may not open itself to scripts of other sites (CORS)"
	refusedHost = "a browser applies it to every page of Hookflow's host, the editor included, " +
		"not only to this answer"
)

// refusedResponseHeaders are the respond step's refused headers, by
// canonical name, with why.
var refusedResponseHeaders = map[string]string{
	"Set-Cookie":  refusedCookie,
	"Set-Cookie2": refusedCookie,

	"Content-Security-Policy":             refusedPolicy,
	"Content-Security-Policy-Report-Only": refusedPolicy,
	"X-Content-Type-Options":              refusedPolicy,
	"X-Frame-Options":                     refusedPolicy,
	"X-Xss-Protection":                    refusedPolicy,
	"Referrer-Policy":                     refusedPolicy,
	"Permissions-Policy":                  refusedPolicy,
	"Feature-Policy":                      refusedPolicy,
	"Document-Policy":                     refusedPolicy,
	"Origin-Agent-Cluster":                refusedPolicy,

	"Timing-Allow-Origin": refusedCORS,

	"Strict-Transport-Security": refusedHost,
	"Clear-Site-Data":           refusedHost,
	"Alt-Svc":                   refusedHost,
	"Nel":                       refusedHost,
	"Report-To":                 refusedHost,
	"Reporting-Endpoints":       refusedHost,
	"Accept-Ch":                 refusedHost,
	"Critical-Ch":               refusedHost,
	"Service-Worker-Allowed":    refusedHost,
}

// refusedResponsePrefixes are families of refused headers.
var refusedResponsePrefixes = []struct{ prefix, why string }{
	{"Access-Control-", refusedCORS}, // CORS
	{"Cross-Origin-", refusedPolicy}, // COOP, COEP, CORP
}

// RefusedResponseHeader says why a respond step may not set the header
// name, or "" when it may.
func RefusedResponseHeader(name string) string {
	name = textproto.CanonicalMIMEHeaderKey(name)
	if why, ok := refusedResponseHeaders[name]; ok {
		return why
	}
	for _, p := range refusedResponsePrefixes {
		if strings.HasPrefix(name, p.prefix) {
			return p.why
		}
	}
	return ""
}
