package web_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestTriggerStateBrowser: the workflow page of a broker trigger shows its
// consumer's connection: connected for a Redis stream that answers;
// retrying, with the error and the URL's password hidden, for a server
// that does not.
func TestTriggerStateBrowser(t *testing.T) {
	t.Parallel()
	skipWithoutChromium(t)
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rc.Close()
	if err := rc.Ping(context.Background()).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis: %v", err)
		}
		t.Skipf("no Redis on 127.0.0.1:6379: %v", err)
	}
	s := setupConsumerServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, def := range []string{
		`{"format": "hookflow/v1", "id": "redis-up", "name": "up",
		  "trigger": {"type": "redis", "url": "redis://127.0.0.1:6379/0", "stream": "hf-browser-up"}, "steps": []}`,
		`{"format": "hookflow/v1", "id": "redis-down", "name": "down",
		  "trigger": {"type": "redis", "url": "redis://:pa55-w0rd-x@` + closed + `/0", "stream": "s"}, "steps": []}`,
	} {
		if code, body := s.call(http.MethodPost, "/api/v1/workflows", def, true); code != http.StatusCreated {
			t.Fatalf("create = %d: %s", code, body)
		}
	}
	defer rc.Del(context.Background(), "hf-browser-up")
	s.waitTriggerState("redis-up", "connected")
	s.waitTriggerState("redis-down", "retrying")

	u := newUI(t, s.url)
	u.open("/#token=" + s.token)
	u.waitVisible("#new-workflow")
	u.open("/workflows/redis-up")
	u.waitText("#trigger-state", "Connected")
	u.open("/workflows/redis-down")
	u.waitText("#trigger-state", "Connection lost: retrying")
	u.waitJS("the error shown without the password", `(() => {
	  const e = document.querySelector('#trigger-state-error');
	  return !!e && e.textContent.length > 0 && !e.textContent.includes('pa55-w0rd-x');
	})()`)
}
