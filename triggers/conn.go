package triggers

import (
	"context"
	"net"
)

// connKey is the request context key of the connection a request came on.
type connKey struct{}

// ConnContext is for http.Server.ConnContext: it puts each connection in its
// requests' context, where the webhook receiver looks whether an accepted
// event's 202 can be written at once (answerEarly). Without it every 202 is
// written by the request's handler, the same answer a little later.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// sendQueueEmpty reports whether the connection of the request with context
// ctx has sent everything written to it and had it acknowledged, so a small
// write is taken at once whatever the client does.
func sendQueueEmpty(ctx context.Context) bool {
	c, _ := ctx.Value(connKey{}).(net.Conn)
	for c != nil {
		inner, ok := c.(interface{ NetConn() net.Conn }) // a TLS connection
		if !ok {
			break
		}
		c = inner.NetConn()
	}
	return c != nil && socketDrained(c)
}
