package actions

import (
	"context"
	"errors"
	"net"
	"testing"
)

// TestSenderDial: Dial applies the egress guard: 127.0.0.1 is refused by
// default and reached once allowed.
func TestSenderDial(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()

	_, err = NewSender(Config{}).Dial(context.Background(), "tcp", ln.Addr().String())
	if !errors.Is(err, ErrEgressRefused) {
		t.Fatalf("Dial with the default guard: %v, want ErrEgressRefused", err)
	}
	allow, err := ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(Config{Egress: allow})
	conn, err := s.Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("Dial with 127.0.0.1 allowed: %v", err)
	}
	_ = conn.Close()
	if c := s.TLSConfig(); c == nil || c.MinVersion != 0x0303 {
		t.Errorf("TLSConfig = %+v, want the sender's TLS 1.2+ settings", c)
	}
}
