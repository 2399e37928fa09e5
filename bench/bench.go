package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Config describes one bench run.
type Config struct {
	// Mode is e2e, burst, drop or loop.
	Mode Mode
	// Connections is how many keep-alive connections post at once.
	Connections int
	// Duration is how long the load lasts.
	Duration time.Duration
	// Payload is every request's JSON body.
	Payload []byte
	// DrainTimeout ends the wait for the backlog after this long without
	// a new delivery (e2e) or in all (ingest). Default 60s.
	DrainTimeout time.Duration
	// RequestTimeout bounds each request. Default 30s.
	RequestTimeout time.Duration

	// Executable is the hookflow binary started as the child server.
	Executable string
	// DB is the child's database; empty: a fresh SQLite file in a
	// temporary directory.
	DB string
	// Workers, above zero, is the child's --workers.
	Workers int
	// CPUProfile, when set, is where the child writes a CPU profile of
	// its whole life.
	CPUProfile string
	// MemProfile, when set, is where the child writes a heap profile of
	// its largest live heap (and its allocations over its whole life).
	MemProfile string
	// Keep leaves the temporary directory (database, server log) and the
	// bench workflow in place.
	Keep bool

	// URL targets a running server instead of a child; Token is its admin
	// token. For a child, Token (if set) becomes its admin token; a random
	// one is used otherwise.
	URL   string
	Token string

	// ReceiverAddr is where the receiver listens (default 127.0.0.1:0);
	// ReceiverURL is how the server reaches it (default http://ADDR).
	ReceiverAddr string
	ReceiverURL  string

	// Baseline first drives the same load against a bare server (gin and
	// json.Unmarshal, nothing stored) in a child process, so the result
	// compares the two measured in the same run. It needs Executable.
	Baseline bool

	// Progress, when set, gets a line a second while the run goes on.
	Progress io.Writer
}

func (c *Config) check() error {
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return err
	}
	if c.Connections < 1 {
		return fmt.Errorf("--connections must be at least 1, got %d", c.Connections)
	}
	if c.Duration <= 0 {
		return fmt.Errorf("--duration must be positive, got %v", c.Duration)
	}
	if !json.Valid(c.Payload) {
		return errors.New("the payload is not valid JSON")
	}
	if c.URL != "" && c.Token == "" {
		return errors.New("--url needs the server's admin token (--token or HOOKFLOW_ADMIN_TOKEN)")
	}
	if c.URL == "" && c.Executable == "" {
		return errors.New("no server: give the hookflow executable or --url")
	}
	if c.Baseline && c.Executable == "" {
		return errors.New("--baseline starts a child process: it needs the hookflow executable")
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 60 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.ReceiverAddr == "" {
		c.ReceiverAddr = "127.0.0.1:0"
	}
	return nil
}

// stopTimeout is how long the child server gets to shut down after
// SIGTERM before it is killed.
const stopTimeout = 30 * time.Second

// Run performs one bench run and returns what it measured. An error means
// the run could not be made; lost events are in the Result (see OK).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, ledger: NewLedger()}
	defer r.cleanup()
	return r.run(ctx)
}

// run is one bench run's state.
type run struct {
	cfg    Config
	ledger *Ledger
	recv   *Receiver
	server *Server // nil with --url
	dir    string  // temporary directory, if any
	log    *os.File
	api    *api
	wf     benchWorkflow
	notes  []string
	// deleteWorkflow is set when the workflow lives in a database the
	// bench does not throw away.
	deleteWorkflow bool
	// schema is the run's own PostgreSQL schema when --db is a postgres://
	// URL, dropped at cleanup.
	schema *pgSchema
}

// dbName is how the result names the child server's database.
func (r *run) dbName() string {
	if r.schema != nil {
		return r.schema.String()
	}
	return r.cfg.DB
}

func (r *run) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format+"\n", args...)
	}
}

