package actions

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors that callers can test with errors.Is on a DeliveryError.
var (
	// ErrEgressRefused marks a destination that the egress (SSRF) guard
	// forbids. It is never retryable: only --egress-allow changes the answer.
	ErrEgressRefused = errors.New("egress refused")
	// ErrInsecureURL marks a plain http:// target refused because the sender
	// requires https.
	ErrInsecureURL = errors.New("plain http refused: https is required")
	// ErrInvalidURL marks a target URL that cannot be sent to (unparsable, not
	// http or https, or without a host).
	ErrInvalidURL = errors.New("invalid url")
	// ErrInvalidRequest marks a request that cannot be built, such as a bad
	// method or a signing secret that is not valid base64.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrStatus marks a response that arrived with a non-2xx status.
	ErrStatus = errors.New("unsuccessful status")
)

// MaxRetryAfter caps the wait a receiver can ask for with Retry-After.
const MaxRetryAfter = time.Hour

// DeliveryError is the failure of one send: a response with a non-2xx status,
// a network error or timeout, or a request refused before it left (egress
// guard, https requirement, invalid URL). The engine retries where Retryable
// is true, waiting at least RetryAfter when it is non-zero.
type DeliveryError struct {
	// Method and URL name the call; the URL has its password and query
	// redacted so that the message can be stored and shown.
	Method string
	URL    string
	// Status is the HTTP status that came back, 0 when none did.
	Status int
	// Retryable says whether trying again may succeed: network errors,
	// timeouts, 408, 429 and 5xx are; other 4xx, 3xx and refusals are not.
	Retryable bool
	// RetryAfter is the receiver's Retry-After on a 429 or 503 (seconds or an
	// HTTP date), capped at MaxRetryAfter; 0 when absent.
	RetryAfter time.Duration
	// Err is the cause; for a status failure it wraps ErrStatus.
	Err error
}

// Error reads like "POST https://x/y: 503 Service Unavailable". It never
// contains request headers, the body or the signature.
func (e *DeliveryError) Error() string {
	return e.Method + " " + e.URL + ": " + e.Err.Error()
}

// Unwrap returns the cause, so errors.Is(err, ErrEgressRefused) works.
func (e *DeliveryError) Unwrap() error { return e.Err }

// statusError is the cause of a DeliveryError for a non-2xx status.
type statusError struct {
	code int
	note string
}

func (e *statusError) Error() string {
	s := strconv.Itoa(e.code)
	if t := http.StatusText(e.code); t != "" {
		s += " " + t
	}
	if e.note != "" {
		s += " (" + e.note + ")"
	}
	return s
}

func (e *statusError) Is(target error) bool { return target == ErrStatus }

// classifyStatus tells whether a non-2xx status is worth retrying.
func classifyStatus(code int) (retryable bool) {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code >= 500 && code <= 599:
		return true
	default:
		return false
	}
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// relative to now. Invalid, negative or past values give 0; long ones are
// capped at MaxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs >= int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0
	}
	switch {
	case d <= 0:
		return 0
	case d > MaxRetryAfter:
		return MaxRetryAfter
	}
	return d
}

// refusal builds the non-retryable DeliveryError of a request refused before
// it was sent.
func refusal(method, url string, err error) *DeliveryError {
	return &DeliveryError{Method: method, URL: url, Err: err}
}

// invalidf wraps ErrInvalidRequest with a message.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...)
}
