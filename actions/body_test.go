package actions

import (
	"errors"
	"strings"
	"testing"
)

// TestEncodeBodyRefuses: values a format cannot carry are refused with
// ErrBody, saying why.
func TestEncodeBodyRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format string
		v      any
		want   string
	}{
		{BodyForm, []any{"a"}, "a form is made from an object of fields, not a list"},
		{BodyForm, map[string]any{"items": []any{map[string]any{"a": 1}}}, "a list of objects cannot be sent as a form"},
		{BodyMultipart, "text", "a multipart body is made from an object of parts, not text"},
		{BodyMultipart, map[string]any{"f": map[string]any{"content_base64": "not base64!"}}, "content_base64 is not base64"},
		{BodyXML, map[string]any{"1st": "x"}, `"1st" is not an XML element name`},
		{BodyXML, map[string]any{"a": map[string]any{"@x y": "1"}}, `"x y" is not an XML attribute name`},
		{"yaml", map[string]any{}, `unknown format "yaml"`},
	} {
		_, _, err := EncodeBody(tt.format, tt.v)
		if !errors.Is(err, ErrBody) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("EncodeBody(%s, %v) = %v; want ErrBody saying %q", tt.format, tt.v, err, tt.want)
		}
	}
}

// TestEncodeBodyXML: an object renders with attributes, text, repeated
// elements and escaping; more than one key is wrapped in <root>.
func TestEncodeBodyXML(t *testing.T) {
	t.Parallel()
	b, ct, err := EncodeBody(BodyXML, map[string]any{"order": map[string]any{
		"@id": "A&1", "item": []any{"x<y", 2.0}, "note": map[string]any{"@lang": "en", "#text": "hi \"there\""}, "empty": nil,
	}})
	if err != nil || ct != "application/xml" {
		t.Fatalf("EncodeBody = %v, %q", err, ct)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<order id="A&amp;1"><empty></empty><item>x&lt;y</item><item>2</item><note lang="en">hi &#34;there&#34;</note></order>`
	if string(b) != want {
		t.Errorf("xml =\n%s\nwant\n%s", b, want)
	}
	b, _, _ = EncodeBody(BodyXML, map[string]any{"a": 1.0, "b": true})
	if !strings.HasSuffix(string(b), "<root><a>1</a><b>true</b></root>") {
		t.Errorf("two keys: %s", b)
	}
}