func (r *run) run(ctx context.Context) (*Result, error) {
	cfg := r.cfg
	if cfg.Mode == ModeLoop {
		if cfg.Baseline {
			return nil, fmt.Errorf("--baseline compares accepting events: use it with --mode e2e, burst or drop")
		}
		return r.runLoop(ctx)
	}
	var baseline *Baseline
	if cfg.Baseline {
		var err error
		if baseline, err = r.runBaseline(ctx); err != nil {
			return nil, err
		}
	}
	receiverURL := ""
	if cfg.Mode.delivers() {
		r.recv = NewReceiver(r.ledger)
		if err := r.recv.Start(cfg.ReceiverAddr); err != nil {
			return nil, err
		}
		receiverURL = cfg.ReceiverURL
		if receiverURL == "" {
			receiverURL = "http://" + r.recv.Addr()
		}
	}
	base, token := cfg.URL, cfg.Token
	if base == "" {
		var err error
		if base, token, err = r.startServer(ctx); err != nil {
			return nil, err
		}
	} else {
		r.deleteWorkflow = !cfg.Keep
	}
	r.api = newAPI(base, token)
	var deliverTimeout time.Duration
	if cfg.Mode == ModeBurst {
		// Held deliveries wait out the load: no attempt may time out.
		deliverTimeout = cfg.Duration + time.Minute
	}
	def, err := workflowDefinition(cfg.Mode, receiverURL, deliverTimeout)
	if err != nil {
		return nil, err
	}
	if r.wf, err = r.api.createWorkflow(ctx, def); err != nil {
		return nil, err
	}
	tgt, err := newTarget(r.wf.TriggerURL, cfg.Payload)
	if err != nil {
		return nil, err
	}

	res := &Result{
		Mode: cfg.Mode, Target: "child", DB: r.dbName(), Workers: cfg.Workers, Connections: cfg.Connections,
		PayloadBytes: len(cfg.Payload), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
	}
	if cfg.URL != "" {
		res.Target, res.DB, res.Workers = cfg.URL, "", 0
	}
	if r.server != nil {
		res.StartupMS = ptr(ms(r.server.Startup))
		r.progress("server ready in %v (%s)", r.server.Startup.Round(time.Millisecond), r.server.URL)
	}

	// The load.
	var cpu0 procSample
	if r.server != nil {
		cpu0, _ = r.server.Stats()
	}
	self0, selfOK := selfCPU()
	steal := measureSteal()
	l := newLoad(tgt, r.ledger, cfg.Connections, cfg.RequestTimeout)
	loadStart := r.ledger.Elapsed()
	r.progress("load: %d connections for %v, mode %s, %d-byte payload", cfg.Connections, cfg.Duration, cfg.Mode, len(cfg.Payload))
	if cfg.Mode == ModeBurst {
		r.recv.Hold()
	}
	stopTicker := r.tick(l)
	loadTime := l.run(ctx, cfg.Duration)
	stopTicker()
	// In burst, the deliveries held during the load are those the workers
	// took; the drain starts when they are answered.
	deliveredAtStop := r.ledger.DeliveredCount()
	drainStart := time.Now()
	drainStartLedger := r.ledger.Elapsed()
	if cfg.Mode == ModeBurst {
		r.recv.Release()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	if r.server != nil && r.server.Exited() {
		return nil, r.serverDied()
	}
	if r.server != nil {
		if cpuLoad, err := r.server.Stats(); err == nil {
			res.ServerCPULoadS = ptr(math.Round((cpuLoad.CPU-cpu0.CPU).Seconds()*100) / 100)
		}
	}
	// Steal time is this machine's: the server's only where it runs here.
	if r.server != nil {
		res.StealPct = steal()
	}
	accepted := l.accepted.Load()
	res.DurationS = loadTime.Seconds()
	if cfg.Mode.delivers() {
		res.BacklogAtStop = max(0, accepted-deliveredAtStop)
	}

	// The drain.
	switch {
	case cfg.Mode.delivers():
		res.Drained = r.drainDeliveries(ctx, accepted)
	case cfg.Mode.dropsAtAccept():
		if res.Drained, err = r.drainRuns(ctx); err != nil {
			return nil, err
		}
	}
	drainTime := time.Since(drainStart)
	res.DrainS = drainTime.Seconds()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	if !res.Drained {
		if cfg.Mode.delivers() {
			r.notes = append(r.notes, fmt.Sprintf("the backlog did not drain: no new delivery for %v (--drain-timeout)", cfg.DrainTimeout))
		} else {
			r.notes = append(r.notes, fmt.Sprintf("the backlog did not drain: runs still pending after %v (--drain-timeout)", cfg.DrainTimeout))
		}
	}
	if r.server != nil {
		if r.server.Exited() {
			return nil, r.serverDied()
		}
		if cpu1, err := r.server.Stats(); err == nil {
			res.ServerRSSMB = ptr(math.Round(float64(cpu1.PeakRSS)/(1<<20)*10) / 10)
			cpuS := (cpu1.CPU - cpu0.CPU).Seconds()
			res.ServerCPUS = ptr(math.Round(cpuS*100) / 100)
			if accepted > 0 {
				res.ServerCPUPerEventUS = ptr(math.Round(cpuS / float64(accepted) * 1e6))
			}
		} else {
			r.notes = append(r.notes, "server RSS and CPU not measured: "+err.Error())
		}
	}
	if self1, ok := selfCPU(); ok && selfOK {
		res.BenchCPUS = ptr(math.Round((self1-self0).Seconds()*100) / 100)
	}

	// The accounting.
	t := r.ledger.Tally()
	res.Sent, res.Accepted = t.Sent, t.Accepted
	res.ErrorsByKind = l.errorCounts()
	for _, n := range res.ErrorsByKind {
		res.Errors += n
	}
	res.AcceptedPerS = rate(res.Accepted, loadTime)
	res.AcceptP50MS = ms(l.latency.Quantile(0.50))
	res.AcceptP99MS = ms(l.latency.Quantile(0.99))
	res.AcceptMaxMS = ms(l.latency.Max())
	res.AcceptMeanMS = ms(l.latency.Mean())
	switch {
	case cfg.Mode.delivers():
		res.Delivered, res.Lost = t.Delivered, t.Lost
		res.Duplicates = ptr(t.Duplicates)
		res.Unconfirmed, res.Unexpected = t.Unconfirmed, t.Unexpected
		res.DeliveredPerS = t.DeliveredPerS(loadStart)
		res.E2EP50MS = ptr(ms(t.E2E.Quantile(0.50)))
		res.E2EP99MS = ptr(ms(t.E2E.Quantile(0.99)))
		res.E2EMaxMS = ptr(ms(t.E2E.Max()))
		if cfg.Mode == ModeE2E {
			r.notes = append(r.notes, "e2e: filter (true) -> transform -> webhook to the in-process receiver; "+
				"delivered/s is over the load and the drain")
		} else {
			if span := t.LastDelivery - drainStartLedger; t.Delivered > deliveredAtStop && span > 0 {
				res.DrainPerS = ptr(rate(t.Delivered-deliveredAtStop, span))
			}
			r.notes = append(r.notes, "burst: the e2e workflow, the receiver holding every delivery unanswered during the load, "+
				"so every worker waits and accepted events queue as runs; the drain starts when the load ends and the held deliveries are answered; "+
				"drain/s is the events delivered after the load over the time from its end to the last delivery")
		}
		if t.Unconfirmed > 0 {
			r.notes = append(r.notes, fmt.Sprintf("%s events were delivered though their request got no answer (timeouts or dropped connections)", group(t.Unconfirmed)))
		}
	case cfg.Mode.dropsAtAccept():
		counts, err := r.api.countRuns(ctx, r.wf.ID)
		if err != nil {
			return nil, err
		}
		var runs int64
		for status, n := range counts {
			runs += n
			if status != "filtered" {
				r.notes = append(r.notes, fmt.Sprintf("%s runs ended %s, not filtered", group(n), status))
			}
		}
		res.Delivered = runs
		res.Lost = max(0, res.Accepted-runs)
		res.DeliveredPerS = rate(runs, loadTime+drainTime)
		r.notes = append(r.notes, "drop: the workflow's only step is a filter false for every bench event; "+
			"runs end filtered, nothing is sent; lost = accepted events without a run")
	}
	if res.Accepted == 0 {
		r.notes = append(r.notes, "no request was accepted")
	}
	if baseline != nil {
		res.Baseline = baseline
		if baseline.AcceptedPerS > 0 {
			res.VsBaseline = ptr(math.Round(res.AcceptedPerS/baseline.AcceptedPerS*1000) / 1000)
		}
	}
	if note := stealNote(res); note != "" {
		r.notes = append(r.notes, note)
	}
	res.Notes = r.notes
	return res, nil
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/d.Seconds()*10) / 10
}

