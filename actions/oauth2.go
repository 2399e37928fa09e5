package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// OAuth2 is the OAuth2 client credentials grant (RFC 6749 section 4.4) a
// request is authorised with: the Sender gets an access token from
// TokenURL and sends it as "Authorization: Bearer ...".
//
// The token is fetched once and kept until shortly before it expires,
// shared by every request with the same token URL, client id, scopes and
// audience: concurrent requests wait for the one fetch. A 401 from the
// target makes the Sender get a new token (once, however many requests
// saw the 401) and send the request again, once. Where Config.Tokens is
// set, tokens are kept there too, so that other processes use them.
type OAuth2 struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// Audience, where set, is sent as the audience parameter (Auth0 and
	// others ask for it).
	Audience string
	// ClientAuth is how the client authenticates: OAuth2ClientBasic (the
	// default: HTTP Basic) or OAuth2ClientBody (client_id and
	// client_secret in the form).
	ClientAuth string
}

// How an OAuth2 client authenticates at the token URL.
const (
	OAuth2ClientBasic = "basic"
	OAuth2ClientBody  = "body"
)

// TokenStore keeps access tokens where other processes find them (the
// vault, over the database). Keys are opaque; a token is kept with the
// time it is to be refreshed.
type TokenStore interface {
	// TokenLoad gives the token kept under key and when it is to be
	// refreshed; ok is false where there is none.
	TokenLoad(ctx context.Context, key string) (token string, refreshAt time.Time, ok bool, err error)
	// TokenSave keeps a token under key, ending any lock on it.
	TokenSave(ctx context.Context, key, token string, refreshAt, now time.Time) error
	// TokenLock takes the right to fetch key's token until `until`; false
	// where another process holds it.
	TokenLock(ctx context.Context, key string, now, until time.Time) (bool, error)
	// TokenUnlock gives the right up (the fetch failed).
	TokenUnlock(ctx context.Context, key string) error
}

// Token lifetimes.
const (
	// DefaultTokenLifetime is how long a token whose response gives no
	// expires_in is kept.
	DefaultTokenLifetime = time.Hour
	// tokenMargin is how long before it expires a token is refreshed (a
	// quarter of its life where that is shorter).
	tokenMargin = time.Minute
	// TokenFetchTimeout bounds one token request, and the lock another
	// process waits on.
	TokenFetchTimeout = 30 * time.Second
	// tokenPoll is how often a process waiting for another's fetch looks.
	tokenPoll = 100 * time.Millisecond
)

// ErrOAuth2 marks a failure to get an access token.
var ErrOAuth2 = errors.New("oauth2 token")

// key identifies the token of a grant: token URL, client id, scopes
// (sorted) and audience, hashed.
func (o *OAuth2) key() string {
	scopes := slices.Clone(o.Scopes)
	slices.Sort(scopes)
	h := sha256.Sum256([]byte(strings.Join([]string{o.TokenURL, o.ClientID, strings.Join(scopes, " "), o.Audience}, "\x00")))
	return "oauth2:" + hex.EncodeToString(h[:16])
}

type cachedToken struct {
	token     string
	refreshAt time.Time
}

// tokenCache holds the access tokens of a Sender.
type tokenCache struct {
	shared TokenStore // nil: this process only
	now    func() time.Time
	group  singleflight.Group
	mu     sync.Mutex
	tokens map[string]cachedToken
}

// cached gives a token of key still good at now.
func (c *tokenCache) cached(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[key]
	if !ok || !c.now().Before(t.refreshAt) {
		return "", false
	}
	return t.token, true
}

func (c *tokenCache) keep(key, token string, refreshAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil {
		c.tokens = map[string]cachedToken{}
	}
	c.tokens[key] = cachedToken{token: token, refreshAt: refreshAt}
}

