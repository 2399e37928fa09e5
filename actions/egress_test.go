package actions

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// TestForbidden covers every range the guard refuses by default, and the
// IPv6 encodings of forbidden IPv4 addresses. It only classifies: nothing is
// dialled.
func TestForbidden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ip     string
		reason string // substring; "" means allowed
	}{
		// IPv4.
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.255", "CGNAT"},
		{"169.254.169.254", "link-local"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "this network"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.0.8", "IETF protocol"},
		{"192.0.2.1", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"192.88.99.1", "6to4 relay"},
		// IPv6.
		{"::", "unspecified"},
		{"::1", "loopback"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fec0::1", "site-local"},
		{"fc00::1", "unique local"},
		{"fd12:3456:789a::1", "unique local"},
		{"ff02::1", "multicast"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"2001:2::1", "benchmarking"},
		{"100::1", "discard"},
		{"64:ff9b:1::1", "local-use NAT64"},
		// IPv4-mapped.
		{"::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1, a loopback"},
		{"::ffff:10.0.0.1", "IPv4-mapped form of 10.0.0.1, a private"},
		{"::ffff:169.254.169.254", "IPv4-mapped form of 169.254.169.254, a link-local"},
		{"::ffff:7f00:1", "IPv4-mapped form of 127.0.0.1"},
		// IPv4-compatible (deprecated) and IPv4-translated.
		{"::127.0.0.1", "IPv4-compatible form of 127.0.0.1"},
		{"::ffff:0:10.0.0.1", "IPv4-translated form of 10.0.0.1"},
		// NAT64.
		{"64:ff9b::127.0.0.1", "NAT64 form of 127.0.0.1, a loopback"},
		{"64:ff9b::10.0.0.1", "NAT64 form of 10.0.0.1, a private"},
		{"64:ff9b::a9fe:a9fe", "NAT64 form of 169.254.169.254"},
		// 6to4: the IPv4 address sits in bits 16-47.
		{"2002:7f00:1::1", "6to4 form of 127.0.0.1"},
		{"2002:a00:1::", "6to4 form of 10.0.0.1"},
		{"2002:a9fe:a9fe::1", "6to4 form of 169.254.169.254"},
		// Teredo: server in bits 32-63, client inverted in the last 32.
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo form of 127.0.0.1"},       // ^7f000001
		{"2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo form of 10.0.0.1"},        // ^0a000001
		{"2001:0:4136:e378:8000:63bf:5601:5601", "Teredo form of 169.254.169.254"}, // ^a9fea9fe
		{"2001:0:a00:1:8000:63bf:f7f7:f7f7", "Teredo server form of 10.0.0.1"},
		// Allowed: public unicast, and public addresses in every encoding.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"93.184.216.34", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"198.20.0.0", ""},
		{"223.255.255.255", ""},
		{"2606:4700::1", ""},
		{"2001:4860:4860::8888", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::8.8.8.8", ""},
		{"2002:808:808::1", ""},
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", ""}, // Teredo client 8.8.8.8
	}
	for _, c := range cases {
		ip := netip.MustParseAddr(c.ip)
		got := forbidden(ip)
		if c.reason == "" {
			if got != "" {
				t.Errorf("%s: refused as %q, want allowed", c.ip, got)
			}
			if err := DefaultEgress().CheckIP(ip); err != nil {
				t.Errorf("%s: CheckIP = %v, want nil", c.ip, err)
			}
			continue
		}
		if !strings.Contains(got, c.reason) {
			t.Errorf("%s: reason %q, want it to contain %q", c.ip, got, c.reason)
		}
		err := DefaultEgress().CheckIP(ip)
		if !errors.Is(err, ErrEgressRefused) {
			t.Errorf("%s: CheckIP = %v, want ErrEgressRefused", c.ip, err)
		}
	}
}

func TestEgressErrorMessage(t *testing.T) {
	t.Parallel()
	err := DefaultEgress().CheckIP(netip.MustParseAddr("127.0.0.1"))
	want := "egress refused: 127.0.0.1 is a loopback address (allow it with --egress-allow)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	err = DefaultEgress().check("metadata.internal", netip.MustParseAddr("169.254.169.254"))
	if err == nil || !strings.Contains(err.Error(), "metadata.internal resolves to 169.254.169.254, a link-local address") {
		t.Fatalf("got %v", err)
	}
}

func TestParseEgressAllow(t *testing.T) {
	t.Parallel()
	e, err := ParseEgressAllow(" 127.0.0.1, 10.0.0.0/8 ,Internal.Example., [::1], fd00::/8 ")
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.1.2.3", "::1", "fd00::5", "8.8.8.8"} {
		if err := e.CheckIP(netip.MustParseAddr(ip)); err != nil {
			t.Errorf("%s: %v, want allowed", ip, err)
		}
	}
	for _, ip := range []string{"127.0.0.2", "192.168.0.1", "169.254.169.254", "fe80::1"} {
		if err := e.CheckIP(netip.MustParseAddr(ip)); !errors.Is(err, ErrEgressRefused) {
			t.Errorf("%s: %v, want refused", ip, err)
		}
	}
	if !e.CheckHost("internal.example") || !e.CheckHost("INTERNAL.EXAMPLE.") {
		t.Error("hostname exception not matched case-insensitively")
	}
	if e.CheckHost("other.example") || e.CheckHost("x.internal.example") {
		t.Error("hostname exception matched another name")
	}
	if e.Off() {
		t.Error("guard off without any")
	}
	if got, want := e.String(), "127.0.0.1,10.0.0.0/8,::1,fd00::/8,internal.example"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if DefaultEgress().String() != "" {
		t.Error("the default guard has exceptions")
	}

	for _, list := range []string{"", " ", ","} {
		e, err := ParseEgressAllow(list)
		if err != nil || e.Off() || e.CheckIP(netip.MustParseAddr("127.0.0.1")) == nil {
			t.Errorf("%q: want the default guard, got %v %v", list, e, err)
		}
	}

	e, err = ParseEgressAllow("ANY")
	if err != nil || !e.Off() || e.String() != "any" || e.CheckIP(netip.MustParseAddr("169.254.169.254")) != nil {
		t.Errorf("any: want guard off, got %v %v", e, err)
	}

	for _, bad := range []string{"10.0.0.0/33", "http://x", "a..b", "-x.example", "1.2.3.4:80", "exa mple", "10.0.0/8"} {
		_, err := ParseEgressAllow("127.0.0.1," + bad)
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v, want one naming it", bad, err)
		}
	}
}

// TestGuardedDialerResolves checks that a name is resolved and every address
// checked before any connection: "localhost" is loopback.
func TestGuardedDialerResolves(t *testing.T) {
	t.Parallel()
	g := NewSender(Config{}).transport.DialContext
	_, err := g(context.Background(), "tcp", "localhost:9")
	if !errors.Is(err, ErrEgressRefused) || !strings.Contains(err.Error(), "localhost resolves to") {
		t.Fatalf("got %v, want a refusal naming localhost", err)
	}
}
