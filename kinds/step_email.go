package kinds

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// DefaultEmailTimeout bounds one attempt at sending an email, connect to
// the server's last reply.
const DefaultEmailTimeout = 30 * time.Second

func init() {
	address := func(name, label, help string) workflows.Field {
		return workflows.Field{Name: name, Label: label, Kind: workflows.ValueList, Help: help,
			Item: &workflows.Field{Name: "address", Label: label + " address", Kind: workflows.ValueTemplate,
				Placeholder: "Ann Lee <ann@example.com>"}}
	}
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:    "email",
			Title:   "Send an email",
			Summary: "Sends an email through your SMTP server; retried with backoff while the server answers \"try later\".",
			Fields: []workflows.Field{
				{Name: "smtp", Label: "SMTP server", Kind: workflows.ValueSecret, Required: true,
					Placeholder: "{{ secrets.smtp }}",
					Help: "The server as a URL, usually kept in a secret: smtp://user:password@mail.example.com:587 (STARTTLS when the server offers it; " +
						"add ?tls=required to insist, ?tls=none for a local relay) or smtps://user:password@mail.example.com:465 (TLS from the start). " +
						"The user and password log in (PLAIN or LOGIN), only over TLS or to 127.0.0.1; the password is never recorded (write a / ? # or % in it as %2F %3F %23 %25). The server must be reachable past the outbound guard (--egress-allow)."},
				{Name: "from", Label: "From", Kind: workflows.ValueTemplate, Required: true,
					Placeholder: "Hookflow <alerts@example.com>",
					Help:        "The sender: an address, or a name and an address (Ann Lee <ann@example.com>); names may have any letters."},
				address("to", "To", "Who gets the email; each entry one address, or several separated by commas, such as {{ payload.email }}."),
				address("cc", "Cc", "Who gets a copy, seen by all."),
				address("bcc", "Bcc", "Who gets a copy no other recipient sees."),
				{Name: "reply_to", Label: "Reply to", Kind: workflows.ValueTemplate,
					Help: "Where replies go, where that is not the sender."},
				{Name: "subject", Label: "Subject", Kind: workflows.ValueTemplate, Required: true,
					Placeholder: "New order {{ payload.id }}", Help: "The subject line; any letters."},
				{Name: "text", Label: "Text", Kind: workflows.ValueTemplate,
					Help: "The message as plain text. Give text, HTML or both; with HTML only, a text version is made from it."},
				{Name: "html", Label: "HTML", Kind: workflows.ValueTemplate,
					Help: "The message as HTML, for mail programs that show it. Each {{ }} value is escaped, so what a visitor typed shows as text and cannot add markup."},
				{Name: "timeout", Label: "Timeout", Kind: workflows.ValueDuration, Default: DefaultEmailTimeout.String(),
					Help: "How long one attempt may take before it counts as failed and is retried."},
				{Name: "retry", Label: "Retries", Kind: workflows.ValueObject,
					Help: "Network errors and the server's 4xx answers (\"try later\") are retried, waiting longer each time; 5xx answers (refused) fail the step at once. " +
						"Every attempt carries the same Message-ID, so a repeat can be recognised.",
					Fields: retryFields},
			},
			Example: []byte(`{"id": "mail", "type": "email", "smtp": "{{ secrets.smtp }}", "from": "Shop <shop@example.com>", "to": ["{{ payload.email }}"], "subject": "Order {{ payload.id }} is on its way", "text": "Hello {{ payload.name }}, your order has shipped."}`),
		},
		New: func() workflows.StepSettings { return &Email{} },
	})
}

