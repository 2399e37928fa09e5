package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// buildBenchBinary builds hookflow into the test's temporary directory
// (removed when the test ends) and returns its path.
func buildBenchBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hookflow")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// benchJSON runs bin's bench with args and --json and decodes its result;
// a non-zero exit fails the test.
func benchJSON(t *testing.T, bin string, args ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"bench", "--json"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("hookflow bench %s; stderr:\n%s\nresult: %s", strings.Join(args, " "), stderr.String(), stdout.String())
	if err != nil {
		t.Fatalf("hookflow bench %s: %v", strings.Join(args, " "), err)
	}
	var res map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("the output is not the JSON result: %v", err)
	}
	return res
}

// TestBenchBurst runs burst with two workers: during the load at most two
// events can be delivered (each worker holds one unanswered delivery), so
// the rest are still queued at its end; the drain then delivers them all.
func TestBenchBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	res := benchJSON(t, buildBenchBinary(t), "--mode", "burst", "--workers", "2", "--connections", "4", "--duration", "2s")
	accepted, _ := res["accepted"].(float64)
	if res["mode"] != "burst" || accepted < 3 || res["lost"] != 0.0 || res["delivered"] != accepted || res["drained"] != true {
		t.Fatalf("mode %v accepted %v delivered %v lost %v drained %v; want burst, at least 3 accepted, all delivered",
			res["mode"], accepted, res["delivered"], res["lost"], res["drained"])
	}
	if backlog, _ := res["backlog_at_stop"].(float64); backlog < accepted-2 {
		t.Errorf("backlog at the load's end %v of %v accepted: more than the two held deliveries ran during the load", backlog, accepted)
	}
	if d, _ := res["drain_per_s"].(float64); d <= 0 {
		t.Errorf("drain_per_s %v; want the drain's rate", res["drain_per_s"])
	}
}

// TestBenchDropAndIngest: drop records a filtered run per event, and
// ingest is the same mode under its former name.
func TestBenchDropAndIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBenchBinary(t)
	for _, mode := range []string{"drop", "ingest"} {
		res := benchJSON(t, bin, "--mode", mode, "--connections", "2", "--duration", "1s")
		accepted, _ := res["accepted"].(float64)
		if res["mode"] != "drop" || accepted == 0 || res["delivered"] != accepted || res["lost"] != 0.0 {
			t.Errorf("--mode %s: mode %v accepted %v runs %v lost %v; want drop, every accepted event a run",
				mode, res["mode"], accepted, res["delivered"], res["lost"])
		}
	}
}

