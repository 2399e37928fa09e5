package triggers

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookflow/hookflow/kinds"
)

// ParseTrustedProxies reads a comma-separated list of proxy addresses or
// CIDRs whose X-Forwarded-For is believed.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q is not an IP address or CIDR", item)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ClientIP is the address of the caller: the peer, or, where the peer is a
// trusted proxy, the rightmost X-Forwarded-For entry that is not one.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !inAny(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		a = a.Unmap()
		if !inAny(a, trusted) {
			return a
		}
	}
	return peer
}

func inAny(a netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// allowedIP reports whether the caller may use the trigger.
func allowedIP(t *kinds.WebhookTrigger, ip netip.Addr) bool {
	return len(t.AllowedNets) == 0 || (ip.IsValid() && inAny(ip, t.AllowedNets))
}

// limiters holds one token bucket per rate-limited workflow.
type limiters struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	conf kinds.RateLimit
	lim  *rate.Limiter
}

// allow takes a token for the workflow; where none is left it returns how
// long until one is.
func (l *limiters) allow(id string, conf *kinds.RateLimit, now time.Time) (bool, time.Duration) {
	if conf == nil {
		return true, 0
	}
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*bucket{}
	}
	b := l.m[id]
	if b == nil || b.conf != *conf {
		burst := conf.Burst
		if burst <= 0 {
			burst = max(1, int(math.Ceil(conf.PerSecond)))
		}
		b = &bucket{conf: *conf, lim: rate.NewLimiter(rate.Limit(conf.PerSecond), burst)}
		l.m[id] = b
	}
	l.mu.Unlock()
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	r := b.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return false, wait
}
