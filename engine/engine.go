package engine

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/store"
)

// Config configures an Engine. Store is required to Start; the rest have
// defaults.
type Config struct {
	Store  store.Store
	Sender *actions.Sender
	// Workers is the number of runs executed at once (default 128).
	Workers int
	// LeaseFor is how long a claimed run stays leased before another
	// worker may take it over (default 1m); it is extended as steps run.
	LeaseFor time.Duration
	// PollInterval bounds how long the dispatcher sleeps between claims
	// when no run comes due sooner (default 500ms): runs that other
	// replicas queue or schedule are found within it.
	PollInterval time.Duration
	// AcceptBatch caps how many accepts share one transaction (default 512).
	AcceptBatch int
	// CrashLimit is how many executions of a run in a row may end with
	// its worker gone (claimed again with no step recorded since, the
	// claims its owner gave back aside) before the run is failed with
	// ErrCrashedWorker instead of executed once more (default
	// DefaultCrashLimit; negative: no limit).
	CrashLimit int
	// Owner names this engine in leases (default host:pid:random, a name
	// ReleaseDeadLeases can tell the process of; see owner.go).
	Owner string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Secrets returns the named secrets for expressions (default none).
	Secrets func(ctx context.Context) (map[string]any, error)
	// Retention is how long finished runs are kept: runs finished longer
	// ago are pruned with their step results, and their events with the
	// last of their runs; 0 keeps everything forever. Unfinished runs and
	// their events are never pruned. An event's idempotency key goes with
	// it, so the dedup window of idempotency keys is the retention period.
	Retention time.Duration
	// RetentionEvery is how often pruning runs (default 5m); it also runs
	// once at Start.
	RetentionEvery time.Duration
	// AuditRetention is how long audit log entries are kept (0: a year,
	// DefaultAuditRetention; negative: for ever); see PruneAudit.
	AuditRetention time.Duration
	// Metrics receives Prometheus observations (nil: none).
	Metrics *Metrics
	Logger  *slog.Logger
	// BaseURL is the public URL resume URLs are made on (empty: they are
	// paths alone).
	BaseURL string
	// MaxInflightBytes bounds the bytes events and runs hold in memory
	// (see Budget), and an eighth as much again those of request bodies
	// being read (see ReadBudget): 0, none.
	MaxInflightBytes int64
	// Tracer, where set, receives OpenTelemetry spans of accepts, runs
	// and step attempts (see trace.go); nil: no tracing, at no cost.
	Tracer trace.TracerProvider
	// PauseAfter is how many failed attempts in a row to one destination
	// pause it (default DefaultPauseAfter; negative: never, unless a step
	// says otherwise); see destinations.go.
	PauseAfter int
	// PauseCooldown is a paused destination's first pause (default 1m);
	// each failed probe doubles it, up to MaxPauseCooldown (default 1h).
	PauseCooldown    time.Duration
	MaxPauseCooldown time.Duration
	// ResumeRate is how many runs a second are made due on a destination
	// that answers again (default 50).
	ResumeRate float64
	// DestinationsRefresh is how often the destinations' states are read
	// from the store: a pause made by another replica is honoured within
	// it (default 2s).
	DestinationsRefresh time.Duration
	// RollupEvery is how often the dashboard's rollups counted in memory
	// are written to the store (default 5s; see rollups.go).
	RollupEvery time.Duration
}

// Engine accepts events and executes runs.
type Engine struct {
	cfg    Config
	store  store.Store
	sender *actions.Sender
	log    *slog.Logger
	now    func() time.Time
	tracer trace.Tracer // nil: no spans

	cache   compiledCache
	recent  eventCache
	accepts chan *acceptReq
	wake    chan struct{}
	freed   chan struct{}
	// scheduled wakes the dispatcher when soonest (unix nanoseconds, 0
	// for none) holds the earliest due time of the runs this engine
	// scheduled since it last looked.
	scheduled chan struct{}
	soonest   atomic.Int64
	stop      chan struct{}
	waiters   waiters
	busy      atomic.Int64
	budget    *Budget      // nil: no bound on bytes in flight
	reads     *ReadBudget  // nil: no bound on bodies being read
	avgCost   atomic.Int64 // recent accepts' RunCost, averaged: a claimed run's estimate
	started   atomic.Bool
	stopping  atomic.Bool

	gate    sync.RWMutex // orders Accept against Shutdown closing accepts
	mu      sync.Mutex
	running map[string]*load // workflow id -> runs executing here

	runCtx    context.Context
	cancelRun context.CancelFunc
	loops     sync.WaitGroup // dispatcher and accept writer
	writer    sync.WaitGroup // run update writer
	updates   chan *updateReq
	workers   sync.WaitGroup
	jobs      chan job
	resume    resumeKey // calls.go
	// replays are the bulk replay jobs worked on here, replayWake wakes
	// the loop that takes them up (replay_jobs.go).
	replays    replayJobs
	replayWake chan struct{}
	dests      destinations // paused destinations (destinations.go)
	rollups    rollups      // the dashboard's counts since the last flush (rollups.go)
}

// ErrNotStarted is returned by Accept before Start or after Shutdown.
var ErrNotStarted = errors.New("engine is not running")

