package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store/sqlite"
)

// hookflow runs the command line in-process with stdin and returns what it
// wrote and its error.
func hookflow(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// storedSecrets decrypts the secrets of db with its key file.
func storedSecrets(t *testing.T, db string) map[string]any {
	t.Helper()
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := secrets.LoadKey("", db, false)
	if err != nil {
		t.Fatal(err)
	}
	v, err := secrets.New(st, key)
	if err != nil {
		t.Fatal(err)
	}
	m, err := v.All(context.Background())
	if err != nil {
		t.Fatalf("All: %v", err)
	}
	return m
}

func TestSecretCLI(t *testing.T) {
	t.Setenv(secrets.KeyEnv, "")
	db := filepath.Join(t.TempDir(), "hookflow.db")

	if _, _, err := hookflow(t, "", "secret", "list", "--db", db); err == nil || !strings.Contains(err.Error(), "no such database") {
		t.Errorf("secret list on a missing database: %v, want no such database", err)
	}
	out, _, err := hookflow(t, "tok-value-123\n", "secret", "set", "api", "--db", db)
	if err != nil || !strings.Contains(out, "secret api set") {
		t.Fatalf("secret set api = %q, %v", out, err)
	}
	if _, _, err := hookflow(t, "line one\nline two\r\n", "secret", "set", "multi", "--db", db); err != nil {
		t.Fatalf("secret set multi: %v", err)
	}
	fi, err := os.Stat(secrets.KeyPath(db))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file beside the database: %v, %v; want mode 0600", fi, err)
	}
	if m := storedSecrets(t, db); m["api"] != "tok-value-123" || m["multi"] != "line one\nline two" {
		t.Errorf("stored secrets = %q, want the values less one trailing newline", m)
	}

	out, _, err = hookflow(t, "", "secret", "list", "--db", db)
	if err != nil || !strings.HasPrefix(out, "api\tupdated ") || !strings.Contains(out, "\nmulti\tupdated ") || strings.Contains(out, "tok-value") {
		t.Errorf("secret list = %q, %v; want the names only", out, err)
	}

	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"x1234", []string{"secret", "set", "1bad"}, "invalid secret name"},
		{"", []string{"secret", "set", "empty"}, "no value on stdin"},
		{"\n", []string{"secret", "set", "empty"}, "no value on stdin"},
		{"", []string{"secret", "rm", "nope"}, "no secret nope"},
	} {
		_, _, err := hookflow(t, c.stdin, append(c.args, "--db", db)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v = %v, want an error with %q", c.args, err, c.want)
		}
	}

	if out, _, err := hookflow(t, "", "secret", "rm", "api", "--db", db); err != nil || !strings.Contains(out, "deleted") {
		t.Errorf("secret rm api = %q, %v", out, err)
	}
	if out, _, err := hookflow(t, "", "secret", "list", "--db", db); err != nil || strings.Contains(out, "api") || !strings.Contains(out, "multi") {
		t.Errorf("secret list after rm = %q, %v", out, err)
	}
}

// TestSecretRun: `hookflow run --db` sees the database's secrets and
// prints them redacted.
func TestSecretRun(t *testing.T) {
	t.Setenv(secrets.KeyEnv, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "hookflow.db")
	if _, _, err := hookflow(t, "tok-run-4242", "secret", "set", "api", "--db", db); err != nil {
		t.Fatal(err)
	}
	wf := filepath.Join(dir, "wf.json")
	if err := os.WriteFile(wf, []byte(`{"format": "hookflow/v1", "id": "t", "name": "T", "trigger": {"type": "webhook"},
  "steps": [{"id": "check", "type": "filter", "expr": "secrets.api == 'tok-run-4242'"},
            {"id": "show", "type": "transform", "expr": "{key: secrets.api}"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := hookflow(t, "", "run", wf, "--db", db)
	if err != nil || !strings.Contains(out, "run succeeded") || strings.Contains(out, "tok-run-4242") || !strings.Contains(out, "[redacted]") {
		t.Errorf("run --db = %q, %v; want succeeded with the secret redacted", out, err)
	}
	if _, _, err := hookflow(t, "", "run", wf, "--db", filepath.Join(dir, "none.db")); err == nil || !strings.Contains(err.Error(), "no such database") {
		t.Errorf("run --db missing.db = %v, want no such database", err)
	}
}

// TestSecretWrongKey: a key that does not open the stored secrets stops
// serve, run and secret set with an error naming the secret (never its
// value); a lost key file is reported, not replaced.
func TestSecretWrongKey(t *testing.T) {
	t.Setenv(secrets.KeyEnv, "")
	t.Setenv("HOOKFLOW_ADMIN_TOKEN", "")
	dir := t.TempDir()
	db := filepath.Join(dir, "hookflow.db")
	if _, _, err := hookflow(t, "tok-wrong-9876", "secret", "set", "api", "--db", db); err != nil {
		t.Fatal(err)
	}
	wf := filepath.Join(dir, "wf.json")
	if err := os.WriteFile(wf, []byte(`{"format": "hookflow/v1", "id": "t", "name": "T", "trigger": {"type": "webhook"},
  "steps": [{"id": "show", "type": "transform", "expr": "1"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := secrets.KeyPath(db)
	good, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	if err := os.WriteFile(keyFile, []byte(other+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--db", db},
		{"run", wf, "--db", db},
		{"secret", "set", "b", "--db", db},
	} {
		_, _, err := hookflow(t, "value-b", args...)
		if err == nil || !strings.Contains(err.Error(), "secret api") || !strings.Contains(err.Error(), "does not decrypt") ||
			strings.Contains(err.Error(), "tok-wrong") {
			t.Errorf("%s with the wrong key file = %v, want an error naming secret api", args[0], err)
		}
	}

	t.Setenv(secrets.KeyEnv, "not-a-key")
	if _, _, err := hookflow(t, "", "serve", "--addr", "127.0.0.1:0", "--db", db); err == nil ||
		!strings.Contains(err.Error(), secrets.KeyEnv) || strings.Contains(err.Error(), "not-a-key") {
		t.Errorf("serve with a bad %s = %v, want an error naming it", secrets.KeyEnv, err)
	}
	t.Setenv(secrets.KeyEnv, "")

	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hookflow(t, "", "serve", "--addr", "127.0.0.1:0", "--db", db); err == nil || !strings.Contains(err.Error(), "no secret key") {
		t.Errorf("serve without the key file = %v, want no secret key", err)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("serve replaced a lost key file (%v): the stored secrets would be lost for good", err)
	}
	if err := os.WriteFile(keyFile, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hookflow(t, "value-b", "secret", "set", "b", "--db", db); err != nil {
		t.Errorf("secret set with the key file back: %v", err)
	}
}
