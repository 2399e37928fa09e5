package actions

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Defaults of Request and Config.
const (
	DefaultMethod           = http.MethodPost
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	DefaultUserAgent        = "Hookflow"
)

// drainLimit is how much of an over-long body is read and thrown away so that
// the connection can be reused; past it the connection is closed.
const drainLimit = 64 << 10

// Request is one outbound HTTP call, fully rendered (templates already
// evaluated by the engine).
type Request struct {
	// Method defaults to POST.
	Method string
	// URL is the http or https target.
	URL string
	// Header holds the user's headers. Content-Type defaults to
	// application/json when Body is non-nil; webhook-id, webhook-timestamp
	// and webhook-signature cannot be set here.
	Header http.Header
	// Body is sent as is; nil sends no body.
	Body []byte
	// WebhookID is sent as webhook-id. The engine keeps it the same on every
	// retry of one step of one run, so receivers can deduplicate. Empty: a
	// random "msg_" id.
	WebhookID string
	// Timestamp is sent as webhook-timestamp (unix seconds). Zero: now.
	Timestamp time.Time
	// SignSecret, when non-empty, adds webhook-signature per Standard
	// Webhooks ("whsec_" + base64 key, or raw key bytes).
	SignSecret string
	// Timeout bounds one attempt, connect to last body byte. Default 30s.
	Timeout time.Duration
	// OAuth2, where set, authorises the request with an access token of
	// that grant (see OAuth2); it replaces any Authorization header.
	OAuth2 *OAuth2
}

// Config configures a Sender. The zero value is the safe default: guard on,
// http and https allowed, 1 MiB response cap.
type Config struct {
	// Egress is the SSRF guard; nil means DefaultEgress() (guard on).
	Egress *Egress
	// RequireHTTPS refuses plain http:// targets (an error, not retryable).
	RequireHTTPS bool
	// MaxResponseBytes caps the response body kept; larger bodies are
	// truncated. Default 1 MiB.
	MaxResponseBytes int64
	// UserAgent is sent unless the request sets its own. Default "Hookflow".
	UserAgent string
	// TLSClientConfig, when set, replaces the TLS settings (a private CA,
	// say). Nil: the system roots, TLS 1.2 or later.
	TLSClientConfig *tls.Config
	// Tokens, where set, keeps OAuth2 access tokens for other processes
	// too (replicas over one database).
	Tokens TokenStore
	// Now is the clock of OAuth2 token lifetimes (default time.Now).
	Now func() time.Time
	// Tracer, where set, makes every call a client span carrying its
	// traceparent (see do); nil: no tracing, at no cost.
	Tracer trace.TracerProvider
}

// Sender sends outbound webhooks. It is safe for concurrent use; all sends
// share one keep-alive client, so make one Sender per process.
type Sender struct {
	cfg       Config
	client    *http.Client
	transport *http.Transport
	guard     *guardedDialer // the transport's dialer
	tokens    *tokenCache    // OAuth2 access tokens
	tracer    trace.Tracer   // nil: calls are not traced
}

