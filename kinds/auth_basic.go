package kinds

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "basic",
		Title:   "Username and password",
		Summary: "The caller sends HTTP Basic credentials.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The password; usually {{ secrets.NAME }}."},
			{Name: "username", Label: "Username", Kind: workflows.ValueText, Required: true},
		},
		Example: []byte(`{"type": "basic", "username": "shop", "secret": "{{ secrets.shop_password }}"}`),
	}, authBasic)
}

// authBasic checks HTTP Basic credentials ("basic" auth): the user name is
// a.Username and the password is the secret. Both are compared in constant
// time, and a refusal does not say which of the two was wrong.
func authBasic(a *workflows.Auth, secret string, in *Inbound, _ time.Time) error {
	v, ok := headerValue(in.Header, "Authorization")
	if !ok {
		return errors.New("missing Authorization header")
	}
	user, pass, ok := parseBasicAuth(v)
	if !ok {
		return errors.New("malformed Authorization header: not Basic credentials")
	}
	if secretEqual(user, a.Username)&secretEqual(pass, secret) != 1 {
		return errors.New("user name or password does not match")
	}
	return nil
}

// parseBasicAuth splits an Authorization header value of the form
// "Basic base64(user:password)" (scheme name in any case, as RFC 7617 says).
// The password may contain colons; the user name may not.
func parseBasicAuth(v string) (user, pass string, ok bool) {
	const scheme = "Basic "
	if !hasPrefixFold(v, scheme) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[len(scheme):]))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	return user, pass, true
}
