package kinds

import (
	"crypto/sha256"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "shopify",
		Title:   "Shopify",
		Summary: "Checks the X-Shopify-Hmac-Sha256 header Shopify signs each delivery with.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The app's client secret; usually {{ secrets.NAME }}."},
		},
		Example: []byte(`{"type": "shopify", "secret": "{{ secrets.shopify }}"}`),
	}, authShopify)
}

// shopifySignature is Shopify's webhook signature: X-Shopify-Hmac-Sha256
// holds the base64 HMAC-SHA256 of the body under the app's client secret.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
var shopifySignature = macHeader{
	header:    "X-Shopify-Hmac-Sha256",
	encoding:  "base64",
	algorithm: "sha256",
	hash:      sha256.New,
}

// authShopify checks a Shopify delivery ("shopify" auth).
func authShopify(_ *workflows.Auth, secret string, in *Inbound, _ time.Time) error {
	return shopifySignature.verify(in.Header, []byte(secret), in.Body)
}
