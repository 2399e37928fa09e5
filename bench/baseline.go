package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
)

// Baseline is the same load against a bare server: a gin handler that
// reads the body and decodes it with json.Unmarshal, storing nothing. It
// is what Hookflow's accept path is compared with, in the same run, on the
// same machine.
type Baseline struct {
	AcceptedPerS float64 `json:"accepted_per_s"`
	AcceptP50MS  float64 `json:"accept_p50_ms"`
	AcceptP99MS  float64 `json:"accept_p99_ms"`
	// ServerCPUS is the bare server's CPU time during the load.
	ServerCPUS *float64 `json:"server_cpu_s"`
	// StealPct is the machine's steal time during the load (see
	// Result.StealPct).
	StealPct *float64 `json:"steal_pct,omitempty"`
}

// baselinePath is the bare server's webhook route.
const baselinePath = "/hook"

// BaselineHandler is the bare server: POST /hook reads the body, decodes
// it with json.Unmarshal and answers 202 (400 for bad JSON); GET /readyz
// answers 200.
func BaselineHandler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/readyz", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.POST(baselinePath, func(c *gin.Context) {
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		c.JSON(http.StatusAccepted, gin.H{"ok": true})
	})
	return r
}

// ServeBaseline serves BaselineHandler on addr until ctx ends.
func ServeBaseline(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("baseline server: %w", err)
	}
	srv := &http.Server{Handler: BaselineHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("baseline server: %w", err)
	}
	return nil
}

// runBaseline starts the bare server as a child process (this binary's
// `bench baseline-server`), drives the run's load against it for the same
// duration and connections, and stops it.
func (r *run) runBaseline(ctx context.Context) (*Baseline, error) {
	log, err := os.CreateTemp("", "hookflow-bench-baseline-*.log")
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	defer os.Remove(log.Name())
	defer log.Close()
	srv, err := StartServer(ctx, ServerConfig{Executable: r.cfg.Executable, Baseline: true, Log: log})
	if err != nil {
		return nil, fmt.Errorf("start the baseline server: %w", err)
	}
	defer func() { _ = srv.Stop(5 * time.Second) }()
	tgt, err := newTarget(srv.URL+baselinePath, r.cfg.Payload)
	if err != nil {
		return nil, err
	}
	r.progress("baseline: bare gin + json.Unmarshal, %d connections for %v", r.cfg.Connections, r.cfg.Duration)
	cpu0, _ := srv.Stats()
	steal := measureSteal()
	l := newLoad(tgt, NewLedger(), r.cfg.Connections, r.cfg.RequestTimeout)
	d := l.run(ctx, r.cfg.Duration)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	b := &Baseline{
		AcceptedPerS: rate(l.accepted.Load(), d),
		AcceptP50MS:  ms(l.latency.Quantile(0.50)),
		AcceptP99MS:  ms(l.latency.Quantile(0.99)),
	}
	if cpu1, err := srv.Stats(); err == nil {
		b.ServerCPUS = ptr(math.Round((cpu1.CPU-cpu0.CPU).Seconds()*100) / 100)
	}
	b.StealPct = steal()
	if l.accepted.Load() == 0 {
		return nil, fmt.Errorf("baseline: no request was accepted (%v)", l.errorCounts())
	}
	return b, nil
}