// startServer starts the child server with a fresh database unless --db
// names one, and returns its URL and admin token.
func (r *run) startServer(ctx context.Context) (base, token string, err error) {
	cfg := &r.cfg
	if r.dir, err = os.MkdirTemp("", "hookflow-bench-"); err != nil {
		return "", "", fmt.Errorf("make a temporary directory: %w", err)
	}
	db, secretKey := cfg.DB, ""
	switch {
	case db == "":
		cfg.DB = filepath.Join(r.dir, "bench.db")
		db = cfg.DB
	case isPostgresURL(db):
		// A schema of its own: the run starts empty and, dropped after,
		// leaves nothing behind.
		if r.schema, err = newPGSchema(ctx, db); err != nil {
			return "", "", err
		}
		db = r.schema.URL()
		// A server on a database URL needs the replicas' shared key: the
		// run's own, random.
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return "", "", err
		}
		secretKey = base64.StdEncoding.EncodeToString(k)
	default:
		r.deleteWorkflow = !cfg.Keep
	}
	if r.log, err = os.Create(filepath.Join(r.dir, "server.log")); err != nil {
		return "", "", fmt.Errorf("create the server log: %w", err)
	}
	token = cfg.Token
	if token == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return "", "", err
		}
		token = "hf_bench_" + hex.EncodeToString(b)
	}
	profile := cfg.CPUProfile
	if profile != "" {
		if profile, err = filepath.Abs(profile); err != nil {
			return "", "", fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	memProfile := cfg.MemProfile
	if memProfile != "" {
		if memProfile, err = filepath.Abs(memProfile); err != nil {
			return "", "", fmt.Errorf("--memprofile: %w", err)
		}
	}
	r.server, err = StartServer(ctx, ServerConfig{
		Executable: cfg.Executable, DB: db, Workers: cfg.Workers, Token: token, SecretKey: secretKey,
		CPUProfile: profile, MemProfile: memProfile, Log: r.log,
	})
	if err != nil {
		return "", "", fmt.Errorf("start the server: %w%s", err, r.logExcerpt())
	}
	return r.server.URL, token, nil
}

func (r *run) serverDied() error {
	return fmt.Errorf("the server exited during the run%s", r.logExcerpt())
}

// logExcerpt is the end of the child's log, for an error message.
func (r *run) logExcerpt() string {
	if r.log == nil {
		return ""
	}
	if tail := logTail(r.log.Name(), 15); tail != "" {
		return "\nserver log (" + r.log.Name() + "):\n" + tail
	}
	return ""
}

// tick prints progress once a second until the returned func is called.
func (r *run) tick(l *load) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		start, last := time.Now(), int64(0)
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				acc := l.accepted.Load()
				line := fmt.Sprintf("  %3.0fs  accepted %s (%s)", now.Sub(start).Seconds(), group(acc), perSecond(float64(acc-last)))
				if r.cfg.Mode.delivers() {
					line += "  delivered " + group(r.ledger.DeliveredCount())
				}
				if f := l.failed.Load(); f > 0 {
					line += "  errors " + group(f)
				}
				r.progress("%s", line)
				last = acc
			}
		}
	}()
	return func() { close(done); <-finished }
}

