package actions

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// benchBody is a 1 KB JSON order, like the payloads the engine forwards.
func benchBody() []byte {
	var b strings.Builder
	b.WriteString(`{"id":"ord_0123456789abcdef","amount":150.5,"currency":"USD","items":[`)
	for i := 0; b.Len() < 1000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","qty":%d,"price":9.99}`, i, i%5+1)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkSend measures one signed 1 KB JSON delivery to a local keep-alive
// receiver, response parsed.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	s := localSender(b, Config{})
	req := Request{
		URL:        srv.URL + "/orders",
		Body:       benchBody(),
		WebhookID:  "msg_bench",
		Timestamp:  time.Now(),
		SignSecret: specSecret,
	}
	b.SetBytes(int64(len(req.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Send(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
