package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
)

func TestUserCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hookflow.db")
	if _, _, err := hookflow(t, "", "user", "list", "--db", db); err == nil || !strings.Contains(err.Error(), "no such database") {
		t.Errorf("user list on a missing database: %v", err)
	}
	out, _, err := hookflow(t, "correct-horse-1\n", "user", "add", "Ann@Example.com", "--role", "editor", "--db", db)
	if err != nil || !strings.Contains(out, "ann@example.com added with the editor role") {
		t.Fatalf("user add = %q, %v", out, err)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"correct-horse-1\n", []string{"user", "add", "ann@example.com", "--role", "viewer"}, "exists"},
		{"short\n", []string{"user", "add", "bob@example.com"}, "at least 10"},
		{"", []string{"user", "add", "bob@example.com"}, "no value on stdin"},
		{"correct-horse-1\n", []string{"user", "add", "bob@example.com", "--role", "owner"}, "not one of viewer, editor, admin"},
		{"correct-horse-1\n", []string{"user", "add", "bob"}, "not an email address"},
		{"", []string{"user", "rm", "nobody@example.com"}, "no user nobody@example.com"},
	} {
		_, _, err := hookflow(t, c.stdin, append(c.args, "--db", db)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
	if _, _, err := hookflow(t, "battery-staple-2\n", "user", "add", "bob@example.com", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, _, err = hookflow(t, "", "user", "list", "--db", db)
	if err != nil || !strings.Contains(out, "ann@example.com\teditor\t") || !strings.Contains(out, "bob@example.com\tviewer\t") {
		t.Fatalf("user list = %q, %v", out, err)
	}

	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ann, err := st.UserGetByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SessionCreate(ctx, store.Session{IDHash: "s1", UserID: ann.ID}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, _, err = hookflow(t, "a-new-password-3\n", "user", "passwd", "ann@example.com", "--db", db)
	if err != nil || !strings.Contains(out, "sessions have ended") {
		t.Fatalf("user passwd = %q, %v", out, err)
	}
	out, _, err = hookflow(t, "", "user", "rm", "bob@example.com", "--db", db)
	if err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("user rm = %q, %v", out, err)
	}

	st, err = sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	after, err := st.UserGetByEmail(ctx, "ann@example.com")
	if err != nil || after.PasswordHash == ann.PasswordHash || !strings.HasPrefix(after.PasswordHash, "$argon2id$") {
		t.Errorf("the password hash did not change: %v", err)
	}
	if _, err := st.SessionGet(ctx, "s1"); err == nil {
		t.Error("the session outlived the password change")
	}
	users, _ := st.UserList(ctx)
	if len(users) != 1 {
		t.Errorf("users after rm = %v", users)
	}
	log, err := st.AuditList(ctx, store.AuditListParams{Actor: "command line"})
	if err != nil || len(log) != 4 || log[0].Action != "user.delete" || log[1].Action != "user.update" {
		t.Errorf("audit log = %+v, %v", log, err)
	}
}
