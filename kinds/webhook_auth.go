package kinds

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/workflows"
)

// The types of a webhook step's auth.
const (
	outAuthBearer = "bearer"
	outAuthBasic  = "basic"
	outAuthAPIKey = "api_key"
	outAuthOAuth2 = "oauth2_client_credentials"
)

// outAuthFields are the fields each type of auth takes, besides type.
var outAuthFields = map[string][]string{
	outAuthBearer: {"token"},
	outAuthBasic:  {"username", "password"},
	outAuthAPIKey: {"name", "value", "in"},
	outAuthOAuth2: {"token_url", "client_id", "client_secret", "scopes", "audience", "client_auth"},
}

// outAuthDoc describes a webhook step's auth for the editor.
var outAuthDoc = workflows.Field{Name: "auth", Label: "Authentication", Kind: workflows.ValueObject,
	Help: "How the request proves who sends it: a bearer token, a user name and password, an API key, or OAuth2 client credentials (the token is fetched, kept until it expires and shared by every run). Only the fields of the chosen type apply. Credentials are never recorded.",
	Fields: []workflows.Field{
		{Name: "type", Label: "Type", Kind: workflows.ValueSelect, Required: true, Options: []workflows.Option{
			{Value: outAuthBearer, Label: "Bearer token"},
			{Value: outAuthBasic, Label: "Basic (user name and password)"},
			{Value: outAuthAPIKey, Label: "API key"},
			{Value: outAuthOAuth2, Label: "OAuth2 client credentials"},
		}, Help: "The kind of credentials."},
		{Name: "token", Label: "Token (bearer)", Kind: workflows.ValueSecret, Placeholder: "{{ secrets.api_token }}",
			Help: "Sent as Authorization: Bearer <token>."},
		{Name: "username", Label: "User name (basic)", Kind: workflows.ValueTemplate,
			Help: "The user name of Basic auth."},
		{Name: "password", Label: "Password (basic)", Kind: workflows.ValueSecret, Placeholder: "{{ secrets.password }}",
			Help: "The password of Basic auth."},
		{Name: "name", Label: "Key name (API key)", Kind: workflows.ValueText, Placeholder: "X-API-Key",
			Help: "The header or query parameter that carries the key."},
		{Name: "value", Label: "Key (API key)", Kind: workflows.ValueSecret, Placeholder: "{{ secrets.api_key }}",
			Help: "The API key."},
		{Name: "in", Label: "Sent in (API key)", Kind: workflows.ValueSelect, Default: "header",
			Options: []workflows.Option{{Value: "header", Label: "A header"}, {Value: "query", Label: "The query string"}},
			Help:    "Where the key goes."},
		{Name: "token_url", Label: "Token URL (OAuth2)", Kind: workflows.ValueTemplate, Placeholder: "https://auth.example.com/oauth/token",
			Help: "Where access tokens are asked for; it goes through the same egress guard as the request."},
		{Name: "client_id", Label: "Client id (OAuth2)", Kind: workflows.ValueTemplate,
			Help: "The client id the provider gave you."},
		{Name: "client_secret", Label: "Client secret (OAuth2)", Kind: workflows.ValueSecret, Placeholder: "{{ secrets.client_secret }}",
			Help: "The client secret; keep it in a secret."},
		{Name: "scopes", Label: "Scopes (OAuth2)", Kind: workflows.ValueList, Item: &workflows.Field{Name: "scope", Label: "Scope", Kind: workflows.ValueText},
			Help: "The scopes asked for, if the provider wants any."},
		{Name: "audience", Label: "Audience (OAuth2)", Kind: workflows.ValueTemplate,
			Help: "The API the token is for, where the provider asks for one (Auth0 does)."},
		{Name: "client_auth", Label: "Client sent as (OAuth2)", Kind: workflows.ValueSelect, Default: actions.OAuth2ClientBasic,
			Options: []workflows.Option{{Value: actions.OAuth2ClientBasic, Label: "Basic auth header"}, {Value: actions.OAuth2ClientBody, Label: "Form fields"}},
			Help:    "How the client id and secret go to the token URL: most providers take either; some only one."},
	}}

