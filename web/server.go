package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/triggers"
)

// maxAPIBody bounds admin API request bodies (definitions, test payloads).
const maxAPIBody = 8 << 20

// Config configures the HTTP server.
type Config struct {
	Engine *engine.Engine
	// AdminTokenHash is the hex SHA-256 of the admin token (see AdminToken)
	// at start. The server then follows the stored hash, so that a rotation
	// made elsewhere takes effect (token_rotate.go).
	AdminTokenHash string
	// BaseURL is the public URL trigger URLs are built on; empty: taken from
	// each request's Host.
	BaseURL string
	// EditorURL, when set, is the only origin where the editor, the login
	// and the admin API answer; trigger URLs answer on any other host name
	// but that one (see CheckEditorURL, which it must pass).
	EditorURL string
	// MaxBody limits webhook bodies (default 1 MiB).
	MaxBody int64
	// Registry collects the metrics served at /metrics (nil: a new one
	// with the Go and process collectors).
	Registry *prometheus.Registry
	// Secrets is the vault behind /api/v1/secrets (nil: those routes answer
	// 503). The engine reads the same vault through engine.Config.Secrets.
	Secrets *secrets.Vault
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	// Consumers runs the consumer triggers (brokers, polls): their states
	// are shown by /readyz and the workflow's API, and a change made
	// through the API reloads them (nil: none).
	Consumers *triggers.Consumers
}

// Server is Hookflow's HTTP handler.
type Server struct {
	cfg     Config
	engine  *engine.Engine
	store   store.Store
	log     *slog.Logger
	webhook *triggers.Webhook
	router  *gin.Engine
	// adminHash follows the admin token's stored hash (token_rotate.go).
	adminHash *adminHash
	// authFails limits wrong admin tokens per client (auth_limit.go).
	authFails *authFailures[netip.Prefix]
	// loginFails limits failed password logins per account (principal.go).
	loginFails *authFailures[string]
	// now is the clock of sessions and auth limits.
	now func() time.Time
	// summaries keeps what the workflow list reads of each revision
	// (workflows_page.go).
	summaries *workflowSummaries
}

