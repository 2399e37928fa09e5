package kinds

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

func FuzzStripeSignatureHeader(f *testing.F) {
	for _, tc := range stripeHeaderTests {
		f.Add(tc.header)
	}
	f.Add(stripeSig(testSecret, testNow, testBody))
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := parseStripeSignature(header)
		if err != nil {
			return
		}
		if _, ok := parseUnixSeconds(sig.timestamp); !ok {
			t.Fatalf("accepted t=%q, not a unix timestamp", sig.timestamp)
		}
		if !strings.Contains(header, "t="+sig.timestamp) {
			t.Fatalf("timestamp %q is not the header's", sig.timestamp)
		}
		if len(sig.v1) == 0 {
			t.Fatal("accepted a header without a v1 signature")
		}
		for _, s := range sig.v1 {
			if len(s) == 0 {
				t.Fatal("accepted an empty v1 signature")
			}
		}
	})
}

func FuzzStandardSignatureHeader(f *testing.F) {
	for _, tc := range standardHeaderTests {
		f.Add(tc.header)
	}
	f.Fuzz(func(t *testing.T, header string) {
		sigs, err := parseStandardSignatures(header)
		if err != nil {
			if sigs != nil {
				t.Fatal("signatures returned with an error")
			}
			return
		}
		if len(sigs) == 0 || !strings.Contains(header, "v1,") {
			t.Fatalf("accepted %d signatures from a header without v1", len(sigs))
		}
		for _, s := range sigs {
			if len(s) == 0 {
				t.Fatal("accepted an empty signature")
			}
		}
	})
}

// FuzzBasicAuthHeader holds parseBasicAuth to the standard library's
// http.Request.BasicAuth: whatever the standard library accepts, it accepts
// with the same user name and password; what it accepts beyond that is only
// the standard library's reading once the whitespace around the credentials
// is trimmed (RFC 7235 allows several spaces after the scheme).
func FuzzBasicAuthHeader(f *testing.F) {
	for _, tc := range basicHeaderTests {
		f.Add(tc.header)
	}
	f.Add("Basic  " + base64.StdEncoding.EncodeToString([]byte("u:p")) + " ")
	f.Fuzz(func(t *testing.T, header string) {
		user, pass, ok := parseBasicAuth(header)
		stdUser, stdPass, stdOK := (&http.Request{Header: http.Header{"Authorization": {header}}}).BasicAuth()
		if stdOK && (!ok || user != stdUser || pass != stdPass) {
			t.Fatalf("parseBasicAuth(%q) = %q, %q, %v; the standard library reads %q, %q", header, user, pass, ok, stdUser, stdPass)
		}
		if !ok {
			if user != "" || pass != "" {
				t.Fatal("credentials returned with !ok")
			}
			return
		}
		if !stdOK {
			trimmed := header[:len("Basic ")] + strings.TrimSpace(header[len("Basic "):])
			u, p, ok := (&http.Request{Header: http.Header{"Authorization": {trimmed}}}).BasicAuth()
			if !ok || u != user || p != pass {
				t.Fatalf("parseBasicAuth(%q) = %q, %q; the standard library refuses it, and reads %q, %q, %v once trimmed",
					header, user, pass, u, p, ok)
			}
		}
		if strings.Contains(user, ":") {
			t.Fatalf("user name %q holds a colon", user)
		}
		again, pass2, ok2 := parseBasicAuth(basicCreds(user, pass))
		if !ok2 || again != user || pass2 != pass {
			t.Fatalf("round trip of %q:%q gave %q:%q", user, pass, again, pass2)
		}
	})
}

// fuzzTrigger is one auth config and the headers its scheme reads; the fuzzer
// fills those headers. Some names are lower case on purpose: the lookup
// must find them whatever the spelling.
type fuzzTrigger struct {
	auth    *workflows.Auth
	headers []string
	secret  string
}

var fuzzTriggers = []fuzzTrigger{
	{authTok, []string{"Authorization"}, testSecret},
	{authTokBoth, []string{"X-Token"}, testSecret},
	{authBasicCfg, []string{"authorization"}, testSecret},
	{authHMACPre, []string{"X-Signature"}, testSecret},
	{authHMAC512, []string{"x-signature"}, testSecret},
	{authHMAC1, []string{"X-Signature"}, testSecret},
	{authGithub, []string{"X-Hub-Signature-256"}, testSecret},
	{authStripeC, []string{"Stripe-Signature"}, testSecret},
	{authShopifyC, []string{"x-shopify-hmac-sha256"}, testSecret},
	{authSlackC, []string{"X-Slack-Signature", "X-Slack-Request-Timestamp"}, testSecret},
	{authStdC, []string{"Webhook-Signature", "webhook-timestamp", "Webhook-Id"}, stdSecret},
	{authStdC, []string{"Svix-Signature", "Svix-Timestamp", "Svix-Id"}, testSecret},
	{&workflows.Auth{Type: "hmac", Header: "X-Signature", Algorithm: "md5"}, []string{"X-Signature"}, testSecret},
}

// FuzzAuthenticate feeds random header values and bodies to every scheme.
// Authenticate must not panic; a refusal wraps ErrUnauthorized and never
// holds the secret; and anything a signature scheme accepts is refused
// once its body changes.
func FuzzAuthenticate(f *testing.F) {
	// Seed with the table's requests, valid and refused, of every scheme.
	for _, tc := range authTests {
		if tc.auth == nil || !tc.now.IsZero() {
			continue
		}
		for j, ft := range fuzzTriggers {
			if ft.auth.Type != tc.auth.Type {
				continue
			}
			var v [3]string
			for k, name := range ft.headers {
				v[k] = tc.in.Header.Get(name)
			}
			f.Add(uint8(j), v[0], v[1], v[2], string(tc.in.Body))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, v0, v1, v2, body string) {
		ft := fuzzTriggers[int(which)%len(fuzzTriggers)]
		in := &Inbound{Method: http.MethodPost, Header: http.Header{}, Query: url.Values{}, Body: []byte(body)}
		for k, v := range []string{v0, v1, v2}[:len(ft.headers)] {
			in.Header[ft.headers[k]] = []string{v} // raw: no canonicalisation
		}
		in.Query.Set("token", v0)
		err := Authenticate(ft.auth, ft.secret, in, testNow)
		if err == nil {
			switch ft.auth.Type {
			case "token", "basic":
				return // the fuzzer may have been handed the credentials by a seed
			}
			in.Body = append(in.Body, ' ')
			if Authenticate(ft.auth, ft.secret, in, testNow) == nil {
				t.Fatalf("%s: accepted, and still accepted with a changed body", ft.auth.Type)
			}
			return
		}
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%s: error %q does not wrap ErrUnauthorized", ft.auth.Type, err)
		}
		if strings.Contains(err.Error(), ft.secret) {
			t.Fatalf("%s: error %q contains the secret", ft.auth.Type, err)
		}
	})
}
