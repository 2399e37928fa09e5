package connectors

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Message is one message a publish step sends.
type Message struct {
	// URL is the broker's URL, credentials included.
	URL string
	// Subject (NATS), Exchange and RoutingKey (RabbitMQ), Topic and Retain
	// (MQTT), Stream or Channel (Redis) say where it goes.
	Subject    string
	Exchange   string
	RoutingKey string
	Topic      string
	Retain     bool
	Stream     string
	Channel    string
	// Body is the message.
	Body []byte
	// ContentType is the body's media type.
	ContentType string
	// Fields are a Redis stream entry's fields, in order (name, value,
	// name, value...).
	Fields []string
	// ID is the message's id, the same on every attempt (the step's
	// webhook-id): sent as a header where the broker has headers.
	ID string
}

// IDHeader is the name of the header (property, field) that carries a
// message's ID.
const IDHeader = "webhook-id"

// broker publishes to one kind of broker.
type broker struct {
	schemes []string
	publish func(ctx context.Context, d Dialer, m Message) (map[string]any, error)
}

// brokers are the brokers a publish step can send to, by name.
var brokers = map[string]broker{}

// Brokers lists the names of the brokers Publish knows.
func Brokers() []string {
	names := make([]string, 0, len(brokers))
	for name := range brokers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Schemes lists the URL schemes a broker takes ("nats", "tls").
func Schemes(to string) []string { return brokers[to].schemes }

// CheckURL tells whether raw is a URL the broker to takes: its scheme,
// a host; the error never quotes it.
func CheckURL(to, raw string) error {
	b, ok := brokers[to]
	if !ok {
		return fmt.Errorf("unknown broker %q", to)
	}
	_, err := parseURL(raw, b.schemes)
	return err
}

// Publish sends m to the broker named to and waits for it to confirm the
// message; it gives what the broker said of it (a stream and a sequence,
// an id).
func Publish(ctx context.Context, d Dialer, to string, m Message) (map[string]any, error) {
	b, ok := brokers[to]
	if !ok {
		return nil, Permanent(fmt.Errorf("unknown broker %q", to))
	}
	if _, err := parseURL(m.URL, b.schemes); err != nil {
		return nil, Permanent(err)
	}
	out, err := b.publish(ctx, d, m)
	return out, clean(err, m.URL)
}

// parseURL reads a connection URL with one of the schemes; the error
// never quotes it.
func parseURL(raw string, schemes []string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	want := strings.Join(schemes, "://, ") + "://"
	if raw == "" {
		return nil, fmt.Errorf("the URL is empty (is the secret it reads set?); want %s", want)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the URL cannot be read; want %s...", want)
	}
	ok := false
	for _, s := range schemes {
		ok = ok || u.Scheme == s
	}
	if !ok {
		return nil, fmt.Errorf("the URL must start with %s, not %q", want, u.Scheme+":")
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("the URL has no host")
	}
	return u, nil
}

// hostPort is u's host and port, with the port given where u has none.
func hostPort(u *url.URL, port string) string {
	if p := u.Port(); p != "" {
		port = p
	}
	h := u.Hostname()
	if strings.Contains(h, ":") {
		return "[" + h + "]:" + port
	}
	return h + ":" + port
}
