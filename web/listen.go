package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// "Listen for a test event": the editor waits for the next request a
// workflow's trigger captures and takes it as its sample. The wait polls the
// store (every listenPoll) for an event newer than the newest one when the
// request started, so it sees events accepted by any replica sharing the
// store; a notification channel from the engine would make it instant.

const (
	listenPoll       = 250 * time.Millisecond
	listenDefault    = 30 * time.Second
	listenMax        = 5 * time.Minute
	listenKeepalive  = 15 * time.Second
	listenBatch      = 20
	sseContentType   = "text/event-stream"
	listenTimeoutMsg = "timeout must be a duration such as 30s (at most 5m) or a number of seconds"
)

// nextEvent delivers the next event captured for a workflow: GET
// /api/v1/workflows/{id}/events/next[?timeout=30s]. As a long poll it
// answers 200 {"event": ...} when one arrives, or 204 at the timeout. With
// "Accept: text/event-stream" it answers a server-sent event stream: an
// "event" message with the same JSON, or a "timeout" message, then the
// stream ends.
func (s *Server) nextEvent(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	timeout := listenDefault
	if v := c.Query("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			n, nerr := strconv.ParseFloat(v, 64)
			if nerr != nil {
				abort(c, http.StatusBadRequest, "bad_request", listenTimeoutMsg)
				return
			}
			d = time.Duration(n * float64(time.Second))
		}
		if d <= 0 || d > listenMax {
			abort(c, http.StatusBadRequest, "bad_request", listenTimeoutMsg)
			return
		}
		timeout = d
	}
	if _, err := s.store.WorkflowGet(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	evs, err := s.store.EventListByWorkflow(ctx, id, 1)
	if err != nil {
		s.fail(c, err)
		return
	}
	baseline := ""
	if len(evs) > 0 {
		baseline = evs[0].ID
	}

	sse := strings.Contains(c.GetHeader("Accept"), sseContentType)
	if sse {
		h := c.Writer.Header()
		h.Set("Content-Type", sseContentType)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		c.Status(http.StatusOK)
		_, _ = fmt.Fprint(c.Writer, ": listening\n\n")
		c.Writer.Flush()
	}

	started := s.engine.Now().UTC() // test URL captures after this are new too
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(listenPoll)
	defer tick.Stop()
	keepalive := time.NewTicker(listenKeepalive)
	defer keepalive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			if sse {
				_, _ = fmt.Fprint(c.Writer, "event: timeout\ndata: {}\n\n")
				c.Writer.Flush()
				return
			}
			c.Header("Cache-Control", "no-store")
			c.Status(http.StatusNoContent)
			return
		case <-keepalive.C:
			if sse {
				_, _ = fmt.Fprint(c.Writer, ": keepalive\n\n")
				c.Writer.Flush()
			}
		case <-tick.C:
			ev, ok, err := s.newEvent(c, id, baseline)
			if sample, captured := s.webhook.Samples().After(id, started); captured && err == nil && !ok {
				ev, ok = sample, true
			}
			if err != nil {
				if sse { // headers are sent: end the stream
					s.log.Error("listen for event", "workflow", id, "err", err)
					return
				}
				s.fail(c, err)
				return
			}
			if !ok {
				continue
			}
			event := viewEvent(ev)
			out := gin.H{"event": &event}
			if sse {
				b, err := encodeJSON(out)
				if err != nil {
					event.dropUnencodable()
					b, err = encodeJSON(out)
				}
				if err != nil {
					s.log.Error("listen for event: encode", "workflow", id, "err", err)
					return
				}
				_, _ = fmt.Fprintf(c.Writer, "event: event\ndata: %s\n", b) // b ends with a newline
				c.Writer.Flush()
				return
			}
			c.Header("Cache-Control", "no-store")
			writeView(c, http.StatusOK, out, event.dropUnencodable)
			return
		}
	}
}

// newEvent returns the oldest event of a workflow newer than baseline (the
// newest event's id when listening began; "" when there was none).
func (s *Server) newEvent(c *gin.Context, workflowID, baseline string) (store.Event, bool, error) {
	evs, err := s.store.EventListByWorkflow(c.Request.Context(), workflowID, listenBatch)
	if err != nil {
		return store.Event{}, false, err
	}
	n := 0 // events before baseline in the newest-first list are new
	for n < len(evs) && evs[n].ID != baseline {
		n++
	}
	if n == 0 {
		return store.Event{}, false, nil
	}
	return evs[n-1], true, nil
}
