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
// [Sign] and [Verify] implement the Standard Webhooks signature scheme
// (https://www.standardwebhooks.com/); the inbound "standard" trigger auth
// reuses Verify.
package actions
