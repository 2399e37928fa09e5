package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store"
)

// openVault opens the secrets vault of database db on st. The key is
// HOOKFLOW_SECRET_KEY or the key file beside a SQLite database, made on
// first use where create is set and no secret is stored yet (a lost key
// file is reported, not silently replaced). Every stored secret must
// decrypt with it: a wrong key stops here, naming the secret, rather than
// failing runs later.
func openVault(ctx context.Context, st store.Store, db string, create bool) (*secrets.Vault, error) {
	recs, err := st.SecretList(ctx)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	key, err := secrets.LoadKey(os.Getenv(secrets.KeyEnv), db, create && len(recs) == 0)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	v, err := secrets.New(st, key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if _, err := v.All(ctx); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return v, nil
}

// runSecrets is `hookflow run`'s secrets: those of the database in c.DB when
// it exists (a missing default database means no secrets; a missing
// database named by --db is an error).
func runSecrets(cmd *cobra.Command, c *config) (func(context.Context) (map[string]any, error), func(), error) {
	none := func() {}
	if c.missingSQLite() {
		if cmd.Flags().Changed("db") {
			return nil, none, fmt.Errorf("--db %s: no such database", c.DB)
		}
		return nil, none, nil
	}
	st, err := c.openStore(cmd.Context())
	if err != nil {
		return nil, none, err
	}
	closeStore := func() { st.Close() }
	if recs, err := st.SecretList(cmd.Context()); err != nil || len(recs) == 0 {
		return nil, closeStore, err
	}
	v, err := openVault(cmd.Context(), st, c.DB, false)
	if err != nil {
		return nil, closeStore, err
	}
	return v.All, closeStore, nil
}

func newSecretCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Manage named secrets (secrets.NAME in expressions): set, list, rm",
		Long: `Secrets are write-only: set reads the value from stdin, list shows names only.
Values are encrypted at rest with HOOKFLOW_SECRET_KEY (32 bytes, base64 or hex)
or, without it, with the key file created beside the SQLite database
(<db>.key). Keep that key: without it the secrets cannot be read back.`,
	}
	cmd.AddCommand(newSecretSetCmd(), newSecretListCmd(), newSecretRmCmd())
	return cmd
}

func newSecretSetCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Set a secret from stdin (one trailing newline is dropped)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := secrets.ValidName(name); err != nil {
				return err
			}
			in := cmd.InOrStdin()
			if f, ok := in.(*os.File); ok {
				if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "Enter the value of %s, then Ctrl-D:\n", name)
				}
			}
			value, err := readSecretValue(in)
			if err != nil {
				return err
			}
			st, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			v, err := openVault(cmd.Context(), st, c.DB, true)
			if err != nil {
				return err
			}
			if err := v.Set(cmd.Context(), name, value); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "secret %s set\n", name)
			return nil
		},
	}
	c.addDBFlag(cmd)
	return cmd
}

// readSecretValue reads a value from r: all of it, less one trailing
// newline (echo and editors add one).
func readSecretValue(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, secrets.MaxValueSize+3))
	if err != nil {
		return "", fmt.Errorf("read the value from stdin: %w", err)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	switch {
	case len(b) == 0:
		return "", errors.New("no value on stdin: e.g. printf %s \"$TOKEN\" | hookflow secret set NAME")
	case len(b) > secrets.MaxValueSize:
		return "", fmt.Errorf("the value is over %d bytes", secrets.MaxValueSize)
	}
	return string(b), nil
}

func newSecretListCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List secrets by name (values are never shown)",
		Args:  cobra.NoArgs,
		RunE: c.withExistingStore(func(cmd *cobra.Command, _ []string, st store.Store) error {
			recs, err := st.SecretList(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, r := range recs {
				fmt.Fprintf(out, "%s\tupdated %s\n", r.Name, r.UpdatedAt.UTC().Format(time.RFC3339))
			}
			return nil
		}),
	}
	c.addDBFlag(cmd)
	return cmd
}

func newSecretRmCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"delete"},
		Short:   "Delete a secret",
		Args:    cobra.ExactArgs(1),
		RunE: c.withExistingStore(func(cmd *cobra.Command, args []string, st store.Store) error {
			if err := st.SecretDelete(cmd.Context(), args[0]); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no secret %s", args[0])
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "secret %s deleted\n", args[0])
			return nil
		}),
	}
	c.addDBFlag(cmd)
	return cmd
}
