package kinds

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

func init() {
	registerAuth(workflows.Doc{
		Type:    "standard",
		Title:   "Standard Webhooks",
		Summary: "Checks a Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature), as Svix and others send it.",
		Fields: []workflows.Field{
			{Name: "secret", Label: "Secret", Kind: workflows.ValueSecret, Required: true, Help: "The whsec_ secret; usually {{ secrets.NAME }}."},
		},
		Example: []byte(`{"type": "standard", "secret": "{{ secrets.partner }}"}`),
	}, authStandard)
}

// Standard Webhooks headers, as the spec spells them. Svix, where the spec
// comes from, sends the same values under svix-id, svix-timestamp and
// svix-signature; those are read where the webhook-* header is absent.
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
const (
	standardIDHeader        = "webhook-id"
	standardTimestampHeader = "webhook-timestamp"
	standardSignatureHeader = "webhook-signature"
)

// standardHeader reads a Standard Webhooks header, or its svix- twin.
func standardHeader(h http.Header, name string) (string, bool) {
	if v, ok := headerValue(h, name); ok {
		return v, true
	}
	return headerValue(h, "svix-"+strings.TrimPrefix(name, "webhook-"))
}

// standardKey is the HMAC key of a Standard Webhooks secret: the base64
// after "whsec_", or the secret's own bytes when it has no such prefix.
func standardKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return []byte(secret), nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: the secret starts with whsec_ but the rest is not base64", ErrAuthConfig)
	}
	return key, nil
}

// parseStandardSignatures parses a webhook-signature header: a
// space-separated list of "<version>,<base64>" entries. It returns the
// decoded v1 (HMAC-SHA256) signatures; other versions (v1a is asymmetric)
// and entries that do not parse are skipped. At least one v1 signature is
// required. Errors never quote the header.
func parseStandardSignatures(header string) ([][]byte, error) {
	var sigs [][]byte
	for _, entry := range strings.Fields(header) {
		version, value, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(value); err == nil && len(b) > 0 {
			sigs = append(sigs, b)
		}
	}
	if len(sigs) == 0 {
		return nil, errors.New("no v1 signature")
	}
	return sigs, nil
}

// authStandard checks a Standard Webhooks delivery ("standard" auth): any
// v1 signature must be the base64 HMAC-SHA256 of id + "." + timestamp + "."
// + body, and the timestamp must be within SignatureTolerance of now.
func authStandard(_ *workflows.Auth, secret string, in *Inbound, now time.Time) error {
	key, err := standardKey(secret)
	if err != nil {
		return err
	}
	id, ok := standardHeader(in.Header, standardIDHeader)
	if !ok {
		return errors.New("missing " + standardIDHeader + " header")
	}
	ts, ok := standardHeader(in.Header, standardTimestampHeader)
	if !ok {
		return errors.New("missing " + standardTimestampHeader + " header")
	}
	v, ok := standardHeader(in.Header, standardSignatureHeader)
	if !ok {
		return errors.New("missing " + standardSignatureHeader + " header")
	}
	unix, ok := parseUnixSeconds(ts)
	if !ok {
		return errors.New("malformed " + standardTimestampHeader + " header: not a unix timestamp")
	}
	if err := checkTimestamp(unix, now); err != nil {
		return err
	}
	sigs, err := parseStandardSignatures(v)
	if err != nil {
		return fmt.Errorf("malformed %s header: %w", standardSignatureHeader, err)
	}
	want := standardSign(key, id, ts, in.Body)
	match := false
	for _, got := range sigs {
		match = hmac.Equal(got, want) || match
	}
	if !match {
		return errSignatureMismatch
	}
	return nil
}

// standardSign is the raw v1 signature of a Standard Webhooks message.
func standardSign(key []byte, id, timestamp string, body []byte) []byte {
	return macSum(sha256.New, key, []byte(id+"."+timestamp+"."), body)
}
