package actions

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The test vector published with the Standard Webhooks specification.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specPayload   = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func specHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderWebhookID, specID)
	h.Set(HeaderWebhookTimestamp, strconv.Itoa(specTimestamp))
	h.Set(HeaderWebhookSignature, sig)
	return h
}

func TestSignSpecVector(t *testing.T) {
	t.Parallel()
	got, err := Sign(specSecret, specID, time.Unix(specTimestamp, 0), []byte(specPayload))
	if err != nil {
		t.Fatal(err)
	}
	if got != specSignature {
		t.Fatalf("Sign = %q, want %q", got, specSignature)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(specTimestamp, 0)
	body := []byte(specPayload)
	cases := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{"spec vector", specSecret, specHeader(specSignature), body, now, nil},
		{"one of several", specSecret, specHeader("v1,Zm9v v1a,abc " + specSignature), body, now, nil},
		{"svix headers", specSecret, http.Header{
			"Svix-Id": {specID}, "Svix-Timestamp": {strconv.Itoa(specTimestamp)}, "Svix-Signature": {specSignature},
		}, body, now, nil},
		{"within tolerance", specSecret, specHeader(specSignature), body, now.Add(4 * time.Minute), nil},
		{"tampered body", specSecret, specHeader(specSignature), []byte(`{"test": 2432232315}`), now, ErrNoMatchingSignature},
		{"wrong secret", "whsec_" + "c2VjcmV0", specHeader(specSignature), body, now, ErrNoMatchingSignature},
		{"old timestamp", specSecret, specHeader(specSignature), body, now.Add(6 * time.Minute), ErrTimestampOutOfRange},
		{"future timestamp", specSecret, specHeader(specSignature), body, now.Add(-6 * time.Minute), ErrTimestampOutOfRange},
		{"wrong version", specSecret, specHeader("v2," + specSignature[3:]), body, now, ErrNoMatchingSignature},
		{"bad base64", specSecret, specHeader("v1,!!!"), body, now, ErrNoMatchingSignature},
		{"no signature", specSecret, specHeader(""), body, now, ErrMissingHeaders},
		{"no headers", specSecret, http.Header{}, body, now, ErrMissingHeaders},
		{"bad timestamp", specSecret, func() http.Header {
			h := specHeader(specSignature)
			h.Set(HeaderWebhookTimestamp, "soon")
			return h
		}(), body, now, ErrInvalidTimestamp},
		{"empty secret", "", specHeader(specSignature), body, now, ErrInvalidSecret},
		{"bad whsec", "whsec_%%%", specHeader(specSignature), body, now, ErrInvalidSecret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.header, c.body, c.now, 5*time.Minute)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{specSecret, "a plain shared secret"} {
		ts := time.Now()
		body := []byte(`{"order":42}`)
		sig, err := Sign(secret, "msg_1", ts, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(HeaderWebhookID, "msg_1")
		h.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
		h.Set(HeaderWebhookSignature, sig)
		if err := Verify(secret, h, body, time.Now(), 0); err != nil {
			t.Errorf("secret %q: %v", secret, err)
		}
		if err := Verify(secret, h, body, time.Now().Add(time.Hour), 0); !errors.Is(err, ErrTimestampOutOfRange) {
			t.Errorf("an hour later: %v, want out of range", err)
		}
	}
}

func TestVerifyErrorsHideSignature(t *testing.T) {
	t.Parallel()
	err := Verify(specSecret, specHeader("v1,AAAA"), []byte(specPayload), time.Unix(specTimestamp, 0), 0)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, secret := range []string{specSignature[3:], specSecret, "AAAA"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error %q leaks %q", err, secret)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(specSignature, "1614265330", specPayload)
	f.Add("v1,a v1,b,c v2 ,,, v1,", "-1", "")
	f.Add("v1,"+specSignature, "99999999999999999999", "{}")
	f.Add("   ", "1614265330", "x")
	f.Fuzz(func(t *testing.T, sig, ts, body string) {
		h := http.Header{}
		h.Set(HeaderWebhookID, specID)
		h.Set(HeaderWebhookTimestamp, ts)
		h.Set(HeaderWebhookSignature, sig)
		err := Verify(specSecret, h, []byte(body), time.Unix(specTimestamp, 0), time.Minute)
		if err == nil {
			// Only the spec's own timestamp, give or take a minute, can pass.
			n, perr := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
			if perr != nil || n < specTimestamp-60 || n > specTimestamp+60 {
				t.Fatalf("accepted timestamp %q", ts)
			}
		}
	})
}
