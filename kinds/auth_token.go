package kinds

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "token",
		Title:   "Shared token",
		Summary: "The caller sends a shared token, as Authorization: Bearer TOKEN or in a header or query parameter of your choice.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The token callers must send; usually {{ secrets.NAME }}."},
			{Name: "header", Label: "Header", Kind: workflows.ValueText, Placeholder: "X-Token", Help: "The header carrying the token. Empty (and no query parameter): Authorization, with or without Bearer."},
			{Name: "query", Label: "Query parameter", Kind: workflows.ValueText, Placeholder: "token", Help: "A query parameter that may carry the token, for senders that cannot set headers."},
		},
		Example: []byte(`{"type": "token", "secret": "{{ secrets.inbound_token }}"}`),
	}, authToken)
}

// authToken checks a shared token ("token" auth). The token travels in the
// header a.Header, or in the query parameter a.Query; where both are
// configured either place is accepted. With neither configured it is the
// Authorization header. In the Authorization header a "Bearer " prefix, in
// any case, is stripped first. Only the configured places are read: a
// query-only trigger ignores the Authorization header.
func authToken(a *workflows.Auth, secret string, in *Inbound, _ time.Time) error {
	header := a.Header
	if header == "" && a.Query == "" {
		header = "Authorization"
	}
	var got []string
	if header != "" {
		if v, ok := headerValue(in.Header, header); ok {
			if strings.EqualFold(header, "Authorization") && hasPrefixFold(v, "Bearer ") {
				v = strings.TrimSpace(v[len("Bearer "):])
			}
			if v != "" {
				got = append(got, v)
			}
		}
	}
	if a.Query != "" {
		if v := in.Query.Get(a.Query); v != "" {
			got = append(got, v)
		}
	}
	if len(got) == 0 {
		switch {
		case header == "":
			return fmt.Errorf("missing %q query parameter", a.Query)
		case a.Query == "":
			return fmt.Errorf("missing %s header", headerName(header))
		default:
			return fmt.Errorf("missing %s header and %q query parameter", headerName(header), a.Query)
		}
	}
	match := 0
	for _, g := range got {
		match |= secretEqual(g, secret)
	}
	if match != 1 {
		return errors.New("token does not match")
	}
	return nil
}