// New builds an Engine; Start sets it going. An engine without a store can
// only Test workflows.
func New(cfg Config) (*Engine, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 128
	}
	if cfg.LeaseFor <= 0 {
		cfg.LeaseFor = time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.CrashLimit == 0 {
		cfg.CrashLimit = DefaultCrashLimit
	}
	if cfg.AcceptBatch <= 0 {
		cfg.AcceptBatch = 512
	}
	if cfg.RetentionEvery <= 0 {
		cfg.RetentionEvery = 5 * time.Minute
	}
	if cfg.RollupEvery <= 0 {
		cfg.RollupEvery = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PauseAfter == 0 {
		cfg.PauseAfter = DefaultPauseAfter
	}
	if cfg.PauseCooldown <= 0 {
		cfg.PauseCooldown = DefaultPauseCooldown
	}
	if cfg.MaxPauseCooldown <= 0 {
		cfg.MaxPauseCooldown = DefaultMaxPauseCooldown
	}
	cfg.MaxPauseCooldown = max(cfg.MaxPauseCooldown, cfg.PauseCooldown)
	if cfg.ResumeRate <= 0 {
		cfg.ResumeRate = DefaultResumeRate
	}
	if cfg.DestinationsRefresh <= 0 {
		cfg.DestinationsRefresh = DefaultDestinationsRefresh
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Sender == nil {
		cfg.Sender = actions.NewSender(actions.Config{Tracer: cfg.Tracer})
	}
	if cfg.Owner == "" {
		cfg.Owner = newOwner()
	}
	e := &Engine{
		cfg:       cfg,
		store:     cfg.Store,
		sender:    cfg.Sender,
		log:       cfg.Logger,
		tracer:    newTracer(cfg.Tracer),
		now:       cfg.Now,
		accepts:   make(chan *acceptReq, 4*cfg.AcceptBatch),
		wake:      make(chan struct{}, 1),
		freed:     make(chan struct{}, 1),
		scheduled: make(chan struct{}, 1),
		running:   map[string]*load{},
		stop:      make(chan struct{}),
		jobs:      make(chan job, 2*cfg.Workers),
		updates:   make(chan *updateReq, 4*cfg.Workers),
	}
	e.budget = NewBudget(cfg.MaxInflightBytes)
	e.reads = NewReadBudget(cfg.MaxInflightBytes / 8)
	if e.budget != nil {
		e.budget.released = func() { signal(e.freed) }
	}
	e.avgCost.Store(RunCost(0))
	e.replays.active = map[string]bool{}
	e.replayWake = make(chan struct{}, 1)
	e.dests.e = e
	e.cache.init(cfg.Store, cfg.Logger)
	e.recent.init(4096, 8<<20, e.budget)
	e.waiters.init()
	return e, nil
}

// Budget is the bound on bytes in flight that accepts wait on (nil: none).
func (e *Engine) Budget() *Budget { return e.budget }

// ReadBudget is the bound on the bytes of request bodies being read, or
// read and waiting for room in the Budget (nil: none).
func (e *Engine) ReadBudget() *ReadBudget { return e.reads }

// Store returns the engine's store.
func (e *Engine) Store() store.Store { return e.store }

// Sender returns the engine's sender: triggers that connect out (a
// broker's consumer, a poll) dial through its egress guard.
func (e *Engine) Sender() *actions.Sender { return e.sender }

// Start launches the accept writer, the dispatcher and the workers. They
// run until Shutdown.
func (e *Engine) Start() error {
	if e.store == nil {
		return errors.New("engine: a store is required to start")
	}
	if !e.started.CompareAndSwap(false, true) {
		return nil
	}
	e.runCtx, e.cancelRun = context.WithCancel(context.Background())
	e.loops.Add(2)
	e.writer.Add(1)
	if bw, ok := e.store.(store.BatchWriter); ok {
		go e.batchLoop(bw) // both the accept and the update loop
	} else {
		go e.updateLoop()
		go e.acceptLoop()
	}
	go e.dispatch()
	e.loops.Add(1)
	go e.retain() // old runs (Retention), and expired keys always
	e.loops.Add(1)
	go e.replayLoop()
	e.loops.Add(1)
	go e.refreshLoop()
	e.loops.Add(1)
	go e.rollupLoop()
	for i := 0; i < e.cfg.Workers; i++ {
		e.workers.Add(1)
		go e.work()
	}
	return nil
}

// Shutdown stops claiming new runs and waits for the runs in flight to
// finish. When ctx ends first, the runs still executing are cancelled and
// released (queued again at the step they were at) so another worker or the
// next start resumes them. Accepts already queued are written first.
func (e *Engine) Shutdown(ctx context.Context) error {
	if !e.started.Load() || !e.stopping.CompareAndSwap(false, true) {
		return nil
	}
	close(e.stop)
	e.gate.Lock()
	close(e.accepts)
	e.gate.Unlock()
	done := make(chan struct{})
	go func() {
		e.loops.Wait()
		close(e.jobs) // both the dispatcher and the accept loop hand out runs
		e.workers.Wait()
		close(e.updates)
		e.writer.Wait()
		e.flushAtShutdown()
		close(done)
	}()
	select {
	case <-done:
		e.cancelRun()
		return nil
	case <-ctx.Done():
		e.cancelRun()
		<-done
		return nil
	}
}

// Owner is the name this engine leases runs under.
func (e *Engine) Owner() string { return e.cfg.Owner }

// signal wakes a goroutine waiting on ch without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Now reads the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// Secrets returns the named secrets expressions see.
func (e *Engine) Secrets(ctx context.Context) (map[string]any, error) { return e.secrets(ctx) }
