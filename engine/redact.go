package engine

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// Secret values are kept out of everything a run records (step inputs,
// outputs and errors, the run's error, the logs about it): each occurrence
// is replaced by redacted. Values shorter than minRedact are left alone:
// hiding every "a" would make records unreadable and hide nothing.
const (
	redacted  = "[redacted]"
	minRedact = 4
)

// secretValues are the run's string secrets worth redacting, longest first
// so that a secret containing another is hidden whole. The secrets do not
// change during a run, so the list is made once.
func (st *runState) secretValues() []string {
	if st.secretVals != nil {
		return st.secretVals
	}
	vals := []string{}
	for _, v := range st.env.Secrets {
		if s, ok := v.(string); ok && len(s) >= minRedact {
			vals = append(vals, s)
		}
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	st.secretVals = vals
	return vals
}

// redactString hides the given secret values inside s.
func redactString(s string, vals []string) string {
	for _, v := range vals {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// redactJSON hides secret values inside a JSON document (a step's recorded
// input or output) and keeps it valid JSON: strings, object keys and
// numbers holding a secret are rewritten, the rest is left as it was. A
// document without any secret, as JSON writes it, is returned unchanged
// without being decoded.
func (st *runState) redactJSON(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	vals := st.secretValues()
	if !containsAny(b, vals) {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []byte(`"` + redacted + `"`)
	}
	out, err := json.Marshal(redactValue(v, vals))
	if err != nil {
		return []byte(`"` + redacted + `"`)
	}
	return out
}

// containsAny reports whether b holds one of the values, in clear or as a
// JSON string escapes it.
func containsAny(b []byte, vals []string) bool {
	for _, v := range vals {
		if bytes.Contains(b, []byte(v)) {
			return true
		}
		if esc, err := json.Marshal(v); err == nil && bytes.Contains(b, esc[1:len(esc)-1]) {
			return true
		}
	}
	return false
}

func redactValue(v any, vals []string) any {
	switch x := v.(type) {
	case string:
		return redactString(x, vals)
	case json.Number:
		if s := x.String(); redactString(s, vals) != s {
			return redacted
		}
		return x
	case []any:
		for i := range x {
			x[i] = redactValue(x[i], vals)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[redactString(k, vals)] = redactValue(e, vals)
		}
		return out
	}
	return v
}

// credentialHeaders carry credentials in forms a value match misses (Basic
// auth sends base64 of user:password): their recorded value keeps only the
// scheme, e.g. "Bearer [redacted]".
var credentialHeaders = map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true}

// redactHeader is an outbound header's value as recorded; name is lower
// case.
func (st *runState) redactHeader(name, value string) string {
	value = st.Redact(value)
	if !credentialHeaders[name] {
		return value
	}
	if scheme, _, ok := strings.Cut(value, " "); ok && name != "cookie" && scheme != "" && !strings.Contains(scheme, redacted) {
		return scheme + " " + redacted
	}
	return redacted
}
