package kinds

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "stripe",
		Title:   "Stripe",
		Summary: "Checks the Stripe-Signature header, and that the delivery is less than 5 minutes old.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The endpoint's signing secret (whsec_...); usually {{ secrets.NAME }}."},
		},
		Example: []byte(`{"type": "stripe", "secret": "{{ secrets.stripe }}"}`),
	}, authStripe)
}

// stripeSignature is a parsed Stripe-Signature header.
type stripeSignature struct {
	// timestamp is the t= value as sent: the signed payload starts with it.
	timestamp string
	// unix is timestamp as seconds since the epoch.
	unix int64
	// v1 are the decoded v1 signatures; during a secret roll there are
	// several and any one of them may match.
	v1 [][]byte
}

// parseStripeSignature parses "t=<unix>,v1=<hex>,v1=<hex>,v0=<hex>".
// Every element must be key=value and exactly one t must be a unix
// timestamp; keys other than t and v1 (v0, the test-mode scheme) are ignored,
// as are v1 values that are not hex, the way Stripe's libraries do it. At
// least one v1 signature is required. Errors never quote the header.
func parseStripeSignature(header string) (stripeSignature, error) {
	var sig stripeSignature
	seenT := false
	for _, item := range strings.Split(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return stripeSignature{}, errors.New("an element is not key=value")
		}
		switch key {
		case "t":
			if seenT {
				return stripeSignature{}, errors.New("more than one t= timestamp")
			}
			seenT = true
			unix, ok := parseUnixSeconds(value)
			if !ok {
				return stripeSignature{}, errors.New("t= is not a unix timestamp")
			}
			sig.timestamp, sig.unix = value, unix
		case "v1":
			if b, err := hex.DecodeString(value); err == nil && len(b) > 0 {
				sig.v1 = append(sig.v1, b)
			}
		}
	}
	if !seenT {
		return stripeSignature{}, errors.New("no t= timestamp")
	}
	if len(sig.v1) == 0 {
		return stripeSignature{}, errors.New("no v1= signature")
	}
	return sig, nil
}

// authStripe checks a Stripe event delivery ("stripe" auth): any v1
// signature must be the hex HMAC-SHA256, under the endpoint's signing secret
// ("whsec_..." used as is), of t + "." + body, and t must be within
// SignatureTolerance of now.
// https://docs.stripe.com/webhooks#verify-manually
func authStripe(_ *workflows.Auth, secret string, in *Inbound, now time.Time) error {
	v, ok := headerValue(in.Header, "Stripe-Signature")
	if !ok {
		return errors.New("missing Stripe-Signature header")
	}
	sig, err := parseStripeSignature(v)
	if err != nil {
		return fmt.Errorf("malformed Stripe-Signature header: %w", err)
	}
	if err := checkTimestamp(sig.unix, now); err != nil {
		return err
	}
	want := macSum(sha256.New, []byte(secret), []byte(sig.timestamp+"."), in.Body)
	match := false
	for _, got := range sig.v1 {
		// No early exit: every candidate is compared.
		match = hmac.Equal(got, want) || match
	}
	if !match {
		return errSignatureMismatch
	}
	return nil
}
