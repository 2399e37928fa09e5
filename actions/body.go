package actions

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The body formats of an outbound request, as a step names them.
const (
	BodyJSON      = "json"
	BodyForm      = "form"
	BodyMultipart = "multipart"
	BodyXML       = "xml"
	BodyText      = "text"
)

// BodyFormats lists the body formats, the default first.
var BodyFormats = []string{BodyJSON, BodyForm, BodyMultipart, BodyXML, BodyText}

// ErrBody: a value cannot be sent in the body format asked for (a list
// as a form, a file part without content, an XML name that is not one).
var ErrBody = errors.New("body")

// ValidBodyFormat reports whether format names a body format ("" is json).
func ValidBodyFormat(format string) bool {
	return format == "" || slices.Contains(BodyFormats, format)
}

// EncodeBody encodes a value in a body format ("" is json), giving the
// bytes to send and their Content-Type:
//
//   - json: the value as JSON.
//   - form: application/x-www-form-urlencoded from an object; a list gives
//     its key once per item, a nested object bracketed keys
//     (customer[email]=...), null an empty value.
//   - multipart: multipart/form-data from an object; each key is a part. A
//     value that is an object with content_base64 (bytes) or content
//     (text) is a file, with its filename and content_type (default
//     application/octet-stream, text/plain for content); a list gives one
//     part per item; other values are text fields (objects as JSON).
//   - xml: a string is sent as it is; an object is rendered as XML, its
//     one key the root element (more keys: inside <root>), "@name" keys
//     attributes, "#text" the element's text, lists repeated elements,
//     keys in sorted order.
//   - text: a string sent as it is (another value as JSON).
func EncodeBody(format string, v any) ([]byte, string, error) {
	switch format {
	case "", BodyJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, "", fmt.Errorf("%w is not JSON: %w", ErrBody, err)
		}
		return b, "application/json", nil
	case BodyForm:
		obj, ok := v.(map[string]any)
		if !ok && v != nil {
			return nil, "", fmt.Errorf("%w: a form is made from an object of fields, not %s", ErrBody, typeName(v))
		}
		vals := url.Values{}
		for _, k := range sortedKeys(obj) {
			if err := formValues(vals, k, obj[k]); err != nil {
				return nil, "", err
			}
		}
		return []byte(vals.Encode()), "application/x-www-form-urlencoded", nil
	case BodyMultipart:
		return encodeMultipart(v)
	case BodyXML:
		if s, ok := v.(string); ok {
			return []byte(s), "application/xml", nil
		}
		b, err := encodeXML(v)
		if err != nil {
			return nil, "", err
		}
		return b, "application/xml", nil
	case BodyText:
		if s, ok := v.(string); ok {
			return []byte(s), "text/plain; charset=utf-8", nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, "", fmt.Errorf("%w is not text: %w", ErrBody, err)
		}
		return b, "text/plain; charset=utf-8", nil
	}
	return nil, "", fmt.Errorf("%w: unknown format %q (want one of %s)", ErrBody, format, strings.Join(BodyFormats, ", "))
}

// typeName names a value's JSON type in an error.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case bool:
		return "true or false"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a number"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// scalarText is a field's text: a string as it is, null empty, numbers
// and booleans as JSON writes them, anything else as JSON.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBody, err)
	}
	return string(b), nil
}

// formValues adds a form field: lists repeat the key, objects bracket it.
func formValues(vals url.Values, key string, v any) error {
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			if _, nested := item.(map[string]any); nested {
				return fmt.Errorf("%w: form field %s: a list of objects cannot be sent as a form", ErrBody, key)
			}
			if err := formValues(vals, key, item); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if err := formValues(vals, key+"["+k+"]", x[k]); err != nil {
				return err
			}
		}
		return nil
	}
	s, err := scalarText(v)
	if err != nil {
		return fmt.Errorf("form field %s: %w", key, err)
	}
	vals.Add(key, s)
	return nil
}

