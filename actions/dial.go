package actions

import (
	"context"
	"crypto/tls"
	"net"
)

// Dial connects to addr ("host:port") through the same egress guard as
// Send, for outbound protocols other than HTTP (an email step's SMTP
// server). A refused address gives an error wrapping ErrEgressRefused.
func (s *Sender) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.guard.DialContext(ctx, network, addr)
}

// TLSConfig is a copy of the TLS settings Send uses (system roots, or
// Config.TLSClientConfig), for outbound protocols other than HTTP; the
// caller sets ServerName.
func (s *Sender) TLSConfig() *tls.Config {
	return s.transport.TLSClientConfig.Clone()
}
