package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// newReceiverOn starts a receiver on a given address, such as a port the
// test reserved while the receiver was down. It retries for a few seconds
// in case the port is still in use.
func newReceiverOn(t *testing.T, addr string) *receivertest.Receiver {
	t.Helper()
	var ln net.Listener
	waitFor(t, 10*time.Second, "the receiver to listen on "+addr, func() (bool, string) {
		var err error
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return receivertest.NewOn(t, ln)
}

// distinctIDs is how many distinct webhook-ids rc got.
func distinctIDs(rc *receivertest.Receiver) int {
	ids := map[string]bool{}
	for _, h := range rc.Hits() {
		ids[h.WebhookID()] = true
	}
	return len(ids)
}

// reservePort finds a free port on 127.0.0.1 and closes it again: a
// receiver that is down, to be started there later with newReceiverOn.
//
// The port is taken below the kernel's ephemeral range, so that no
// outgoing connection is given it as its source port meanwhile: not
// another test's, nor one of Hookflow's own attempts to reach the closed
// port, which would otherwise, now and then, connect to itself (TCP
// simultaneous open) and occupy the port.
func reservePort(t *testing.T) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	for range 200 {
		port := 10000 + rand.IntN(low-10000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		if err := ln.Close(); err != nil {
			t.Fatalf("reserve a port: %v", err)
		}
		return addr
	}
	t.Fatalf("no free port found on 127.0.0.1 between 10000 and %d", low)
	return ""
}

// checkExactlyOnceEach checks that the deliveries carry exactly the
// wanted bodies (each JSON-equal to one of want, keyed by the name the
// caller gives them), each under one webhook-id of its own: at least once
// per wanted body, redeliveries only under the same webhook-id with the
// same body, and nothing else. It returns how many deliveries were
// redeliveries.
func checkExactlyOnceEach(t *testing.T, got []receivertest.Hit, want map[string]any, key func(body any) string) (redelivered int) {
	t.Helper()
	byID := map[string]any{}
	idOf := map[string]string{}
	for _, d := range got {
		id := d.WebhookID()
		if id == "" {
			t.Errorf("delivery to %s without a webhook-id: %s", d.Path, d.Body)
			continue
		}
		var body any
		if err := json.Unmarshal(d.Body, &body); err != nil {
			t.Errorf("delivery %s: body %q is not JSON: %v", id, d.Body, err)
			continue
		}
		if prev, ok := byID[id]; ok {
			redelivered++
			if !reflect.DeepEqual(prev, body) {
				t.Errorf("webhook-id %s redelivered with another body: %s, first %v", id, d.Body, prev)
			}
			continue
		}
		byID[id] = body
		k := key(body)
		if w, ok := want[k]; !ok {
			t.Errorf("unexpected delivery %s: %s", id, d.Body)
		} else if !reflect.DeepEqual(w, body) {
			t.Errorf("delivery %s for %s: body %s, want %v", id, k, d.Body, w)
		}
		if other, dup := idOf[k]; dup {
			t.Errorf("%s delivered under two webhook-ids, %s and %s: an event ran twice", k, other, id)
		}
		idOf[k] = id
	}
	var missing []string
	for k := range want {
		if _, ok := idOf[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d wanted bodies never delivered: %v", len(missing), len(want), missing)
	}
	if len(byID) != len(want) {
		t.Errorf("%d distinct webhook-ids, want %d", len(byID), len(want))
	}
	return redelivered
}

// jsonValue decodes a JSON literal, for expected bodies.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON in test %q: %v", s, err)
	}
	return v
}

// seqKey names a body {"seq": N, ...} by its seq.
func seqKey(body any) string {
	m, _ := body.(map[string]any)
	return fmt.Sprint(m["seq"])
}
