package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
)

// destinationView is a destination of outbound calls as the API shows it.
type destinationView struct {
	// ID names the destination in URLs: "https-api.example.com-443".
	ID                  string     `json:"id"`
	Key                 string     `json:"key"`
	State               string     `json:"state"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	LastError           string     `json:"last_error,omitempty"`
	LastFailureAt       *time.Time `json:"last_failure_at,omitempty"`
	PausedUntil         *time.Time `json:"paused_until,omitempty"`
	Cooldown            string     `json:"cooldown,omitempty"`
	RunsWaiting         int        `json:"runs_waiting"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

func viewDestination(d engine.Destination) destinationView {
	v := destinationView{ID: destinationID(d.Key), Key: d.Key, State: d.State, ConsecutiveFailures: d.ConsecutiveFailures,
		LastError: d.LastError, RunsWaiting: d.RunsWaiting, UpdatedAt: d.UpdatedAt}
	if !d.LastFailureAt.IsZero() {
		v.LastFailureAt = &d.LastFailureAt
	}
	if !d.PausedUntil.IsZero() && d.State != store.DestinationOpen {
		v.PausedUntil = &d.PausedUntil
	}
	if d.Cooldown > 0 {
		v.Cooldown = d.Cooldown.String()
	}
	return v
}

// destinationID is a destination's key as one URL path segment:
// "https://api.example.com:443" is "https-api.example.com-443".
func destinationID(key string) string {
	scheme, rest, ok := strings.Cut(key, "://")
	i := strings.LastIndex(rest, ":")
	if !ok || i < 0 {
		return key
	}
	return scheme + "-" + rest[:i] + "-" + rest[i+1:]
}

// destinationKey is the key a path segment names: an id
// (destinationID), or a key itself.
func destinationKey(seg string) string {
	if strings.Contains(seg, "://") {
		return seg
	}
	first, last := strings.Index(seg, "-"), strings.LastIndex(seg, "-")
	if first < 0 || last <= first {
		return seg
	}
	return seg[:first] + "://" + seg[first+1:last] + ":" + seg[last+1:]
}

func (s *Server) listDestinations(c *gin.Context) {
	all, err := s.engine.Destinations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]destinationView, 0, len(all))
	for _, d := range all {
		out = append(out, viewDestination(d))
	}
	writeJSON(c, http.StatusOK, gin.H{"destinations": out})
}

// resumeDestination opens a paused destination now and makes the runs
// waiting on it due, oldest first.
func (s *Server) resumeDestination(c *gin.Context) {
	key := destinationKey(c.Param("key"))
	d, n, err := s.engine.ResumeDestination(c.Request.Context(), key)
	if errors.Is(err, store.ErrNotFound) {
		abort(c, http.StatusNotFound, "not_found", "no destination "+key)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	noteAudit(c, key, map[string]any{"runs_resumed": n})
	writeJSON(c, http.StatusOK, gin.H{"destination": viewDestination(d), "runs_resumed": n})
}
