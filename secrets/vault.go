// Package secrets keeps Hookflow's named secrets: values a workflow uses as
// secrets.NAME (API tokens, signing secrets) that are written once and never
// shown again. A Vault encrypts each value with AES-256-GCM before the store
// sees it (a random nonce per value, the secret's name as additional data,
// so a ciphertext copied under another name does not decrypt) and gives the
// engine the decrypted map.
//
// The key is 32 bytes from HOOKFLOW_SECRET_KEY or, for a SQLite database, a
// key file beside it (see LoadKey). Losing the key loses the secrets; a
// wrong key is reported naming the secret that does not decrypt, never its
// value.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sync"
	"time"

	"github.com/hookflow/hookflow/store"
)

// Errors callers decide on (wrapped).
var (
	// ErrInvalidName: the name is not [A-Za-z_][A-Za-z0-9_]{0,63}.
	ErrInvalidName = errors.New("invalid secret name")
	// ErrDecrypt: a stored value does not decrypt with this key.
	ErrDecrypt = errors.New("secret does not decrypt with this key")
	// ErrEmptyValue: Set was given an empty value (delete the secret instead).
	ErrEmptyValue = errors.New("empty secret value")
	// ErrTooLarge: the value is over MaxValueSize.
	ErrTooLarge = errors.New("secret value too large")
)

// MaxValueSize bounds a secret's value: tokens and keys, not documents.
const MaxValueSize = 64 << 10

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ValidName checks a secret's name: a letter or underscore, then up to 63
// letters, digits or underscores, so that secrets.NAME is an expression.
func ValidName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w %q: use a letter or _ then up to 63 letters, digits or _", ErrInvalidName, name)
	}
	return nil
}

// Info is what may be shown of a secret: never its value.
type Info struct {
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DefaultRefresh is how long All trusts its cache before reading the store
// again: changes made by another process (the CLI while serve runs, another
// replica) are seen within it. Changes through the Vault itself are seen at
// once.
const DefaultRefresh = 10 * time.Second

// Vault encrypts, stores and decrypts named secrets. It is safe for
// concurrent use.
type Vault struct {
	store   store.Store
	aead    cipher.AEAD
	now     func() time.Time
	refresh time.Duration

	mu     sync.Mutex
	cache  map[string]any // decrypted values; nil: not loaded
	loaded time.Time
}

// Option configures New.
type Option func(*Vault)

// WithRefresh sets how long All's cache is trusted (default DefaultRefresh;
// 0 or less: read the store on every call).
func WithRefresh(d time.Duration) Option { return func(v *Vault) { v.refresh = d } }

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(v *Vault) { v.now = now } }

// New returns a vault over st with a 32-byte key (see LoadKey).
func New(st store.Store, key []byte, opts ...Option) (*Vault, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	v := &Vault{store: st, aead: aead, now: time.Now, refresh: DefaultRefresh}
	for _, o := range opts {
		o(v)
	}
	return v, nil
}

// sealVersion is the first byte of every ciphertext: its format (AES-256-GCM,
// 12-byte nonce, name as additional data), so a later format can be told
// apart.
const sealVersion = 1

func (v *Vault) seal(name, value string) ([]byte, error) {
	nonce := make([]byte, v.aead.NonceSize(), 1+v.aead.NonceSize()+len(value)+v.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	out := append([]byte{sealVersion}, nonce...)
	return v.aead.Seal(out, nonce, []byte(value), []byte(name)), nil
}

func (v *Vault) open(name string, ct []byte) (string, error) {
	ns := v.aead.NonceSize()
	if len(ct) < 1+ns+v.aead.Overhead() || ct[0] != sealVersion {
		return "", fmt.Errorf("secret %s: %w (unknown format)", name, ErrDecrypt)
	}
	plain, err := v.aead.Open(nil, ct[1:1+ns], ct[1+ns:], []byte(name))
	if err != nil {
		return "", fmt.Errorf("secret %s: %w: was it set under another HOOKFLOW_SECRET_KEY or key file?", name, ErrDecrypt)
	}
	return string(plain), nil
}

// Set encrypts and stores a secret, replacing any earlier value. An empty
// value (delete the secret instead) and one over MaxValueSize are refused.
func (v *Vault) Set(ctx context.Context, name, value string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if value == "" {
		return fmt.Errorf("secret %s: %w", name, ErrEmptyValue)
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("secret %s: %w (%d bytes, at most %d)", name, ErrTooLarge, len(value), MaxValueSize)
	}
	ct, err := v.seal(name, value)
	if err != nil {
		return fmt.Errorf("set secret %s: %w", name, err)
	}
	if err := v.store.SecretPut(ctx, name, ct, v.now().UTC()); err != nil {
		return err
	}
	v.invalidate()
	return nil
}

// List returns the secrets' names and times, ordered by name.
func (v *Vault) List(ctx context.Context) ([]Info, error) {
	recs, err := v.store.SecretList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Info, len(recs))
	for i, r := range recs {
		out[i] = Info{Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// Delete removes a secret; store.ErrNotFound (wrapped) if there is none.
func (v *Vault) Delete(ctx context.Context, name string) error {
	if err := v.store.SecretDelete(ctx, name); err != nil {
		return err
	}
	v.invalidate()
	return nil
}

// All returns every secret decrypted, name to value (a string), for
// expressions: engine.Config.Secrets. The result is the caller's to keep.
// One value that does not decrypt fails the call, naming that secret.
func (v *Vault) All(ctx context.Context) (map[string]any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache != nil && v.refresh > 0 && v.now().Sub(v.loaded) < v.refresh {
		return maps.Clone(v.cache), nil
	}
	recs, err := v.store.SecretList(ctx)
	if err != nil {
		return nil, fmt.Errorf("load secrets: %w", err)
	}
	m := make(map[string]any, len(recs))
	for _, r := range recs {
		val, err := v.open(r.Name, r.Ciphertext)
		if err != nil {
			return nil, err
		}
		m[r.Name] = val
	}
	v.cache, v.loaded = m, v.now()
	return maps.Clone(m), nil
}

func (v *Vault) invalidate() {
	v.mu.Lock()
	v.cache = nil
	v.mu.Unlock()
}
