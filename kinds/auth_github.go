package kinds

import (
	"crypto/sha256"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "github",
		Title:   "GitHub",
		Summary: "Checks the X-Hub-Signature-256 header GitHub signs each delivery with.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The webhook secret set in GitHub; usually {{ secrets.NAME }}."},
		},
		Example: []byte(`{"type": "github", "secret": "{{ secrets.github }}"}`),
	}, authGitHub)
}

// githubSignature is GitHub's webhook signature: X-Hub-Signature-256 holds
// "sha256=" and the hex HMAC-SHA256 of the body under the webhook secret.
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
var githubSignature = macHeader{
	header:    "X-Hub-Signature-256",
	prefix:    "sha256=",
	encoding:  "hex",
	algorithm: "sha256",
	hash:      sha256.New,
}

// authGitHub checks a GitHub delivery ("github" auth).
func authGitHub(_ *workflows.Auth, secret string, in *Inbound, _ time.Time) error {
	return githubSignature.verify(in.Header, []byte(secret), in.Body)
}
