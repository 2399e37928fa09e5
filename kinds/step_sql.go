package kinds

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/connectors"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Defaults of a sql step.
const (
	DefaultSQLTimeout = 30 * time.Second
	DefaultMaxRows    = 1000
)

// MaxMaxRows is the highest max_rows a sql step may set.
const MaxMaxRows = 100000

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:    "sql",
			Title:   "Run a SQL query",
			Summary: "Runs one statement on PostgreSQL, MySQL or MariaDB, the run's values bound as parameters; its rows are the step's output.",
			Fields: []workflows.Field{
				{Name: "db", Label: "Database URL", Kind: workflows.ValueSecret, Required: true,
					Placeholder: "{{ secrets.db }}",
					Help: "The database with its user and password, usually kept in a secret: postgres://user:password@db.example.com:5432/shop?sslmode=require, " +
						"or mysql://user:password@db.example.com:3306/shop (?tls=true for TLS; mariadb:// is the same). " +
						"It is never recorded or logged; the database must be reachable past the outbound guard (--egress-allow)."},
				{Name: "query", Label: "Query", Kind: workflows.ValueText, Required: true,
					Placeholder: "insert into orders(id, total) values ($1, $2) returning id",
					Help: "One SQL statement, with $1, $2... where the args go. It is sent as written: values from the run go in args, never in the text, " +
						"so no value can change the statement. On MySQL and MariaDB, $1, $2... are turned into ? in the order written (or write ? yourself, bound in order)."},
				{Name: "args", Label: "Arguments", Kind: workflows.ValueList,
					Help: "The values of $1, $2... in order, each an expression such as payload.id. A list or an object is sent as its JSON text.",
					Item: &workflows.Field{Name: "arg", Label: "Argument", Kind: workflows.ValueExpression, Placeholder: "payload.id"}},
				{Name: "max_rows", Label: "Most rows", Kind: workflows.ValueNumber, Default: DefaultMaxRows,
					Help: fmt.Sprintf("At most this many rows are kept in the output (1 to %d); where there are more, the output says \"truncated\": true.", MaxMaxRows)},
				{Name: "timeout", Label: "Timeout", Kind: workflows.ValueDuration, Default: DefaultSQLTimeout.String(),
					Help: "How long one attempt may take, connecting included."},
				{Name: "retry", Label: "Retries", Kind: workflows.ValueObject,
					Help:   "A lost or refused connection, a deadlock or a serialization conflict is tried again, waiting longer each time; any other error from the database fails the step at once with its message.",
					Fields: retryFields},
			},
			Example: []byte(`{"id": "save", "type": "sql", "db": "{{ secrets.db }}", "query": "insert into orders(id, total) values ($1, $2) returning id", "args": ["payload.id", "payload.total"]}`),
		},
		New: func() workflows.StepSettings { return &SQL{} },
	})
}

// SQL runs one statement on a database, with the args bound as its
// parameters; its output is {"rows", "affected", "truncated"}.
type SQL struct {
	// DB is the database's URL with its credentials, a template (usually
	// "{{ secrets.NAME }}"): postgres://, postgresql://, mysql://,
	// mariadb://.
	DB string `json:"db,omitempty"`
	// Query is the statement, not a template: its parameters are $1, $2...
	// (or ? on MySQL).
	Query string `json:"query,omitempty"`
	// Args are expressions, the values of the parameters in order.
	Args []string `json:"args,omitempty"`
	// MaxRows caps the rows kept in the output (default 1000).
	MaxRows int `json:"max_rows,omitempty"`
	// Timeout of one attempt, e.g. "10s" (default 30s).
	Timeout string `json:"timeout,omitempty"`
	// Retry sets how attempts that failed on the connection are retried.
	Retry *Retry `json:"retry,omitempty"`
}