// Email sends one email through an SMTP server. A failure the server may
// get over (a 4xx reply, a network error) is retried with backoff while
// attempts remain; a 5xx reply fails the step at once.
type Email struct {
	// SMTP is the server's URL, a template (usually "{{ secrets.smtp }}"):
	// smtp://user:pass@host:587 (STARTTLS when offered; ?tls=required
	// insists, ?tls=none never) or smtps://user:pass@host:465.
	SMTP string `json:"smtp,omitempty"`
	// From is the sender's address, a template.
	From string `json:"from,omitempty"`
	// To, CC and BCC are the recipients, templates; an entry may render to
	// several addresses separated by commas, or to nothing.
	To  []string `json:"to,omitempty"`
	CC  []string `json:"cc,omitempty"`
	BCC []string `json:"bcc,omitempty"`
	// ReplyTo is where replies go, a template.
	ReplyTo string `json:"reply_to,omitempty"`
	// Subject of the message, a template.
	Subject string `json:"subject,omitempty"`
	// Text and HTML are the message's parts, templates; at least one is
	// given, and a text part is made from the HTML where only it is.
	Text string `json:"text,omitempty"`
	HTML string `json:"html,omitempty"`
	// Timeout of one attempt, e.g. "10s" (default 30s).
	Timeout string `json:"timeout,omitempty"`
	// Retry sets how failed attempts are retried.
	Retry *Retry `json:"retry,omitempty"`
}

// Compile checks the settings, the SMTP URL and the addresses where they
// are written out, and compiles the templates.
func (e *Email) Compile(b *workflows.StepBuild) (any, error) {
	s := &emailStep{timeout: DefaultEmailTimeout,
		retry: RetryPolicy{MaxAttempts: DefaultMaxAttempts, Initial: DefaultInitial, Max: DefaultMaxBackoff}}
	var err error
	if e.SMTP == "" {
		return nil, b.Required("smtp")
	}
	if s.smtp, err = b.Template("smtp", e.SMTP); err != nil {
		return nil, err
	}
	if s.smtp.IsLiteral() {
		if _, err := parseSMTPURL(e.SMTP); err != nil {
			return nil, b.Errorf("smtp", "%v", err)
		}
	}
	if e.From == "" {
		return nil, b.Required("from")
	}
	if s.from, err = emailAddress(b, "from", e.From, false); err != nil {
		return nil, err
	}
	if e.ReplyTo != "" {
		if s.replyTo, err = emailAddress(b, "reply_to", e.ReplyTo, false); err != nil {
			return nil, err
		}
	}
	for _, list := range []struct {
		field string
		src   []string
		dst   *[]*workflows.Template
	}{{"to", e.To, &s.to}, {"cc", e.CC, &s.cc}, {"bcc", e.BCC, &s.bcc}} {
		for i, src := range list.src {
			t, err := emailAddress(b, fmt.Sprintf("%s[%d]", list.field, i), src, true)
			if err != nil {
				return nil, err
			}
			*list.dst = append(*list.dst, t)
		}
	}
	if len(s.to)+len(s.cc)+len(s.bcc) == 0 {
		return nil, b.Errorf("to", "is required: at least one recipient in to, cc or bcc")
	}
	if e.Subject == "" {
		return nil, b.Required("subject")
	}
	if s.subject, err = b.Template("subject", e.Subject); err != nil {
		return nil, err
	}
	if e.Text == "" && e.HTML == "" {
		return nil, b.Errorf("text", "is required: give text, html or both")
	}
	if e.Text != "" {
		if s.text, err = b.Template("text", e.Text); err != nil {
			return nil, err
		}
	}
	if e.HTML != "" {
		if s.html, err = b.Template("html", e.HTML); err != nil {
			return nil, err
		}
	}
	if e.Timeout != "" {
		if s.timeout, err = b.Duration("timeout", e.Timeout); err != nil {
			return nil, err
		}
	}
	if s.retry, err = compileRetry(b, e.Retry, s.retry); err != nil {
		return nil, err
	}
	return s, nil
}

