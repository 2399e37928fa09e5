package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/web"
)

// DefaultMaxInflightBytes is serve's default --max-inflight-bytes.
const DefaultMaxInflightBytes = 24 << 20

func newServeCmd() *cobra.Command {
	var c config
	var limits exprLimits
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server: trigger URLs, workers, admin API",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, &c, &limits)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "listen address (env HOOKFLOW_ADDR)")
	c.addDBFlag(cmd)
	f.IntVar(&c.Workers, "workers", int(envInt("WORKERS", 128)), "runs executed at once (env HOOKFLOW_WORKERS)")
	f.StringVar(&c.BaseURL, "base-url", env("BASE_URL", ""), "public URL trigger URLs are built on (env HOOKFLOW_BASE_URL)")
	f.StringVar(&c.EditorURL, "editor-url", env("EDITOR_URL", ""),
		"serve the editor and admin API only on this URL's host name, trigger URLs only on others (env HOOKFLOW_EDITOR_URL)")
	c.addEgressFlag(cmd)
	c.addAppsFlag(cmd)
	f.StringVar(&c.TLSCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file (env HOOKFLOW_TLS_CERT)")
	f.StringVar(&c.TLSKey, "tls-key", env("TLS_KEY", ""), "TLS key file (env HOOKFLOW_TLS_KEY)")
	f.Int64Var(&c.MaxBody, "max-body", envInt("MAX_BODY", triggers.DefaultMaxBody), "largest webhook body in bytes (env HOOKFLOW_MAX_BODY)")
	f.Int64Var(&c.MaxInflightBytes, "max-inflight-bytes", envInt("MAX_INFLIGHT_BYTES", DefaultMaxInflightBytes),
		"bytes that bodies being accepted and runs in workers may hold in memory, 0 for no bound; requests over it wait, then get 503 (env HOOKFLOW_MAX_INFLIGHT_BYTES)")
	f.BoolVar(&c.RequireHTTPS, "require-https", envBool("REQUIRE_HTTPS"), "refuse outbound webhooks to plain http:// URLs (env HOOKFLOW_REQUIRE_HTTPS)")
	f.StringVar(&c.TrustedProxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "proxies (IPs, CIDRs) whose X-Forwarded-For names the caller (env HOOKFLOW_TRUSTED_PROXIES)")
	f.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (env HOOKFLOW_LOG_LEVEL)")
	f.DurationVar(&c.Retention, "retention", envDuration("RETENTION", 720*time.Hour),
		"keep finished runs and their events this long, 0 for ever; also the idempotency dedup window (env HOOKFLOW_RETENTION)")
	f.DurationVar(&c.AuditRetention, "audit-retention", envDuration("AUDIT_RETENTION", engine.DefaultAuditRetention),
		"keep audit log entries this long, 0 for ever (env HOOKFLOW_AUDIT_RETENTION)")
	limits.addExprFlags(cmd)
	c.addConnFlags(cmd)
	c.addOTLPFlag(cmd)
	c.addReplicaFlag(cmd)
	c.addPauseFlags(cmd)
	c.AdminToken = env("ADMIN_TOKEN", "")
	return cmd
}

func serve(cmd *cobra.Command, c *config, limits *exprLimits) error {
	ctx := cmd.Context()
	log, err := c.logger()
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile()
	if err != nil {
		return err
	}
	defer stopProfile()
	stopMemProfile, err := startMemProfile(ctx, log)
	if err != nil {
		return err
	}
	defer stopMemProfile()
	if c.Workers < 1 {
		return fmt.Errorf("--workers must be at least 1, got %d", c.Workers)
	}
	if c.MaxBody < 1 {
		return fmt.Errorf("--max-body must be positive, got %d", c.MaxBody)
	}
	if c.MaxInflightBytes < 0 {
		return fmt.Errorf("--max-inflight-bytes must be 0 (no bound) or positive, got %d", c.MaxInflightBytes)
	}
	if c.MaxInflightBytes > 0 && c.MaxInflightBytes < engine.RunCost(c.MaxBody) {
		log.Warn("--max-inflight-bytes is under what one body of --max-body counts: such a body is accepted alone",
			"max_inflight_bytes", c.MaxInflightBytes, "one_max_body", engine.RunCost(c.MaxBody))
	}
	if err := c.checkConnFlags(); err != nil {
		return err
	}
	if err := c.checkPauseFlags(); err != nil {
		return err
	}
	tlsConfig, err := c.loadTLS()
	if err != nil {
		return err
	}
	if err := limits.apply(c.MaxBody, log); err != nil {
		return err
	}
	if err := c.loadApps(log); err != nil {
		return err
	}
	if c.AdminToken != "" {
		if err := web.CheckAdminToken(c.AdminToken); err != nil {
			return err
		}
	}
	if c.Retention < 0 {
		return fmt.Errorf("--retention must be 0 (keep for ever) or positive, got %s", c.Retention)
	}
	if c.AuditRetention < 0 {
		return fmt.Errorf("--audit-retention must be 0 (keep for ever) or positive, got %s", c.AuditRetention)
	}
	if c.EditorURL != "" {
		if err := web.CheckEditorURL(c.EditorURL, c.BaseURL); err != nil {
			return err
		}
	}
	egress, err := actions.ParseEgressAllow(c.EgressAllow)
	if err != nil {
		return fmt.Errorf("--egress-allow: %w", err)
	}
	proxies, err := triggers.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", c.Addr, err)
	}
	defer ln.Close()
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	freeStartup() // after the migrations, before any load
	gcCtx, stopGC := context.WithCancel(ctx)
	defer stopGC()
	tuneGC(gcCtx)
	c.warnReadableDB(log)
	if c.AdminToken == "" && isPostgresURL(c.DB) {
		// Replicas starting together would each generate their own token.
		if _, err := st.SettingGet(ctx, web.AdminTokenSetting); err != nil {
			return errors.New("with a PostgreSQL database, set HOOKFLOW_ADMIN_TOKEN (the same on every replica)")
		}
	}
	hash, token, generated, err := web.AdminToken(ctx, st, c.AdminToken)
	if err != nil {
		return err
	}
	vault, err := openVault(ctx, st, c.DB, true)
	if err != nil {
		return err
	}
	reg := web.NewRegistry()
	tp, err := c.newTracerProvider(ctx)
	if err != nil {
		return err
	}
	var tracer trace.TracerProvider // nil: off
	if tp != nil {
		tracer = tp
		defer func() {
			// Last, after the engine's spans ended: flush them.
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tp.Shutdown(sctx); err != nil {
				log.Warn("flush traces", "err", err)
			}
		}()
		log.Info("exporting traces over OTLP/HTTP")
	}
	// Resume URLs are made on the public URL (the listener's without one).
	resumeBase := c.BaseURL
	if resumeBase == "" {
		resumeBase = "http://" + displayAddr(ln.Addr().String())
		if tlsConfig != nil {
			resumeBase = "https://" + displayAddr(ln.Addr().String())
		}
	}
	eng, err := engine.New(engine.Config{
		BaseURL: resumeBase,
		Metrics: engine.NewMetrics(reg),
		Store:   st,
		Sender:  actions.NewSender(actions.Config{Egress: egress, RequireHTTPS: c.RequireHTTPS, Tokens: vault, Tracer: tracer}),
		Workers: c.Workers,
		Logger:  log,
		// Secrets: the vault's cache, refreshed every few seconds.
		Secrets:        vault.All,
		Retention:      c.Retention,
		AuditRetention: auditRetention(c.AuditRetention),
		Tracer:         tracer,
		// Bodies read at accept and runs in workers.
		MaxInflightBytes: c.MaxInflightBytes,
		PauseAfter:       c.pauseAfter(),
		PauseCooldown:    c.pauseCooldown(),
	})
	if err != nil {
		return err
	}
	// A SQLite file belongs to this host, so a run leased to a process of
	// this host that is gone can be taken back at once. With PostgreSQL,
	// replicas on other hosts (or in other pid namespaces) share the runs:
	// theirs are left to their leases.
	if !isPostgresURL(c.DB) {
		if _, err := eng.ReleaseDeadLeases(ctx); err != nil {
			return err
		}
	}
	if err := eng.Start(); err != nil {
		return err
	}
	cronCtx, stopCron := context.WithCancel(context.Background())
	defer stopCron()
	go triggers.NewCron(triggers.CronConfig{Engine: eng, Logger: log}).Run(cronCtx)
	// Broker consumers and polls: one per enabled workflow, on every replica.
	replica, err := c.replicaID(ctx, st, ln.Addr())
	if err != nil {
		return err
	}
	consumers := triggers.NewConsumers(triggers.ConsumersConfig{Engine: eng, Logger: log, Replica: replica})
	reg.MustRegister(consumers) // hookflow_trigger_connected, hookflow_trigger_state
	consumersDone := make(chan struct{})
	go func() {
		defer close(consumersDone)
		consumers.Run(cronCtx)
	}()
	srv := &http.Server{
		Handler: web.New(web.Config{
			Engine: eng, AdminTokenHash: hash, BaseURL: c.BaseURL, EditorURL: c.EditorURL, MaxBody: c.MaxBody, Logger: log,
			TrustedProxies: proxies, Registry: reg, Secrets: vault,
			Consumers: consumers,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ConnContext:       triggers.ConnContext, // 202s written as soon as durable
		TLSConfig:         tlsConfig,
	}
	conns := c.limitConns(ln, srv, proxies, reg, log)
	base := c.BaseURL
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	if base == "" {
		base = scheme + "://" + displayAddr(ln.Addr().String())
	}
	admin := base // where the editor and the admin API answer
	if c.EditorURL != "" {
		admin = strings.TrimRight(c.EditorURL, "/")
	}
	log.Info("hookflow listening", "addr", ln.Addr().String(), "url", base, "editor", admin, "db", c.displayDB(), "workers", c.Workers, "egress", egress.String(), "retention", c.Retention.String())
	out := cmd.ErrOrStderr()
	fmt.Fprintf(out, "Hookflow is listening on %s\n", base)
	if generated {
		fmt.Fprintf(out, "\nAn admin token was generated. It is shown this once; only its hash is stored.\n")
		fmt.Fprintf(out, "  Admin token: %s\n", token)
		fmt.Fprintf(out, "  Log in:      %s/#token=%s\n", admin, token)
		fmt.Fprintf(out, "  API:         curl -H 'Authorization: Bearer %s' %s/api/v1/workflows\n\n", token, admin)
	} else if c.AdminToken == "" {
		fmt.Fprintf(out, "Admin API: use the admin token printed at the first start (lost: hookflow token rotate makes a new one; or set HOOKFLOW_ADMIN_TOKEN).\n")
	}
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(conns, "", "") // the certificate is in srv.TLSConfig
		} else {
			errc <- srv.Serve(conns)
		}
	}()
	select {
	case err := <-errc:
		_ = eng.Shutdown(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing runs in flight")
	stopCron()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	// Consumers stop before the engine: a message they are accepting is
	// stored (and acknowledged) or left to its broker, never half done.
	select {
	case <-consumersDone:
	case <-sctx.Done():
	}
	if err := eng.Shutdown(sctx); err != nil {
		log.Error("engine shutdown", "err", err)
	}
	log.Info("stopped")
	return nil
}

// loadTLS loads --tls-cert and --tls-key, so that a missing or bad file
// stops serve before it says it listens; nil without them.
func (c *config) loadTLS() (*tls.Config, error) {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if c.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", c.TLSCert, c.TLSKey, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.HasPrefix(host, "[::") {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// auditRetention is --audit-retention as the engine takes it: its "for
// ever" is negative, the flag's 0.
func auditRetention(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
