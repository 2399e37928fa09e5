package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTLSFilesCheckedFirst: serve loads its certificate and key before
// anything else; a missing or bad file ends it with one line naming the
// files and the reason, before it says it listens or creates a database.
func TestTLSFilesCheckedFirst(t *testing.T) {
	t.Parallel()
	certFile, keyFile, _ := selfSigned(t)
	_, otherKey, _ := selfSigned(t)
	dir := t.TempDir()
	notPEM := writeFile(t, dir, "not.pem", "not a certificate\n")
	for _, c := range []struct {
		name, cert, key, reason string
	}{
		{"missing certificate", filepath.Join(dir, "missing.pem"), keyFile, "no such file or directory"},
		{"missing key", certFile, filepath.Join(dir, "missing-key.pem"), "no such file or directory"},
		{"not PEM", notPEM, keyFile, "failed to find any PEM data in certificate input"},
		{"key of another certificate", certFile, otherKey, "private key does not match public key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := filepath.Join(t.TempDir(), "hookflow.db")
			res := cli(t, []string{"HOOKFLOW_ADMIN_TOKEN=" + testToken},
				"serve", "--addr", "127.0.0.1:0", "--db", db, "--tls-cert", c.cert, "--tls-key", c.key)
			lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
			if res.Code == 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "hookflow: --tls-cert "+c.cert) || !strings.Contains(lines[0], c.reason) {
				t.Errorf("serve with %s: exit %d, stderr:\n%s\nwant a non-zero exit and one line naming the files and %q", c.name, res.Code, res.Stderr, c.reason)
			}
			if strings.Contains(res.Stderr+res.Stdout, listeningPrefix) {
				t.Errorf("serve with %s said it listens", c.name)
			}
			if _, err := os.Stat(db); err == nil {
				t.Errorf("serve with %s created the database", c.name)
			}
		})
	}
}
