package web

import (
	"net/netip"
	"time"
)

// SetClock sets the clock of a server's sessions, admin token and auth
// limits; call it before the server takes requests.
func SetClock(s *Server, now func() time.Time) {
	s.now = now
	s.adminHash.set(s.adminHash.hash, now())
}

// SetAuthLimitEntries sets how many client addresses the auth limit
// remembers; call it before the server takes requests.
func SetAuthLimitEntries(s *Server, n int) { s.authFails = newAuthFailures[netip.Prefix](n) }

// AuthLimitEntries is how many client addresses the auth limit holds.
func AuthLimitEntries(s *Server) int { return s.authFails.len() }
