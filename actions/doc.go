// Package actions is Hookflow's outbound side: the one place that sends an
// outbound webhook.
//
// The engine renders a webhook step into a [Request] (templates already
// evaluated) and hands it to a [Sender]. The Sender adds the Standard Webhooks
// headers (webhook-id, webhook-timestamp and, when a secret is set,
// webhook-signature), refuses destinations that the [Egress] guard forbids
// (loopback, private, link-local and other internal addresses, checked on the
// resolved IP at dial time), never follows redirects, caps the response body,
// and classifies the outcome: a 2xx is a [Response]; anything else is a
// [*DeliveryError] that says whether the engine should retry and how long the
// receiver asked it to wait.
//
// [EncodeBody] turns a step's body into bytes in a body format (json, form,
// multipart, xml, text), for every step kind that sends one. A request
// with [OAuth2] is sent with an access token the Sender gets, keeps until
// shortly before it expires, shares among concurrent sends (and, through
// Config.Tokens, among processes), and renews once on a 401.
//
// [Sign] and [Verify] implement the Standard Webhooks signature scheme
// (https://www.standardwebhooks.com/); the inbound "standard" trigger auth
// reuses Verify.
package actions
