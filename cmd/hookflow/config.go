package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/postgres"
	"github.com/hookflow/hookflow/store/sqlite"
)

// config holds every setting; each flag has an environment twin.
type config struct {
	Addr           string
	DB             string
	Workers        int
	BaseURL        string
	EditorURL      string
	EgressAllow    string
	AdminToken     string
	TLSCert        string
	TLSKey         string
	MaxBody        int64
	TrustedProxies string
	RequireHTTPS   bool
	LogLevel       string
	Retention      time.Duration
	AuditRetention time.Duration
	MaxConns       int
	MaxConnsPerIP  int
	MinBodyRate    int64
	MaxHeaderBytes int
	Apps           string
	OTLPEndpoint   string
	ReplicaID      string

	// MaxInflightBytes bounds the bytes events and runs hold in memory
	// (engine.Budget); 0: no bound.
	MaxInflightBytes int64
	PauseAfter       int           // pause_flags.go
	PauseCooldown    time.Duration // pause_flags.go
}

// env reads a HOOKFLOW_ variable with a fallback.
func env(name, def string) string {
	if v, ok := os.LookupEnv("HOOKFLOW_" + name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int64) int64 {
	v := env(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hookflow: HOOKFLOW_%s=%q is not a number; using %d\n", name, v, def)
		return def
	}
	return n
}

// envDuration reads a HOOKFLOW_ duration ("720h", "30m"); a bad value is
// reported and the fallback used, as envInt does.
func envDuration(name string, def time.Duration) time.Duration {
	v := env(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hookflow: HOOKFLOW_%s=%q is not a duration (e.g. 720h); using %s\n", name, v, def)
		return def
	}
	return d
}

// envBool reads a HOOKFLOW_ boolean (1, true, yes).
func envBool(name string) bool {
	switch strings.ToLower(env(name, "")) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// addDBFlag registers --db.
func (c *config) addDBFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.DB, "db", env("DB", "hookflow.db"), "SQLite file or postgres:// URL (env HOOKFLOW_DB)")
}

// addEgressFlag registers --egress-allow.
func (c *config) addEgressFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.EgressAllow, "egress-allow", env("EGRESS_ALLOW", ""),
		"outbound exceptions to the SSRF guard: IPs, CIDRs, host names, or 'any' (env HOOKFLOW_EGRESS_ALLOW)")
}

// openStore opens the store named by --db.
func (c *config) openStore(ctx context.Context) (store.Store, error) {
	if isPostgresURL(c.DB) {
		s, err := postgres.Open(ctx, c.DB) // migrates under an advisory lock
		if err != nil {
			if plain := plainStoreError(err); plain != nil {
				return nil, plain
			}
			return nil, err // names the URL, password hidden
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, c.DB)
	if err != nil {
		if plain := plainStoreError(err); plain != nil {
			return nil, plain
		}
		return nil, fmt.Errorf("open database %s: %w", c.DB, err)
	}
	return s, nil
}

// warnReadableDB warns when the SQLite file can be read by other users:
// it holds event bodies and headers and the secrets' ciphertext. Hookflow
// creates it 0600; one made by an older version or by hand is left as it
// is, since its owner may have meant it.
func (c *config) warnReadableDB(log *slog.Logger) {
	if isPostgresURL(c.DB) {
		return
	}
	fi, err := os.Stat(c.DB)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("the database file can be read by other users: chmod 600 it (and its -wal and -shm files)",
		"db", c.DB, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
}

// plainStoreError is the part of a store's error that says all a user
// needs, where there is one: a schema newer than this Hookflow, a damaged
// file; nil for any other error.
func plainStoreError(err error) error {
	var newer *store.SchemaTooNewError
	if errors.As(err, &newer) {
		return newer
	}
	var corrupt *sqlite.CorruptError
	if errors.As(err, &corrupt) {
		return corrupt
	}
	return nil
}

// missingSQLite reports whether --db names a SQLite file that does not
// exist (commands that only read must not create one).
func (c *config) missingSQLite() bool {
	if isPostgresURL(c.DB) {
		return false
	}
	_, err := os.Stat(c.DB)
	return err != nil
}

// openExistingStore opens --db, refusing to create a new SQLite file.
func (c *config) openExistingStore(ctx context.Context) (store.Store, error) {
	if c.missingSQLite() {
		return nil, fmt.Errorf("--db %s: no such database", c.DB)
	}
	return c.openStore(ctx)
}

// withExistingStore is a command's RunE that opens --db (refusing to
// create a new SQLite file), runs f with it, and closes it.
func (c *config) withExistingStore(f func(cmd *cobra.Command, args []string, st store.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		st, err := c.openExistingStore(cmd.Context())
		if err != nil {
			return err
		}
		defer st.Close()
		return f(cmd, args, st)
	}
}

// displayDB is --db as it may be logged: a URL's password hidden.
func (c *config) displayDB() string {
	if isPostgresURL(c.DB) {
		return postgres.Redact(c.DB)
	}
	return c.DB
}

// logger builds the process logger.
func (c *config) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})), nil
}
