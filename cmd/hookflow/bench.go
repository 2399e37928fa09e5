package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/bench"
)

// benchFlags are the bench command's settings.
type benchFlags struct {
	connections  int
	duration     time.Duration
	payload      string
	payloadSize  string
	mode         string
	db           string
	workers      int
	url          string
	token        string
	json         bool
	drainTimeout time.Duration
	timeout      time.Duration
	keep         bool
	cpuProfile   string
	memProfile   string
	selfProfile  string
	receiverAddr string
	receiverURL  string
	quiet        bool
	baseline     bool
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load-test a server to size a deployment",
		Long: `Load-test Hookflow the way webhook senders use it, to size a deployment.

bench starts this binary as a child server on 127.0.0.1 with a fresh SQLite
database (or uses --db, or targets a running server with --url), starts a
receiver in this process, creates a bench workflow, and posts the payload to
its trigger URL from --connections keep-alive connections for --duration.
It then waits for the backlog to drain and prints accepted and delivered
throughput, accept and event-to-delivery latency (p50, p99), the server's
peak RSS and CPU time, and the events lost (accepted, never delivered) and
duplicated. It exits 1 if any accepted event was lost.

Modes:
  e2e     filter (true) -> transform -> webhook to the receiver: the full path
  burst   the e2e workflow with execution held during the load: the receiver
          holds every delivery unanswered until the load ends, so every worker
          waits and the accepted events queue as real runs; accepted/s is the
          cost of accepting events that will run; then the drain is timed
          (drain/s: events delivered after the load over its time)
  drop    a single filter that is false for every bench event: each event is
          dropped at accept; lost counts accepted events without a recorded
          run (ingest is its former name and still works)
  loop    --connections events posted at once, each of 100 items which a
          for_each step delivers to the receiver one by one; delivered counts
          items (--duration does not apply)

With --baseline, the same load first runs against a bare server (a gin
handler that reads the body and json.Unmarshals it, storing nothing) in a
child process, and the result compares the two: the cost of durability and
of the workflow, measured in the same run on the same machine.

The child server sees no HOOKFLOW_ variable from this environment; its
settings are the flags here. Run with --json for machine-readable output.`,
		Example: `  hookflow bench --connections 64 --duration 10s --mode e2e
  hookflow bench --mode burst --baseline
  hookflow bench --mode drop --baseline
  hookflow bench --mode loop --connections 1
  hookflow bench --mode drop --json > drop.json
  hookflow bench --payload-size 16KB --workers 32
  hookflow bench --url http://10.0.0.5:8080 --token "$HOOKFLOW_ADMIN_TOKEN" --receiver-addr 0.0.0.0:9099 --receiver-url http://10.0.0.9:9099`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&f.connections, "connections", "c", 64, "keep-alive connections posting at once")
	fl.DurationVarP(&f.duration, "duration", "d", 10*time.Second, "how long the load lasts")
	fl.StringVar(&f.payload, "payload", "", "JSON file posted as every event (default: the built-in 1 KB order event)")
	fl.StringVar(&f.payloadSize, "payload-size", "", "pad the payload with a \"pad\" field to this size, e.g. 16KB or 256KB")
	fl.StringVar(&f.mode, "mode", string(bench.ModeE2E), "e2e (filter, transform, deliver), burst (e2e, runs held during the load, then drained), drop (filtered at accept; alias ingest) or loop (100 items per event, each delivered)")
	fl.StringVar(&f.db, "db", "", "the child server's database: SQLite file, or postgres:// URL where each run works in a schema of its own, dropped after (default: a fresh SQLite file in a temporary directory)")
	fl.IntVar(&f.workers, "workers", 0, "the child server's --workers (default: serve's default)")
	fl.StringVar(&f.url, "url", "", "bench a running server at this base URL instead of starting one (RSS and CPU then go unmeasured)")
	fl.StringVar(&f.token, "token", env("ADMIN_TOKEN", ""), "admin token of the --url server; for a child server, its admin token (default random) (env HOOKFLOW_ADMIN_TOKEN)")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON")
	fl.DurationVar(&f.drainTimeout, "drain-timeout", 60*time.Second, "stop waiting for the backlog after this long without progress")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "limit on each request")
	fl.BoolVar(&f.keep, "keep", false, "keep the temporary directory (database, server log) and the bench workflow")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "have the child server write a CPU profile to this file (go tool pprof)")
	fl.StringVar(&f.memProfile, "memprofile", "", "have the child server write a heap profile of its largest live heap to this file (go tool pprof)")
	fl.StringVar(&f.selfProfile, "bench-cpuprofile", "", "write a CPU profile of this process (load generator and receiver) to this file")
	fl.StringVar(&f.receiverAddr, "receiver-addr", "127.0.0.1:0", "where the receiver listens")
	fl.StringVar(&f.receiverURL, "receiver-url", "", "the receiver's URL as the server reaches it (default http://RECEIVER-ADDR)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress lines on stderr")
	fl.BoolVar(&f.baseline, "baseline", false, "first run the same load against a bare gin + json.Unmarshal server and compare")
	cmd.AddCommand(newBenchChartCmd(), newBaselineServerCmd())
	return cmd
}