// New builds the router.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Registry == nil {
		cfg.Registry = NewRegistry()
	}
	metrics := newHTTPMetrics(cfg.Registry)
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, engine: cfg.Engine, store: cfg.Engine.Store(), log: cfg.Logger, now: time.Now, summaries: newWorkflowSummaries()}
	s.adminHash = newAdminHash(s.store, cfg.Logger, cfg.AdminTokenHash, s.now())
	s.authFails = newAuthFailures[netip.Prefix](authLimitEntries)
	s.loginFails = newAuthFailures[string](authLimitEntries)
	s.webhook = triggers.NewWebhook(triggers.WebhookConfig{
		Engine:         cfg.Engine,
		MaxBody:        cfg.MaxBody,
		TrustedProxies: cfg.TrustedProxies,
		Count:          metrics.trigger,
		Logger:         cfg.Logger,
		StatusURL: func(r *http.Request, runID string) string {
			return s.adminURL(r) + "/api/v1/runs/" + runID
		},
	})
	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = false
	r.Use(recovery(cfg.Logger), metrics.middleware, accessLog(cfg.Logger), answerGuard(cfg.Logger))
	if cfg.EditorURL != "" {
		editor, err := parseOrigin(cfg.EditorURL)
		if err != nil {
			panic("web: Config.EditorURL " + cfg.EditorURL + ": " + err.Error() + " (check it with CheckEditorURL)")
		}
		r.Use(editorHostOnly(editor))
	}
	s.registerEditor(r) // "/", "/assets/*file", and 404s (editor.go)

	r.Any("/hooks/:key", func(c *gin.Context) { s.webhook.Serve(c.Writer, c.Request, c.Param("key")) })
	r.Any("/hooks/test/:key", func(c *gin.Context) { s.webhook.ServeTest(c.Writer, c.Request, c.Param("key")) })
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", metricsHandler(cfg.Registry))

	r.POST("/api/v1/session", limitBody, s.login) // the editor's login (session.go)
	r.DELETE("/api/v1/session", s.logout)

	api := r.Group("/api/v1", s.authorize, limitBody, s.reloadConsumers) // who may call what: roles.go
	api.GET("/session", s.sessionInfo)
	api.GET("/openapi.json", s.openAPI)
	api.GET("/workflows", s.listWorkflows)
	api.POST("/workflows", s.createWorkflow)
	api.GET("/workflows/:id", s.getWorkflow)
	api.PUT("/workflows/:id", s.putWorkflow)
	api.DELETE("/workflows/:id", s.deleteWorkflow)
	api.POST("/workflows/:id/enable", s.setEnabled(true))
	api.POST("/workflows/:id/disable", s.setEnabled(false))
	api.POST("/workflows/:id/rotate-key", s.rotateKey)
	api.GET("/workflows/:id/revisions", s.listRevisions)
	api.GET("/workflows/:id/revisions/:rev", s.getRevision)
	api.POST("/workflows/:id/revisions/:rev/rollback", s.rollbackRevision)
	api.GET("/workflows/:id/stats", s.workflowStats)
	api.GET("/workflows/:id/events", s.listEvents)
	api.GET("/workflows/:id/events/next", s.nextEvent)
	api.POST("/workflows/:id/test", s.testWorkflow)
	api.POST("/import", s.importWorkflows)
	api.GET("/export", s.exportWorkflows)
	api.GET("/runs", s.listRuns)
	api.GET("/runs/:id", s.getRun)
	api.POST("/runs/:id/replay", s.replayRun)
	api.POST("/expr", s.evalExpr)
	api.GET("/kinds", s.listKinds)
	api.GET("/templates", s.listTemplates)
	api.GET("/secrets", s.listSecrets)
	api.PUT("/secrets/:name", s.putSecret)
	api.DELETE("/secrets/:name", s.deleteSecret)
	api.POST("/token/rotate", s.rotateToken)
	api.POST("/condition", s.checkCondition)
	api.GET("/schedule/next", s.nextSchedule)
	api.POST("/workflows/:id/runs", s.runNow)
	api.POST("/runs/:id/resume", s.resumeRun)
	api.GET("/runs/:id/waits", s.listWaits)
	api.GET("/storage", s.listStorage)
	api.PUT("/storage", s.putStorage)
	api.DELETE("/storage", s.deleteStorage)
	api.GET("/apps", s.listApps)
	api.GET("/users", s.listUsers)
	api.POST("/users", s.createUser)
	api.PUT("/users/:id", s.updateUser)
	api.DELETE("/users/:id", s.deleteUser)
	api.GET("/tokens", s.listTokens)
	api.POST("/tokens", s.createToken)
	api.DELETE("/tokens/:id", s.deleteToken)
	api.GET("/audit", s.listAudit)
	api.POST("/runs/:id/retry-now", s.retryNow)
	api.POST("/runs/:id/cancel", s.cancelRun)
	api.POST("/replays", s.createReplays)
	api.GET("/replays", s.listReplayJobs)
	api.GET("/replays/:id", s.getReplayJob)
	api.DELETE("/replays/:id", s.deleteReplayJob)
	api.GET("/issues", s.listIssues)
	api.POST("/issues/:id", s.setIssue)
	api.GET("/destinations", s.listDestinations)
	api.POST("/destinations/:key/resume", s.resumeDestination)
	api.GET("/dashboard", s.dashboard)
	api.PUT("/session/password", s.changeOwnPassword)
	r.GET("/hooks/resume/:token", s.resumeHook)
	r.POST("/hooks/resume/:token", s.resumeHook)
	s.router = r
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	inertHooks(w, r)
	s.router.ServeHTTP(w, r)
}

// limitBody caps admin API bodies.
func limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxAPIBody)
	}
	c.Next()
}

// baseURL is the configured public URL or, without one, the request's.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// adminURL is where the admin API answers: the editor's URL where one is
// set, else baseURL.
func (s *Server) adminURL(r *http.Request) string {
	if s.cfg.EditorURL != "" {
		return strings.TrimRight(s.cfg.EditorURL, "/")
	}
	return s.baseURL(r)
}

func (s *Server) healthz(c *gin.Context) { writeJSON(c, http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	if err := s.store.Ping(c.Request.Context()); err != nil {
		s.log.Warn("store not ready", "err", err)
		abort(c, http.StatusServiceUnavailable, "not_ready", "the store is not reachable")
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"status": "ready", "triggers": s.readyTriggers()})
}
