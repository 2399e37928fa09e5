package actions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names (https://www.standardwebhooks.com/).
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// SecretPrefix marks a Standard Webhooks secret whose key follows in base64.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far a signed timestamp may be from now when Verify
// is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// Verification errors. None of them carries the expected signature.
var (
	// ErrInvalidSecret: the secret is empty, or "whsec_" is not followed by
	// base64.
	ErrInvalidSecret = errors.New("invalid signing secret")
	// ErrMissingHeaders: webhook-id, webhook-timestamp or webhook-signature is
	// absent.
	ErrMissingHeaders = errors.New("missing webhook-id, webhook-timestamp or webhook-signature header")
	// ErrInvalidTimestamp: webhook-timestamp is not unix seconds.
	ErrInvalidTimestamp = errors.New("invalid webhook-timestamp")
	// ErrTimestampOutOfRange: the timestamp is older or newer than the
	// tolerance allows (a replay, or a clock far off).
	ErrTimestampOutOfRange = errors.New("webhook-timestamp outside the tolerance")
	// ErrNoMatchingSignature: no v1 signature in the header matches.
	ErrNoMatchingSignature = errors.New("no matching signature")
)

// Sign returns the Standard Webhooks signature of one message, "v1,<base64>":
// base64(HMAC-SHA256(key, "{id}.{unix seconds}.{body}")). The secret is
// "whsec_" followed by the base64 key; a secret without that prefix is used as
// the key byte for byte.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := signingKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, ts.Unix(), body)), nil
}

// Verify checks a Standard Webhooks delivery: the webhook-id,
// webhook-timestamp and webhook-signature headers (svix-id, svix-timestamp
// and svix-signature are accepted in their place) against body. The signature
// header is a space-separated list of "version,signature" pairs; any v1 pair
// that matches accepts. A timestamp more than tolerance away from now is
// refused (tolerance <= 0 means DefaultTolerance). Errors wrap the sentinels
// above and never include a computed signature.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := signingKey(secret)
	if err != nil {
		return err
	}
	id, tsText, sigs := headerValue(header, "id"), headerValue(header, "timestamp"), headerValue(header, "signature")
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(tsText), 10, 64)
	if err != nil {
		return ErrInvalidTimestamp
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	tol := int64(tolerance / time.Second)
	if n := now.Unix(); ts < n-tol || ts > n+tol {
		return ErrTimestampOutOfRange
	}
	want := mac(key, id, ts, body)
	for _, pair := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(pair, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSignature
}

// headerValue reads webhook-<name>, falling back to svix-<name>.
func headerValue(h http.Header, name string) string {
	if v := h.Get("webhook-" + name); v != "" {
		return v
	}
	return h.Get("svix-" + name)
}

func signingKey(secret string) ([]byte, error) {
	if secret == "" {
		return nil, ErrInvalidSecret
	}
	if rest, ok := strings.CutPrefix(secret, SecretPrefix); ok {
		key, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(key) == 0 {
			return nil, fmt.Errorf("%w: %q must be followed by a base64 key", ErrInvalidSecret, SecretPrefix)
		}
		return key, nil
	}
	return []byte(secret), nil
}

func mac(key []byte, id string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	var buf [24]byte
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(buf[:0], ts, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
