package secrets_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
)

// bundle is a vault on a fresh SQLite database.
type bundle struct {
	ctx   context.Context
	db    string
	store *sqlite.Store
	vault *secrets.Vault
	key   []byte
}

func setup(t *testing.T, opts ...secrets.Option) *bundle {
	t.Helper()
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "hookflow.db")
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := secrets.LoadKey("", db, true)
	if err != nil {
		t.Fatalf("LoadKey: %v", err)
	}
	v, err := secrets.New(st, key, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &bundle{ctx: ctx, db: db, store: st, vault: v, key: key}
}

func (b *bundle) set(t *testing.T, name, value string) {
	t.Helper()
	if err := b.vault.Set(b.ctx, name, value); err != nil {
		t.Fatalf("Set(%s): %v", name, err)
	}
}

func (b *bundle) all(t *testing.T) map[string]any {
	t.Helper()
	m, err := b.vault.All(b.ctx)
	if err != nil {
		t.Fatalf("All: %v", err)
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.set(t, "api", "tok-ABCDEFGH")
	b.set(t, "gh", "whsec-123456")
	b.set(t, "api", "tok-2-IJKLMN") // replaced

	if m := b.all(t); len(m) != 2 || m["api"] != "tok-2-IJKLMN" || m["gh"] != "whsec-123456" {
		t.Errorf("All = %v", m)
	}
	infos, err := b.vault.List(b.ctx)
	if err != nil || len(infos) != 2 || infos[0].Name != "api" || infos[1].Name != "gh" || infos[0].UpdatedAt.IsZero() {
		t.Errorf("List = %+v, %v; want api, gh with times", infos, err)
	}

	// The store holds ciphertext only, a fresh one per write.
	recs, err := b.store.SecretList(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if bytes.Contains(r.Ciphertext, []byte("tok-")) || bytes.Contains(r.Ciphertext, []byte("whsec")) {
			t.Errorf("secret %s stored in clear", r.Name)
		}
	}
	before := recs[0].Ciphertext
	b.set(t, "api", "tok-2-IJKLMN")
	recs, _ = b.store.SecretList(b.ctx)
	if bytes.Equal(before, recs[0].Ciphertext) {
		t.Errorf("the same value sealed twice gives the same ciphertext: the nonce is not random")
	}

	if err := b.vault.Delete(b.ctx, "api"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := b.vault.Delete(b.ctx, "api"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete(gone) = %v, want store.ErrNotFound", err)
	}
	if m := b.all(t); len(m) != 1 || m["gh"] != "whsec-123456" {
		t.Errorf("All after Delete = %v", m)
	}
}

func TestSetRefuses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, name := range []string{"", "1abc", "a-b", "a.b", "naïve", strings.Repeat("a", 65), "a b"} {
		if err := b.vault.Set(b.ctx, name, "value"); !errors.Is(err, secrets.ErrInvalidName) {
			t.Errorf("Set(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	for _, name := range []string{"a", "_", "API_KEY", "x9", strings.Repeat("a", 64)} {
		if err := secrets.ValidName(name); err != nil {
			t.Errorf("ValidName(%q) = %v", name, err)
		}
	}
	if err := b.vault.Set(b.ctx, "empty", ""); err == nil {
		t.Errorf("Set(empty value): no error")
	}
}

// TestCiphertextBoundToName: a ciphertext copied under another name (by
// someone with write access to the database) does not decrypt.
func TestCiphertextBoundToName(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.set(t, "a", "value-of-a")
	recs, err := b.store.SecretList(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.store.SecretPut(b.ctx, "b", recs[0].Ciphertext, time.Now()); err != nil {
		t.Fatal(err)
	}
	v, err := secrets.New(b.store, b.key) // a fresh cache
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.All(b.ctx)
	if !errors.Is(err, secrets.ErrDecrypt) || !strings.Contains(err.Error(), "secret b") || strings.Contains(err.Error(), "value-of-a") {
		t.Errorf("All with a swapped ciphertext = %v, want ErrDecrypt naming b", err)
	}
}

func TestWrongKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.set(t, "api", "tok-ABCDEFGH")
	other := bytes.Repeat([]byte{7}, secrets.KeySize)
	v, err := secrets.New(b.store, other)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.All(b.ctx)
	if !errors.Is(err, secrets.ErrDecrypt) || !strings.Contains(err.Error(), "api") || strings.Contains(err.Error(), "tok-") {
		t.Errorf("All with the wrong key = %v, want ErrDecrypt naming api", err)
	}
	// Names are still listed: they are not encrypted.
	if infos, err := v.List(b.ctx); err != nil || len(infos) != 1 {
		t.Errorf("List with the wrong key = %v, %v", infos, err)
	}
	if _, err := secrets.New(b.store, other[:16]); err == nil {
		t.Errorf("New with a 16-byte key: no error")
	}
}

// TestCache: All reads the store once per refresh period; the vault's own
// changes are seen at once, another process's within the period.
func TestCache(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	b := setup(t, secrets.WithClock(clock))
	b.set(t, "a", "one-1111")
	if m := b.all(t); m["a"] != "one-1111" {
		t.Fatalf("All = %v", m)
	}
	b.set(t, "a", "two-2222") // own change: at once
	if m := b.all(t); m["a"] != "two-2222" {
		t.Errorf("All after Set = %v, want the new value at once", m)
	}
	m := b.all(t)
	m["a"] = "changed by the caller"
	if m := b.all(t); m["a"] != "two-2222" {
		t.Errorf("All = %v: a caller's change leaked into the cache", m)
	}

	other, err := secrets.New(b.store, b.key) // another process
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Set(b.ctx, "a", "three-333"); err != nil {
		t.Fatal(err)
	}
	if m := b.all(t); m["a"] != "two-2222" {
		t.Errorf("All within the refresh period = %v, want the cached value", m)
	}
	advance(secrets.DefaultRefresh)
	if m := b.all(t); m["a"] != "three-333" {
		t.Errorf("All after the refresh period = %v, want the other process's value", m)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xfb, 0xef, 0x01, 0x7f}, 8)
	for _, s := range []string{
		hex.EncodeToString(key),
		strings.ToUpper(hex.EncodeToString(key)),
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		" " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		got, err := secrets.ParseKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseKey(%q) = %x, %v; want %x", s, got, err, key)
		}
	}
	for _, s := range []string{"", "secret-password-123", hex.EncodeToString(key[:16]), base64.StdEncoding.EncodeToString(key[:31]),
		base64.StdEncoding.EncodeToString(append(key, 1))} {
		_, err := secrets.ParseKey(s)
		if err == nil {
			t.Errorf("ParseKey(%q): no error", s)
		} else if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("ParseKey error %q repeats the key", err)
		}
	}
}

func TestLoadKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "hookflow.db")
	envKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))

	if _, err := secrets.LoadKey("", db, false); !errors.Is(err, secrets.ErrNoKey) {
		t.Errorf("LoadKey(no file, no create) = %v, want ErrNoKey", err)
	}
	k1, err := secrets.LoadKey("", db, true)
	if err != nil {
		t.Fatalf("LoadKey(create): %v", err)
	}
	fi, err := os.Stat(secrets.KeyPath(db))
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := secrets.LoadKey("", db, true)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("LoadKey again = %x, %v; want the key file's %x", k2, err, k1)
	}
	if k, err := secrets.LoadKey(envKey, db, true); err != nil || !bytes.Equal(k, bytes.Repeat([]byte{1}, 32)) {
		t.Errorf("LoadKey(env) = %x, %v; want the env key", k, err)
	}
	_, err = secrets.LoadKey("not-a-key", db, true)
	if err == nil || !strings.Contains(err.Error(), secrets.KeyEnv) || strings.Contains(err.Error(), "not-a-key") {
		t.Errorf("LoadKey(bad env) = %v, want an error naming %s without the value", err, secrets.KeyEnv)
	}
	_, err = secrets.LoadKey("", "postgres://u:p@host/db", true)
	if err == nil || !strings.Contains(err.Error(), secrets.KeyEnv) {
		t.Errorf("LoadKey(postgres URL, no env) = %v, want an error asking for %s", err, secrets.KeyEnv)
	}
	if k, err := secrets.LoadKey(envKey, "postgres://u:p@host/db", true); err != nil || len(k) != 32 {
		t.Errorf("LoadKey(postgres URL, env) = %x, %v", k, err)
	}

	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(secrets.KeyPath(bad), []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.LoadKey("", bad, true); err == nil || !strings.Contains(err.Error(), secrets.KeyPath(bad)) {
		t.Errorf("LoadKey(corrupt key file) = %v, want an error naming the file", err)
	}
}

// TestLoadKeyRace: processes starting at once on a new database agree on
// one key.
func TestLoadKeyRace(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hookflow.db")
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := secrets.LoadKey("", db, true)
			if err != nil {
				t.Errorf("LoadKey: %v", err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("concurrent LoadKey made different keys")
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(db))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".hookflow-key-") {
			t.Errorf("temporary key file %s left behind", e.Name())
		}
	}
}