// emailAddress compiles an address template, checking it where it is
// written out; list allows several addresses separated by commas.
func emailAddress(b *workflows.StepBuild, field, src string, list bool) (*workflows.Template, error) {
	t, err := b.Template(field, src)
	if err != nil {
		return nil, err
	}
	if t.IsLiteral() {
		if _, err := parseAddresses(src, list); err != nil {
			return nil, b.Errorf(field, "%v", err)
		}
	}
	return t, nil
}

// compileRetry applies a step's retry settings over the defaults in p.
func compileRetry(b *workflows.StepBuild, r *Retry, p RetryPolicy) (RetryPolicy, error) {
	if r == nil {
		return p, nil
	}
	var err error
	if r.MaxAttempts < 0 || r.MaxAttempts > 100 {
		return p, b.Errorf("retry.max_attempts", "must be between 1 and 100")
	}
	if r.MaxAttempts > 0 {
		p.MaxAttempts = r.MaxAttempts
	}
	if r.Initial != "" {
		if p.Initial, err = b.Duration("retry.initial", r.Initial); err != nil {
			return p, err
		}
	}
	if r.Max != "" {
		if p.Max, err = b.Duration("retry.max", r.Max); err != nil {
			return p, err
		}
	}
	if p.Max < p.Initial {
		return p, b.Errorf("retry.max", "must not be less than retry.initial")
	}
	return p, nil
}

// parseAddresses reads one address, or with list a comma-separated list
// of them (an empty list is none).
func parseAddresses(s string, list bool) ([]*mail.Address, error) {
	s = strings.TrimSpace(s)
	if !list {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an email address (%v)", s, err)
		}
		return []*mail.Address{a}, nil
	}
	if s == "" {
		return nil, nil
	}
	as, err := mail.ParseAddressList(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an email address or a list of them (%v)", s, err)
	}
	return as, nil
}

// smtpServer is an SMTP URL taken apart.
type smtpServer struct {
	host       string
	port       int
	implicit   bool // smtps://: TLS from the start
	policy     gomail.TLSPolicy
	user, pass string
	hasAuth    bool
	shown      string // the URL without its user and password
}

// parseSMTPURL reads smtp://[user[:pass]@]host[:port][?tls=required|none]
// or smtps://...; its errors never echo the password.
func parseSMTPURL(raw string) (*smtpServer, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("is empty (is the secret it reads set?); want a URL such as smtp://user:password@mail.example.com:587")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("not a URL such as smtp://user:password@mail.example.com:587")
	}
	s := &smtpServer{policy: gomail.TLSOpportunistic}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit, s.policy = 465, true, gomail.NoTLS
	default:
		return nil, fmt.Errorf("must start with smtp:// or smtps://, not %q", u.Scheme+":")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("has no host: smtp://user:password@mail.example.com:587")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("port %q is not a port number", p)
		}
	}
	for k := range u.Query() {
		if k != "tls" {
			return nil, fmt.Errorf("unknown setting %q (only tls=required or tls=none)", k)
		}
	}
	switch t := u.Query().Get("tls"); {
	case t == "":
	case s.implicit:
		return nil, errors.New("tls= is for smtp://; smtps:// is always TLS")
	case t == "required":
		s.policy = gomail.TLSMandatory
	case t == "none":
		s.policy = gomail.NoTLS
	default:
		return nil, fmt.Errorf("tls=%q: want tls=required or tls=none", t)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		s.hasAuth = s.user != ""
	}
	shown := url.URL{Scheme: u.Scheme, Host: net.JoinHostPort(s.host, strconv.Itoa(s.port)), RawQuery: u.RawQuery}
	s.shown = shown.String()
	return s, nil
}

type emailStep struct {
	smtp, from, replyTo, subject, text, html *workflows.Template
	to, cc, bcc                              []*workflows.Template
	timeout                                  time.Duration
	retry                                    RetryPolicy
}

var (
	_ Step     = (*emailStep)(nil)
	_ Outbound = (*emailStep)(nil)
)

// Timeout is how long one attempt may take.
func (s *emailStep) Timeout() time.Duration { return s.timeout }

