package actions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// fakeNet stands in for DNS and the network, the one thing these tests
// cannot have for real: public and private addresses. Each name answers
// its lookups in turn (the last answer again once they run out), and a
// connection to one of the pretend addresses reaches a real receiver on
// 127.0.0.1. Like a net.Dialer, it resolves a name it is asked to dial,
// through the same DNS, so a guard that dials the name instead of the
// address it checked gets the DNS's next answer.
type fakeNet struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
	hosts   map[netip.Addr]*receivertest.Receiver
	lookups []string // names looked up, in order
	dials   []string // addresses dialled, in order
}

func (n *fakeNet) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lookups = append(n.lookups, host)
	list := n.answers[host]
	if len(list) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	ips := list[0]
	if len(list) > 1 {
		n.answers[host] = list[1:]
	}
	return append([]netip.Addr(nil), ips...), nil
}

func (n *fakeNet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	n.dials = append(n.dials, addr)
	n.mu.Unlock()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ips, err := n.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		ip = ips[0]
	}
	n.mu.Lock()
	rc := n.hosts[ip]
	n.mu.Unlock()
	if rc == nil {
		return nil, fmt.Errorf("dial %s: no route to host", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, rc.Server.Listener.Addr().String())
}

func (n *fakeNet) record() (lookups, dials []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.lookups...), append([]string(nil), n.dials...)
}

var (
	publicIP   = netip.MustParseAddr("1.2.3.4")
	privateIP  = netip.MustParseAddr("10.0.0.5")
	publicIP6  = netip.MustParseAddr("2606:4700::1")
	privateIP6 = netip.MustParseAddr("fd00::5")
)

// fakeNetSender is a Sender with the default guard on fakeNet: a public
// host (answering with h, nil for 200) and a private one, each a real
// receiver.
func fakeNetSender(t *testing.T, answers map[string][][]netip.Addr, h http.HandlerFunc) (*Sender, *fakeNet, *receivertest.Receiver, *receivertest.Receiver) {
	t.Helper()
	public, private := newReceiver(t, h), newReceiver(t, nil)
	n := &fakeNet{answers: answers, hosts: map[netip.Addr]*receivertest.Receiver{
		publicIP: public, publicIP6: public, privateIP: private, privateIP6: private,
	}}
	s := NewSender(Config{})
	s.guard.resolver, s.guard.dial = n, n.dial
	t.Cleanup(s.CloseIdleConnections)
	return s, n, public, private
}

// TestEgressRebinding: a name that resolves to a public address and then
// to a private one (DNS rebinding) is connected to at the address the
// guard checked, never by name; a new connection after the name changed
// is checked again and refused.
func TestEgressRebinding(t *testing.T) {
	t.Parallel()
	s, n, public, private := fakeNetSender(t, map[string][][]netip.Addr{
		"rebind.example": {{publicIP}, {privateIP}},
	}, nil)
	if _, err := s.Send(context.Background(), Request{URL: "http://rebind.example/hook"}); err != nil {
		t.Fatalf("first send: %v", err)
	}
	lookups, dials := n.record()
	if len(dials) != 1 || dials[0] != "1.2.3.4:80" {
		t.Errorf("dialled %q, want only the checked address 1.2.3.4:80", dials)
	}
	if len(lookups) != 1 {
		t.Errorf("looked up %q, want the name once", lookups)
	}
	if public.Count() != 1 || private.Count() != 0 {
		t.Fatalf("public host got %d requests, private %d; want 1 and 0", public.Count(), private.Count())
	}

	s.CloseIdleConnections()
	_, err := s.Send(context.Background(), Request{URL: "http://rebind.example/hook"})
	if !errors.Is(err, ErrEgressRefused) || !strings.Contains(err.Error(), "rebind.example resolves to 10.0.0.5, a private address") {
		t.Errorf("send after the name changed: %v, want it refused", err)
	}
	if private.Count() != 0 {
		t.Errorf("the private host got %d requests", private.Count())
	}
}

// TestEgressMixedAnswers: a name with a forbidden address among its
// answers is refused whole, wherever that address stands, and nothing is
// dialled: a name that mixes public and internal addresses is not one to
// trust, and dialling only its public ones would let the order the DNS
// answers in decide.
func TestEgressMixedAnswers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		answer  []netip.Addr
		refused string
	}{
		{"public first", []netip.Addr{publicIP, privateIP}, "10.0.0.5, a private address"},
		{"private first", []netip.Addr{privateIP, publicIP}, "10.0.0.5, a private address"},
		{"private between", []netip.Addr{publicIP, privateIP, publicIP6}, "10.0.0.5, a private address"},
		{"IPv6", []netip.Addr{publicIP6, privateIP6}, "fd00::5, a unique local (private) address"},
		{"loopback last", []netip.Addr{publicIP, publicIP6, netip.MustParseAddr("127.0.0.1")}, "127.0.0.1, a loopback address"},
	} {
		s, n, public, private := fakeNetSender(t, map[string][][]netip.Addr{"mixed.example": {c.answer}}, nil)
		_, err := s.Send(context.Background(), Request{URL: "http://mixed.example/hook"})
		if !errors.Is(err, ErrEgressRefused) || !strings.Contains(err.Error(), "mixed.example resolves to "+c.refused) {
			t.Errorf("%s: %v, want the name refused for %s", c.name, err, c.refused)
		}
		if _, dials := n.record(); len(dials) != 0 {
			t.Errorf("%s: dialled %q, want nothing", c.name, dials)
		}
		if public.Count()+private.Count() != 0 {
			t.Errorf("%s: hosts got %d and %d requests, want none", c.name, public.Count(), private.Count())
		}
	}
}

// TestEgressRedirectNotFollowed: a public host's redirect to a name that
// resolves to a private address is the answer (a failure), and the name it
// points to is never even looked up.
func TestEgressRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	s, n, public, private := fakeNetSender(t, map[string][][]netip.Addr{
		"public.example":   {{publicIP}},
		"internal.example": {{privateIP}},
		"rebind.example":   {{publicIP}, {privateIP}},
	}, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	for _, target := range []string{"http://internal.example/admin", "http://10.0.0.5/admin", "http://rebind.example/admin"} {
		resp, err := s.Send(context.Background(), Request{URL: "http://public.example/hook?to=" + url.QueryEscape(target)})
		if de := asDelivery(t, err); de.Status != http.StatusFound || resp == nil || resp.Header["location"] != target {
			t.Errorf("redirect to %s: %v, response %+v; want the 302 as the answer", target, err, resp)
		}
	}
	lookups, dials := n.record()
	for _, name := range lookups {
		if name != "public.example" {
			t.Errorf("looked up %s, a redirect's target", name)
		}
	}
	for _, addr := range dials {
		if addr != "1.2.3.4:80" {
			t.Errorf("dialled %s, want only the public host", addr)
		}
	}
	if public.Count() != 3 || private.Count() != 0 {
		t.Errorf("public host got %d requests, private %d; want 3 and 0", public.Count(), private.Count())
	}
}