// token gives an access token for o other than stale (a token the
// target refused; "" for none): the one kept where it is good, otherwise
// a new one, fetched once however many ask at the same time.
func (c *tokenCache) token(ctx context.Context, s *Sender, o *OAuth2, stale string) (string, error) {
	key := o.key()
	if t, ok := c.cached(key); ok && t != stale {
		return t, nil
	}
	ch := c.group.DoChan(key, func() (any, error) {
		if t, ok := c.cached(key); ok && t != stale {
			return t, nil
		}
		// One caller's end (a cancelled run) does not fail the others
		// waiting for this fetch.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*TokenFetchTimeout)
		defer cancel()
		return c.fetchShared(fctx, s, o, key, stale)
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	}
}

// fetchShared gets a token through the shared store: one kept there by
// another process where it is good, otherwise fetched by this process
// while it holds the lock, or by the process that holds it.
func (c *tokenCache) fetchShared(ctx context.Context, s *Sender, o *OAuth2, key, stale string) (string, error) {
	if c.shared == nil {
		return c.fetch(ctx, s, o, key)
	}
	for {
		t, at, ok, err := c.shared.TokenLoad(ctx, key)
		if err != nil {
			return "", fmt.Errorf("%w: load: %w", ErrOAuth2, err)
		}
		now := c.now()
		if ok && t != stale && now.Before(at) {
			c.keep(key, t, at)
			return t, nil
		}
		locked, err := c.shared.TokenLock(ctx, key, now, now.Add(TokenFetchTimeout))
		if err != nil {
			return "", fmt.Errorf("%w: lock: %w", ErrOAuth2, err)
		}
		if locked {
			// Another process may have kept a token between the load
			// above and this lock (its keeping ended its own lock): read
			// again before fetching.
			t, at, ok, err := c.shared.TokenLoad(ctx, key)
			if err == nil && ok && t != stale && c.now().Before(at) {
				_ = c.shared.TokenUnlock(context.WithoutCancel(ctx), key)
				c.keep(key, t, at)
				return t, nil
			}
			t, err = c.fetch(ctx, s, o, key)
			if err != nil {
				_ = c.shared.TokenUnlock(context.WithoutCancel(ctx), key)
			}
			return t, err
		}
		// Another process is fetching it: look again shortly.
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w: waiting for another process's fetch: %w", ErrOAuth2, ctx.Err())
		case <-time.After(tokenPoll):
		}
	}
}

// fetch asks the token URL for a token and keeps it.
func (c *tokenCache) fetch(ctx context.Context, s *Sender, o *OAuth2, key string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(o.Scopes) > 0 {
		form.Set("scope", strings.Join(o.Scopes, " "))
	}
	if o.Audience != "" {
		form.Set("audience", o.Audience)
	}
	header := http.Header{"Accept": {"application/json"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	if o.ClientAuth == OAuth2ClientBody {
		form.Set("client_id", o.ClientID)
		form.Set("client_secret", o.ClientSecret)
	} else {
		// RFC 6749 section 2.3.1: both form-encoded before Basic.
		r := &http.Request{Header: http.Header{}}
		r.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
		header.Set("Authorization", r.Header.Get("Authorization"))
	}
	start := c.now()
	resp, err := s.send(ctx, Request{Method: http.MethodPost, URL: o.TokenURL, Header: header,
		Body: []byte(form.Encode()), Timeout: TokenFetchTimeout})
	if err != nil {
		var de *DeliveryError
		if errors.As(err, &de) {
			// The token URL's answer says why (invalid_client), not what
			// it holds; the message may be recorded.
			if resp != nil {
				de.Err = fmt.Errorf("%w%s", de.Err, oauth2ErrorText(resp.RawBody))
			}
			de.Err = fmt.Errorf("%w: %w", ErrOAuth2, de.Err)
			return "", de
		}
		return "", fmt.Errorf("%w: %w", ErrOAuth2, err)
	}
	var body struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(resp.RawBody, &body); err != nil || body.AccessToken == "" {
		return "", &DeliveryError{Method: http.MethodPost, URL: redactURL(mustParse(o.TokenURL), o.TokenURL), Status: resp.Status,
			Err: fmt.Errorf("%w: the token URL's answer has no access_token", ErrOAuth2)}
	}
	if tt := strings.ToLower(body.TokenType); tt != "" && tt != "bearer" {
		return "", &DeliveryError{Method: http.MethodPost, URL: redactURL(mustParse(o.TokenURL), o.TokenURL), Status: resp.Status,
			Err: fmt.Errorf("%w: token type %q is not bearer", ErrOAuth2, body.TokenType)}
	}
	life := DefaultTokenLifetime
	if secs, err := strconv.ParseFloat(strings.Trim(string(body.ExpiresIn), `"`), 64); err == nil && secs > 0 {
		life = time.Duration(secs * float64(time.Second))
	}
	refreshAt := start.Add(life - min(tokenMargin, life/4))
	c.keep(key, body.AccessToken, refreshAt)
	if c.shared != nil {
		if err := c.shared.TokenSave(ctx, key, body.AccessToken, refreshAt, c.now()); err != nil {
			slog.Warn("oauth2: keep the token for other processes", "err", err)
		}
	}
	return body.AccessToken, nil
}

// oauth2ErrorText is the error code and description of a token URL's
// error answer (RFC 6749 section 5.2), for messages: never the rest.
func oauth2ErrorText(raw []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Error == "" {
		return ""
	}
	s := e.Error
	if e.Description != "" {
		s += ": " + e.Description
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return " (" + s + ")"
}

func mustParse(raw string) *url.URL {
	u, _ := url.Parse(raw)
	return u
}
