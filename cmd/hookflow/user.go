package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/web"
)

func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the users who log in to the editor and the API: add, list, rm, passwd",
		Long: `Users log in with their email and password and act with their role:
viewer (reads workflows, runs, storage), editor (also changes workflows,
runs, replays, storage), admin (also users, secrets, tokens, settings and
the audit log). Passwords are read from stdin and stored as argon2id
hashes. The admin token stays the owner of the server, with the admin role.`,
	}
	cmd.AddCommand(newUserAddCmd(), newUserListCmd(), newUserRmCmd(), newUserPasswdCmd())
	return cmd
}

// readPassword reads a new password from stdin, prompting on a terminal.
func readPassword(cmd *cobra.Command, email string) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "Enter the password of %s, then Ctrl-D:\n", email)
		}
	}
	pw, err := readSecretValue(in)
	if err != nil {
		return "", fmt.Errorf("password: %w", err)
	}
	if err := web.CheckPassword(pw); err != nil {
		return "", err
	}
	return pw, nil
}

// auditCLI records a change made on the command line in the audit log.
func auditCLI(ctx context.Context, st store.Store, action, target string, detail map[string]any) error {
	e := store.AuditEntry{
		ID: uuid.Must(uuid.NewV7()).String(), At: time.Now().UTC(), Actor: "command line", Via: "cli", Client: "local",
		Action: action, Target: target,
	}
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		e.Detail = string(b)
	}
	return st.AuditInsert(ctx, e)
}

// userByEmail finds a user, saying so in plain words where there is none.
func userByEmail(ctx context.Context, st store.Store, email string) (store.User, error) {
	u, err := st.UserGetByEmail(ctx, normalizeEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("no user %s (see hookflow user list)", email)
	}
	return u, err
}

func normalizeEmail(e string) string {
	return web.NormalizeEmail(e)
}

func newUserAddCmd() *cobra.Command {
	var (
		c    config
		role string
	)
	cmd := &cobra.Command{
		Use:   "add EMAIL --role viewer|editor|admin",
		Short: "Add a user; the password is read from stdin (one trailing newline is dropped)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd, args[0])
			if err != nil {
				return err
			}
			st, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := web.AddUser(cmd.Context(), st, args[0], role, pw, time.Now())
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("a user %s exists: hookflow user passwd changes the password", args[0])
			}
			if err != nil {
				return err
			}
			if err := auditCLI(cmd.Context(), st, "user.create", u.ID, map[string]any{"email": u.Email, "role": u.Role}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s added with the %s role\n", u.Email, u.Role)
			return nil
		},
	}
	c.addDBFlag(cmd)
	cmd.Flags().StringVar(&role, "role", "viewer", "viewer, editor or admin")
	return cmd
}

func newUserListCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users: email, role, when added",
		Args:  cobra.NoArgs,
		RunE: c.withExistingStore(func(cmd *cobra.Command, _ []string, st store.Store) error {
			users, err := st.UserList(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, u := range users {
				fmt.Fprintf(out, "%s\t%s\tadded %s\n", u.Email, u.Role, u.CreatedAt.UTC().Format(time.RFC3339))
			}
			return nil
		}),
	}
	c.addDBFlag(cmd)
	return cmd
}

func newUserRmCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:     "rm EMAIL",
		Aliases: []string{"delete"},
		Short:   "Remove a user, with their sessions and API tokens",
		Args:    cobra.ExactArgs(1),
		RunE: c.withExistingStore(func(cmd *cobra.Command, args []string, st store.Store) error {
			u, err := userByEmail(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			if err := st.UserDelete(cmd.Context(), u.ID); err != nil {
				return err
			}
			if err := auditCLI(cmd.Context(), st, "user.delete", u.ID, map[string]any{"email": u.Email}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s removed\n", u.Email)
			return nil
		}),
	}
	c.addDBFlag(cmd)
	return cmd
}

func newUserPasswdCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set a user's password from stdin; their sessions end",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd, args[0])
			if err != nil {
				return err
			}
			st, err := c.openExistingStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := userByEmail(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			if _, err := web.UpdateUser(cmd.Context(), st, u.ID, "", pw, time.Now()); err != nil {
				return err
			}
			if err := auditCLI(cmd.Context(), st, "user.update", u.ID, map[string]any{"email": u.Email, "password_changed": true}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed; their sessions have ended\n", u.Email)
			return nil
		},
	}
	c.addDBFlag(cmd)
	return cmd
}