// encodeMultipart writes an object as multipart/form-data.
func encodeMultipart(v any) ([]byte, string, error) {
	obj, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, "", fmt.Errorf("%w: a multipart body is made from an object of parts, not %s", ErrBody, typeName(v))
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	// A boundary from crypto/rand, as multipart.NewWriter makes; set here
	// so a failure to make one is an error rather than a panic.
	var rnd [30]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, "", fmt.Errorf("multipart boundary: %w", err)
	}
	if err := w.SetBoundary(hex.EncodeToString(rnd[:])); err != nil {
		return nil, "", fmt.Errorf("multipart boundary: %w", err)
	}
	for _, k := range sortedKeys(obj) {
		items, isList := obj[k].([]any)
		if !isList {
			items = []any{obj[k]}
		}
		for _, item := range items {
			if err := writePart(w, k, item); err != nil {
				return nil, "", err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// writePart writes one part: a file where the value is an object with
// content_base64 or content, a text field otherwise.
func writePart(w *multipart.Writer, name string, v any) error {
	file, isObj := v.(map[string]any)
	_, hasB64 := file["content_base64"]
	_, hasText := file["content"]
	if !isObj || (!hasB64 && !hasText) {
		s, err := scalarText(v)
		if err != nil {
			return fmt.Errorf("multipart field %s: %w", name, err)
		}
		if err := w.WriteField(name, s); err != nil {
			return fmt.Errorf("multipart field %s: %w", name, err)
		}
		return nil
	}
	var content []byte
	ctype := "application/octet-stream"
	if hasB64 {
		s, _ := file["content_base64"].(string)
		var err error
		if content, err = decodeBase64(s); err != nil {
			return fmt.Errorf("%w: multipart file %s: content_base64 is not base64: %w", ErrBody, name, err)
		}
	} else {
		s, err := scalarText(file["content"])
		if err != nil {
			return fmt.Errorf("multipart file %s: %w", name, err)
		}
		content, ctype = []byte(s), "text/plain; charset=utf-8"
	}
	if ct, _ := file["content_type"].(string); ct != "" {
		ctype = ct
	}
	filename, _ := file["filename"].(string)
	if filename == "" {
		filename = name
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(name), quoteEscaper.Replace(filename)))
	h.Set("Content-Type", ctype)
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("multipart file %s: %w", name, err)
	}
	if _, err := pw.Write(content); err != nil {
		return fmt.Errorf("multipart file %s: %w", name, err)
	}
	return nil
}

// quoteEscaper escapes a quoted Content-Disposition parameter, as
// mime/multipart does for its own.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "%0D", "\n", "%0A")

// decodeBase64 reads standard or URL base64, padded or not.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// xmlName is what an element or attribute name may be here: a letter or _
// then letters, digits, _ - . and : (a namespace prefix).
var xmlName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]*$`)

// encodeXML renders a value as an XML document.
func encodeXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	obj, isObj := v.(map[string]any)
	if isObj && len(obj) == 1 {
		for k, inner := range obj {
			if !strings.HasPrefix(k, "@") && k != "#text" {
				if err := xmlElement(&buf, k, inner); err != nil {
					return nil, err
				}
				return buf.Bytes(), nil
			}
		}
	}
	if err := xmlElement(&buf, "root", v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// xmlElement writes <name> with v inside: lists repeat the element.
func xmlElement(buf *bytes.Buffer, name string, v any) error {
	if !xmlName.MatchString(name) {
		return fmt.Errorf("%w: %q is not an XML element name", ErrBody, name)
	}
	if list, ok := v.([]any); ok {
		for _, item := range list {
			if err := xmlElement(buf, name, item); err != nil {
				return err
			}
		}
		return nil
	}
	buf.WriteString("<" + name)
	obj, isObj := v.(map[string]any)
	keys := sortedKeys(obj)
	for _, k := range keys {
		attr, ok := strings.CutPrefix(k, "@")
		if !ok {
			continue
		}
		if !xmlName.MatchString(attr) {
			return fmt.Errorf("%w: %q is not an XML attribute name", ErrBody, attr)
		}
		s, err := scalarText(obj[k])
		if err != nil {
			return fmt.Errorf("xml %s@%s: %w", name, attr, err)
		}
		buf.WriteString(" " + attr + `="`)
		if err := xml.EscapeText(buf, []byte(s)); err != nil {
			return fmt.Errorf("xml %s@%s: %w", name, attr, err)
		}
		buf.WriteString(`"`)
	}
	buf.WriteString(">")
	if isObj {
		if t, ok := obj["#text"]; ok {
			if err := xmlText(buf, t); err != nil {
				return fmt.Errorf("xml %s: %w", name, err)
			}
		}
		for _, k := range keys {
			if strings.HasPrefix(k, "@") || k == "#text" {
				continue
			}
			if err := xmlElement(buf, k, obj[k]); err != nil {
				return err
			}
		}
	} else if err := xmlText(buf, v); err != nil {
		return fmt.Errorf("xml %s: %w", name, err)
	}
	buf.WriteString("</" + name + ">")
	return nil
}

func xmlText(buf *bytes.Buffer, v any) error {
	s, err := scalarText(v)
	if err != nil {
		return err
	}
	return xml.EscapeText(buf, []byte(s))
}
