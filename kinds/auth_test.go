package kinds

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

// The signing helpers below build each provider's header the way its own
// documentation describes, independently of the verifiers under test.

const (
	testSecret  = "hookflow-test-secret-7f3a9c"
	wrongSecret = "hookflow-wrong-secret-0b1e44"
	testBody    = `{"action":"opened","number":1,"amount":4200}`
	tamperBody  = `{"action":"opened","number":1,"amount":1}`
	// Standard Webhooks' own test vector.
	stdSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	stdID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	stdTimestamp = 1614265330
	stdBody      = `{"test": 2432232314}`
	stdSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// testNow is the clock of every test that does not set its own.
var testNow = time.Unix(stdTimestamp, 0)

func mac(newHash func() hash.Hash, key, msg string) []byte {
	m := hmac.New(newHash, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hexMAC(newHash func() hash.Hash, key, msg string) string {
	return hex.EncodeToString(mac(newHash, key, msg))
}

func b64MAC(newHash func() hash.Hash, key, msg string) string {
	return base64.StdEncoding.EncodeToString(mac(newHash, key, msg))
}

// githubSig: "sha256=" + hex HMAC-SHA256 of the payload.
func githubSig(secret, body string) string { return "sha256=" + hexMAC(sha256.New, secret, body) }

// stripeSig: t=<unix>,v1=hex HMAC-SHA256 of "<unix>.<body>".
func stripeSig(secret string, t time.Time, body string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hexMAC(sha256.New, secret, ts+"."+body)
}

func stripeV1(secret string, t time.Time, body string) string {
	return hexMAC(sha256.New, secret, strconv.FormatInt(t.Unix(), 10)+"."+body)
}

// shopifySig: base64 HMAC-SHA256 of the body.
func shopifySig(secret, body string) string { return b64MAC(sha256.New, secret, body) }

// slackSig: "v0=" + hex HMAC-SHA256 of "v0:<timestamp>:<body>".
func slackSig(secret, ts, body string) string {
	return "v0=" + hexMAC(sha256.New, secret, "v0:"+ts+":"+body)
}

// stdKey decodes a Standard Webhooks secret the way the spec says.
func stdKey(secret string) string {
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	return secret
}

// stdSig: "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>".
func stdSig(secret, id, ts, body string) string {
	return "v1," + b64MAC(sha256.New, stdKey(secret), id+"."+ts+"."+body)
}

func unixText(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func basicCreds(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// req builds an inbound POST; kv are header name/value pairs.
func req(body string, kv ...string) *Inbound {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return &Inbound{Method: http.MethodPost, Header: h, Query: url.Values{}, Body: []byte(body)}
}

// withQuery adds query parameters (name/value pairs) to in.
func withQuery(in *Inbound, kv ...string) *Inbound {
	for i := 0; i+1 < len(kv); i += 2 {
		in.Query.Add(kv[i], kv[i+1])
	}
	return in
}

var (
	authNone     = &workflows.Auth{Type: "none"}
	authTok      = &workflows.Auth{Type: "token", Secret: "{{ secrets.t }}"}
	authTokHdr   = &workflows.Auth{Type: "token", Header: "X-Token"}
	authTokQuery = &workflows.Auth{Type: "token", Query: "token"}
	authTokBoth  = &workflows.Auth{Type: "token", Header: "X-Token", Query: "token"}
	authBasicCfg = &workflows.Auth{Type: "basic", Username: "hookflow"}
	authHMACHex  = &workflows.Auth{Type: "hmac", Header: "X-Signature"}
	authHMACPre  = &workflows.Auth{Type: "hmac", Header: "X-Signature", Prefix: "sha256="}
	authHMAC1    = &workflows.Auth{Type: "hmac", Header: "X-Signature", Algorithm: "sha1"}
	authHMAC512  = &workflows.Auth{Type: "hmac", Header: "X-Signature", Algorithm: "sha512", Encoding: "base64"}
	authHMACB64  = &workflows.Auth{Type: "hmac", Header: "X-Signature", Encoding: "base64"}
	authGithub   = &workflows.Auth{Type: "github"}
	authStripeC  = &workflows.Auth{Type: "stripe"}
	authShopifyC = &workflows.Auth{Type: "shopify"}
	authSlackC   = &workflows.Auth{Type: "slack"}
	authStdC     = &workflows.Auth{Type: "standard"}
)

// Slack's documented example request.
const (
	slackDocSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	slackDocTimestamp = "1531420618"
	slackDocBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackDocSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

// authTest is one request checked against one trigger auth config.
type authTest struct {
	name   string
	auth   *workflows.Auth
	secret string
	in     *Inbound
	now    time.Time // zero: testNow
	err    string    // "": accepted; otherwise part of the refusal's message
}

var (
	stale  = testNow.Add(-6 * time.Minute)
	future = testNow.Add(6 * time.Minute)
	edge   = testNow.Add(-5 * time.Minute)
	nowTS  = unixText(testNow)
)

var authTests = []authTest{
	// none
	{name: "nil auth", auth: nil, in: req(testBody)},
	{name: "none", auth: authNone, in: req(testBody)},
	{name: "none ignores secret", auth: authNone, secret: testSecret, in: req(testBody)},

	// token
	{"token bearer", authTok, testSecret, req(testBody, "Authorization", "Bearer "+testSecret), time.Time{}, ""},
	{"token bearer lower case", authTok, testSecret, req(testBody, "Authorization", "bearer "+testSecret), time.Time{}, ""},
	{"token bearer upper case", authTok, testSecret, req(testBody, "Authorization", "BEARER  "+testSecret), time.Time{}, ""},
	{"token raw authorization", authTok, testSecret, req(testBody, "Authorization", testSecret), time.Time{}, ""},
	{"token wrong", authTok, testSecret, req(testBody, "Authorization", "Bearer "+wrongSecret), time.Time{}, "token does not match"},
	{"token prefix of secret", authTok, testSecret, req(testBody, "Authorization", "Bearer "+testSecret[:len(testSecret)-1]), time.Time{}, "token does not match"},
	{"token secret plus suffix", authTok, testSecret, req(testBody, "Authorization", "Bearer "+testSecret+"x"), time.Time{}, "token does not match"},
	{"token missing", authTok, testSecret, req(testBody), time.Time{}, "missing Authorization header"},
	{"token empty bearer", authTok, testSecret, req(testBody, "Authorization", "Bearer "), time.Time{}, "token does not match"},
	{"token not in query by default", authTok, testSecret, withQuery(req(testBody), "token", testSecret), time.Time{}, "missing Authorization header"},
	{"token custom header", authTokHdr, testSecret, req(testBody, "X-Token", testSecret), time.Time{}, ""},
	{"token custom header keeps bearer", authTokHdr, testSecret, req(testBody, "X-Token", "Bearer "+testSecret), time.Time{}, "token does not match"},
	{"token custom header ignores authorization", authTokHdr, testSecret, req(testBody, "Authorization", "Bearer "+testSecret), time.Time{}, "missing X-Token header"},
	{"token query", authTokQuery, testSecret, withQuery(req(testBody), "token", testSecret), time.Time{}, ""},
	{"token query wrong", authTokQuery, testSecret, withQuery(req(testBody), "token", wrongSecret), time.Time{}, "token does not match"},
	{"token query only ignores header", authTokQuery, testSecret, req(testBody, "Authorization", "Bearer "+testSecret), time.Time{}, `missing "token" query parameter`},
	{"token both: header", authTokBoth, testSecret, req(testBody, "X-Token", testSecret), time.Time{}, ""},
	{"token both: query", authTokBoth, testSecret, withQuery(req(testBody), "token", testSecret), time.Time{}, ""},
	{"token both: query right header wrong", authTokBoth, testSecret, withQuery(req(testBody, "X-Token", wrongSecret), "token", testSecret), time.Time{}, ""},
	{"token both: wrong", authTokBoth, testSecret, withQuery(req(testBody, "X-Token", wrongSecret), "token", wrongSecret), time.Time{}, "token does not match"},
	{"token both: missing", authTokBoth, testSecret, req(testBody), time.Time{}, `missing X-Token header and "token" query parameter`},

	// basic
	{"basic", authBasicCfg, testSecret, req(testBody, "Authorization", basicCreds("hookflow", testSecret)), time.Time{}, ""},
	{"basic scheme lower case", authBasicCfg, testSecret, req(testBody, "Authorization", "basic "+base64.StdEncoding.EncodeToString([]byte("hookflow:"+testSecret))), time.Time{}, ""},
	{"basic password with colon", authBasicCfg, "pa:ss:" + testSecret, req(testBody, "Authorization", basicCreds("hookflow", "pa:ss:"+testSecret)), time.Time{}, ""},
	{"basic wrong password", authBasicCfg, testSecret, req(testBody, "Authorization", basicCreds("hookflow", wrongSecret)), time.Time{}, "user name or password does not match"},
	{"basic wrong user", authBasicCfg, testSecret, req(testBody, "Authorization", basicCreds("someone", testSecret)), time.Time{}, "user name or password does not match"},
	{"basic empty password", authBasicCfg, testSecret, req(testBody, "Authorization", basicCreds("hookflow", "")), time.Time{}, "user name or password does not match"},
	{"basic missing", authBasicCfg, testSecret, req(testBody), time.Time{}, "missing Authorization header"},
	{"basic bearer", authBasicCfg, testSecret, req(testBody, "Authorization", "Bearer "+testSecret), time.Time{}, "not Basic credentials"},
	{"basic not base64", authBasicCfg, testSecret, req(testBody, "Authorization", "Basic "+testSecret+"!"), time.Time{}, "not Basic credentials"},
	{"basic no colon", authBasicCfg, testSecret, req(testBody, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(testSecret))), time.Time{}, "not Basic credentials"},

	// hmac
	{"hmac sha256 hex", authHMACHex, testSecret, req(testBody, "X-Signature", hexMAC(sha256.New, testSecret, testBody)), time.Time{}, ""},
	{"hmac hex upper case", authHMACHex, testSecret, req(testBody, "X-Signature", strings.ToUpper(hexMAC(sha256.New, testSecret, testBody))), time.Time{}, ""},
	{"hmac lower-case header key", authHMACHex, testSecret, &Inbound{Header: http.Header{"x-signature": {hexMAC(sha256.New, testSecret, testBody)}}, Body: []byte(testBody)}, time.Time{}, ""},
	{"hmac prefix", authHMACPre, testSecret, req(testBody, "X-Signature", "sha256="+hexMAC(sha256.New, testSecret, testBody)), time.Time{}, ""},
	{"hmac prefix missing", authHMACPre, testSecret, req(testBody, "X-Signature", hexMAC(sha256.New, testSecret, testBody)), time.Time{}, `malformed X-Signature header: no "sha256=" prefix`},
	{"hmac sha1", authHMAC1, testSecret, req(testBody, "X-Signature", hexMAC(sha1.New, testSecret, testBody)), time.Time{}, ""},
	{"hmac sha512 base64", authHMAC512, testSecret, req(testBody, "X-Signature", b64MAC(sha512.New, testSecret, testBody)), time.Time{}, ""},
	{"hmac base64 url unpadded", authHMACB64, testSecret, req(testBody, "X-Signature", base64.RawURLEncoding.EncodeToString(mac(sha256.New, testSecret, testBody))), time.Time{}, ""},
	{"hmac tampered body", authHMACHex, testSecret, req(tamperBody, "X-Signature", hexMAC(sha256.New, testSecret, testBody)), time.Time{}, "signature does not match"},
	{"hmac wrong secret", authHMACHex, testSecret, req(testBody, "X-Signature", hexMAC(sha256.New, wrongSecret, testBody)), time.Time{}, "signature does not match"},
	{"hmac missing header", authHMACHex, testSecret, req(testBody), time.Time{}, "missing X-Signature header"},
	{"hmac not hex", authHMACHex, testSecret, req(testBody, "X-Signature", b64MAC(sha256.New, testSecret, testBody)), time.Time{}, "signature is not hex"},
	{"hmac not base64", authHMACB64, testSecret, req(testBody, "X-Signature", "***"+hexMAC(sha256.New, testSecret, testBody)), time.Time{}, "signature is not base64"},
	{"hmac wrong algorithm", authHMACHex, testSecret, req(testBody, "X-Signature", hexMAC(sha1.New, testSecret, testBody)), time.Time{}, "signature has 20 bytes, an hmac-sha256 has 32"},

	// github
	{"github docs example", authGithub, "It's a Secret to Everybody", req("Hello, World!", "X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"), time.Time{}, ""},
	{"github", authGithub, testSecret, req(testBody, "X-Hub-Signature-256", githubSig(testSecret, testBody)), time.Time{}, ""},
	{"github empty body", authGithub, testSecret, req("", "X-Hub-Signature-256", githubSig(testSecret, "")), time.Time{}, ""},
	{"github lower-case header key", authGithub, testSecret, &Inbound{Header: http.Header{"x-hub-signature-256": {githubSig(testSecret, testBody)}}, Body: []byte(testBody)}, time.Time{}, ""},
	{"github tampered body", authGithub, testSecret, req(tamperBody, "X-Hub-Signature-256", githubSig(testSecret, testBody)), time.Time{}, "signature does not match"},
	{"github body with trailing newline", authGithub, testSecret, req(testBody+"\n", "X-Hub-Signature-256", githubSig(testSecret, testBody)), time.Time{}, "signature does not match"},
	{"github wrong secret", authGithub, testSecret, req(testBody, "X-Hub-Signature-256", githubSig(wrongSecret, testBody)), time.Time{}, "signature does not match"},
	{"github missing header", authGithub, testSecret, req(testBody), time.Time{}, "missing X-Hub-Signature-256 header"},
	{"github sha1 header only", authGithub, testSecret, req(testBody, "X-Hub-Signature", "sha1="+hexMAC(sha1.New, testSecret, testBody)), time.Time{}, "missing X-Hub-Signature-256 header"},
	{"github no prefix", authGithub, testSecret, req(testBody, "X-Hub-Signature-256", hexMAC(sha256.New, testSecret, testBody)), time.Time{}, `no "sha256=" prefix`},
	{"github sha1 prefix", authGithub, testSecret, req(testBody, "X-Hub-Signature-256", "sha1="+hexMAC(sha1.New, testSecret, testBody)), time.Time{}, `no "sha256=" prefix`},
	{"github not hex", authGithub, testSecret, req(testBody, "X-Hub-Signature-256", "sha256=zz"+testSecret), time.Time{}, "signature is not hex"},
	{"github truncated", authGithub, testSecret, req(testBody, "X-Hub-Signature-256", githubSig(testSecret, testBody)[:39]), time.Time{}, "signature has 16 bytes"},
	{"github empty signature", authGithub, testSecret, req(testBody, "X-Hub-Signature-256", "sha256="), time.Time{}, "signature has 0 bytes"},

	// stripe
	{"stripe", authStripeC, testSecret, req(testBody, "Stripe-Signature", stripeSig(testSecret, testNow, testBody)), time.Time{}, ""},
	{"stripe with v0 and spaces", authStripeC, testSecret, req(testBody, "Stripe-Signature", "t="+nowTS+", v1="+stripeV1(testSecret, testNow, testBody)+", v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"), time.Time{}, ""},
	{"stripe rolled secret: second v1 matches", authStripeC, testSecret, req(testBody, "Stripe-Signature", "t="+nowTS+",v1="+stripeV1(wrongSecret, testNow, testBody)+",v1="+stripeV1(testSecret, testNow, testBody)), time.Time{}, ""},
	{"stripe non-hex v1 skipped", authStripeC, testSecret, req(testBody, "Stripe-Signature", "t="+nowTS+",v1=not-hex,v1="+stripeV1(testSecret, testNow, testBody)), time.Time{}, ""},
	{"stripe 5m old", authStripeC, testSecret, req(testBody, "Stripe-Signature", stripeSig(testSecret, edge, testBody)), time.Time{}, ""},
	{"stripe 5m ahead", authStripeC, testSecret, req(testBody, "Stripe-Signature", stripeSig(testSecret, testNow.Add(5*time.Minute), testBody)), time.Time{}, ""},
	{"stripe tampered body", authStripeC, testSecret, req(tamperBody, "Stripe-Signature", stripeSig(testSecret, testNow, testBody)), time.Time{}, "signature does not match"},
	{"stripe wrong secret", authStripeC, testSecret, req(testBody, "Stripe-Signature", stripeSig(wrongSecret, testNow, testBody)), time.Time{}, "signature does not match"},
	{"stripe timestamp swapped", authStripeC, testSecret, req(testBody, "Stripe-Signature", "t="+unixText(testNow.Add(time.Second))+",v1="+stripeV1(testSecret, testNow, testBody)), time.Time{}, "signature does not match"},
	{"stripe only v0", authStripeC, testSecret, req(testBody, "Stripe-Signature", "t="+nowTS+",v0="+stripeV1(testSecret, testNow, testBody)), time.Time{}, "malformed Stripe-Signature header: no v1= signature"},
	{"stripe missing header", authStripeC, testSecret, req(testBody), time.Time{}, "missing Stripe-Signature header"},
	{"stripe garbage", authStripeC, testSecret, req(testBody, "Stripe-Signature", "garbage"), time.Time{}, "malformed Stripe-Signature header: an element is not key=value"},
	{"stripe no timestamp", authStripeC, testSecret, req(testBody, "Stripe-Signature", "v1="+stripeV1(testSecret, testNow, testBody)), time.Time{}, "malformed Stripe-Signature header: no t= timestamp"},
	{"stripe bad timestamp", authStripeC, testSecret, req(testBody, "Stripe-Signature", "t=-"+nowTS+",v1="+stripeV1(testSecret, testNow, testBody)), time.Time{}, "malformed Stripe-Signature header: t= is not a unix timestamp"},
	{"stripe two timestamps", authStripeC, testSecret, req(testBody, "Stripe-Signature", "t="+nowTS+",t="+nowTS+",v1="+stripeV1(testSecret, testNow, testBody)), time.Time{}, "malformed Stripe-Signature header: more than one t= timestamp"},
	{"stripe stale", authStripeC, testSecret, req(testBody, "Stripe-Signature", stripeSig(testSecret, stale, testBody)), time.Time{}, "timestamp outside the 5m tolerance (too old)"},
	{"stripe future", authStripeC, testSecret, req(testBody, "Stripe-Signature", stripeSig(testSecret, future, testBody)), time.Time{}, "timestamp outside the 5m tolerance (in the future)"},
	{"stripe replayed later", authStripeC, testSecret, req(testBody, "Stripe-Signature", stripeSig(testSecret, testNow, testBody)), testNow.Add(time.Hour), "timestamp outside the 5m tolerance (too old)"},

	// shopify
	{"shopify", authShopifyC, testSecret, req(testBody, "X-Shopify-Hmac-Sha256", shopifySig(testSecret, testBody)), time.Time{}, ""},
	{"shopify tampered body", authShopifyC, testSecret, req(tamperBody, "X-Shopify-Hmac-Sha256", shopifySig(testSecret, testBody)), time.Time{}, "signature does not match"},
	{"shopify wrong secret", authShopifyC, testSecret, req(testBody, "X-Shopify-Hmac-Sha256", shopifySig(wrongSecret, testBody)), time.Time{}, "signature does not match"},
	{"shopify missing header", authShopifyC, testSecret, req(testBody), time.Time{}, "missing X-Shopify-Hmac-Sha256 header"},
	{"shopify not base64", authShopifyC, testSecret, req(testBody, "X-Shopify-Hmac-Sha256", "%%"+shopifySig(testSecret, testBody)), time.Time{}, "signature is not base64"},
	{"shopify hex instead of base64", authShopifyC, testSecret, req(testBody, "X-Shopify-Hmac-Sha256", hexMAC(sha256.New, testSecret, testBody)), time.Time{}, "signature has 48 bytes"},

	// slack
	{"slack docs example", authSlackC, slackDocSecret, req(slackDocBody, "X-Slack-Request-Timestamp", slackDocTimestamp, "X-Slack-Signature", slackDocSignature), time.Unix(1531420618, 0).Add(time.Minute), ""},
	{"slack", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", nowTS, "X-Slack-Signature", slackSig(testSecret, nowTS, testBody)), time.Time{}, ""},
	{"slack 5m old", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", unixText(edge), "X-Slack-Signature", slackSig(testSecret, unixText(edge), testBody)), time.Time{}, ""},
	{"slack tampered body", authSlackC, testSecret, req(tamperBody, "X-Slack-Request-Timestamp", nowTS, "X-Slack-Signature", slackSig(testSecret, nowTS, testBody)), time.Time{}, "signature does not match"},
	{"slack wrong secret", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", nowTS, "X-Slack-Signature", slackSig(wrongSecret, nowTS, testBody)), time.Time{}, "signature does not match"},
	{"slack timestamp swapped", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", unixText(testNow.Add(time.Second)), "X-Slack-Signature", slackSig(testSecret, nowTS, testBody)), time.Time{}, "signature does not match"},
	{"slack missing signature", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", nowTS), time.Time{}, "missing X-Slack-Signature header"},
	{"slack missing timestamp", authSlackC, testSecret, req(testBody, "X-Slack-Signature", slackSig(testSecret, nowTS, testBody)), time.Time{}, "missing X-Slack-Request-Timestamp header"},
	{"slack malformed timestamp", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", nowTS+".5", "X-Slack-Signature", slackSig(testSecret, nowTS+".5", testBody)), time.Time{}, "malformed X-Slack-Request-Timestamp header: not a unix timestamp"},
	{"slack malformed signature", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", nowTS, "X-Slack-Signature", strings.TrimPrefix(slackSig(testSecret, nowTS, testBody), "v0=")), time.Time{}, `malformed X-Slack-Signature header: no "v0=" prefix`},
	{"slack stale", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", unixText(stale), "X-Slack-Signature", slackSig(testSecret, unixText(stale), testBody)), time.Time{}, "timestamp outside the 5m tolerance (too old)"},
	{"slack future", authSlackC, testSecret, req(testBody, "X-Slack-Request-Timestamp", unixText(future), "X-Slack-Signature", slackSig(testSecret, unixText(future), testBody)), time.Time{}, "timestamp outside the 5m tolerance (in the future)"},

	// standard
	{"standard spec vector", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", stdSignature), time.Time{}, ""},
	{"standard several signatures", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", "v1a,AAAA v1,bm90LWl0 v2,xyz "+stdSignature), time.Time{}, ""},
	{"standard svix headers", authStdC, stdSecret, req(stdBody, "svix-id", stdID, "svix-timestamp", nowTS, "svix-signature", stdSignature), time.Time{}, ""},
	{"standard raw secret", authStdC, testSecret, req(testBody, "webhook-id", "msg_1", "webhook-timestamp", nowTS, "webhook-signature", stdSig(testSecret, "msg_1", nowTS, testBody)), time.Time{}, ""},
	{"standard whsec secret", authStdC, "whsec_" + base64.StdEncoding.EncodeToString([]byte(testSecret)), req(testBody, "webhook-id", "msg_1", "webhook-timestamp", nowTS, "webhook-signature", stdSig("whsec_"+base64.StdEncoding.EncodeToString([]byte(testSecret)), "msg_1", nowTS, testBody)), time.Time{}, ""},
	{"standard tampered body", authStdC, stdSecret, req(stdBody+" ", "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", stdSignature), time.Time{}, "signature does not match"},
	{"standard wrong secret", authStdC, stdSecret, req(testBody, "webhook-id", "msg_1", "webhook-timestamp", nowTS, "webhook-signature", stdSig(wrongSecret, "msg_1", nowTS, testBody)), time.Time{}, "signature does not match"},
	{"standard whsec secret used raw", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", "v1,"+b64MAC(sha256.New, stdSecret, stdID+"."+nowTS+"."+stdBody)), time.Time{}, "signature does not match"},
	{"standard id swapped", authStdC, stdSecret, req(stdBody, "webhook-id", stdID+"x", "webhook-timestamp", nowTS, "webhook-signature", stdSignature), time.Time{}, "signature does not match"},
	{"standard missing id", authStdC, stdSecret, req(stdBody, "webhook-timestamp", nowTS, "webhook-signature", stdSignature), time.Time{}, "missing webhook-id header"},
	{"standard missing timestamp", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-signature", stdSignature), time.Time{}, "missing webhook-timestamp header"},
	{"standard missing signature", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS), time.Time{}, "missing webhook-signature header"},
	{"standard malformed timestamp", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", "2021-02-26T15:02:10Z", "webhook-signature", stdSignature), time.Time{}, "malformed webhook-timestamp header: not a unix timestamp"},
	{"standard no v1", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", strings.Replace(stdSignature, "v1,", "v1a,", 1)), time.Time{}, "malformed webhook-signature header: no v1 signature"},
	{"standard malformed signature", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", strings.TrimPrefix(stdSignature, "v1,")), time.Time{}, "malformed webhook-signature header: no v1 signature"},
	{"standard stale", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", unixText(stale), "webhook-signature", stdSig(stdSecret, stdID, unixText(stale), stdBody)), time.Time{}, "timestamp outside the 5m tolerance (too old)"},
	{"standard future", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", unixText(future), "webhook-signature", stdSig(stdSecret, stdID, unixText(future), stdBody)), time.Time{}, "timestamp outside the 5m tolerance (in the future)"},
	{"standard huge timestamp", authStdC, stdSecret, req(stdBody, "webhook-id", stdID, "webhook-timestamp", "9223372036854775807", "webhook-signature", stdSig(stdSecret, stdID, "9223372036854775807", stdBody)), time.Time{}, "timestamp outside the 5m tolerance (in the future)"},
}

func (tc authTest) clock() time.Time {
	if tc.now.IsZero() {
		return testNow
	}
	return tc.now
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	for _, tc := range authTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Authenticate(tc.auth, tc.secret, tc.in, tc.clock())
			if tc.err == "" {
				if err != nil {
					t.Fatalf("refused a valid request: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want refusal %q", tc.err)
			}
			if !errors.Is(err, ErrUnauthorized) {
				t.Errorf("error %q does not wrap ErrUnauthorized", err)
			}
			if errors.Is(err, ErrAuthConfig) {
				t.Errorf("error %q wraps ErrAuthConfig for a well-configured trigger", err)
			}
			if !strings.HasPrefix(err.Error(), "unauthorized: "+tc.auth.Type+": ") {
				t.Errorf("error %q does not start with %q", err, "unauthorized: "+tc.auth.Type+": ")
			}
			if !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %q does not say %q", err, tc.err)
			}
		})
	}
}

// stripeTimestamp finds the t= value of a Stripe-Signature header.
var stripeTimestamp = regexp.MustCompile(`t=(\d+)`)

// expectedSignatures is what a leaky verifier could print for tc: the
// signatures the true secret gives for tc's request, in every encoding.
func expectedSignatures(tc authTest) []string {
	body := string(tc.in.Body)
	h := tc.in.Header
	var out []string
	add := func(b []byte) {
		out = append(out, hex.EncodeToString(b), base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
	}
	switch tc.auth.Type {
	case "hmac", "github", "shopify":
		for _, newHash := range []func() hash.Hash{sha1.New, sha256.New, sha512.New} {
			add(mac(newHash, tc.secret, body))
		}
	case "stripe":
		if m := stripeTimestamp.FindStringSubmatch(h.Get("Stripe-Signature")); m != nil {
			add(mac(sha256.New, tc.secret, m[1]+"."+body))
		}
	case "slack":
		add(mac(sha256.New, tc.secret, "v0:"+h.Get("X-Slack-Request-Timestamp")+":"+body))
	case "standard":
		key := tc.secret
		if strings.HasPrefix(key, "whsec_") {
			if b, err := base64.StdEncoding.DecodeString(key[len("whsec_"):]); err == nil {
				key = string(b)
			}
		}
		add(mac(sha256.New, key, h.Get("webhook-id")+"."+h.Get("webhook-timestamp")+"."+body))
	case "basic":
		out = append(out, basicCreds(tc.auth.Username, tc.secret))
	}
	return out
}

// receivedValues are the credential-bearing parts of tc's request.
func receivedValues(tc authTest) []string {
	var out []string
	split := func(v string) {
		out = append(out, v)
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '=' || r == ' ' })...)
	}
	for _, vs := range tc.in.Header {
		for _, v := range vs {
			split(v)
		}
	}
	for _, vs := range tc.in.Query {
		for _, v := range vs {
			split(v)
		}
	}
	return out
}

func TestAuthenticateErrorsNeverLeak(t *testing.T) {
	t.Parallel()
	for _, tc := range authTests {
		if tc.err == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Authenticate(tc.auth, tc.secret, tc.in, tc.clock())
			if err == nil {
				t.Fatal("accepted")
			}
			msg := strings.ToLower(err.Error())
			secrets := []string{tc.secret, wrongSecret, strings.TrimPrefix(tc.secret, "whsec_")}
			check := func(kind string, values []string) {
				for _, v := range values {
					// Short pieces (a "t", a timestamp, a scheme name) are not credentials.
					if len(v) >= 12 && strings.Contains(msg, strings.ToLower(v)) {
						t.Errorf("error %q contains the %s %q", err, kind, v)
					}
				}
			}
			check("secret", secrets)
			check("expected signature", expectedSignatures(tc))
			check("received value", receivedValues(tc))
		})
	}
}

// authConfigTests are trigger configs that cannot verify anything: every
// request is refused, and the error says the config is at fault.
var authConfigTests = []struct {
	name   string
	auth   *workflows.Auth
	secret string
	in     *Inbound
	err    string
}{
	{"unknown type", &workflows.Auth{Type: "ldap"}, testSecret, req(testBody), `unknown auth type "ldap"`},
	{"empty type", &workflows.Auth{}, testSecret, req(testBody), `unknown auth type ""`},
	{"upper-case type", &workflows.Auth{Type: "GitHub"}, testSecret, req(testBody, "X-Hub-Signature-256", githubSig(testSecret, testBody)), `unknown auth type "GitHub"`},
	{"token empty secret", authTok, "", req(testBody, "Authorization", "Bearer "), "the secret is empty"},
	{"token empty secret no header", authTok, "", req(testBody), "the secret is empty"},
	{"basic empty secret", authBasicCfg, "", req(testBody, "Authorization", basicCreds("hookflow", "")), "the secret is empty"},
	{"github empty secret", authGithub, "", req(testBody, "X-Hub-Signature-256", githubSig("", testBody)), "the secret is empty"},
	{"hmac no header", &workflows.Auth{Type: "hmac"}, testSecret, req(testBody, "X-Signature", hexMAC(sha256.New, testSecret, testBody)), "hmac auth needs a header"},
	{"hmac unknown algorithm", &workflows.Auth{Type: "hmac", Header: "X-Signature", Algorithm: "md5"}, testSecret, req(testBody), `unknown hmac algorithm "md5"`},
	{"hmac unknown encoding", &workflows.Auth{Type: "hmac", Header: "X-Signature", Encoding: "base32"}, testSecret, req(testBody), `unknown signature encoding "base32"`},
	{"standard whsec not base64", authStdC, "whsec_***", req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", stdSignature), "the rest is not base64"},
	{"standard whsec empty", authStdC, "whsec_", req(stdBody, "webhook-id", stdID, "webhook-timestamp", nowTS, "webhook-signature", stdSignature), "the rest is not base64"},
}

func TestAuthenticateConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range authConfigTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Authenticate(tc.auth, tc.secret, tc.in, testNow)
			if err == nil {
				t.Fatal("accepted a request on a trigger that cannot verify anything")
			}
			if !errors.Is(err, ErrUnauthorized) || !errors.Is(err, ErrAuthConfig) {
				t.Errorf("error %q should wrap ErrUnauthorized and ErrAuthConfig", err)
			}
			if !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %q does not say %q", err, tc.err)
			}
			if len(tc.secret) > len("whsec_") && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestAuthenticateNilInbound(t *testing.T) {
	t.Parallel()
	for scheme := range authSchemes {
		a := &workflows.Auth{Type: scheme, Header: "X-Signature", Username: "u"}
		if err := Authenticate(a, testSecret, nil, testNow); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: nil inbound gave %v, want ErrUnauthorized", scheme, err)
		}
		empty := &Inbound{}
		if err := Authenticate(a, testSecret, empty, time.Time{}); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: empty inbound gave %v, want ErrUnauthorized", scheme, err)
		}
	}
}

func TestAuthenticateZeroNowIsWallClock(t *testing.T) {
	t.Parallel()
	ts := unixText(time.Now())
	in := req(testBody, "X-Slack-Request-Timestamp", ts, "X-Slack-Signature", slackSig(testSecret, ts, testBody))
	if err := Authenticate(authSlackC, testSecret, in, time.Time{}); err != nil {
		t.Fatalf("zero now should mean time.Now(): %v", err)
	}
}

func TestStandardWebhooksSpecVector(t *testing.T) {
	t.Parallel()
	key, err := standardKey(stdSecret)
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.Itoa(stdTimestamp)
	got := "v1," + base64.StdEncoding.EncodeToString(standardSign(key, stdID, ts, []byte(stdBody)))
	if got != stdSignature {
		t.Fatalf("standardSign = %q, want the spec's %q", got, stdSignature)
	}
	// The test helpers agree with the spec too, so the table's signatures are sound.
	if h := stdSig(stdSecret, stdID, ts, stdBody); h != stdSignature {
		t.Fatalf("stdSig = %q, want %q", h, stdSignature)
	}
	in := req(stdBody, "webhook-id", stdID, "webhook-timestamp", ts, "webhook-signature", stdSignature)
	if err := Authenticate(authStdC, stdSecret, in, time.Unix(stdTimestamp, 0)); err != nil {
		t.Fatalf("spec vector refused: %v", err)
	}
}

// TestSeveralV1Signatures: during a secret roll Stripe and Standard
// Webhooks send several v1 signatures, and the request is genuine when any
// one of them matches, wherever it stands in the header.
func TestSeveralV1Signatures(t *testing.T) {
	t.Parallel()
	stripeGood, stripeBad := stripeV1(testSecret, testNow, testBody), stripeV1(wrongSecret, testNow, testBody)
	stdGood, stdBad := stdSig(testSecret, "msg_1", nowTS, testBody), stdSig(wrongSecret, "msg_1", nowTS, testBody)
	for _, c := range []struct {
		name  string
		order []bool // true: the valid signature, false: one under another secret
		ok    bool
	}{
		{"valid then invalid", []bool{true, false}, true},
		{"invalid then valid", []bool{false, true}, true},
		{"valid between invalid ones", []bool{false, true, false}, true},
		{"valid twice", []bool{true, true}, true},
		{"invalid only", []bool{false, false}, false},
	} {
		stripe := []string{"t=" + nowTS}
		var std []string
		for _, valid := range c.order {
			if valid {
				stripe, std = append(stripe, "v1="+stripeGood), append(std, stdGood)
			} else {
				stripe, std = append(stripe, "v1="+stripeBad), append(std, stdBad)
			}
		}
		for _, r := range []struct {
			auth *workflows.Auth
			in   *Inbound
		}{
			{authStripeC, req(testBody, "Stripe-Signature", strings.Join(stripe, ","))},
			{authStdC, req(testBody, "webhook-id", "msg_1", "webhook-timestamp", nowTS, "webhook-signature", strings.Join(std, " "))},
		} {
			err := Authenticate(r.auth, testSecret, r.in, testNow)
			switch {
			case c.ok && err != nil:
				t.Errorf("%s, %s: refused: %v", r.auth.Type, c.name, err)
			case !c.ok && (err == nil || !strings.Contains(err.Error(), "signature does not match")):
				t.Errorf("%s, %s: %v, want the signature refused", r.auth.Type, c.name, err)
			}
		}
	}
}

var stripeHeaderTests = []struct {
	header string
	ts     string
	v1     int
	err    string
}{
	{header: "t=1614265330,v1=00ff", ts: "1614265330", v1: 1},
	{header: "t=1614265330,v1=00ff,v1=AB01,v0=cafe", ts: "1614265330", v1: 2},
	{header: " v1=00ff , t=0001 ", ts: "0001", v1: 1},
	{header: "t=1,v1=00ff,scheme=x,v1=", ts: "1", v1: 1},
	{header: "t=1,v1=0g,v1=0", err: "no v1= signature"},
	{header: "", err: "an element is not key=value"},
	{header: "t=1,v1=00,", err: "an element is not key=value"},
	{header: "t1,v1=00", err: "an element is not key=value"},
	{header: "v1=00", err: "no t= timestamp"},
	{header: "t=,v1=00", err: "t= is not a unix timestamp"},
	{header: "t=+1,v1=00", err: "t= is not a unix timestamp"},
	{header: "t=1.5,v1=00", err: "t= is not a unix timestamp"},
	{header: "t=99999999999999999999,v1=00", err: "t= is not a unix timestamp"},
	{header: "t=1,t=1,v1=00", err: "more than one t= timestamp"},
}

func TestStripeSignatureHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range stripeHeaderTests {
		sig, err := parseStripeSignature(tc.header)
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("parseStripeSignature(%q) error = %v, want %q", tc.header, err, tc.err)
			}
		case err != nil:
			t.Errorf("parseStripeSignature(%q): %v", tc.header, err)
		case sig.timestamp != tc.ts || len(sig.v1) != tc.v1:
			t.Errorf("parseStripeSignature(%q) = t %q, %d v1; want t %q, %d v1", tc.header, sig.timestamp, len(sig.v1), tc.ts, tc.v1)
		}
	}
}

var standardHeaderTests = []struct {
	header string
	n      int
	err    bool
}{
	{header: stdSignature, n: 1},
	{header: "v1,AAAA v1,AQID", n: 2},
	{header: "  v1a,AAAA\tv1,AQID  ", n: 1},
	{header: "v1,AAAA,extra v1,AQID", n: 1},
	{header: "v1,", err: true},
	{header: "v1 AAAA", err: true},
	{header: "v2,AAAA", err: true},
	{header: "V1,AAAA", err: true},
	{header: "v1,not base64!", err: true},
	{header: "", err: true},
}

func TestStandardSignatureHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range standardHeaderTests {
		sigs, err := parseStandardSignatures(tc.header)
		if tc.err {
			if err == nil {
				t.Errorf("parseStandardSignatures(%q) accepted %d signatures", tc.header, len(sigs))
			}
			continue
		}
		if err != nil || len(sigs) != tc.n {
			t.Errorf("parseStandardSignatures(%q) = %d, %v; want %d", tc.header, len(sigs), err, tc.n)
		}
	}
}

var basicHeaderTests = []struct {
	header, user, pass string
	ok                 bool
}{
	{basicCreds("u", "p"), "u", "p", true},
	{"bAsIc " + base64.StdEncoding.EncodeToString([]byte("u:p:q")), "u", "p:q", true},
	{basicCreds("", ""), "", "", true},
	{"Basic", "", "", false},
	{"Basic dTpw=", "", "", false},
	{"Bearer dTpw", "", "", false},
	{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), "", "", false},
}

func TestBasicAuthHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range basicHeaderTests {
		user, pass, ok := parseBasicAuth(tc.header)
		if ok != tc.ok || user != tc.user || pass != tc.pass {
			t.Errorf("parseBasicAuth(%q) = %q, %q, %v; want %q, %q, %v", tc.header, user, pass, ok, tc.user, tc.pass, tc.ok)
		}
	}
}

func BenchmarkGithubAuthenticate(b *testing.B) {
	body := strings.Repeat(`{"k":"v"},`, 103)[:1024]
	in := req(body, "X-Hub-Signature-256", githubSig(testSecret, body))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Authenticate(authGithub, testSecret, in, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleAuthenticate() {
	auth := &workflows.Auth{Type: "github", Secret: "{{ secrets.github }}"}
	secret := "It's a Secret to Everybody" // the rendered {{ secrets.github }}
	in := &Inbound{
		Method: http.MethodPost,
		Header: http.Header{"X-Hub-Signature-256": {"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}},
		Body:   []byte("Hello, World!"),
	}
	fmt.Println(Authenticate(auth, secret, in, time.Now()))

	in.Body = []byte("Hello, World?")
	err := Authenticate(auth, secret, in, time.Now())
	fmt.Println(errors.Is(err, ErrUnauthorized), err)
	// Output:
	// <nil>
	// true unauthorized: github: signature does not match
}
