package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a vault key: AES-256.
const KeySize = 32

// KeyEnv names the environment variable that holds the key.
const KeyEnv = "HOOKFLOW_SECRET_KEY"

// ErrNoKey: there is no key yet (no HOOKFLOW_SECRET_KEY, no key file) and
// none was to be created.
var ErrNoKey = errors.New("no secret key")

// ParseKey decodes a key written as 64 hex digits or as base64 (standard or
// URL alphabet, padded or not) of 32 bytes. Its error never repeats the
// text.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("want %d random bytes as base64 or hex (e.g. openssl rand -base64 32)", KeySize)
}

// KeyPath is the key file of a SQLite database: "<db>.key" beside it.
func KeyPath(db string) string { return db + ".key" }

// isURL reports whether db is a database URL (postgres://...) rather than a
// SQLite file.
func isURL(db string) bool { return strings.Contains(db, "://") }

// LoadKey finds the key of the secrets stored in database db. env is
// HOOKFLOW_SECRET_KEY's value: when set it is the key, and a bad value is an
// error. Otherwise a SQLite database's key is its key file (KeyPath),
// which is created with a new random key (mode 0600) where create is set
// and there is none yet; without create a missing file is ErrNoKey. A
// database URL needs HOOKFLOW_SECRET_KEY: replicas must share the key.
func LoadKey(env, db string, create bool) ([]byte, error) {
	if env != "" {
		k, err := ParseKey(env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return k, nil
	}
	if isURL(db) {
		return nil, fmt.Errorf("%s is required with a database URL: every replica must use the same key; set it to 32 random bytes, base64 (openssl rand -base64 32)", KeyEnv)
	}
	path := KeyPath(db)
	k, err := readKeyFile(path)
	switch {
	case err == nil:
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case !create:
		return nil, fmt.Errorf("%w: set %s or keep the key file %s", ErrNoKey, KeyEnv, path)
	}
	return createKeyFile(path)
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new random key to path, readable by its owner
// only. The key is written to a temporary file and linked into place, so
// two processes starting at once agree on one key and neither reads a
// half-written file.
func createKeyFile(path string) ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".hookflow-key-*")
	if err != nil {
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process was first
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return k, nil
}
