package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what a bench run measured. Its JSON field names are stable:
// scripts and charts read them. Fields a run could not measure (latency to
// delivery in ingest mode, the server's RSS and CPU when it is not a child
// process) are null.
type Result struct {
	// Mode is e2e, burst, drop (ingest in older results) or loop.
	Mode Mode `json:"mode"`
	// Target is "child" (a server started by the bench) or the --url.
	Target string `json:"target"`
	// DB is the child server's --db ("" for --url).
	DB string `json:"db,omitempty"`
	// Workers is the child server's --workers (0: its default).
	Workers     int     `json:"workers,omitempty"`
	Connections int     `json:"connections"`
	DurationS   float64 `json:"duration_s"`
	// PayloadBytes is the size of each request body.
	PayloadBytes int `json:"payload_bytes"`

	// Sent counts requests made; Accepted those answered 2xx.
	Sent         int64   `json:"sent"`
	Accepted     int64   `json:"accepted"`
	AcceptedPerS float64 `json:"accepted_per_s"`
	// Delivered counts, in e2e mode, the distinct events the receiver got;
	// in ingest mode, the runs the server recorded for the bench workflow.
	Delivered int64 `json:"delivered"`
	// DeliveredPerS is Delivered over the time from the start of this
	// mode's load (not a baseline's before it) to the last delivery (e2e,
	// burst) or to the drained backlog (drop).
	DeliveredPerS float64 `json:"delivered_per_s"`
	// Accept latency: from writing a request to reading its 2xx answer.
	AcceptP50MS  float64 `json:"accept_p50_ms"`
	AcceptP99MS  float64 `json:"accept_p99_ms"`
	AcceptMaxMS  float64 `json:"accept_max_ms"`
	AcceptMeanMS float64 `json:"accept_mean_ms"`
	// Event-to-delivery latency: from writing the request to the event's
	// first delivery at the receiver (e2e only).
	E2EP50MS *float64 `json:"e2e_p50_ms"`
	E2EP99MS *float64 `json:"e2e_p99_ms"`
	E2EMaxMS *float64 `json:"e2e_max_ms"`
	// Lost counts events answered 2xx that were never delivered (e2e) or
	// have no run recorded (ingest). It must be 0.
	Lost int64 `json:"lost"`
	// Duplicates counts deliveries beyond each event's first (e2e only).
	Duplicates *int64 `json:"duplicates"`
	// Unconfirmed counts events delivered whose request failed without an
	// answer (e2e only): the server had them; the client never heard.
	Unconfirmed int64 `json:"unconfirmed"`
	// Baseline is the bare server's figures under the same load, measured
	// just before (with --baseline), and VsBaseline AcceptedPerS over its
	// AcceptedPerS.
	Baseline   *Baseline `json:"baseline,omitempty"`
	VsBaseline *float64  `json:"vs_baseline,omitempty"`
	// Unexpected counts deliveries the receiver could not match to a
	// request.
	Unexpected int64 `json:"unexpected"`
	// Errors counts requests without a 2xx answer; ErrorsByKind splits
	// them ("http 503", "timeout", "connect", "connection closed"...).
	Errors       int64            `json:"errors"`
	ErrorsByKind map[string]int64 `json:"errors_by_kind"`
	// BacklogAtStop is how many accepted events were still undelivered
	// when the load stopped (e2e only); DrainS how long the backlog took
	// to drain.
	BacklogAtStop int64   `json:"backlog_at_stop"`
	DrainS        float64 `json:"drain_s"`
	// Drained is false when the drain timed out.
	Drained bool `json:"drained"`
	// DrainPerS is, in burst mode, the events delivered after the load
	// over the time from its end to the last delivery.
	DrainPerS *float64 `json:"drain_per_s,omitempty"`

	// Server figures, for a child server only: peak resident memory, CPU
	// time used from the start of the load to the end of the drain, that
	// time per accepted event, and the time from exec to ready.
	ServerRSSMB         *float64 `json:"server_rss_mb"`
	ServerCPUS          *float64 `json:"server_cpu_s"`
	ServerCPUPerEventUS *float64 `json:"server_cpu_per_event_us"`
	// ServerCPULoadS is the server's CPU time during the load alone.
	ServerCPULoadS *float64 `json:"server_cpu_load_s"`
	StartupMS      *float64 `json:"startup_ms"`
	// StealPct is the share of the machine's CPU time its hypervisor gave
	// to other machines during the load (Linux's steal time; nil where
	// not measured, and for a server at --url, which may run elsewhere).
	// A few percent make a run slower than the next and a ratio to a
	// baseline run at another moment misleading.
	StealPct *float64 `json:"steal_pct,omitempty"`
	// BenchCPUS is the CPU time this process (load generator and
	// receiver) used over the same span.
	BenchCPUS *float64 `json:"bench_cpu_s"`

	GoVersion string `json:"go_version"`
	CPUs      int    `json:"cpus"`
	// Notes explain the figures: what the mode measures, anything odd.
	Notes []string `json:"notes,omitempty"`
}

