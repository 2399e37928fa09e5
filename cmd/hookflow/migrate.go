package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/store/postgres"
	"github.com/hookflow/hookflow/store/sqlite"
)

// isPostgresURL reports whether --db names a PostgreSQL database rather
// than a SQLite file.
func isPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// newMigrateCmd is `hookflow migrate`: bring the database to the current
// schema and exit. serve migrates on start as well, under the same
// PostgreSQL advisory lock, so replicas starting together never race; a
// deployment that wants schema changes as a step of its own (before rolling
// the replicas) runs this.
func newMigrateCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database to the current schema (serve also does it on start)",
		Long: "Applies the schema migrations this version needs to --db and exits. On PostgreSQL the\n" +
			"migration holds an advisory lock, so several replicas (or several migrate runs) starting\n" +
			"together apply each migration once; the others wait for it and find nothing left to do.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if !isPostgresURL(c.DB) {
				s, err := sqlite.Open(cmd.Context(), c.DB)
				if err != nil {
					if plain := plainStoreError(err); plain != nil {
						return plain
					}
					return fmt.Errorf("migrate %s: %w", c.DB, err)
				}
				if err := s.Close(); err != nil {
					return fmt.Errorf("migrate %s: %w", c.DB, err)
				}
				fmt.Fprintf(out, "%s: schema is current\n", c.DB)
				return nil
			}
			applied, err := postgres.Migrate(cmd.Context(), c.DB)
			if err != nil {
				if plain := plainStoreError(err); plain != nil {
					return plain
				}
				return err
			}
			switch len(applied) {
			case 0:
				fmt.Fprintf(out, "%s: schema is current\n", postgres.Redact(c.DB))
			default:
				fmt.Fprintf(out, "%s: applied migrations %v; schema is current\n", postgres.Redact(c.DB), applied)
			}
			return nil
		},
	}
	c.addDBFlag(cmd)
	return cmd
}