// NewSender returns a Sender with cfg's defaults filled in.
func NewSender(cfg Config) *Sender {
	if cfg.Egress == nil {
		cfg.Egress = DefaultEgress()
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tlsConfig := cfg.TLSClientConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		tlsConfig = tlsConfig.Clone()
	}
	dialer := &guardedDialer{
		egress:   cfg.Egress,
		resolver: net.DefaultResolver,
		dial:     (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the guard
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	var tracer trace.Tracer
	if cfg.Tracer != nil {
		tracer = cfg.Tracer.Tracer(tracerName)
	}
	return &Sender{
		tracer:    tracer,
		cfg:       cfg,
		transport: transport,
		guard:     dialer,
		tokens:    &tokenCache{shared: cfg.Tokens, now: cfg.Now},
		client: &http.Client{
			Transport: transport,
			// Never follow a redirect: the 3xx is the answer, a failure.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Egress returns the guard the Sender applies.
func (s *Sender) Egress() *Egress { return s.cfg.Egress }

// CloseIdleConnections closes the kept-alive connections not in use.
func (s *Sender) CloseIdleConnections() { s.transport.CloseIdleConnections() }

// send makes one attempt at req, as Send does, leaving out req.OAuth2.
func (s *Sender) send(ctx context.Context, req Request) (*Response, error) {
	method := strings.ToUpper(strings.TrimSpace(req.Method))
	if method == "" {
		method = DefaultMethod
	}
	u, err := parseTarget(req.URL)
	shown := redactURL(u, req.URL)
	if err != nil {
		return nil, refusal(method, shown, err)
	}
	if s.cfg.RequireHTTPS && u.Scheme != "https" {
		return nil, refusal(method, shown, ErrInsecureURL)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, refusal(method, shown, invalidf("%s", cleanURLError(err)))
	}
	if err := s.setHeaders(hr, req); err != nil {
		return nil, refusal(method, shown, err)
	}

	start := time.Now()
	hresp, err := s.do(hr, method)
	if err != nil {
		return nil, s.sendError(method, shown, timeout, err)
	}
	resp := s.readResponse(hresp)
	resp.Duration = time.Since(start)

	code := resp.Status
	if code >= 200 && code <= 299 {
		return resp, nil
	}
	derr := &DeliveryError{Method: method, URL: shown, Status: code, Retryable: classifyStatus(code)}
	se := &statusError{code: code}
	if code >= 300 && code <= 399 {
		se.note = "redirects are not followed"
	}
	derr.Err = se
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		derr.RetryAfter = parseRetryAfter(hresp.Header.Get("Retry-After"), time.Now())
	}
	return resp, derr
}

// reserved are the headers only the Sender sets.
var reserved = map[string]bool{
	textproto.CanonicalMIMEHeaderKey(HeaderWebhookID):        true,
	textproto.CanonicalMIMEHeaderKey(HeaderWebhookTimestamp): true,
	textproto.CanonicalMIMEHeaderKey(HeaderWebhookSignature): true,
}

func (s *Sender) setHeaders(hr *http.Request, req Request) error {
	h := make(http.Header, len(req.Header)+5)
	for k, vs := range req.Header {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if reserved[ck] {
			continue
		}
		h[ck] = append(h[ck], vs...)
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", s.cfg.UserAgent)
	}
	if req.Body != nil && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	id := req.WebhookID
	if id == "" {
		id = newMessageID()
	}
	ts := req.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	h.Set(HeaderWebhookID, id)
	h.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	if req.SignSecret != "" {
		sig, err := Sign(req.SignSecret, id, ts, req.Body)
		if err != nil {
			return fmt.Errorf("%w: sign: %w", ErrInvalidRequest, err)
		}
		h.Set(HeaderWebhookSignature, sig)
	}
	hr.Header = h
	return nil
}

// readResponse reads at most MaxResponseBytes of the body. A read error after
// the status arrived keeps what was read: the receiver has answered.
func (s *Sender) readResponse(hresp *http.Response) *Response {
	defer hresp.Body.Close()
	limit := s.cfg.MaxResponseBytes
	raw, _ := io.ReadAll(io.LimitReader(hresp.Body, limit))
	truncated := false
	if int64(len(raw)) == limit {
		// Anything left? Drain a little so the connection can be reused.
		n, _ := io.Copy(io.Discard, io.LimitReader(hresp.Body, drainLimit))
		truncated = n > 0
	}
	return &Response{
		Status:    hresp.StatusCode,
		Header:    flattenHeader(hresp.Header),
		Body:      parseBody(raw),
		RawBody:   raw,
		Truncated: truncated,
	}
}

// sendError classifies an error from the client: refusals are final, the rest
// (connection refused, reset, DNS failure, timeout) may pass.
func (s *Sender) sendError(method, shown string, timeout time.Duration, err error) *DeliveryError {
	cause := cleanURLError(err)
	derr := &DeliveryError{Method: method, URL: shown, Retryable: true, Err: cause}
	switch {
	case errors.Is(err, ErrEgressRefused):
		derr.Retryable = false
	case errors.Is(err, context.DeadlineExceeded):
		derr.Err = fmt.Errorf("timeout after %v: %w", timeout, cause)
	}
	return derr
}

// cleanURLError drops the *url.Error wrapper, whose message repeats the full
// URL (query string and all).
func cleanURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseTarget checks that raw is an absolute http or https URL with a host.
func parseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, cleanURLError(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return u, fmt.Errorf("%w: scheme must be http or https", ErrInvalidURL)
	}
	if u.Hostname() == "" {
		return u, fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	return u, nil
}

// redactURL renders a URL for messages: password and query hidden.
func redactURL(u *url.URL, raw string) string {
	if u == nil {
		return "(invalid url)"
	}
	c := *u
	if c.RawQuery != "" || c.ForceQuery {
		c.RawQuery, c.ForceQuery = "REDACTED", false
	}
	c.Fragment, c.RawFragment = "", ""
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	s := c.String()
	if s == "" {
		return raw
	}
	return s
}

// newMessageID returns a random id in the style of Standard Webhooks'
// examples: "msg_" and 22 URL-safe characters.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "msg_" + base64.RawURLEncoding.EncodeToString(b[:])
}
