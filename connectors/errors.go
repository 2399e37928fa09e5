package connectors

import (
	"errors"
	"net/url"
	"strings"
)

// permanentError is an error trying again will not get over.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that trying again will not get over; nil
// stays nil.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Shown is a connection URL as it may be recorded or put in an error: its
// scheme, host, port and path, without the user, the password and the
// query (which may hold credentials too).
func Shown(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "(a URL that cannot be read)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// scrub removes the URL's password, and the URL itself, from an error
// message a client library made.
func scrub(msg, raw string) string {
	if raw != "" {
		msg = strings.ReplaceAll(msg, raw, Shown(raw))
	}
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "[redacted]")
			if e := url.QueryEscape(p); e != p {
				msg = strings.ReplaceAll(msg, e, "[redacted]")
			}
		}
	}
	return msg
}

// scrubbed is an error whose message has had its URL's credentials
// removed; it unwraps to the original, so that its kind can be told.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// clean is err with the credentials of raw removed from its message.
func clean(err error, raw string) error {
	if err == nil {
		return nil
	}
	msg := scrub(err.Error(), raw)
	if msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}
