package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestResultJSONFieldNames pins the JSON names scripts and charts read.
func TestResultJSONFieldNames(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := &Result{Mode: ModeE2E, Duplicates: ptr(int64(0)), ServerRSSMB: ptr(40.5)}
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"mode", "connections", "duration_s", "payload_bytes", "accepted", "accepted_per_s", "delivered",
		"delivered_per_s", "accept_p50_ms", "accept_p99_ms", "e2e_p50_ms", "e2e_p99_ms", "lost", "duplicates",
		"errors", "server_rss_mb", "server_cpu_s", "startup_ms", "go_version", "cpus",
	} {
		if _, ok := got[name]; !ok {
			t.Errorf("the JSON has no %q", name)
		}
	}
}

func TestResultTable(t *testing.T) {
	t.Parallel()
	r := &Result{
		Mode: ModeE2E, Target: "child", DB: "/tmp/x/bench.db", Connections: 64, DurationS: 10, PayloadBytes: 1024,
		Accepted: 123456, AcceptedPerS: 12345.6, Delivered: 123450, DeliveredPerS: 12000,
		AcceptP50MS: 1.234, AcceptP99MS: 12.5, E2EP50MS: ptr(3.0), E2EP99MS: ptr(150.0), E2EMaxMS: ptr(300.0),
		Lost: 6, Duplicates: ptr(int64(2)), Errors: 3, ErrorsByKind: map[string]int64{"timeout": 1, "http 503": 2},
		ServerRSSMB: ptr(48.2), ServerCPUS: ptr(15.0), StartupMS: ptr(95.0), GoVersion: "go1.26", CPUs: 2,
		StealPct: ptr(7.5), Baseline: &Baseline{AcceptedPerS: 20000, StealPct: ptr(0.2)},
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"mode e2e, 64 connections, 10s, 1024-byte payload", "123,456", "12,346/s", "p50 1.23 ms", "p99 12.5 ms",
		"p99 150 ms", "lost", "accepted but not delivered", "http 503: 2, timeout: 1", "48.2 MB", "FAIL: 6 accepted events were lost",
		"CPU stolen by the hypervisor", "7.5%", "bare server's load 0.2%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space in %q", line)
		}
	}
	if r.OK() {
		t.Error("OK() with 6 lost")
	}
}

func TestGroup(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestStealPercentAndNote(t *testing.T) {
	t.Parallel()
	if got, ok := stealPercent(machineSample{Total: 1000, Steal: 10}, machineSample{Total: 3000, Steal: 134}); !ok || got != 6.2 {
		t.Errorf("stealPercent = %v, %v; want 6.2", got, ok)
	}
	if _, ok := stealPercent(machineSample{Total: 5}, machineSample{Total: 5}); ok {
		t.Error("stealPercent over no time")
	}
	for _, c := range []struct {
		load, baseline *float64
		want           string
	}{
		{nil, nil, ""},
		{ptr(0.4), ptr(5.0), ""},
		{ptr(12.5), nil, "took 12.5% of the machine's CPU time during the load: "},
		{ptr(12.5), ptr(0.3), "12.5% of the machine's CPU time during the load (0.3% during the bare server's)"},
		{ptr(1.0), ptr(7.0), "took 7.0% of the machine's CPU time during the bare server's load"},
	} {
		res := &Result{StealPct: c.load}
		if c.baseline != nil {
			res.Baseline = &Baseline{StealPct: c.baseline}
		}
		got := stealNote(res)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("stealNote(load %v, baseline %v) = %q, want %q", c.load, c.baseline, got, c.want)
		}
	}
}