// email is an email step's message, rendered.
type email struct {
	server                     *smtpServer
	from, replyTo              *mail.Address
	to, cc, bcc                []*mail.Address
	subject, text, html, msgID string
}

func (s *emailStep) Run(ctx context.Context, rt Runtime) Outcome {
	m, err := s.render(rt)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: err}
	}
	record := m.record(rt)
	if test, send := rt.Test(); test && !send {
		return Outcome{Status: store.StepSucceeded, Input: record, Output: map[string]any{"sent": false, "message_id": m.msgID}}
	}
	reply, err := m.send(ctx, rt, s.timeout)
	if err == nil {
		return Outcome{Status: store.StepSucceeded, Input: record,
			Output: map[string]any{"sent": true, "message_id": m.msgID, "reply": rt.Redact(reply)}}
	}
	retry := retryableSMTP(err)
	msg := err.Error()
	if m.server.pass != "" {
		msg = strings.ReplaceAll(msg, m.server.pass, "[redacted]")
	}
	err = fmt.Errorf("send email via %s: %s", m.server.shown, rt.Redact(msg))
	out := Outcome{Status: store.StepFailed, Input: record, Err: err}
	if test, _ := rt.Test(); ctx.Err() != nil || !retry || test {
		return out
	}
	if rt.Attempt() >= s.retry.MaxAttempts {
		out.Err = fmt.Errorf("%w (gave up after %d attempts)", err, rt.Attempt())
		return out
	}
	out.Status = store.StepRetrying
	out.At = rt.Now().Add(Backoff(s.retry, rt.Attempt(), 0))
	return out
}

// render fills the step's templates in from the run.
func (s *emailStep) render(rt Runtime) (*email, error) {
	env := rt.Env()
	m := &email{}
	raw, err := s.smtp.Render(env)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	if m.server, err = parseSMTPURL(raw); err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	one := func(field string, t *workflows.Template) (*mail.Address, error) {
		v, err := t.Render(env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		as, err := parseAddresses(v, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		return as[0], nil
	}
	if m.from, err = one("from", s.from); err != nil {
		return nil, err
	}
	_, domain, _ := strings.Cut(m.from.Address, "@")
	m.msgID = MessageID(rt.RunID(), rt.Path(), domain)
	if s.replyTo != nil {
		if m.replyTo, err = one("reply_to", s.replyTo); err != nil {
			return nil, err
		}
	}
	for _, list := range []struct {
		field string
		src   []*workflows.Template
		dst   *[]*mail.Address
	}{{"to", s.to, &m.to}, {"cc", s.cc, &m.cc}, {"bcc", s.bcc, &m.bcc}} {
		for i, t := range list.src {
			v, err := t.Render(env)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", list.field, i, err)
			}
			as, err := parseAddresses(v, true)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", list.field, i, err)
			}
			*list.dst = append(*list.dst, as...)
		}
	}
	if len(m.to)+len(m.cc)+len(m.bcc) == 0 {
		return nil, errors.New("to: no recipient: to, cc and bcc are all empty for this run")
	}
	if m.subject, err = s.subject.Render(env); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	m.subject = strings.Join(strings.Fields(m.subject), " ") // no line breaks in a header
	if s.text != nil {
		if m.text, err = s.text.Render(env); err != nil {
			return nil, fmt.Errorf("text: %w", err)
		}
	}
	if s.html != nil {
		if m.html, err = s.html.RenderEscaped(env, html.EscapeString); err != nil {
			return nil, fmt.Errorf("html: %w", err)
		}
		if s.text == nil {
			m.text = HTMLText(m.html)
		}
	}
	return m, nil
}

