package actions

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"
)

// Egress is the outbound (SSRF) guard: it decides which addresses an action
// may connect to. By default it refuses every address that is not a public
// unicast one: loopback, private, shared (CGNAT), link-local (cloud metadata
// included), multicast, unspecified, broadcast, reserved, documentation and
// benchmark ranges, and the IPv6 forms that embed a forbidden IPv4 address
// (IPv4-mapped, NAT64, 6to4, Teredo). Exceptions come from --egress-allow
// (see ParseEgressAllow).
//
// The check is made when a connection is dialled, on every resolved address,
// and the connection goes to the checked address, so DNS rebinding cannot slip
// past it. An Egress is immutable and safe for concurrent use.
type Egress struct {
	off      bool            // "any": no guard at all
	prefixes []netip.Prefix  // allowed IPs and CIDRs
	hosts    map[string]bool // allowed hostnames, lower case, no trailing dot
}

// DefaultEgress returns the guard with no exceptions.
func DefaultEgress() *Egress { return &Egress{} }

// ParseEgressAllow builds a guard from a comma-separated list of exceptions:
// IP addresses ("127.0.0.1", "::1"), CIDRs ("10.0.0.0/8"), hostnames
// ("internal.example": exact, case-insensitive, allowing whatever the name
// resolves to), or the word "any", which turns the guard off. An empty list
// gives DefaultEgress. An entry that is none of these is an error naming it.
func ParseEgressAllow(list string) (*Egress, error) {
	e := &Egress{}
	for _, raw := range strings.Split(list, ",") {
		entry := strings.TrimSpace(raw)
		if entry == "" {
			continue
		}
		switch {
		case strings.EqualFold(entry, "any"):
			e.off = true
		case strings.Contains(entry, "/"):
			p, err := netip.ParsePrefix(entry)
			if err != nil {
				return nil, fmt.Errorf("egress allow %q: not an IP, CIDR or hostname", entry)
			}
			e.prefixes = append(e.prefixes, p.Masked())
		default:
			if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(entry, "["), "]")); err == nil {
				a = a.WithZone("")
				e.prefixes = append(e.prefixes, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			if !validHostname(entry) {
				return nil, fmt.Errorf("egress allow %q: not an IP, CIDR or hostname", entry)
			}
			if e.hosts == nil {
				e.hosts = make(map[string]bool)
			}
			e.hosts[canonicalHost(entry)] = true
		}
	}
	return e, nil
}

// Off reports whether the guard is turned off ("any").
func (e *Egress) Off() bool { return e != nil && e.off }

