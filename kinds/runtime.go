package kinds

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/workflows"
)

// Step is what a step kind compiles its settings into (the program of a
// workflows.CompiledStep): it runs the step.
type Step interface {
	// Run makes one attempt at the step in a run.
	Run(ctx context.Context, rt Runtime) Outcome
}

// Runtime is what a step sees of the run it is in; the engine provides it.
type Runtime interface {
	// Env is the expression environment: payload, trigger, earlier steps'
	// outputs, vars, secrets, run, and the step's budget.
	Env() *workflows.Env
	// Payload is the current payload, decoded if it was still pending.
	Payload() any
	// PayloadJSON is the payload's JSON where it is known as such (the
	// event's body, a transform's recorded output); nil otherwise.
	PayloadJSON() []byte
	// Now reads the engine's clock.
	Now() time.Time
	// RunID is the run's id.
	RunID() string
	// Attempt numbers this attempt at the step from 1.
	Attempt() int
	// Test reports a test run, which makes no outbound call unless send.
	Test() (test, send bool)
	// Send makes an outbound request through the one sender (egress
	// guard, signing, timeouts).
	Send(ctx context.Context, req actions.Request) (*actions.Response, error)
	// Deliver is Send for a step whose destination (scheme://host:port)
	// is paused after failing pauseAfter times in a row, across runs (0:
	// the server's setting; negative: never for this step). While it is
	// paused no request is made and the error is a *PausedError.
	Deliver(ctx context.Context, req actions.Request, pauseAfter int) (*actions.Response, error)
	// Dial connects through the sender's egress guard, for protocols other
	// than HTTP (SMTP); TLSConfig is a copy of the sender's TLS settings.
	Dial(ctx context.Context, network, addr string) (net.Conn, error)
	TLSConfig() *tls.Config
	// RedactHeader is a header's value as it may be recorded: a
	// credential's hidden, and any secret value inside it.
	RedactHeader(name, value string) string
	// Redact hides the secret values inside s.
	Redact(s string) string
	// Path is the step's place in the workflow, as its records name it:
	// its id, or within another step's, a path such as "each_line[3].send".
	Path() string
	// RunSteps runs steps a step holds (a loop's body, a path's), each
	// recorded under n.Path ("each_line[3]" records "each_line[3].send").
	// A step already done, in an earlier execution of the run, is not run
	// again: its recorded output stands, so that a run resumes inside
	// nested steps where it stopped. It gives the last step's output; or
	// where a step does not succeed (failed, filtered, waiting, retrying),
	// that outcome, with Again set where the holder must run again when
	// the run resumes.
	RunSteps(ctx context.Context, steps []*workflows.CompiledStep, n Nested) Outcome
	// Fork is a runtime for nested steps run beside others of the same
	// step (a loop's items at once): it shares the run's records, and has
	// an expression environment of its own, a copy of this one.
	Fork() Runtime
	// Previous is the output of this step's last recorded attempt in the
	// run (nil where none): a step that holds steps and stopped with Again
	// reads where it left them.
	Previous() any
	// KV is the durable key-value store of the storage and dedupe steps
	// (nil where the run has no store, as in `hookflow run`).
	KV() KV
}

// Nested says where steps a step holds run, and how.
type Nested struct {
	// Path prefixes the nested steps' record paths.
	Path string
	// KeepPayload: the payload the nested steps leave is the run's after
	// them; otherwise the payload is as it was before them.
	KeepPayload bool
	// Input, where set, is what the nested steps' records show as their
	// input while the payload is the one they started with (a loop's item,
	// rather than the whole payload once per item).
	Input any
}

// Outcome is what one attempt at a step came to.
type Outcome struct {
	// Status is one of store.Step*: succeeded, failed, filtered (the run
	// ends there), waiting (until At), retrying (at At).
	Status string
	// Input is what the attempt is recorded with (default: the payload).
	Input any
	// Output is the step's output, which later steps read as steps.ID.
	Output any
	Err    error
	// StatusCode is an HTTP status the attempt got or gives.
	StatusCode int
	// At is when a waiting step ends or a retrying one is tried again.
	At time.Time
	// Again: the step is not done when the run resumes after At (it holds
	// steps, one of which waits or retries); the run resumes at it, not
	// after it.
	Again bool
	// Wakes: a step inside, waiting, may be resumed before At (a wait
	// step's resume URL): the step holding it runs it again whenever the
	// run resumes, not only after At.
	Wakes bool
	// Paused: a retrying step waits on its paused destination
	// (PausedError): the attempt does not count against its retries, and
	// where it made no request (the PausedError has no Err) it is not
	// recorded either.
	Paused bool
}

// What the engine asks of a step beyond running it. A kind's program
// implements those that apply to it.
type (
	// Pure steps touch nothing outside Hookflow: the opening ones run
	// while their event is accepted, and are recorded with it.
	Pure interface{ Pure() }
	// Outbound steps call out: the run's lease must outlast Timeout, and
	// the run's progress is written once the call is made, so that a
	// crash after it does not make it again.
	Outbound interface{ Timeout() time.Duration }
	// PayloadSetter steps make their output the run's payload.
	PayloadSetter interface{ SetsPayload() }
	// Responder steps make their output the answer of a sync trigger.
	Responder interface{ Responds() }
	// Receiver triggers start a run for each request sent to the
	// workflow's trigger URL (/hooks/KEY).
	Receiver interface{ Receives() }
)