// OK reports whether every accepted event was accounted for.
func (r *Result) OK() bool { return r.Lost == 0 }

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the result as an aligned table.
func (r *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "hookflow bench: mode %s, %d connections, %s, %d-byte payload, %s, %d CPUs\n",
		r.Mode, r.Connections, seconds(r.DurationS), r.PayloadBytes, r.GoVersion, r.CPUs)
	if r.Target == "child" {
		workers := "default workers"
		if r.Workers > 0 {
			workers = fmt.Sprintf("%d workers", r.Workers)
		}
		fmt.Fprintf(&b, "server: child process, --db %s, %s\n", r.DB, workers)
	} else {
		fmt.Fprintf(&b, "server: %s\n", r.Target)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(cells ...string) {
		for len(cells) > 1 && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	row("accepted", group(r.Accepted), perSecond(r.AcceptedPerS))
	deliveredLabel := "delivered"
	if r.Mode.dropsAtAccept() {
		deliveredLabel = "runs recorded"
	}
	if r.Mode == ModeLoop {
		deliveredLabel = "items delivered"
	}
	row(deliveredLabel, group(r.Delivered), perSecond(r.DeliveredPerS))
	row("accept latency", "p50 "+millis(r.AcceptP50MS), "p99 "+millis(r.AcceptP99MS), "max "+millis(r.AcceptMaxMS))
	if bl := r.Baseline; bl != nil {
		vs := ""
		if r.VsBaseline != nil {
			vs = fmt.Sprintf("accepted/s = %.0f%% of it", *r.VsBaseline*100)
		}
		row("bare gin + decode", perSecond(bl.AcceptedPerS), "p50 "+millis(bl.AcceptP50MS), "p99 "+millis(bl.AcceptP99MS), vs)
	}
	if r.E2EP50MS != nil {
		row("event to delivery", "p50 "+millis(*r.E2EP50MS), "p99 "+millis(*r.E2EP99MS), "max "+millis(*r.E2EMaxMS))
	} else {
		row("event to delivery", "n/a ("+string(r.Mode)+")")
	}
	lost := group(r.Lost)
	if r.Lost > 0 {
		lost += "  << accepted but not delivered"
	}
	row("lost", lost)
	if r.Duplicates != nil {
		row("duplicates", group(*r.Duplicates))
	} else {
		row("duplicates", "n/a ("+string(r.Mode)+")")
	}
	row("errors", group(r.Errors), errorKinds(r.ErrorsByKind))
	if r.Mode.delivers() {
		drain := ""
		if r.DrainPerS != nil {
			drain = perSecond(*r.DrainPerS)
		}
		row("backlog at stop", group(r.BacklogAtStop), "drained in "+seconds(r.DrainS), drain)
	} else {
		row("drain", seconds(r.DrainS))
	}
	if r.ServerRSSMB != nil {
		row("server RSS (peak)", fmt.Sprintf("%.1f MB", *r.ServerRSSMB))
	} else {
		row("server RSS (peak)", "n/a")
	}
	if r.ServerCPUS != nil {
		cores := 0.0
		if span := r.DurationS + r.DrainS; span > 0 {
			cores = *r.ServerCPUS / span
		}
		per := ""
		if r.ServerCPUPerEventUS != nil {
			per = fmt.Sprintf("%.0f µs per event", *r.ServerCPUPerEventUS)
		}
		row("server CPU", fmt.Sprintf("%.2f s", *r.ServerCPUS), fmt.Sprintf("%.2f cores", cores), per)
		if r.ServerCPULoadS != nil && r.DurationS > 0 {
			row("server CPU (load)", fmt.Sprintf("%.2f s", *r.ServerCPULoadS), fmt.Sprintf("%.2f cores", *r.ServerCPULoadS/r.DurationS))
		}
	} else {
		row("server CPU", "n/a")
	}
	if r.StartupMS != nil {
		row("server start-up", millis(*r.StartupMS))
	}
	if r.BenchCPUS != nil {
		row("bench CPU", fmt.Sprintf("%.2f s", *r.BenchCPUS), "load generator and receiver")
	}
	if r.StealPct != nil {
		cells := []string{"CPU stolen by the hypervisor", fmt.Sprintf("%.1f%%", *r.StealPct)}
		if r.Baseline != nil && r.Baseline.StealPct != nil {
			cells = append(cells, fmt.Sprintf("bare server's load %.1f%%", *r.Baseline.StealPct))
		}
		row(cells...)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if r.Lost > 0 {
		fmt.Fprintf(&b, "FAIL: %s accepted events were lost\n", group(r.Lost))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func errorKinds(m map[string]int64) string {
	if len(m) == 0 {
		return ""
	}
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k + ": " + group(m[k])
	}
	return strings.Join(parts, ", ")
}

// group writes n with thousands separators: 1234567 -> 1,234,567.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func perSecond(v float64) string { return group(int64(math.Round(v))) + "/s" }

func millis(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return fmt.Sprintf("%.2f ms", ms)
	}
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

// ms converts a duration to float milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func ptr[T any](v T) *T { return &v }
