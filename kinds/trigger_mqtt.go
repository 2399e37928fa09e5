package kinds

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/hookflow/hookflow/workflows"
)

// MQTT trigger defaults and bounds.
const (
	// DefaultMQTTQoS is the quality of service subscribed with where qos is
	// not set: at least once.
	DefaultMQTTQoS = 1
	// DefaultMQTTSessionExpiry is how long the broker keeps a replica's
	// session (its subscription and the messages not yet acknowledged)
	// while the replica is away, where session_expiry is not set.
	DefaultMQTTSessionExpiry = 24 * time.Hour
	// mqttConsumeInflight is the most messages the broker sends before the first
	// is acknowledged (MQTT's receive maximum).
	mqttConsumeInflight = 64
	// mqttConsumeAckInterval is how often acknowledgements are sent, in the order
	// the messages came, as MQTT requires.
	mqttConsumeAckInterval = 20 * time.Millisecond
	mqttConsumeDialTimeout = 30 * time.Second
)

// mqttConsumeBackoff is the wait between connection attempts.
var mqttConsumeBackoff = RetryPolicy{Initial: 250 * time.Millisecond, Max: 30 * time.Second}

// ReplicaHost is a ConsumerHost that names the replica it runs on: a name
// that stays the same when the replica restarts and differs between
// replicas. An MQTT trigger keeps one broker session per workflow and
// replica under it; where the host does not name its replica, the
// machine's host name is used.
type ReplicaHost interface {
	Replica() string
}

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:  "mqtt",
			Title: "MQTT topic",
			Summary: "Starts a run for every message published to an MQTT topic (MQTT 5); a message is acknowledged to the broker only once its event is stored, " +
				"so a crash or an outage only delivers it again.",
			Fields: []workflows.Field{
				{Name: "url", Label: "Broker", Kind: workflows.ValueSecret, Required: true,
					Placeholder: "{{ secrets.mqtt }}",
					Help: "The broker as a URL, usually kept in a secret: mqtt://user:password@broker.example.com:1883, or mqtts:// for TLS (port 8883 by default). " +
						"It is never logged or recorded. The broker must speak MQTT 5 and be reachable past the outbound guard (--egress-allow)."},
				{Name: "topic", Label: "Topic", Kind: workflows.ValueText, Required: true, Placeholder: "sensors/+/temperature",
					Help: "The topic to subscribe to: + matches one level, # (last) any number of levels."},
				{Name: "qos", Label: "Quality of service", Kind: workflows.ValueNumber, Default: DefaultMQTTQoS,
					Help: "How the broker hands messages over: 0 at most once (a message may be lost), 1 at least once, 2 exactly once between the broker and Hookflow. " +
						"With 1 or 2, a message is acknowledged only once stored, and sent again after a crash."},
				{Name: "shared", Label: "One replica per message", Kind: workflows.ValueBoolean, Default: true,
					Help: "Subscribe as a shared subscription ($share/hookflow-WORKFLOW/TOPIC), so that with several replicas each message is taken by one of them. " +
						"Off: every replica takes every message (and retained messages are delivered, which shared subscriptions never are)."},
				{Name: "session_expiry", Label: "Keep the session for", Kind: workflows.ValueDuration, Default: DefaultMQTTSessionExpiry.String(),
					Help: "How long the broker keeps each replica's subscription and the messages it has not acknowledged while the replica is away."},
			},
			Example: []byte(`{"type": "mqtt", "url": "{{ secrets.mqtt }}", "topic": "sensors/+/temperature", "qos": 1}`),
		},
		New: func() workflows.TriggerSettings { return &MQTTSettings{} },
	})
}

// MQTTSettings are an mqtt trigger's fields.
type MQTTSettings struct {
	// URL is the broker's, a template (usually "{{ secrets.mqtt }}"):
	// mqtt://user:pass@host:1883 or mqtts://user:pass@host:8883.
	URL string `json:"url,omitempty"`
	// Topic is the topic filter subscribed to (wildcards + and #).
	Topic string `json:"topic,omitempty"`
	// QoS is 0, 1 or 2 (default 1).
	QoS *int `json:"qos,omitempty"`
	// Shared subscribes as a shared subscription (default true).
	Shared *bool `json:"shared,omitempty"`
	// SessionExpiry is how long the broker keeps the session, e.g. "24h".
	SessionExpiry string `json:"session_expiry,omitempty"`
}

// MQTTTrigger is an mqtt trigger compiled: a Consumer of its topic.
type MQTTTrigger struct {
	*MQTTSettings
	url    *workflows.Template
	qos    byte
	shared bool
	expiry uint32 // seconds
}

