package actions

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestOAuth2TokenURLGuarded: the token URL goes through the egress guard:
// an internal one is refused, and nothing is fetched or sent.
func TestOAuth2TokenURLGuarded(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := NewSender(Config{}) // the guard on: 127.0.0.1 is refused
	_, err := s.Send(context.Background(), Request{URL: "https://api.example.invalid/x",
		OAuth2: &OAuth2{TokenURL: srv.URL + "/token", ClientID: "id", ClientSecret: "secret"}})
	var de *DeliveryError
	if !errors.Is(err, ErrEgressRefused) || !errors.As(err, &de) || de.Retryable {
		t.Fatalf("Send = %v; want a final egress refusal", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the token URL was reached")
	}
}

// TestOAuth2ClientInBody: client_auth body sends the client id and secret
// as form fields, not Basic auth.
func TestOAuth2ClientInBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			_ = r.ParseForm()
			if _, _, basic := r.BasicAuth(); basic || r.PostForm.Get("client_id") != "id" || r.PostForm.Get("client_secret") != "s&cret" {
				w.WriteHeader(400)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "T", "expires_in": "120"})
			return
		}
		if r.Header.Get("Authorization") != "Bearer T" {
			w.WriteHeader(401)
		}
	}))
	defer srv.Close()
	egress, _ := ParseEgressAllow("127.0.0.1")
	s := NewSender(Config{Egress: egress})
	resp, err := s.Send(context.Background(), Request{URL: srv.URL + "/x",
		OAuth2: &OAuth2{TokenURL: srv.URL + "/token", ClientID: "id", ClientSecret: "s&cret", ClientAuth: OAuth2ClientBody}})
	if err != nil || resp.Status != 200 {
		t.Fatalf("Send = %v, %v", resp, err)
	}
}
