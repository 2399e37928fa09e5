// Package smtptest runs a real SMTP server on 127.0.0.1 for tests: it
// offers STARTTLS (or TLS from the start) with a certificate made for the
// test, PLAIN and LOGIN authentication, keeps every message it accepts,
// and answers as a test tells it (a 4xx "try later", a 5xx refusal).
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/mail"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted (or refused, at DATA).
type Message struct {
	// N numbers the messages the server got to DATA with, from 1.
	N int
	// From and To are the envelope (MAIL FROM, RCPT TO): Bcc recipients
	// are here and nowhere in the message.
	From string
	To   []string
	// User is who logged in ("" for nobody); TLS whether the connection
	// was encrypted.
	User string
	TLS  bool
	// Data is the message as sent; Header its parsed header.
	Data   []byte
	Header mail.Header
	// Refused is the reply the test gave instead of accepting it.
	Refused error
}

// Options configure a Server.
type Options struct {
	// User and Password, where set, are the only credentials accepted;
	// mail is refused (530) from a connection that has not logged in.
	User, Password string
	// ImplicitTLS serves TLS from the start (smtps://); otherwise STARTTLS
	// is offered unless NoTLS.
	ImplicitTLS bool
	NoTLS       bool
	// Mechanisms are the login mechanisms offered (default PLAIN and
	// LOGIN).
	Mechanisms []string
	// Host is the loopback address to listen on (default 127.0.0.1).
	Host string
}

// Server is an SMTP server on 127.0.0.1 (or Options.Host), closed when
// the test ends.
type Server struct {
	// Addr is "host:port".
	Addr string
	// Host and Port are Addr's parts.
	Host string
	Port int
	// RootCAs trusts the server's certificate (made for Host).
	RootCAs *x509.CertPool

	opts   Options
	mu     sync.Mutex
	msgs   []Message
	answer func(n int) error
}

// New starts a server with opts.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	cert, pool := certificate(t, opts.Host)
	s := &Server{opts: opts, RootCAs: pool, Host: opts.Host}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.AllowInsecureAuth = true // the test decides what the client risks
	srv.ErrorLog = discard{}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if !opts.NoTLS {
		srv.TLSConfig = tlsConfig
	}
	var ln net.Listener
	var err error
	if opts.ImplicitTLS {
		ln, err = tls.Listen("tcp", net.JoinHostPort(opts.Host, "0"), tlsConfig)
	} else {
		ln, err = net.Listen("tcp", net.JoinHostPort(opts.Host, "0"))
	}
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	s.Port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the server's smtp:// (or smtps://) URL with the server's
// credentials and the given query ("tls=none"; "" for none).
func (s *Server) URL(query string) string {
	u := url.URL{Scheme: "smtp", Host: s.Addr, RawQuery: query}
	if s.opts.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if s.opts.User != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u.String()
}

// Answer sets how the server answers the n-th message at DATA (from 1):
// nil accepts it; an *smtp.SMTPError (see Reply) refuses it with its code.
func (s *Server) Answer(f func(n int) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = f
}

// Reply is an SMTP reply to give from Answer: Reply(451, "try later").
func Reply(code int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
}

// Messages are the messages that reached DATA, accepted or refused.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Accepted are the messages the server accepted.
func (s *Server) Accepted() []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.Refused == nil {
			out = append(out, m)
		}
	}
	return out
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: b.s, tls: isTLS}, nil
}

type session struct {
	s    *Server
	tls  bool
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.User == "" {
		return nil
	}
	if m := ss.s.opts.Mechanisms; m != nil {
		return m
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != ss.s.opts.User || pass != ss.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		ss.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.User != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: ss.from, To: ss.to, User: ss.user, TLS: ss.tls, Data: data}
	if pm, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.Header = pm.Header
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	m.N = len(ss.s.msgs) + 1
	if ss.s.answer != nil {
		m.Refused = ss.s.answer(m.N)
	}
	ss.s.msgs = append(ss.s.msgs, m)
	return m.Refused
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// loginServer is the server side of the LOGIN mechanism, which go-sasl
// has only a client for.
type loginServer struct {
	check    func(user, pass string) error
	haveUser bool
	user     string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case !l.haveUser && resp == nil:
		return []byte("Username:"), false, nil
	case !l.haveUser:
		l.haveUser, l.user = true, string(resp)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

// certificate makes a self-signed certificate for host and a pool that
// trusts it.
func certificate(t testing.TB, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("smtptest: key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP(host)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("smtptest: certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("smtptest: certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}
