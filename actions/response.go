package actions

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Response is what came back from one send; Output turns it into the webhook
// step's output.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers with lower-case names; repeated
	// values are joined with ", ".
	Header map[string]string
	// Body is the parsed JSON when the response is JSON (or parses as JSON),
	// else the text; "" when there was no body.
	Body any
	// RawBody is the body as received, cut at Config.MaxResponseBytes.
	RawBody []byte
	// Truncated says RawBody was cut at Config.MaxResponseBytes.
	Truncated bool
	// Duration runs from sending the request to the end of reading the body.
	Duration time.Duration
}

// Output returns the step output {"status": int, "headers": map, "body": any}
// that later steps read as steps.<id>.status and so on.
func (r *Response) Output() map[string]any {
	headers := make(map[string]any, len(r.Header))
	for k, v := range r.Header {
		headers[k] = v
	}
	return map[string]any{
		"status":  r.Status,
		"headers": headers,
		"body":    r.Body,
	}
}

// flattenHeader lower-cases names and joins repeated values.
func flattenHeader(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	return out
}

// parseBody decodes JSON where the body is JSON, and gives the text otherwise.
// A body that is declared JSON but does not parse (truncated, say) is text.
func parseBody(raw []byte) any {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && looksJSON(trimmed[0]) {
		var v any
		if err := json.Unmarshal(trimmed, &v); err == nil {
			return v
		}
	}
	return string(raw)
}

// looksJSON rules out, cheaply, text that cannot be a JSON value.
func looksJSON(c byte) bool {
	switch c {
	case '{', '[', '"', '-', 't', 'f', 'n':
		return true
	}
	return '0' <= c && c <= '9'
}