// Compile checks the URL where it is written out, refuses {{ }} in the
// query, and compiles the args.
func (q *SQL) Compile(b *workflows.StepBuild) (any, error) {
	s := &sqlStep{query: q.Query, maxRows: DefaultMaxRows, timeout: DefaultSQLTimeout,
		retry: RetryPolicy{MaxAttempts: DefaultMaxAttempts, Initial: DefaultInitial, Max: DefaultMaxBackoff}}
	var err error
	if q.DB == "" {
		return nil, b.Required("db")
	}
	if s.db, err = b.Template("db", q.DB); err != nil {
		return nil, err
	}
	if s.db.IsLiteral() {
		if err := connectors.CheckDatabaseURL(q.DB); err != nil {
			return nil, b.Errorf("db", "%v", err)
		}
	}
	if strings.TrimSpace(q.Query) == "" {
		return nil, b.Required("query")
	}
	if strings.Contains(q.Query, "{{") {
		return nil, b.Errorf("query", "is not a template: {{ }} would write values into the SQL text, where a value could change the statement. "+
			"Write $1, $2... in the query and put the expressions in args (such as \"args\": [\"payload.id\"]): they are sent apart from the text, as values")
	}
	if n, _ := connectors.Placeholders(q.Query); n > len(q.Args) {
		return nil, b.Errorf("args", "the query uses $%d but args has %d value(s)", n, len(q.Args))
	}
	for i, src := range q.Args {
		field := fmt.Sprintf("args[%d]", i)
		if strings.TrimSpace(src) == "" {
			return nil, b.Errorf(field, "is empty: give an expression such as payload.id (or null)")
		}
		p, err := b.Expr(field, src)
		if err != nil {
			return nil, err
		}
		s.args = append(s.args, p)
	}
	if q.MaxRows < 0 || q.MaxRows > MaxMaxRows {
		return nil, b.Errorf("max_rows", "must be between 1 and %d", MaxMaxRows)
	}
	if q.MaxRows > 0 {
		s.maxRows = q.MaxRows
	}
	if q.Timeout != "" {
		if s.timeout, err = b.Duration("timeout", q.Timeout); err != nil {
			return nil, err
		}
	}
	if s.retry, err = compileRetry(b, q.Retry, s.retry); err != nil {
		return nil, err
	}
	return s, nil
}

type sqlStep struct {
	db      *workflows.Template
	query   string
	args    []*vm.Program
	maxRows int
	timeout time.Duration
	retry   RetryPolicy
}

var (
	_ Step     = (*sqlStep)(nil)
	_ Outbound = (*sqlStep)(nil)
)

// Timeout is how long one attempt may take.
func (s *sqlStep) Timeout() time.Duration { return s.timeout }

func (s *sqlStep) Run(ctx context.Context, rt Runtime) Outcome {
	env := rt.Env()
	record := map[string]any{"query": s.query}
	url, err := s.db.Render(env)
	if err != nil {
		return Outcome{Status: store.StepFailed, Input: record, Err: fmt.Errorf("db: %w", err)}
	}
	if err := connectors.CheckDatabaseURL(url); err != nil {
		return Outcome{Status: store.StepFailed, Input: record, Err: fmt.Errorf("db: %s", rt.Redact(err.Error()))}
	}
	record["db"] = rt.Redact(connectors.Shown(url))
	args := make([]any, len(s.args))
	shown := make([]any, len(s.args))
	for i, p := range s.args {
		v, err := workflows.Eval(p, env)
		if err != nil {
			return Outcome{Status: store.StepFailed, Input: record, Err: fmt.Errorf("args[%d]: %w", i, err)}
		}
		args[i] = v
		shown[i] = v
		if str, ok := v.(string); ok {
			shown[i] = rt.Redact(str)
		}
	}
	record["args"] = shown
	if test, send := rt.Test(); test && !send {
		return Outcome{Status: store.StepSucceeded, Input: record, Output: map[string]any{"executed": false}}
	}
	attempt, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := connectors.Query(attempt, dialer(rt), url, s.query, args, s.maxRows)
	if err != nil {
		return connectorFailure(ctx, rt, s.retry, record, err)
	}
	rows := make([]any, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = r
	}
	return Outcome{Status: store.StepSucceeded, Input: record,
		Output: map[string]any{"rows": rows, "affected": res.Affected, "truncated": res.Truncated}}
}