// newBaselineServerCmd is the bare server bench --baseline starts as its
// child process; hidden, since it is of no use on its own.
func newBaselineServerCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:    "baseline-server",
		Short:  "Serve the bare comparison handler of bench --baseline",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.ServeBaseline(cmd.Context(), addr) // ends on SIGTERM (main)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address")
	return cmd
}

func runBench(cmd *cobra.Command, f *benchFlags) error {
	mode, err := bench.ParseMode(f.mode)
	if err != nil {
		return err
	}
	if f.baseline && f.url != "" {
		return errors.New("--baseline compares with a child server: it cannot be used with --url")
	}
	if f.url != "" && (f.db != "" || f.workers != 0 || f.cpuProfile != "" || f.memProfile != "") {
		return errors.New("--url targets a running server: --db, --workers, --cpuprofile and --memprofile apply to a child server only")
	}
	payload := bench.DefaultPayload
	if f.payload != "" {
		if payload, err = os.ReadFile(f.payload); err != nil {
			return fmt.Errorf("--payload: %w", err)
		}
	}
	if f.payloadSize != "" {
		size, err := bench.ParseSize(f.payloadSize)
		if err != nil {
			return fmt.Errorf("--payload-size: %w", err)
		}
		if payload, err = bench.PadPayload(payload, size); err != nil {
			return fmt.Errorf("--payload-size: %w", err)
		}
	}
	cfg := bench.Config{
		Mode: mode, Connections: f.connections, Duration: f.duration, Payload: payload,
		DrainTimeout: f.drainTimeout, RequestTimeout: f.timeout,
		DB: f.db, Workers: f.workers, CPUProfile: f.cpuProfile, MemProfile: f.memProfile, Keep: f.keep,
		URL: f.url, Token: f.token, ReceiverAddr: f.receiverAddr, ReceiverURL: f.receiverURL,
		Baseline: f.baseline,
	}
	if f.url == "" {
		if cfg.Executable, err = os.Executable(); err != nil {
			return fmt.Errorf("find the hookflow executable: %w", err)
		}
	}
	if !f.quiet {
		cfg.Progress = cmd.ErrOrStderr()
	}
	if f.selfProfile != "" {
		pf, err := os.Create(f.selfProfile)
		if err != nil {
			return fmt.Errorf("--bench-cpuprofile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--bench-cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Run(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.json {
		err = res.WriteJSON(out)
	} else {
		err = res.WriteTable(out)
	}
	if err != nil {
		return err
	}
	if !res.OK() {
		fmt.Fprintf(cmd.ErrOrStderr(), "hookflow bench: %d accepted events were lost (never delivered)\n", res.Lost)
		return exitCode(1)
	}
	if res.Accepted == 0 {
		return errors.New("bench: no request was accepted (see errors)")
	}
	return nil
}
