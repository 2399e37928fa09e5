package web

import (
	"container/list"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/hookflow/hookflow/triggers"
)

// Failed admin logins and wrong bearer tokens are limited per client
// address with a token bucket: authFailBurst failures at once, then one
// more each authFailEvery (10 a minute). A person who mistypes the token
// a few times does not meet the limit; a guesser gets 14,400 tries a day
// from one address instead of thousands a second. Only failures take from
// the bucket: an address past the limit is answered 429 before its token
// is looked at, so a right token and a wrong one get the same answer there.
const (
	authFailBurst = 10
	authFailEvery = 6 * time.Second
	// authLimitEntries caps the addresses remembered (about 3 MB at
	// most); past it the one whose last failure is oldest is forgotten.
	authLimitEntries = 10_000
)

// authFailures counts failed authentications per key (a client address,
// or an account for password logins), least recently failed first out
// when full.
type authFailures[K comparable] struct {
	mu      sync.Mutex
	max     int
	entries map[K]*list.Element // of *authFailEntry[K]
	order   *list.List          // front: the latest failure
}

type authFailEntry[K comparable] struct {
	key K
	lim *rate.Limiter
	// warnedAt is when reaching the limit was last logged: once a
	// minute at most, whatever a guesser keeps doing.
	warnedAt time.Time
}

func newAuthFailures[K comparable](max int) *authFailures[K] {
	return &authFailures[K]{max: max, entries: make(map[K]*list.Element), order: list.New()}
}

// authKey is the network a client is limited by: its IPv4 address, or the
// /64 of an IPv6 one, since a single host commonly holds a whole /64 and
// could otherwise take a new address for every try. A request without a
// readable address gets the zero prefix, shared by all such requests.
func authKey(a netip.Addr) netip.Prefix {
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// blocked reports how long key must wait before its next attempt; zero
// when it may try now.
func (f *authFailures[K]) blocked(key K, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	el, ok := f.entries[key]
	if !ok {
		return 0
	}
	tokens := el.Value.(*authFailEntry[K]).lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) * float64(authFailEvery))
}

// fail counts a failure of key and reports whether to log that key has
// reached the limit.
func (f *authFailures[K]) fail(key K, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	el, ok := f.entries[key]
	if ok {
		f.order.MoveToFront(el)
	} else {
		for len(f.entries) >= f.max {
			oldest := f.order.Back()
			f.order.Remove(oldest)
			delete(f.entries, oldest.Value.(*authFailEntry[K]).key)
		}
		e := &authFailEntry[K]{key: key, lim: rate.NewLimiter(rate.Every(authFailEvery), authFailBurst)}
		el = f.order.PushFront(e)
		f.entries[key] = el
	}
	e := el.Value.(*authFailEntry[K])
	// A reservation always succeeds: failures that raced past blocked
	// together all count, pushing the next attempt further out.
	e.lim.ReserveN(now, 1)
	if e.lim.TokensAt(now) >= 1 || now.Sub(e.warnedAt) < time.Minute {
		return false
	}
	e.warnedAt = now
	return true
}

// len is the number of addresses remembered.
func (f *authFailures[K]) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.entries)
}

// tryToken checks a presented admin token under the failure limit. An
// address past the limit is answered 429 before the token is compared, so
// that answer tells nothing about the token; a wrong token is counted
// after the comparison. It returns the matched hash, and whether the
// request was answered.
func (s *Server) tryToken(c *gin.Context, tok string) (hash string, ok, answered bool) {
	key := s.clientKey(c)
	if s.answerBlocked(c, s.authFails.blocked(key, s.now()), "with the admin token from this address") {
		return "", false, true
	}
	hash, ok = s.matchToken(c.Request.Context(), tok)
	if !ok {
		s.addressFailed(c, key)
	}
	return hash, ok, false
}

// clientKey is the key a request's client is limited by.
func (s *Server) clientKey(c *gin.Context) netip.Prefix {
	return authKey(triggers.ClientIP(c.Request, s.cfg.TrustedProxies))
}

// answerBlocked answers 429 with Retry-After where wait is positive, and
// reports whether it did.
func (s *Server) answerBlocked(c *gin.Context, wait time.Duration, what string) bool {
	if wait <= 0 {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", strconv.Itoa(secs))
	abort(c, http.StatusTooManyRequests, "too_many_attempts",
		"too many failed attempts "+what+": try again in "+strconv.Itoa(secs)+" s")
	return true
}

// addressFailed counts a failed authentication of the request's client.
func (s *Server) addressFailed(c *gin.Context, key netip.Prefix) {
	if s.authFails.fail(key, s.now()) {
		s.log.Warn("admin auth: too many failed attempts, address limited", "client", key.String(), "route", c.FullPath())
	}
}