// TestBenchFlagErrors checks that bad bench flags fail with one clear line
// before anything starts.
func TestBenchFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--mode", "bogus"}, `--mode "bogus": use e2e, burst, drop (or its old name ingest) or loop`},
		{[]string{"bench", "--connections", "0"}, "--connections must be at least 1"},
		{[]string{"bench", "--duration", "0s"}, "--duration must be positive"},
		{[]string{"bench", "--url", "http://127.0.0.1:1", "--token", ""}, "--url needs the server's admin token"},
		{[]string{"bench", "--url", "http://127.0.0.1:1", "--token", "t", "--db", "x.db"}, "--db, --workers, --cpuprofile and --memprofile apply to a child server only"},
		{[]string{"bench", "--url", "http://127.0.0.1:1", "--token", "t", "--memprofile", "heap.pprof"}, "--memprofile apply to a child server only"},
		{[]string{"bench", "--payload", "/nonexistent/payload.json"}, "--payload: open /nonexistent/payload.json"},
		{[]string{"bench", "--payload-size", "lots"}, "--payload-size: size \"lots\""},
		{[]string{"bench", "--url", "http://127.0.0.1:1", "--token", "t", "--baseline"}, "--baseline compares with a child server"},
	} {
		cmd := newRootCmd()
		cmd.SetArgs(tc.args)
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("hookflow %s: %v; want an error containing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestBenchExitsNonZeroOnLoss benches a fake server that accepts every
// event and delivers none: the command must say so and exit 1.
func TestBenchExitsNonZeroOnLoss(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/workflows":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":"b","trigger_url":"%s/hooks/k"}`, srv.URL)
		case r.URL.Path == "/hooks/k":
			w.WriteHeader(http.StatusAccepted)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"bench", "--url", srv.URL, "--token", "t", "-c", "2", "-d", "200ms", "--drain-timeout", "200ms", "--json"})
	err := cmd.ExecuteContext(context.Background())
	var code exitCode
	if !errors.As(err, &code) || code != 1 {
		t.Fatalf("bench with every event lost: %v; want exit 1\n%s", err, errOut.String())
	}
	var res struct{ Accepted, Lost int64 }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Accepted == 0 || res.Lost != res.Accepted {
		t.Errorf("result %s (%v); want every accepted event lost", out.String(), err)
	}
	if !strings.Contains(errOut.String(), "accepted events were lost") {
		t.Errorf("stderr does not say events were lost:\n%s", errOut.String())
	}
}

// TestBenchRun builds the binary and runs a short real bench: a child
// server, the receiver, two seconds of load, nothing lost.
func TestBenchRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBenchBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, bin, "bench", "--connections", "4", "--duration", "2s", "--mode", "e2e", "--baseline", "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("hookflow bench took %v; stderr:\n%s", time.Since(start).Round(time.Millisecond), stderr.String())
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("hookflow bench: %v", err)
	}
	var res struct {
		Mode          string   `json:"mode"`
		Accepted      int64    `json:"accepted"`
		Delivered     int64    `json:"delivered"`
		Lost          int64    `json:"lost"`
		Duplicates    *int64   `json:"duplicates"`
		Errors        int64    `json:"errors"`
		AcceptP99MS   float64  `json:"accept_p99_ms"`
		E2EP99MS      *float64 `json:"e2e_p99_ms"`
		ServerRSSMB   *float64 `json:"server_rss_mb"`
		StartupMS     *float64 `json:"startup_ms"`
		AcceptedPerS  float64  `json:"accepted_per_s"`
		DeliveredPerS float64  `json:"delivered_per_s"`
		DurationS     float64  `json:"duration_s"`
		DrainS        float64  `json:"drain_s"`
		Baseline      *struct {
			AcceptedPerS float64 `json:"accepted_per_s"`
			AcceptP99MS  float64 `json:"accept_p99_ms"`
		} `json:"baseline"`
		VsBaseline *float64 `json:"vs_baseline"`
		StealPct   *float64 `json:"steal_pct"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("the output is not the JSON result: %v\n%s", err, stdout.String())
	}
	t.Logf("result: %s", stdout.String())
	if err != nil {
		t.Fatalf("hookflow bench exited %d", ee.ExitCode())
	}
	if res.Mode != "e2e" || res.Accepted == 0 || res.Lost != 0 || res.Delivered != res.Accepted {
		t.Errorf("mode %s accepted %d delivered %d lost %d; want e2e, some accepted, all delivered, none lost",
			res.Mode, res.Accepted, res.Delivered, res.Lost)
	}
	if res.Baseline == nil || res.Baseline.AcceptedPerS <= 0 || res.Baseline.AcceptP99MS <= 0 || res.VsBaseline == nil ||
		*res.VsBaseline <= 0 {
		t.Errorf("baseline %+v, vs baseline %v; want the bare server's figures and the ratio", res.Baseline, res.VsBaseline)
	}
	if runtime.GOOS == "linux" && (res.StealPct == nil || *res.StealPct < 0) {
		t.Errorf("steal_pct %v; want the share of CPU time stolen during the load", res.StealPct)
	}
	// Every delivery came within this mode's load and drain, so
	// delivered/s is at least the delivered over both (rounding aside);
	// counted from the ledger's start it would include the baseline's load.
	if span := res.DurationS + res.DrainS; span > 0 && res.DeliveredPerS < 0.95*float64(res.Delivered)/span {
		t.Errorf("delivered/s %v for %d delivered within %.2f s of load and drain: counted over more than they took",
			res.DeliveredPerS, res.Delivered, span)
	}
	if res.Duplicates == nil || *res.Duplicates != 0 || res.Errors != 0 {
		t.Errorf("duplicates %v errors %d; want 0 and 0", res.Duplicates, res.Errors)
	}
	if res.AcceptP99MS <= 0 || res.E2EP99MS == nil || *res.E2EP99MS <= 0 || res.AcceptedPerS <= 0 || res.DeliveredPerS <= 0 {
		t.Errorf("latencies and rates missing: %+v", res)
	}
	if runtime.GOOS == "linux" && (res.ServerRSSMB == nil || *res.ServerRSSMB <= 0) || res.StartupMS == nil || *res.StartupMS <= 0 {
		t.Errorf("server figures missing: rss %v startup %v", res.ServerRSSMB, res.StartupMS)
	}
}

// TestBenchPostgres runs every mode against PostgreSQL (when
// HOOKFLOW_TEST_POSTGRES names a database): each run in a schema of its
// own, nothing lost, and the schema gone afterwards.
func TestBenchPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbURL := os.Getenv("HOOKFLOW_TEST_POSTGRES")
	if dbURL == "" {
		t.Skip("set HOOKFLOW_TEST_POSTGRES to a PostgreSQL URL to bench on PostgreSQL")
	}
	t.Parallel()
	bin := buildBenchBinary(t)
	for _, args := range [][]string{
		{"--mode", "e2e", "--connections", "4", "--duration", "1s"},
		{"--mode", "burst", "--workers", "2", "--connections", "4", "--duration", "1s"},
		{"--mode", "drop", "--connections", "4", "--duration", "1s"},
		{"--mode", "loop", "--connections", "1"},
	} {
		res := benchJSON(t, bin, append(args, "--db", dbURL)...)
		accepted, _ := res["accepted"].(float64)
		if accepted == 0 || res["lost"] != 0.0 || res["drained"] != true {
			t.Errorf("%v: accepted %v lost %v drained %v; want some accepted, none lost, drained", args, accepted, res["lost"], res["drained"])
		}
		db, _ := res["db"].(string)
		_, schema, ok := strings.Cut(db, "(schema ")
		schema = strings.TrimSuffix(schema, ")")
		if !ok || !strings.HasPrefix(schema, "hf_bench_") {
			t.Errorf("%v: db %q; want the URL and the run's own schema", args, db)
			continue
		}
		conn, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = conn.QueryRow(context.Background(), "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schema).Scan(&n)
		conn.Close(context.Background())
		if err != nil || n != 0 {
			t.Errorf("%v: schema %s left behind (%d, %v)", args, schema, n, err)
		}
	}
}