// record is the message as the step's record shows it: the server without
// its password, the addresses and the subject.
func (m *email) record(rt Runtime) map[string]any {
	list := func(as []*mail.Address) []string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = rt.Redact(a.String())
		}
		return out
	}
	rec := map[string]any{
		"smtp":       rt.Redact(m.server.shown),
		"from":       rt.Redact(m.from.String()),
		"to":         list(m.to),
		"subject":    rt.Redact(m.subject),
		"message_id": m.msgID,
	}
	if len(m.cc) > 0 {
		rec["cc"] = list(m.cc)
	}
	if len(m.bcc) > 0 {
		rec["bcc"] = list(m.bcc)
	}
	if m.replyTo != nil {
		rec["reply_to"] = rt.Redact(m.replyTo.String())
	}
	if m.server.user != "" {
		rec["user"] = rt.Redact(m.server.user)
	}
	return rec
}

// send makes one attempt at delivering the message, through the
// runtime's egress guard; it gives the server's reply to the message.
func (m *email) send(ctx context.Context, rt Runtime, timeout time.Duration) (string, error) {
	msg := gomail.NewMsg()
	msg.SetMessageIDWithValue(m.msgID)
	msg.SetDateWithValue(rt.Now())
	msg.SetUserAgent("Hookflow")
	if err := msg.FromFormat(m.from.Name, m.from.Address); err != nil {
		return "", fmt.Errorf("from: %w", err)
	}
	if m.replyTo != nil {
		if err := msg.ReplyToFormat(m.replyTo.Name, m.replyTo.Address); err != nil {
			return "", fmt.Errorf("reply_to: %w", err)
		}
	}
	for _, list := range []struct {
		add func(name, addr string) error
		as  []*mail.Address
	}{{msg.AddToFormat, m.to}, {msg.AddCcFormat, m.cc}, {msg.AddBccFormat, m.bcc}} {
		for _, a := range list.as {
			if err := list.add(a.Name, a.Address); err != nil {
				return "", fmt.Errorf("recipient %s: %w", a.Address, err)
			}
		}
	}
	msg.Subject(m.subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.text)
	if m.html != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.html)
	}

	srv := m.server
	tlsConfig := rt.TLSConfig()
	tlsConfig.ServerName = srv.host
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := rt.Dial(ctx, network, addr)
		if err != nil || !srv.implicit {
			return conn, err
		}
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
		return tc, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(srv.port),
		gomail.WithTimeout(timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithTLSPolicy(srv.policy),
	}
	if srv.hasAuth {
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(srv.user), gomail.WithPassword(srv.pass))
	}
	client, err := gomail.NewClient(srv.host, opts...)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = client.DialAndSendWithContext(ctx, msg)
	// The reply to DATA is a 250, whose text ServerResponse has. Once it
	// came, the message is the server's: a failure after it (QUIT) is no
	// reason to send it again.
	if r := msg.ServerResponse(); r != "" {
		return strings.TrimSpace("250 " + r), nil
	}
	return "", err
}

// retryableSMTP tells whether trying again may deliver: a 4xx reply or a
// network error may pass; a 5xx reply, a refused address, a failed TLS
// check or a bad setting will not.
func retryableSMTP(err error) bool {
	if errors.Is(err, actions.ErrEgressRefused) {
		return false
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.IsTemp()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 400 && te.Code < 500
	}
	var (
		certErr   *tls.CertificateVerificationError
		alertErr  tls.AlertError
		recordErr tls.RecordHeaderError
	)
	if errors.As(err, &certErr) || errors.As(err, &alertErr) || errors.As(err, &recordErr) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded)
}

// MessageID is the Message-ID of an email step of a run: the same on every
// attempt, so a repeat after a crash or a retry can be recognised.
// stepID is the step's path ("each_line[3].mail"); domain is the
// sender's.
func MessageID(runID, stepID, domain string) string {
	path := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '.'
	}, strings.TrimSuffix(strings.ReplaceAll(stepID, "]", ""), "."))
	if domain == "" {
		domain = "hookflow.invalid"
	}
	return "hookflow." + strings.ReplaceAll(runID, "-", "") + "." + path + "@" + domain
}