// WebhookAuth is how a webhook step's request is authorised; only the
// fields of its Type apply.
type WebhookAuth struct {
	// Type is bearer, basic, api_key or oauth2_client_credentials.
	Type string `json:"type"`
	// Token of bearer auth (template).
	Token string `json:"token,omitempty"`
	// Username and Password of basic auth (templates).
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Name, Value and In of an API key: the header or query parameter
	// (In: header, the default, or query) and the key (template).
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
	In    string `json:"in,omitempty"`
	// TokenURL, ClientID, ClientSecret (templates), Scopes, Audience and
	// ClientAuth (basic, the default, or body) of OAuth2 client
	// credentials.
	TokenURL     string   `json:"token_url,omitempty"`
	ClientID     string   `json:"client_id,omitempty"`
	ClientSecret string   `json:"client_secret,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	Audience     string   `json:"audience,omitempty"`
	ClientAuth   string   `json:"client_auth,omitempty"`
}

// set lists the fields a WebhookAuth has, besides type.
func (a *WebhookAuth) set() map[string]bool {
	m := map[string]bool{}
	for name, v := range map[string]bool{
		"token": a.Token != "", "username": a.Username != "", "password": a.Password != "",
		"name": a.Name != "", "value": a.Value != "", "in": a.In != "",
		"token_url": a.TokenURL != "", "client_id": a.ClientID != "", "client_secret": a.ClientSecret != "",
		"scopes": len(a.Scopes) > 0, "audience": a.Audience != "", "client_auth": a.ClientAuth != "",
	} {
		if v {
			m[name] = true
		}
	}
	return m
}

// outAuth is a webhook step's auth compiled.
type outAuth struct {
	typ string
	// a, b: bearer token; basic user name and password; API key value.
	a, b *workflows.Template
	// name and query: an API key's header or query parameter.
	name  string
	query bool
	// The OAuth2 grant's templates.
	tokenURL, clientID, clientSecret, audience *workflows.Template
	scopes                                     []string
	clientAuth                                 string
}

// authBuild is what compileAuth compiles with: a step's build, or a
// poll trigger's.
type authBuild interface {
	Required(field string) error
	Errorf(field, format string, args ...any) error
	Template(field, src string) (*workflows.Template, error)
}

// compileAuth checks and compiles a webhook step's auth (nil: none).
func compileAuth(b authBuild, a *WebhookAuth) (*outAuth, error) {
	if a == nil {
		return nil, nil
	}
	fields, known := outAuthFields[a.Type]
	if !known {
		if a.Type == "" {
			return nil, b.Required("auth.type")
		}
		return nil, b.Errorf("auth.type", "unknown auth type %q: use bearer, basic, api_key or oauth2_client_credentials", a.Type)
	}
	for name := range a.set() {
		if !strings.Contains(","+strings.Join(fields, ",")+",", ","+name+",") {
			return nil, b.Errorf("auth."+name, "does not apply to %s auth", a.Type)
		}
	}
	tmpl := func(field, src string, required bool) (*workflows.Template, error) {
		if src == "" {
			if required {
				return nil, b.Required("auth." + field)
			}
			return nil, nil
		}
		return b.Template("auth."+field, src)
	}
	o := &outAuth{typ: a.Type}
	var err error
	switch a.Type {
	case outAuthBearer:
		o.a, err = tmpl("token", a.Token, true)
	case outAuthBasic:
		if o.a, err = tmpl("username", a.Username, true); err == nil {
			o.b, err = tmpl("password", a.Password, false)
		}
	case outAuthAPIKey:
		switch a.In {
		case "", "header":
		case "query":
			o.query = true
		default:
			return nil, b.Errorf("auth.in", "must be header or query, got %q", a.In)
		}
		if a.Name == "" {
			return nil, b.Required("auth.name")
		}
		if !o.query && !validHeaderName(a.Name) {
			return nil, b.Errorf("auth.name", "%q is not a header name", a.Name)
		}
		o.name = a.Name
		o.a, err = tmpl("value", a.Value, true)
	case outAuthOAuth2:
		if a.TokenURL != "" && !strings.HasPrefix(a.TokenURL, "{{") && !strings.HasPrefix(a.TokenURL, "http://") && !strings.HasPrefix(a.TokenURL, "https://") {
			return nil, b.Errorf("auth.token_url", "must start with http:// or https://")
		}
		switch a.ClientAuth {
		case "", actions.OAuth2ClientBasic, actions.OAuth2ClientBody:
			o.clientAuth = a.ClientAuth
		default:
			return nil, b.Errorf("auth.client_auth", "must be basic or body, got %q", a.ClientAuth)
		}
		for i, s := range a.Scopes {
			if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
				return nil, b.Errorf(fmt.Sprintf("auth.scopes[%d]", i), "a scope is one word, with no spaces or quotes")
			}
		}
		o.scopes = a.Scopes
		if o.tokenURL, err = tmpl("token_url", a.TokenURL, true); err != nil {
			return nil, err
		}
		if o.clientID, err = tmpl("client_id", a.ClientID, true); err != nil {
			return nil, err
		}
		if o.clientSecret, err = tmpl("client_secret", a.ClientSecret, true); err != nil {
			return nil, err
		}
		o.audience, err = tmpl("audience", a.Audience, false)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

// validHeaderName reports a header name as RFC 9110 has it (a token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 126 || c <= 32 || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// render renders a template that may be nil ("").
func render(t *workflows.Template, env *workflows.Env) (string, error) {
	if t == nil {
		return "", nil
	}
	return t.Render(env)
}

// apply sets the request's credentials, and says what of them the
// request's record must hide: a header, or a query parameter.
func (o *outAuth) apply(env *workflows.Env, req *actions.Request) (hideHeader, hideQuery string, err error) {
	if o == nil {
		return "", "", nil
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	a, err := render(o.a, env)
	if err != nil {
		return "", "", fmt.Errorf("auth: %w", err)
	}
	switch o.typ {
	case outAuthBearer:
		if a == "" {
			return "", "", fmt.Errorf("auth.token: the token is empty")
		}
		req.Header.Set("Authorization", "Bearer "+a)
		return "authorization", "", nil
	case outAuthBasic:
		p, err := render(o.b, env)
		if err != nil {
			return "", "", fmt.Errorf("auth.password: %w", err)
		}
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a+":"+p)))
		return "authorization", "", nil
	case outAuthAPIKey:
		if a == "" {
			return "", "", fmt.Errorf("auth.value: the key is empty")
		}
		if !o.query {
			req.Header.Set(o.name, a)
			return strings.ToLower(o.name), "", nil
		}
		u, err := url.Parse(req.URL)
		if err != nil {
			return "", "", fmt.Errorf("url: %w", err)
		}
		q := u.Query()
		q.Set(o.name, a)
		u.RawQuery = q.Encode()
		req.URL = u.String()
		return "", o.name, nil
	case outAuthOAuth2:
		g := &actions.OAuth2{Scopes: o.scopes, ClientAuth: o.clientAuth}
		for _, f := range []struct {
			name string
			t    *workflows.Template
			to   *string
		}{{"token_url", o.tokenURL, &g.TokenURL}, {"client_id", o.clientID, &g.ClientID},
			{"client_secret", o.clientSecret, &g.ClientSecret}, {"audience", o.audience, &g.Audience}} {
			if *f.to, err = render(f.t, env); err != nil {
				return "", "", fmt.Errorf("auth.%s: %w", f.name, err)
			}
		}
		req.Header.Del("Authorization")
		req.OAuth2 = g
		return "authorization", "", nil
	}
	return "", "", nil
}

// extraTime is how much longer than the request's timeout an attempt
// may take with this auth: with OAuth2, getting a token (waiting for
// another replica's fetch, then fetching, up to actions.TokenFetchTimeout
// each) and a second send after a 401.
func (o *outAuth) extraTime(timeout time.Duration) time.Duration {
	if o == nil || o.typ != outAuthOAuth2 {
		return 0
	}
	return 2*actions.TokenFetchTimeout + timeout
}

// hideInRecord hides an auth's credentials in a request's record.
func hideInRecord(rec map[string]any, hideHeader, hideQuery string) {
	if hideHeader != "" {
		if h, ok := rec["headers"].(map[string]any); ok {
			if _, set := h[hideHeader]; set && hideHeader != "authorization" {
				h[hideHeader] = "[redacted]"
			}
		}
	}
	if hideQuery != "" {
		if s, ok := rec["url"].(string); ok {
			if u, err := url.Parse(s); err == nil {
				q := u.Query()
				if q.Has(hideQuery) {
					q.Set(hideQuery, "[redacted]")
					u.RawQuery = q.Encode()
					rec["url"] = u.String()
				}
			}
		}
	}
}
