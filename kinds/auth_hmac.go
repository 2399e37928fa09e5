package kinds

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"net/http"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "hmac",
		Title:   "HMAC signature",
		Summary: "The caller signs the body with a shared secret and sends the signature in a header.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The signing secret; usually {{ secrets.NAME }}."},
			{Name: "header", Label: "Signature header", Kind: workflows.ValueText, Required: true, Placeholder: "X-Signature"},
			{Name: "algorithm", Label: "Algorithm", Kind: workflows.ValueSelect, Default: "sha256", Options: []workflows.Option{{Value: "sha256", Label: "SHA-256"}, {Value: "sha1", Label: "SHA-1"}, {Value: "sha512", Label: "SHA-512"}}},
			{Name: "encoding", Label: "Encoding", Kind: workflows.ValueSelect, Default: "hex", Options: []workflows.Option{{Value: "hex", Label: "hex"}, {Value: "base64", Label: "base64"}}},
			{Name: "prefix", Label: "Prefix", Kind: workflows.ValueText, Placeholder: "sha256=", Help: "Text before the signature in the header, if the sender adds one."},
		},
		Example: []byte(`{"type": "hmac", "header": "X-Signature", "secret": "{{ secrets.signing }}", "prefix": "sha256="}`),
	}, authHMAC)
}

// hmacAlgorithms are the hash functions an "hmac" trigger may name.
var hmacAlgorithms = map[string]func() hash.Hash{
	"sha256": sha256.New,
	"sha1":   sha1.New,
	"sha512": sha512.New,
}

// macHeader describes a signature that is one HMAC carried in one header:
// the generic "hmac" scheme and the github, shopify and slack presets.
type macHeader struct {
	header    string           // header carrying the signature
	prefix    string           // required before the signature, matched in any case
	encoding  string           // "hex" or "base64"
	algorithm string           // for messages: "sha256"
	hash      func() hash.Hash // the HMAC's hash
}

// verify checks the header against the HMAC, keyed with key, of the
// concatenated parts of the signed payload.
func (m macHeader) verify(h http.Header, key []byte, parts ...[]byte) error {
	v, ok := headerValue(h, m.header)
	if !ok {
		return fmt.Errorf("missing %s header", headerName(m.header))
	}
	if m.prefix != "" {
		if !hasPrefixFold(v, m.prefix) {
			return fmt.Errorf("malformed %s header: no %q prefix", headerName(m.header), m.prefix)
		}
		v = v[len(m.prefix):]
	}
	got, ok := decodeSignature(v, m.encoding)
	if !ok {
		return fmt.Errorf("malformed %s header: signature is not %s", headerName(m.header), m.encoding)
	}
	want := macSum(m.hash, key, parts...)
	if len(got) != len(want) {
		// Lengths are public (they follow from the algorithm); saying so
		// points at an algorithm or encoding mismatch.
		return fmt.Errorf("malformed %s header: signature has %d bytes, an hmac-%s has %d",
			headerName(m.header), len(got), m.algorithm, len(want))
	}
	if !hmac.Equal(got, want) {
		return errSignatureMismatch
	}
	return nil
}

// authHMAC checks a generic HMAC signature of the body ("hmac" auth): the
// header a.Header holds a.Prefix (if set, required) followed by the HMAC of
// the raw body under the secret, with a.Algorithm (sha256 default, sha1,
// sha512) in a.Encoding (hex default, either case; or base64).
func authHMAC(a *workflows.Auth, secret string, in *Inbound, _ time.Time) error {
	if a.Header == "" {
		return fmt.Errorf("%w: hmac auth needs a header", ErrAuthConfig)
	}
	alg := cmp.Or(a.Algorithm, "sha256")
	newHash, ok := hmacAlgorithms[alg]
	if !ok {
		return fmt.Errorf("%w: unknown hmac algorithm %q (sha256, sha1, sha512)", ErrAuthConfig, a.Algorithm)
	}
	enc := cmp.Or(a.Encoding, "hex")
	if enc != "hex" && enc != "base64" {
		return fmt.Errorf("%w: unknown signature encoding %q (hex, base64)", ErrAuthConfig, a.Encoding)
	}
	m := macHeader{header: a.Header, prefix: a.Prefix, encoding: enc, algorithm: alg, hash: newHash}
	return m.verify(in.Header, []byte(secret), in.Body)
}