// drainDeliveries waits until every accepted event is delivered or no new
// delivery came for the drain timeout. It reports whether all came.
func (r *run) drainDeliveries(ctx context.Context, accepted int64) bool {
	last, lastChange, lastPrint := r.ledger.DeliveredCount(), time.Now(), time.Now()
	for {
		n := r.ledger.DeliveredCount()
		if n >= accepted && r.ledger.Tally().Lost == 0 {
			return true
		}
		now := time.Now()
		if n != last {
			last, lastChange = n, now
		}
		if now.Sub(lastChange) > r.cfg.DrainTimeout {
			return false
		}
		if now.Sub(lastPrint) >= time.Second {
			r.progress("  drain: delivered %s of %s", group(n), group(accepted))
			lastPrint = now
		}
		if r.server != nil && r.server.Exited() {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// drainRuns waits until the bench workflow has no run left to do, for at
// most the drain timeout.
func (r *run) drainRuns(ctx context.Context) (bool, error) {
	deadline := time.Now().Add(r.cfg.DrainTimeout)
	for {
		pending, err := r.api.pending(ctx, r.wf.ID)
		if err != nil {
			return false, fmt.Errorf("watch the backlog: %w", err)
		}
		if !pending {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// cleanup deletes the workflow where it outlives the run, stops the child
// server, stops the receiver and removes the temporary directory.
func (r *run) cleanup() {
	if r.deleteWorkflow && r.wf.ID != "" && r.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := r.api.deleteWorkflow(ctx, r.wf.ID); err != nil {
			r.progress("warning: could not delete the bench workflow %s: %v", r.wf.ID, err)
		}
		cancel()
	}
	if r.server != nil {
		if err := r.server.Stop(stopTimeout); err != nil {
			r.progress("warning: %v", err)
		}
	}
	if r.recv != nil {
		_ = r.recv.Close()
	}
	if r.schema != nil {
		if r.cfg.Keep {
			r.progress("kept the PostgreSQL schema %s", r.schema.name)
		} else if err := r.schema.Drop(); err != nil {
			r.progress("warning: %v", err)
		}
	}
	if r.log != nil {
		r.log.Close()
	}
	if r.dir != "" {
		if r.cfg.Keep {
			r.progress("kept %s (database and server log)", r.dir)
		} else {
			_ = os.RemoveAll(r.dir)
		}
	}
}

// stealNote warns of a run during which the hypervisor took more than
// stealNoteAbove percent of the machine's CPU time, or "".
func stealNote(res *Result) string {
	var baseline *float64
	if res.Baseline != nil {
		baseline = res.Baseline.StealPct
	}
	switch {
	case res.StealPct != nil && *res.StealPct > stealNoteAbove:
		note := fmt.Sprintf("the hypervisor took %.1f%% of the machine's CPU time during the load", *res.StealPct)
		if baseline != nil {
			note += fmt.Sprintf(" (%.1f%% during the bare server's)", *baseline)
		}
		return note + ": this run's figures are lower than the machine's own"
	case baseline != nil && *baseline > stealNoteAbove:
		return fmt.Sprintf("the hypervisor took %.1f%% of the machine's CPU time during the bare server's load: its figures are lower than the machine's own", *baseline)
	}
	return ""
}