var _ Consumer = (*MQTTTrigger)(nil)

// Compile checks the settings, the URL where it is written out.
func (s *MQTTSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	t := &MQTTTrigger{MQTTSettings: s, qos: DefaultMQTTQoS, shared: true, expiry: uint32(DefaultMQTTSessionExpiry / time.Second)}
	if s.URL == "" {
		return nil, b.Required("url")
	}
	var err error
	if t.url, err = b.Template("url", s.URL); err != nil {
		return nil, err
	}
	if t.url.IsLiteral() {
		if _, err := mqttConsumeURL(s.URL); err != nil {
			return nil, b.Errorf("url", "%v", err)
		}
	}
	if s.Topic == "" {
		return nil, b.Required("topic")
	}
	if err := mqttConsumeTopic(s.Topic); err != nil {
		return nil, b.Errorf("topic", "%v", err)
	}
	if s.QoS != nil {
		switch *s.QoS {
		case 0, 1, 2:
			t.qos = byte(*s.QoS)
		default:
			return nil, b.Errorf("qos", "must be 0, 1 or 2")
		}
	}
	if s.Shared != nil {
		t.shared = *s.Shared
	}
	if s.SessionExpiry != "" {
		d, err := b.Duration("session_expiry", s.SessionExpiry)
		if err != nil {
			return nil, err
		}
		if d < time.Second || d > 365*24*time.Hour {
			return nil, b.Errorf("session_expiry", "must be between 1s and 8760h (a year)")
		}
		t.expiry = uint32(d / time.Second)
	}
	return t, nil
}

// mqttConsumeTopic checks a topic filter: wildcards only as whole levels, #
// only last.
func mqttConsumeTopic(topic string) error {
	if len(topic) > 65535 {
		return errors.New("is too long")
	}
	if strings.ContainsRune(topic, 0) {
		return errors.New("holds a NUL character")
	}
	if strings.HasPrefix(topic, "$share/") {
		return errors.New("must not start with $share/: the trigger shares its subscription itself (see shared)")
	}
	levels := strings.Split(topic, "/")
	for i, l := range levels {
		switch {
		case l == "#" && i != len(levels)-1:
			return errors.New("has # before its last level: # matches the levels after it, so it comes last")
		case l != "#" && l != "+" && strings.ContainsAny(l, "#+"):
			return fmt.Errorf("has a wildcard inside the level %q: + and # stand for whole levels (a/+/c, a/#)", l)
		}
	}
	return nil
}

// mqttConsumeServer is a broker URL read: where to connect and as whom.
type mqttConsumeServer struct {
	addr     string // host:port
	host     string
	tls      bool
	user     string
	password []byte
}

// mqttConsumeURL reads a broker URL; its errors never repeat the URL (it may
// hold a password).
func mqttConsumeURL(raw string) (mqttConsumeServer, error) {
	if strings.TrimSpace(raw) == "" {
		return mqttConsumeServer{}, errors.New("is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return mqttConsumeServer{}, errors.New("is not a URL such as mqtt://user:password@broker.example.com:1883 (write a / ? # @ or % in the password as %2F %3F %23 %40 %25)")
	}
	var s mqttConsumeServer
	port := "1883"
	switch u.Scheme {
	case "mqtt", "tcp":
	case "mqtts", "ssl", "tls":
		s.tls, port = true, "8883"
	default:
		return mqttConsumeServer{}, errors.New("must start with mqtt:// or mqtts://")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return mqttConsumeServer{}, errors.New("has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return mqttConsumeServer{}, errors.New("has a port that is not a port number")
		}
		port = p
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return mqttConsumeServer{}, errors.New("must be only a scheme, a user and password, a host and a port")
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		if pw, ok := u.User.Password(); ok {
			s.password = []byte(pw)
		}
	}
	return s, nil
}

// clientID is the trigger's MQTT client id on a replica: the same each
// time the replica starts, so that the broker's session (the subscription,
// the messages not yet acknowledged) is taken up again. The topic's hash
// is part of it: a changed topic starts a session of its own instead of
// keeping the old topic's subscription.
func (t *MQTTTrigger) clientID(host ConsumerHost) string {
	replica := ""
	if r, ok := host.(ReplicaHost); ok {
		replica = r.Replica()
	}
	if replica == "" {
		replica, _ = os.Hostname()
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%t", t.Topic, t.shared)))
	id := "hookflow-" + host.WorkflowID() + "-" + replica + "-" + hex.EncodeToString(sum[:4])
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '_'
		}
		return r
	}, id)
}

