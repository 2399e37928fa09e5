package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store/sqlite"
)

// newBackupCmd is `hookflow backup FILE`: a consistent copy of the SQLite
// database, made while the server runs, with the key file its secrets
// need.
func newBackupCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy the SQLite database (and its key file) while the server runs",
		Long: "Writes a consistent copy of --db to FILE, a new file, without stopping the server: the\n" +
			"copy holds every event and run acknowledged before the backup began. The key file beside\n" +
			"the database (<db>.key), which the secrets need, is copied beside FILE (FILE.key). To\n" +
			"restore, stop the server and put both files in place of the database and its key file.\n" +
			"PostgreSQL databases are backed up with pg_dump.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dest := args[0]
			if isPostgresURL(c.DB) {
				return errors.New("backup copies SQLite databases; back PostgreSQL up with pg_dump (see README, Backup)")
			}
			if c.missingSQLite() {
				return fmt.Errorf("--db %s: no such database", c.DB)
			}
			key, err := os.ReadFile(secrets.KeyPath(c.DB))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("read the key file: %w", err)
			}
			if key != nil {
				if _, err := os.Stat(secrets.KeyPath(dest)); err == nil {
					return fmt.Errorf("backup to %s: %s exists; name a new file", dest, secrets.KeyPath(dest))
				}
			}
			if err := sqlite.Backup(cmd.Context(), c.DB, dest); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if key != nil {
				if err := os.WriteFile(secrets.KeyPath(dest), key, 0o600); err != nil {
					return fmt.Errorf("write the key file: %w", err)
				}
				fmt.Fprintf(out, "%s: backed up to %s, with its key file %s\n", c.DB, dest, secrets.KeyPath(dest))
				return nil
			}
			fmt.Fprintf(out, "%s: backed up to %s (no key file beside the database: secrets, if any, are read with HOOKFLOW_SECRET_KEY)\n", c.DB, dest)
			return nil
		},
	}
	c.addDBFlag(cmd)
	return cmd
}
