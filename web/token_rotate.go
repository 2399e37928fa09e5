package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/triggers"
)

// The admin token can be replaced while servers run: by POST
// /api/v1/token/rotate or by `hookflow token rotate` on the database. Only
// the new token's hash is stored; every server follows the stored hash, so
// the old token stops working on every replica, and the editor sessions
// made with it end (each session remembers the hash it was made with).

// adminHashRefresh is how stale this server's copy of the stored hash may
// get: the delay before a rotation made elsewhere takes effect here, and
// the interval of the store reads that notice it.
const adminHashRefresh = time.Second

// adminHash is the admin token's hash as this server knows it: the stored
// one, read again when the copy is older than adminHashRefresh.
type adminHash struct {
	store store.Store
	log   *slog.Logger

	mu     sync.Mutex
	hash   string
	readAt time.Time
}

func newAdminHash(st store.Store, log *slog.Logger, hash string, now time.Time) *adminHash {
	return &adminHash{store: st, log: log, hash: hash, readAt: now}
}

// get returns the current hash. A failed read keeps the copy for another
// interval: the admin API stays usable through a store outage, and no
// rotation can be stored during one.
func (a *adminHash) get(ctx context.Context, now time.Time) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if age := now.Sub(a.readAt); age >= 0 && age < adminHashRefresh {
		return a.hash
	}
	a.readAt = now
	// The read outlives a caller that goes away: the next one needs it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	h, err := a.store.SettingGet(rctx, AdminTokenSetting)
	switch {
	case err == nil:
		a.hash = h
	case !errors.Is(err, store.ErrNotFound):
		a.log.Warn("admin auth: read the admin token hash", "err", err)
	}
	return a.hash
}

// set records a hash this server has just stored.
func (a *adminHash) set(hash string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hash, a.readAt = hash, now
}

// RotateAdminToken replaces the admin token with a new random one, stores
// only its hash, and returns the token, to be shown once. Servers on the
// store stop taking the old token within a second. A server started with
// HOOKFLOW_ADMIN_TOKEN stores that token again at its next start.
func RotateAdminToken(ctx context.Context, s store.Store) (token string, err error) {
	token, _, err = rotateAdminToken(ctx, s)
	return token, err
}

func rotateAdminToken(ctx context.Context, s store.Store) (token, hash string, err error) {
	token, hash, err = newAdminToken()
	if err != nil {
		return "", "", err
	}
	if err := s.SettingPut(ctx, AdminTokenSetting, hash); err != nil {
		return "", "", fmt.Errorf("store admin token hash: %w", err)
	}
	return token, hash, nil
}

// rotateToken replaces the admin token and answers the new one, this once:
// POST /api/v1/token/rotate. Every session ends, the caller's too.
func (s *Server) rotateToken(c *gin.Context) {
	token, hash, err := rotateAdminToken(c.Request.Context(), s.store)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.adminHash.set(hash, s.now())
	s.log.Info("admin token rotated", "client", triggers.ClientIP(c.Request, s.cfg.TrustedProxies).String())
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusOK, gin.H{
		"token": token,
		"note": "shown this once; the old token and every editor session made with it no longer work. " +
			"A server started with HOOKFLOW_ADMIN_TOKEN sets that token again when it starts: change the variable too.",
	})
}