// filter is the topic filter subscribed to.
func (t *MQTTTrigger) filter(host ConsumerHost) string {
	if !t.shared {
		return t.Topic
	}
	return "$share/hookflow-" + host.WorkflowID() + "/" + t.Topic
}

// Consume subscribes and takes the topic's messages until ctx ends; the
// client connects again with backoff whenever the connection is lost, and
// the broker then sends again what was not acknowledged.
func (t *MQTTTrigger) Consume(ctx context.Context, host ConsumerHost) error {
	log := host.Logger().With("trigger", "mqtt", "topic", t.Topic)
	host.State(ConsumerConnecting, nil)
	raw, err := host.Render(t.url)
	if err == nil {
		_, err = mqttConsumeURL(raw)
		if err != nil {
			err = fmt.Errorf("url %w", err)
		}
	} else {
		err = fmt.Errorf("url: %w", err)
	}
	for failures := 1; err != nil; failures++ {
		// A URL from a secret not set (or set wrong) yet: wait for it.
		host.State(ConsumerRetrying, err)
		select {
		case <-ctx.Done():
			host.State(ConsumerStopped, nil)
			return nil
		case <-time.After(Backoff(mqttConsumeBackoff, failures, 0)):
		}
		if raw, err = host.Render(t.url); err == nil {
			if _, err = mqttConsumeURL(raw); err != nil {
				err = fmt.Errorf("url %w", err)
			}
		}
	}
	server, _ := mqttConsumeURL(raw)

	// The client's context outlives ctx: once ctx ends, the messages being
	// stored are acknowledged before the client disconnects.
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var (
		inflight sync.WaitGroup
		mu       sync.Mutex
		closing  bool     // no message is taken on once set
		conn     net.Conn // the current connection, closed to connect again
	)
	dropConn := func() {
		mu.Lock()
		defer mu.Unlock()
		if conn != nil {
			_ = conn.Close()
		}
	}
	receiveMax := uint16(mqttConsumeInflight)
	filter := t.filter(host)
	cfg := autopaho.ClientConfig{
		// The URL given to the client holds no password: it is sent in the
		// CONNECT packet, and never shows in the client's errors.
		ServerUrls:                    []*url.URL{{Scheme: "mqtt", Host: server.addr}},
		KeepAlive:                     30,
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         t.expiry,
		ReconnectBackoff:              func(n int) time.Duration { return Backoff(mqttConsumeBackoff, n+1, 0) },
		ConnectTimeout:                mqttConsumeDialTimeout,
		ConnectUsername:               server.user,
		ConnectPassword:               server.password,
		AttemptConnection: func(ctx context.Context, _ autopaho.ClientConfig, _ *url.URL) (net.Conn, error) {
			dctx, cancel := context.WithTimeout(ctx, mqttConsumeDialTimeout)
			defer cancel()
			c, err := host.Dial(dctx, "tcp", server.addr)
			if err != nil {
				return nil, err
			}
			if server.tls {
				tc := tls.Client(c, &tls.Config{ServerName: server.host, MinVersion: tls.VersionTLS12})
				if err := tc.HandshakeContext(dctx); err != nil {
					_ = c.Close()
					return nil, fmt.Errorf("TLS: %w", err)
				}
				c = tc
			}
			mu.Lock()
			conn = c
			mu.Unlock()
			return packets.NewThreadSafeConn(c), nil
		},
		ConnectPacketBuilder: func(p *paho.Connect, _ *url.URL) (*paho.Connect, error) {
			if p.Properties == nil {
				p.Properties = &paho.ConnectProperties{}
			}
			p.Properties.ReceiveMaximum = &receiveMax
			return p, nil
		},
		OnConnectionUp: func(cm *autopaho.ConnectionManager, ack *paho.Connack) {
			host.State(ConsumerConnected, nil)
			log.Info("mqtt: connected", "session_present", ack.SessionPresent)
			go func() {
				sctx, cancel := context.WithTimeout(run, mqttConsumeDialTimeout)
				defer cancel()
				err := mqttConsumeSubscribe(sctx, cm, filter, t.qos)
				if err == nil || ctx.Err() != nil {
					return
				}
				log.Error("mqtt: subscribe", "err", err)
				host.State(ConsumerRetrying, err)
				dropConn()
			}()
		},
		OnConnectionDown: func() bool {
			if ctx.Err() == nil {
				host.State(ConsumerRetrying, errors.New("connection lost"))
				log.Warn("mqtt: connection lost; connecting again")
			}
			return true
		},
		OnConnectError: func(err error) {
			if ctx.Err() == nil {
				host.State(ConsumerRetrying, err)
				log.Warn("mqtt: connect", "err", err)
			}
		},
		ClientConfig: paho.ClientConfig{
			ClientID:                   t.clientID(host),
			EnableManualAcknowledgment: true,
			SendAcksInterval:           mqttConsumeAckInterval,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){
				func(pr paho.PublishReceived) (bool, error) {
					mu.Lock()
					defer mu.Unlock()
					if closing {
						return false, nil // not acknowledged: sent again next time
					}
					inflight.Add(1)
					go func() {
						defer inflight.Done()
						t.deliver(ctx, host, pr)
					}()
					return true, nil
				},
			},
		},
	}
	cm, err := autopaho.NewConnection(run, cfg)
	if err != nil {
		return fmt.Errorf("mqtt: %w", err)
	}
	<-ctx.Done()
	// Messages being stored are acknowledged before the connection ends
	// (acknowledgements go out every mqttConsumeAckInterval, in order); those not
	// stored are sent again by the broker on the next connection.
	mu.Lock()
	closing = true
	mu.Unlock()
	inflight.Wait()
	time.Sleep(3 * mqttConsumeAckInterval)
	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	_ = cm.Disconnect(dctx)
	cancel()
	<-cm.Done()
	host.State(ConsumerStopped, nil)
	return nil
}

