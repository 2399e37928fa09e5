package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestReceiverAccounting sends five events, answers four of them, and
// delivers some twice, one never, one unanswered and one unknown: the tally
// must tell each case apart.
func TestReceiverAccounting(t *testing.T) {
	t.Parallel()
	ledger := NewLedger()
	srv := httptest.NewServer(NewReceiver(ledger))
	defer srv.Close()

	for want := uint64(1); want <= 5; want++ {
		seq, ok := ledger.Next()
		if !ok || seq != want {
			t.Fatalf("Next() = %d, %v; want %d, true", seq, ok, want)
		}
	}
	for seq := uint64(1); seq <= 4; seq++ {
		ledger.Answered(seq, stateAccepted)
	}
	ledger.Answered(5, stateFailed) // the server had it; the client timed out
	time.Sleep(time.Millisecond)

	deliver := func(path, body string) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %s, want 200", path, resp.Status)
		}
	}
	deliver("/d/1", `{"seq":"1"}`)
	deliver("/d/2", `{"seq":"2"}`)
	deliver("/d/2", `{"seq":"2"}`) // a retry: a duplicate
	deliver("/elsewhere", `{"seq":"4","order":"x"}`)
	deliver("/d/5", `{}`)
	deliver("/d/999", `{}`)       // never sent
	deliver("/d/nope", `{"x":1}`) // no sequence number anywhere
	// 3 is never delivered: lost.

	if n := ledger.DeliveredCount(); n != 4 {
		t.Errorf("DeliveredCount() = %d, want 4 (1, 2, 4, 5)", n)
	}
	got := ledger.Tally()
	want := Tally{Sent: 5, Accepted: 4, Delivered: 4, Lost: 1, Duplicates: 1, Unconfirmed: 1, Unexpected: 2}
	if got.Sent != want.Sent || got.Accepted != want.Accepted || got.Delivered != want.Delivered ||
		got.Lost != want.Lost || got.Duplicates != want.Duplicates || got.Unconfirmed != want.Unconfirmed ||
		got.Unexpected != want.Unexpected {
		t.Errorf("Tally() = %+v\nwant      %+v", got, want)
	}
	if got.E2E.Count() != 4 || got.E2E.Min() < time.Millisecond {
		t.Errorf("event-to-delivery: %d samples, min %v; want 4, at least 1ms", got.E2E.Count(), got.E2E.Min())
	}
	if got.LastDelivery <= 0 {
		t.Errorf("LastDelivery = %v, want > 0", got.LastDelivery)
	}
}

func TestLedgerBounds(t *testing.T) {
	t.Parallel()
	l := NewLedger()
	if l.slot(0, true) != nil {
		t.Error("sequence 0 has a slot; it must stay invalid")
	}
	if l.slot(MaxEvents+1, true) != nil {
		t.Error("a sequence past MaxEvents has a slot")
	}
	if l.Delivered(12345) {
		t.Error("a delivery of an unsent event counts as first delivery")
	}
	// A sequence in a chunk of its own allocates it.
	if e := l.slot(3*chunkSize+7, true); e == nil {
		t.Fatal("no slot for a sequence in a new chunk")
	}
	if l.slot(3*chunkSize+8, false) == nil {
		t.Error("the chunk allocated for a neighbour is not found")
	}
}

func TestSeqFromPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]uint64{"/d/42": 42, "/prefix/d/7": 7, "/d/0": 0, "/d/": 0, "/x": 0, "/d/1x": 0} {
		got, ok := seqFromPath(path)
		if got != want || ok != (want > 0) {
			t.Errorf("seqFromPath(%q) = %d, %v; want %d", path, got, ok, want)
		}
	}
}

// TestReceiverHold: a held receiver records a delivery at once but answers
// only after Release.
func TestReceiverHold(t *testing.T) {
	t.Parallel()
	ledger := NewLedger()
	recv := NewReceiver(ledger)
	srv := httptest.NewServer(recv)
	defer srv.Close()
	seq, _ := ledger.Next()
	ledger.Answered(seq, stateAccepted)

	recv.Hold()
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Post(srv.URL+"/d/1", "application/json", strings.NewReader(`{}`))
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for ledger.DeliveredCount() == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case code := <-answered:
		t.Fatalf("a held delivery was answered (%d) before Release", code)
	default:
	}
	recv.Release()
	if code := <-answered; code != http.StatusOK {
		t.Fatalf("the held delivery got %d after Release, want 200", code)
	}
	// No longer holding: answered at once.
	resp, err := http.Post(srv.URL+"/d/1", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
