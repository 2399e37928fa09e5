package actions

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"3600", time.Hour},
		{"999999", MaxRetryAfter},
		{"99999999999999999999", 0}, // does not parse as int64, nor as a date
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), MaxRetryAfter},
		{"Sunday, 22-Nov-26 19:00:30 GMT", 30 * time.Second}, // RFC 850
		{"soon", 0},
		{"1.5", 0},
	}
	for _, c := range cases {
		if got := parseRetryAfter(c.in, now); got != c.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestClassifyStatus(t *testing.T) {
	t.Parallel()
	retryable := map[int]bool{408: true, 429: true, 500: true, 502: true, 503: true, 504: true, 599: true}
	for _, code := range []int{100, 204, 301, 302, 304, 307, 400, 401, 403, 404, 408, 409, 410, 413, 422, 429, 500, 502, 503, 504, 599} {
		if got := classifyStatus(code); got != retryable[code] {
			t.Errorf("classifyStatus(%d) = %v, want %v", code, got, retryable[code])
		}
	}
}

func TestDeliveryErrorMessage(t *testing.T) {
	t.Parallel()
	e := &DeliveryError{Method: "POST", URL: "https://x/y", Status: 503, Retryable: true, Err: &statusError{code: 503}}
	if got, want := e.Error(), "POST https://x/y: 503 Service Unavailable"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrStatus) {
		t.Error("a status failure should match ErrStatus")
	}
}
