package connectors

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
)

func init() {
	brokers["mqtt"] = broker{schemes: []string{"mqtt", "mqtts", "tcp", "ssl"}, publish: publishMQTT}
}

var mqttPool = newPool(IdleTimeout,
	func(c *paho.Client) { _ = c.Disconnect(&paho.Disconnect{ReasonCode: 0}) },
	func(c *paho.Client) bool {
		select {
		case <-c.Done():
			return false
		default:
			return true
		}
	})

// publishMQTT publishes with QoS 1 over MQTT 5 and waits for the
// broker's PUBACK; the message's ID is a user property.
func publishMQTT(ctx context.Context, d Dialer, m Message) (map[string]any, error) {
	c, release, err := mqttPool.get(ctx, poolKey{d.Scope, m.URL}, func(ctx context.Context) (*paho.Client, error) {
		return openMQTT(ctx, d, m.URL)
	})
	if err != nil {
		return nil, err
	}
	p := &paho.Publish{QoS: 1, Topic: m.Topic, Retain: m.Retain, Payload: m.Body,
		Properties: &paho.PublishProperties{ContentType: m.ContentType}}
	if m.ID != "" {
		p.Properties.User = paho.UserProperties{{Key: IDHeader, Value: m.ID}}
	}
	resp, err := c.Publish(ctx, p)
	where := fmt.Sprintf("publish to MQTT topic %q", m.Topic)
	if err != nil {
		release(true) // the session's state is unknown: the next publish connects again
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	release(false)
	if resp.ReasonCode >= 0x80 {
		err := fmt.Errorf("%s: the broker refused it (reason code 0x%02x%s)", where, resp.ReasonCode, reasonText(resp.Properties))
		switch resp.ReasonCode {
		case 0x87, 0x90, 0x95, 0x99: // not authorized, topic name invalid, packet too large, payload format invalid
			return nil, Permanent(err)
		}
		return nil, err
	}
	return map[string]any{"topic": m.Topic, "qos": 1, "retain": m.Retain, "reason_code": int(resp.ReasonCode)}, nil
}

func reasonText(p *paho.PublishResponseProperties) string {
	if p == nil || p.ReasonString == "" {
		return ""
	}
	return ": " + p.ReasonString
}

// openMQTT connects to an MQTT 5 broker with a clean session of its own.
func openMQTT(ctx context.Context, d Dialer, raw string) (*paho.Client, error) {
	u, err := parseURL(raw, []string{"mqtt", "mqtts", "tcp", "ssl"})
	if err != nil {
		return nil, Permanent(err)
	}
	secure := u.Scheme == "mqtts" || u.Scheme == "ssl"
	port := "1883"
	if secure {
		port = "8883"
	}
	var conn net.Conn
	if conn, err = d.Dial(ctx, "tcp", hostPort(u, port)); err != nil {
		return nil, fmt.Errorf("connect to MQTT at %s: %w", Shown(raw), err)
	}
	if secure {
		tc := tls.Client(conn, d.tlsConfig(u.Hostname()))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("connect to MQTT at %s: %w", Shown(raw), err)
		}
		conn = tc
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	c := paho.NewClient(paho.ClientConfig{Conn: packets.NewThreadSafeConn(conn)})
	cp := &paho.Connect{ClientID: "hookflow-" + hex.EncodeToString(id[:]), CleanStart: true, KeepAlive: 30}
	if u.User != nil {
		cp.Username, cp.UsernameFlag = u.User.Username(), true
		if pw, ok := u.User.Password(); ok {
			cp.Password, cp.PasswordFlag = []byte(pw), true
		}
	}
	ca, err := c.Connect(ctx, cp)
	if err != nil {
		_ = conn.Close()
		err = fmt.Errorf("connect to MQTT at %s: %w", Shown(raw), err)
		if ca != nil && ca.ReasonCode >= 0x80 {
			return nil, Permanent(err) // refused: bad user or password, not authorized...
		}
		return nil, err
	}
	return c, nil
}