// mqttConsumeSubscribe subscribes (again: a session the broker kept has the
// subscription already, and then retained messages are not sent again).
func mqttConsumeSubscribe(ctx context.Context, cm *autopaho.ConnectionManager, filter string, qos byte) error {
	ack, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{
		{Topic: filter, QoS: qos, RetainHandling: 1},
	}})
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", filter, err)
	}
	for _, code := range ack.Reasons {
		if code >= 0x80 {
			reason := ""
			if ack.Properties != nil {
				reason = ack.Properties.ReasonString
			}
			return fmt.Errorf("subscribe to %s: the broker refused (reason code %#x) %s", filter, code, reason)
		}
	}
	return nil
}

// deliver stores one message and acknowledges it once stored. Where it
// cannot be stored it is tried again, with backoff, for as long as the
// connection it came on lasts (MQTT has no "not taken": after the
// connection, the broker sends it again itself).
func (t *MQTTTrigger) deliver(ctx context.Context, host ConsumerHost, pr paho.PublishReceived) {
	d := mqttDelivery(host, pr.Packet)
	for attempt := 1; ; attempt++ {
		err := host.Accept(ctx, d)
		if err == nil {
			if err := pr.Client.Ack(pr.Packet); err != nil && pr.Packet.QoS > 0 {
				host.Logger().Warn("mqtt: acknowledge a stored message", "err", err, "packet_id", pr.Packet.PacketID)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		host.Logger().Error("mqtt: message not stored; trying again", "err", err, "topic", pr.Packet.Topic)
		if pr.Packet.QoS == 0 {
			return // at most once: the broker will not send it again
		}
		select {
		case <-ctx.Done():
			return
		case <-pr.Client.Done():
			return // the broker sends it again on the next connection
		case <-time.After(Backoff(mqttConsumeBackoff, attempt, 0)):
		}
	}
}

// mqttDelivery makes a message into an event: its user properties (and
// content type) as trigger.headers, what the broker says of it as
// trigger.meta. A message-id (else webhook-id) user property, as
// Hookflow's publish step sends, is its idempotency key.
func mqttDelivery(host ConsumerHost, p *paho.Publish) Delivery {
	headers := map[string]string{}
	props := map[string]any{}
	meta := map[string]any{
		"topic":     p.Topic,
		"qos":       int(p.QoS),
		"retain":    p.Retain,
		"duplicate": p.Duplicate(),
		"packet_id": int(p.PacketID),
		"headers":   props,
	}
	if pp := p.Properties; pp != nil {
		for _, u := range pp.User {
			name := strings.ToLower(u.Key)
			if prev, ok := headers[name]; ok {
				headers[name] = prev + ", " + u.Value
			} else {
				headers[name] = u.Value
			}
			props[u.Key] = u.Value
		}
		if pp.ContentType != "" {
			headers["content-type"] = pp.ContentType
			meta["content_type"] = pp.ContentType
		}
		if pp.ResponseTopic != "" {
			meta["response_topic"] = pp.ResponseTopic
		}
		if len(pp.CorrelationData) > 0 {
			meta["correlation_data"] = string(pp.CorrelationData)
		}
	}
	key := headers["message-id"]
	if key == "" {
		key = headers["webhook-id"]
	}
	return Delivery{Body: p.Payload, Headers: headers, Meta: meta, IdempotencyKey: key, ReceivedAt: host.Now()}
}
