package kinds

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

// Inbound is what an authenticator sees of a request: raw bytes, as received.
type Inbound struct {
	// Method is the request's HTTP method.
	Method string
	// Header holds the request's headers. Names are matched
	// case-insensitively, so a map with lower-case keys works too.
	Header http.Header
	// Query is the request's parsed query string.
	Query url.Values
	// Body is the request body exactly as received: every signature is
	// checked against these bytes, never against a re-encoding.
	Body []byte
}

// ErrUnauthorized is wrapped by every authentication failure. Messages say what was wrong
// ("missing X-Hub-Signature-256 header", "signature does not match", "timestamp outside the 5m tolerance")
// and NEVER contain the expected value, the secret, or the received signature.
var ErrUnauthorized = errors.New("unauthorized")

// ErrAuthConfig is wrapped, next to ErrUnauthorized, when the trigger's auth
// configuration cannot verify any request: an unknown type, an empty
// rendered secret, an hmac scheme without a header, an unknown algorithm or
// encoding, a "whsec_" secret that is not base64. Such a trigger refuses
// every request (it fails closed); callers still answer 401 and may log the
// error for the workflow's owner.
var ErrAuthConfig = errors.New("trigger auth misconfigured")

// SignatureTolerance is how far a signed timestamp (stripe, slack, standard)
// may lie from the receiver's clock, in the past or in the future, before a
// request is refused as a possible replay.
const SignatureTolerance = 5 * time.Minute

// toleranceText is SignatureTolerance as error messages say it.
const toleranceText = "5m"

// authScheme verifies one kind of trigger auth. It returns a reason without
// the ErrUnauthorized prefix; Authenticate adds it and the scheme's name.
// secret is never empty.
type authScheme func(a *workflows.Auth, secret string, in *Inbound, now time.Time) error

// authSchemes maps an auth type to its verifier; "none" is handled
// before. Each scheme's file registers itself (registerAuth).
var authSchemes = map[string]authScheme{}

// registerAuth adds an auth scheme: its description, from which workflows
// checks a trigger's auth when it is saved and the editor draws its form,
// and its verifier.
func registerAuth(doc workflows.Doc, verify authScheme) {
	workflows.RegisterAuth(workflows.AuthKind{Doc: doc})
	if verify != nil {
		authSchemes[doc.Type] = verify
	}
}

func init() {
	registerAuth(workflows.Doc{
		Type:    "none",
		Title:   "None",
		Summary: "Anyone with the trigger URL can start a run: its unguessable key is the only protection.",
		Fields:  []workflows.Field{},
		Example: []byte(`{"type": "none"}`),
	}, nil)
}

// Authenticate checks in against the trigger auth config; secret is the rendered secret
// (templates like "{{ secrets.github }}" already evaluated by the caller). nil auth or type none: allow.
//
// Every refusal wraps ErrUnauthorized, and its message reads like
// "unauthorized: github: signature does not match". A config that cannot
// verify anything (see ErrAuthConfig) refuses every request. Timestamped
// schemes compare against now; a zero now means time.Now().
func Authenticate(a *workflows.Auth, secret string, in *Inbound, now time.Time) error {
	if a == nil || a.Type == "none" {
		return nil
	}
	verify, ok := authSchemes[a.Type]
	if !ok {
		return fmt.Errorf("%w: %w: unknown auth type %q", ErrUnauthorized, ErrAuthConfig, a.Type)
	}
	if secret == "" {
		// An empty secret would make an empty token or a MAC keyed with
		// nothing "match": fail closed.
		return fmt.Errorf("%w: %s: %w: the secret is empty", ErrUnauthorized, a.Type, ErrAuthConfig)
	}
	if in == nil {
		in = &Inbound{}
	}
	if now.IsZero() {
		now = time.Now()
	}
	if err := verify(a, secret, in, now); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnauthorized, a.Type, err)
	}
	return nil
}

// errSignatureMismatch is the reason every scheme gives when a well-formed
// signature is not the one the secret produces.
var errSignatureMismatch = errors.New("signature does not match")

// headerValue returns the first value of the named header, trimmed, and
// whether it is present and not blank. It looks the canonical name up first,
// then any spelling of it, so headers stored with lower-case keys are found.
func headerValue(h http.Header, name string) (string, bool) {
	if vs := h[textproto.CanonicalMIMEHeaderKey(name)]; len(vs) > 0 {
		v := strings.TrimSpace(vs[0])
		return v, v != ""
	}
	for k, vs := range h {
		if len(vs) > 0 && strings.EqualFold(k, name) {
			v := strings.TrimSpace(vs[0])
			return v, v != ""
		}
	}
	return "", false
}

// headerName is how messages spell a configured header name.
func headerName(name string) string {
	return textproto.CanonicalMIMEHeaderKey(name)
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// macSum is the HMAC of the concatenated parts; parts avoid copying the body
// into a new signed-payload buffer.
func macSum(newHash func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(newHash, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// secretEqual compares a received credential with the configured one in
// constant time. Both are hashed first so that neither the time taken nor
// an early length check tells a caller how long the secret is.
func secretEqual(got, want string) int {
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:])
}

// decodeSignature decodes a received signature in the given encoding: hex
// in either case, or base64 with the standard or URL alphabet, padded or
// not. It reports false for anything else, without saying what was there.
func decodeSignature(s, encoding string) ([]byte, bool) {
	switch encoding {
	case "hex":
		b, err := hex.DecodeString(s)
		return b, err == nil
	case "base64":
		for _, enc := range []*base64.Encoding{
			base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
		} {
			if b, err := enc.DecodeString(s); err == nil {
				return b, true
			}
		}
	}
	return nil, false
}

// parseUnixSeconds parses a timestamp in seconds since the Unix epoch: ASCII
// digits only (no sign, no spaces, no fraction) that fit an int64.
func parseUnixSeconds(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// checkTimestamp refuses a signed timestamp further than SignatureTolerance
// from now, in either direction.
func checkTimestamp(unix int64, now time.Time) error {
	// Beyond ~35,000 years time.Unix would overflow; such a timestamp is
	// simply in the future. Below that, Time.Sub saturates, so the
	// comparison cannot wrap.
	const maxUnix = 1 << 40
	age := now.Sub(time.Unix(min(unix, maxUnix), 0))
	switch {
	case age > SignatureTolerance:
		return errors.New("timestamp outside the " + toleranceText + " tolerance (too old)")
	case age < -SignatureTolerance:
		return errors.New("timestamp outside the " + toleranceText + " tolerance (in the future)")
	}
	return nil
}
