package bench

import (
	"sync/atomic"
	"time"
)

// The ledger's chunks: 2^16 entries (1.5 MB) each, allocated as the
// sequence grows, up to 2^30 events in all.
const (
	chunkBits = 16
	chunkSize = 1 << chunkBits
	maxChunks = 1 << 14
	// MaxEvents is how many events one run can track.
	MaxEvents = chunkSize*maxChunks - 1
)

// Outcome of one request, as the load generator saw it.
const (
	stateNone     uint32 = iota // not sent, or sent and not answered yet
	stateAccepted               // answered 2xx: the server owns the event
	stateRejected               // answered non-2xx
	stateFailed                 // no answer: the server may or may not have it
)

// entry is one event's record. Times are nanoseconds since the ledger's
// start plus one, so zero means "not yet".
type entry struct {
	sent       atomic.Int64
	received   atomic.Int64
	state      atomic.Uint32
	deliveries atomic.Uint32
}

type chunk [chunkSize]entry

// Ledger records, for every event sequence number, when it was sent, how
// the server answered, and when and how often it was delivered. Senders and
// the receiver update it concurrently; Tally reads it once the load is over.
type Ledger struct {
	start  time.Time
	chunks [maxChunks]atomic.Pointer[chunk]
	last   atomic.Uint64 // highest sequence number handed out
	// Unexpected counts deliveries of sequence numbers never sent.
	unexpected atomic.Int64
	// distinct counts events delivered at least once.
	distinct atomic.Int64
}

// NewLedger returns an empty ledger whose clock starts now.
func NewLedger() *Ledger { return &Ledger{start: time.Now()} }

// now is the ledger's clock: nanoseconds since its start, plus one.
func (l *Ledger) now() int64 { return int64(time.Since(l.start)) + 1 }

// slot returns the entry of seq, allocating its chunk when create is set;
// nil where seq is out of range or, without create, never allocated.
func (l *Ledger) slot(seq uint64, create bool) *entry {
	ci := seq >> chunkBits
	if seq == 0 || ci >= maxChunks {
		return nil
	}
	c := l.chunks[ci].Load()
	if c == nil {
		if !create {
			return nil
		}
		fresh := new(chunk)
		if l.chunks[ci].CompareAndSwap(nil, fresh) {
			c = fresh
		} else {
			c = l.chunks[ci].Load()
		}
	}
	return &c[seq&(chunkSize-1)]
}

// Next hands out the next sequence number and stamps its send time now;
// ok is false once the ledger is full.
func (l *Ledger) Next() (seq uint64, ok bool) {
	seq = l.last.Add(1)
	e := l.slot(seq, true)
	if e == nil {
		return 0, false
	}
	e.sent.Store(l.now())
	return seq, true
}

// Answered records how the server answered the request carrying seq.
func (l *Ledger) Answered(seq uint64, state uint32) {
	if e := l.slot(seq, false); e != nil {
		e.state.Store(state)
	}
}

// Delivered records a delivery of seq now. It reports whether this was the
// event's first delivery.
func (l *Ledger) Delivered(seq uint64) bool {
	e := l.slot(seq, false)
	if e == nil || e.sent.Load() == 0 {
		l.unexpected.Add(1)
		return false
	}
	e.deliveries.Add(1)
	if e.received.CompareAndSwap(0, l.now()) {
		l.distinct.Add(1)
		return true
	}
	return false
}

// Elapsed is the time since the ledger's start, on the clock of
// Tally.LastDelivery.
func (l *Ledger) Elapsed() time.Duration { return time.Since(l.start) }

// DeliveredCount is the number of distinct events delivered so far.
func (l *Ledger) DeliveredCount() int64 { return l.distinct.Load() }

// Tally is the ledger's accounting once the load is over.
type Tally struct {
	// Sent is the number of requests made.
	Sent int64
	// Accepted counts 2xx answers.
	Accepted int64
	// Delivered counts distinct events the receiver got, accepted or not.
	Delivered int64
	// Lost counts accepted events never delivered.
	Lost int64
	// Duplicates counts deliveries beyond each event's first.
	Duplicates int64
	// Unconfirmed counts events delivered whose request had no 2xx answer
	// (a timeout or a dropped connection after the server took the event).
	Unconfirmed int64
	// Unexpected counts deliveries of sequence numbers never sent.
	Unexpected int64
	// FirstDelivery and LastDelivery are when the first and the last
	// first-delivery arrived, since the ledger's start.
	FirstDelivery time.Duration
	LastDelivery  time.Duration
	// E2E holds, for each delivered event, the time from the start of its
	// request to its first delivery.
	E2E *Histogram
}

// Tally counts every event recorded so far. Call it when no sender is
// running; deliveries may still arrive.
func (l *Ledger) Tally() Tally {
	t := Tally{E2E: NewHistogram(), Unexpected: l.unexpected.Load()}
	last := l.last.Load()
	var firstRecv, lastRecv int64
	for seq := uint64(1); seq <= last; seq++ {
		e := l.slot(seq, false)
		if e == nil {
			break // the ledger was full
		}
		sent := e.sent.Load()
		if sent == 0 {
			continue
		}
		t.Sent++
		accepted := e.state.Load() == stateAccepted
		if accepted {
			t.Accepted++
		}
		recv := e.received.Load()
		if recv == 0 {
			if accepted {
				t.Lost++
			}
			continue
		}
		t.Delivered++
		if !accepted {
			t.Unconfirmed++
		}
		if n := e.deliveries.Load(); n > 1 {
			t.Duplicates += int64(n - 1)
		}
		t.E2E.Record(time.Duration(recv - sent))
		lastRecv = max(lastRecv, recv)
		if firstRecv == 0 || recv < firstRecv {
			firstRecv = recv
		}
	}
	if lastRecv > 0 {
		t.FirstDelivery, t.LastDelivery = time.Duration(firstRecv-1), time.Duration(lastRecv-1)
	}
	return t
}

// DeliveredPerS is the delivered events over the time they took: from the
// load's start (loadStart, on the ledger's clock, see Elapsed), or the
// first delivery if that came earlier, to the last delivery. Whatever ran
// on the ledger's clock before the load (a baseline's load) is not counted.
func (t Tally) DeliveredPerS(loadStart time.Duration) float64 {
	if t.Delivered == 0 {
		return 0
	}
	from := min(loadStart, t.FirstDelivery)
	return rate(t.Delivered, t.LastDelivery-from)
}