// String lists the exceptions in --egress-allow syntax ("" for none).
func (e *Egress) String() string {
	if e == nil {
		return ""
	}
	if e.off {
		return "any"
	}
	var parts []string
	for _, p := range e.prefixes {
		if p.IsSingleIP() {
			parts = append(parts, p.Addr().String())
		} else {
			parts = append(parts, p.String())
		}
	}
	hosts := make([]string, 0, len(e.hosts))
	for h := range e.hosts {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	parts = append(parts, hosts...)
	return strings.Join(parts, ",")
}

// CheckIP returns nil when the guard lets a connection go to ip, else an
// error wrapping ErrEgressRefused that says why. Hostname exceptions are not
// consulted: see CheckHost.
func (e *Egress) CheckIP(ip netip.Addr) error {
	return e.check("", ip)
}

// CheckHost returns nil when host is an allowed hostname exception (or the
// guard is off). It does not resolve anything.
func (e *Egress) CheckHost(host string) bool {
	if e == nil {
		return false
	}
	return e.off || e.hosts[canonicalHost(host)]
}

func (e *Egress) check(host string, ip netip.Addr) error {
	if e.Off() {
		return nil
	}
	ip = ip.WithZone("")
	if e != nil {
		for _, p := range e.prefixes {
			if p.Contains(ip) || (ip.Is4In6() && p.Contains(ip.Unmap())) {
				return nil
			}
		}
	}
	reason := forbidden(ip)
	if reason == "" {
		return nil
	}
	return &EgressError{Host: host, IP: ip, Reason: reason}
}

// EgressError is the egress guard's refusal of one address. It matches
// ErrEgressRefused with errors.Is.
type EgressError struct {
	Host   string     // the hostname that resolved to IP; "" for an IP literal
	IP     netip.Addr // the refused address
	Reason string     // "a loopback address", "a private address", ...
}

func (e *EgressError) Error() string {
	if e.Host != "" && e.Host != e.IP.String() {
		return fmt.Sprintf("%v: %s resolves to %s, %s (allow it with --egress-allow)", ErrEgressRefused, e.Host, e.IP, e.Reason)
	}
	return fmt.Sprintf("%v: %s is %s (allow it with --egress-allow)", ErrEgressRefused, e.IP, e.Reason)
}

// Unwrap makes errors.Is(err, ErrEgressRefused) true.
func (e *EgressError) Unwrap() error { return ErrEgressRefused }

// rangeRule is one forbidden range and how to name it.
type rangeRule struct {
	prefix netip.Prefix
	reason string
}

func rules(reason string, cidrs ...string) []rangeRule {
	out := make([]rangeRule, len(cidrs))
	for i, c := range cidrs {
		out[i] = rangeRule{netip.MustParsePrefix(c), reason}
	}
	return out
}

// forbiddenV4 and forbiddenV6 are checked in order; the first match names the
// reason. Ranges from the IANA special-purpose registries (RFC 6890 and
// successors), less the few that are globally reachable.
var (
	forbiddenV4 = concat(
		rules("an unspecified address", "0.0.0.0/32"),
		rules("a broadcast address", "255.255.255.255/32"),
		rules("a loopback address", "127.0.0.0/8"),
		rules("a private address", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
		rules("a shared (CGNAT) address", "100.64.0.0/10"),
		rules("a link-local address (cloud metadata lives here)", "169.254.0.0/16"),
		rules("a \"this network\" address", "0.0.0.0/8"),
		rules("an IETF protocol address", "192.0.0.0/24"),
		rules("a documentation address", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
		rules("a benchmarking address", "198.18.0.0/15"),
		rules("a 6to4 relay address", "192.88.99.0/24"),
		rules("a multicast address", "224.0.0.0/4"),
		rules("a reserved address", "240.0.0.0/4"),
	)
	forbiddenV6 = concat(
		rules("an unspecified address", "::/128"),
		rules("a loopback address", "::1/128"),
		rules("a link-local address", "fe80::/10"),
		rules("a site-local address", "fec0::/10"),
		rules("a unique local (private) address", "fc00::/7"),
		rules("a multicast address", "ff00::/8"),
		rules("a documentation address", "2001:db8::/32", "3fff::/20"),
		rules("a benchmarking address", "2001:2::/48"),
		rules("a discard-only address", "100::/64"),
		rules("a local-use NAT64 address", "64:ff9b:1::/48"),
		rules("an ORCHID address", "2001:10::/28", "2001:20::/28"),
	)
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	teredo    = netip.MustParsePrefix("2001::/32")
	v4Compat  = netip.MustParsePrefix("::/96")           // deprecated IPv4-compatible
	siit      = netip.MustParsePrefix("::ffff:0:0:0/96") // IPv4-translated (RFC 2765)
)

func concat(lists ...[]rangeRule) []rangeRule {
	var out []rangeRule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// forbidden returns why ip may not be reached by default ("a loopback
// address"), or "" when it may.
func forbidden(ip netip.Addr) string {
	if !ip.IsValid() {
		return "an invalid address"
	}
	ip = ip.WithZone("")
	if ip.Is4() {
		return match(forbiddenV4, ip)
	}
	if ip.Is4In6() {
		return embedded(ip.Unmap(), "IPv4-mapped")
	}
	if r := match(forbiddenV6, ip); r != "" {
		return r
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return embedded(v4(b[12:16]), "NAT64")
	case siit.Contains(ip):
		return embedded(v4(b[12:16]), "IPv4-translated")
	case v4Compat.Contains(ip):
		return embedded(v4(b[12:16]), "IPv4-compatible")
	case sixToFour.Contains(ip):
		return embedded(v4(b[2:6]), "6to4")
	case teredo.Contains(ip):
		// The server is in bits 32-63; the client's address, obfuscated by
		// inverting every bit, in the last 32.
		if r := embedded(v4(b[4:8]), "Teredo server"); r != "" {
			return r
		}
		var c [4]byte
		for i := range c {
			c[i] = ^b[12+i]
		}
		return embedded(netip.AddrFrom4(c), "Teredo")
	}
	return ""
}

func v4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b)) }

func embedded(a netip.Addr, form string) string {
	if r := match(forbiddenV4, a); r != "" {
		return fmt.Sprintf("the %s form of %s, %s", form, a, r)
	}
	return ""
}

func match(list []rangeRule, ip netip.Addr) string {
	for _, r := range list {
		if r.prefix.Contains(ip) {
			return r.reason
		}
	}
	return ""
}

// canonicalHost lower-cases a hostname and drops a trailing dot.
func canonicalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// validHostname accepts DNS names made of letters, digits, '-' and '_'.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			ok := c == '-' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
			if !ok {
				return false
			}
		}
	}
	return true
}

// guardedDialer dials through the egress guard: it resolves the host itself,
// checks every address, then connects to a checked address, never to the
// name, so the address checked is the address connected to.
type guardedDialer struct {
	egress *Egress
	// resolver is net.DefaultResolver and dial a net.Dialer's DialContext;
	// tests put a DNS and a network of their own here.
	resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// minDialShare is the least time given to one address when a name resolves
// to several (as net.Dialer does).
const minDialShare = 2 * time.Second

func (g *guardedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if g.egress.CheckHost(host) {
		return g.dial(ctx, network, addr)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
		host = ""
	} else {
		lookup := "ip"
		switch network {
		case "tcp4":
			lookup = "ip4"
		case "tcp6":
			lookup = "ip6"
		}
		ips, err = g.resolver.LookupNetIP(ctx, lookup, host)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", network, err)
		}
		for i, ip := range ips {
			ips[i] = ip.Unmap() // the resolver gives IPv4 in IPv6 form
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("dial %s: lookup %s: no addresses", network, host)
		}
	}
	// Refuse the whole name when any of its addresses is forbidden: a name
	// that mixes public and internal addresses is not one to trust.
	for _, ip := range ips {
		if err := g.egress.check(host, ip); err != nil {
			return nil, err
		}
	}
	var first error
	for i, ip := range ips {
		dctx := ctx
		cancel := context.CancelFunc(func() {})
		if left := len(ips) - i; left > 1 {
			if dl, ok := ctx.Deadline(); ok {
				share := time.Until(dl) / time.Duration(left)
				if share < minDialShare {
					share = minDialShare
				}
				dctx, cancel = context.WithTimeout(ctx, share)
			}
		}
		conn, err := g.dial(dctx, network, net.JoinHostPort(ip.String(), port))
		cancel()
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}
