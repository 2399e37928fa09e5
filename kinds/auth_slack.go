package kinds

import (
	"crypto/sha256"
	"errors"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "slack",
		Title:   "Slack",
		Summary: "Checks the X-Slack-Signature header, and that the request is less than 5 minutes old.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The app's signing secret; usually {{ secrets.NAME }}."},
		},
		Example: []byte(`{"type": "slack", "secret": "{{ secrets.slack_signing }}"}`),
	}, authSlack)
}

// slackSignature is Slack's request signature: X-Slack-Signature holds "v0="
// and the hex HMAC-SHA256, under the signing secret, of
// "v0:" + X-Slack-Request-Timestamp + ":" + body.
// https://api.slack.com/authentication/verifying-requests-from-slack
var slackSignature = macHeader{
	header:    "X-Slack-Signature",
	prefix:    "v0=",
	encoding:  "hex",
	algorithm: "sha256",
	hash:      sha256.New,
}

// authSlack checks a Slack request ("slack" auth), refusing a timestamp
// more than SignatureTolerance old or ahead.
func authSlack(_ *workflows.Auth, secret string, in *Inbound, now time.Time) error {
	ts, ok := headerValue(in.Header, "X-Slack-Request-Timestamp")
	if !ok {
		return errors.New("missing X-Slack-Request-Timestamp header")
	}
	unix, ok := parseUnixSeconds(ts)
	if !ok {
		return errors.New("malformed X-Slack-Request-Timestamp header: not a unix timestamp")
	}
	if err := checkTimestamp(unix, now); err != nil {
		return err
	}
	return slackSignature.verify(in.Header, []byte(secret), []byte("v0:"+ts+":"), in.Body)
}
