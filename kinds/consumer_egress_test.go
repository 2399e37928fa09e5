package kinds_test

import (
	"strings"
	"testing"

	"github.com/hookflow/hookflow/kinds"
)

// TestBrokerTriggersEgressRefused: with the egress guard's defaults, a
// broker on a loopback address is refused as an outbound call would be:
// the consumer is retrying, its error saying why.
func TestBrokerTriggersEgressRefused(t *testing.T) {
	t.Parallel()
	r := newConsumerRigEgress(t, nil, nil, "")
	r.save(t, natsWorkflow("nats-guarded", `{"type": "nats", "url": "nats://127.0.0.1:4222", "stream": "S"}`))
	r.save(t, redisWorkflow("redis-guarded", `{"type": "redis", "url": "redis://127.0.0.1:6379/0", "stream": "s"}`))
	for _, id := range []string{"nats-guarded", "redis-guarded"} {
		st := r.waitState(t, id, kinds.ConsumerRetrying)
		if !strings.Contains(st.Error, "127.0.0.1 is a loopback address") || !strings.Contains(st.Error, "--egress-allow") {
			t.Errorf("%s: state error %q, want the egress guard's refusal", id, st.Error)
		}
	}
}
