package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Every answer of the API is valid JSON, whatever was stored: records keep
// what arrived (an event's body, as a step's input, is kept as it came, with
// any invalid UTF-8 in it), so the API cleans what it shows, not the store.

// jsonContentType is the type of every JSON answer.
const jsonContentType = "application/json; charset=utf-8"

// internalError is the body of a 500 answer.
var internalError = gin.H{"error": apiError{Code: "internal", Message: "internal error; see the server log"}}

// encodeJSON is v as the API answers it: encoding/json without HTML
// escaping (as gin's PureJSON writes it), with invalid UTF-8 replaced by
// U+FFFD. encoding/json replaces it in strings it encodes, but copies a
// json.RawMessage (a step's recorded input or output) as it is.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return validUTF8(buf.Bytes()), nil
}

// validUTF8 replaces each run of invalid UTF-8 in a JSON document with
// U+FFFD. Such bytes can only be inside strings (outside them, a document
// is ASCII), so the result is the same document, valid.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// writeJSON answers v as JSON. A value that cannot be encoded is a bug:
// the error is recorded for answerGuard to log and the answer is a 500.
func writeJSON(c *gin.Context, status int, v any) {
	writeView(c, status, v, nil)
}

// writeView answers v as JSON. Where v cannot be encoded, fix (if given)
// puts an error in place of each part that cannot (a record stored before a
// check that now refuses it, or damaged) and v is answered as it then is:
// the rest of the record stays readable.
func writeView(c *gin.Context, status int, v any, fix func()) {
	b, err := encodeJSON(v)
	if err != nil && fix != nil {
		_ = c.Error(fmt.Errorf("encode answer, shown without what cannot be encoded: %w", err))
		fix()
		b, err = encodeJSON(v)
	}
	if err != nil {
		_ = c.Error(fmt.Errorf("encode answer: %w", err))
		status = http.StatusInternalServerError
		b, _ = encodeJSON(internalError)
	}
	c.Data(status, jsonContentType, b)
}

// abortJSON is writeJSON ending the request's handlers.
func abortJSON(c *gin.Context, status int, v any) {
	c.Abort()
	writeJSON(c, status, v)
}

// answerGuard logs the errors a request recorded and makes sure it was
// answered. gin's Render sets the status before it encodes, and on an
// encoding error only records it: the client would get an empty 200. Any
// request left without an answer gets a JSON 500 instead.
func answerGuard(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		for _, e := range c.Errors {
			log.Error("answer", "route", c.FullPath(), "err", e.Err)
		}
		if c.Writer.Written() || c.Request.Context().Err() != nil {
			return // answered, or no one is waiting
		}
		if len(c.Errors) > 0 || c.Writer.Status() == http.StatusOK {
			log.Error("request left without an answer", "route", c.FullPath())
			c.Writer.Header().Del("Content-Length")
			b, _ := encodeJSON(internalError)
			c.Data(http.StatusInternalServerError, jsonContentType, b)
		}
	}
}
