package e2e

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// localMosquitto is the MQTT broker of the machine the tests run on.
const localMosquitto = "127.0.0.1:1883"

// TestMQTTKill: kill -9 of the server while Mosquitto holds messages for
// its workflow's session: 1,000 messages published at QoS 1 once the
// subscription is made, the server killed once some have run, and the
// rest kept by the broker for the workflow's persistent session. After a
// restart every message has exactly one run (one sent again after it was
// stored is refused by its message-id).
func TestMQTTKill(t *testing.T) {
	t.Parallel()
	conn, err := net.Dial("tcp", localMosquitto)
	if err != nil {
		t.Fatalf("connect to the local Mosquitto: %v", err)
	}
	pub := paho.NewClient(paho.ClientConfig{Conn: conn, ClientID: "hf-e2e-pub-" + randomHex()})
	ctx := context.Background()
	if _, err := pub.Connect(ctx, &paho.Connect{ClientID: pub.ClientID(), CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatalf("MQTT connect: %v", err)
	}
	t.Cleanup(func() { _ = pub.Disconnect(&paho.Disconnect{}) })
	topic := "hf-e2e/" + randomHex() + "/orders"
	send := func(n int, id string) {
		props := &paho.PublishProperties{}
		props.User.Add("message-id", id)
		if _, err := pub.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(`{"n": ` + strconv.Itoa(n) + `}`), Properties: props}); err != nil {
			t.Fatalf("publish %d: %v", n, err)
		}
	}
	killWhileConsuming(t, "from-mqtt", `{"type": "mqtt", "url": "mqtt://`+localMosquitto+`", "topic": "`+topic+`", "session_expiry": "10m"}`,
		func(srv *server) int {
			// The subscription is made once the trigger connects: a probe,
			// sent again until it runs (one run: its message-id repeats).
			waitFor(t, 60*time.Second, "the subscription", func() (bool, string) {
				send(-1, "probe")
				n := len(srv.runs("from-mqtt"))
				return n > 0, strconv.Itoa(n) + " runs"
			})
			for i := range brokerMessages {
				send(i, "m-"+strconv.Itoa(i))
			}
			return 1
		})
}
