package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/web/connlimit"
)

// Connection limits' defaults.
const (
	// maxConnsCeiling bounds the derived default of --max-conns: past it a
	// flood of connections costs more memory than a webhook server
	// should give it.
	maxConnsCeiling       = 10_000
	defaultMaxConnsPerIP  = 256
	defaultMinBodyRate    = 1024
	defaultMaxHeaderBytes = 64 << 10
	// goHeaderSlack is what http.Server reads past MaxHeaderBytes before
	// it refuses a request's headers; --max-header-bytes includes it.
	goHeaderSlack = 4096
)

// addConnFlags registers the connection limits.
func (c *config) addConnFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&c.MaxConns, "max-conns", int(envInt("MAX_CONNS", 0)),
		"client connections open at once; 0: three quarters of the open-file limit, at most 10000 (env HOOKFLOW_MAX_CONNS)")
	f.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", int(envInt("MAX_CONNS_PER_IP", defaultMaxConnsPerIP)),
		"client connections from one address (IPv6: one /64), --trusted-proxies exempt; 0 for no cap (env HOOKFLOW_MAX_CONNS_PER_IP)")
	f.Int64Var(&c.MinBodyRate, "min-body-rate", envInt("MIN_BODY_RATE", defaultMinBodyRate),
		fmt.Sprintf("slowest a request body may arrive after its first %s, in bytes per second; 0 turns it off (env HOOKFLOW_MIN_BODY_RATE)", connlimit.DefaultBodyGrace))
	f.IntVar(&c.MaxHeaderBytes, "max-header-bytes", int(envInt("MAX_HEADER_BYTES", defaultMaxHeaderBytes)),
		"largest request line and headers in bytes; larger requests get 431 (env HOOKFLOW_MAX_HEADER_BYTES)")
}

// checkConnFlags refuses limits that make no sense.
func (c *config) checkConnFlags() error {
	switch {
	case c.MaxConns < 0:
		return fmt.Errorf("--max-conns must be 0 (from the open-file limit) or positive, got %d", c.MaxConns)
	case c.MaxConnsPerIP < 0:
		return fmt.Errorf("--max-conns-per-ip must be 0 (no cap) or positive, got %d", c.MaxConnsPerIP)
	case c.MinBodyRate < 0:
		return fmt.Errorf("--min-body-rate must be 0 (off) or positive, got %d", c.MinBodyRate)
	case c.MaxHeaderBytes < 2*goHeaderSlack:
		return fmt.Errorf("--max-header-bytes must be at least %d, got %d", 2*goHeaderSlack, c.MaxHeaderBytes)
	}
	return nil
}

// defaultMaxConns leaves a quarter of the open-file limit to everything
// else the server opens (outbound webhooks, the database), within
// maxConnsCeiling; limit 0 is unknown.
func defaultMaxConns(limit uint64) int {
	if limit == 0 {
		return maxConnsCeiling
	}
	return int(max(1, min(limit/4*3, maxConnsCeiling)))
}

// limitConns raises the open-file limit and wraps ln in the connection
// limits, which it installs on srv. It logs the limits in force.
func (c *config) limitConns(ln net.Listener, srv *http.Server, proxies []netip.Prefix, reg prometheus.Registerer, log *slog.Logger) *connlimit.Listener {
	files, from, err := raiseFileLimit()
	switch {
	case err != nil:
		log.Warn("could not raise the open-file limit", "limit", files, "err", err)
	case from != 0:
		log.Info("raised the open-file limit to its hard limit", "from", from, "to", files)
	}
	maxConns := c.MaxConns
	if maxConns == 0 {
		maxConns = defaultMaxConns(files)
	}
	if files != 0 && uint64(maxConns) >= files {
		log.Warn("--max-conns is not below the open-file limit: the server can run out of file descriptors", "max_conns", maxConns, "open_files", files)
	}
	log.Info("connection limits", "open_files", files, "max_conns", maxConns, "max_conns_per_ip", c.MaxConnsPerIP,
		"min_body_rate", c.MinBodyRate, "max_header_bytes", c.MaxHeaderBytes)
	srv.MaxHeaderBytes = c.MaxHeaderBytes - goHeaderSlack
	cl := connlimit.New(ln, connlimit.Config{
		MaxConns: maxConns, MaxPerAddr: c.MaxConnsPerIP, Exempt: proxies, MinBodyRate: c.MinBodyRate,
		Registry: reg, Logger: log,
	})
	cl.Install(srv)
	return cl
}
