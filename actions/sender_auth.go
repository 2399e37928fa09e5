package actions

import (
	"context"
	"net/http"
)

// Send makes one attempt at req. A 2xx gives the Response and a nil error.
// Anything else gives a *DeliveryError saying whether to retry; the Response
// is non-nil too when one arrived. Send never retries by itself, but for
// one case: a request with OAuth2 that gets a 401 is sent again once, with
// a new access token.
func (s *Sender) Send(ctx context.Context, req Request) (*Response, error) {
	if req.OAuth2 == nil {
		return s.send(ctx, req)
	}
	tok, err := s.tokens.token(ctx, s, req.OAuth2, "")
	if err != nil {
		return nil, err
	}
	header := req.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	req.Header = header
	header.Set("Authorization", "Bearer "+tok)
	resp, err := s.send(ctx, req)
	if resp == nil || resp.Status != http.StatusUnauthorized {
		return resp, err
	}
	// The token was refused (revoked, or expired early): a new one, and
	// the request once more.
	if tok, err = s.tokens.token(ctx, s, req.OAuth2, tok); err != nil {
		return nil, err
	}
	header.Set("Authorization", "Bearer "+tok)
	return s.send(ctx, req)
}
