package kinds

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// TestSQLCompileErrors: sql steps with one mistake are refused at the
// field at fault; a query with {{ }} is refused with the way to do it.
func TestSQLCompileErrors(t *testing.T) {
	t.Parallel()
	const db = "{{ secrets.db }}"
	tests := []struct {
		name    string
		step    def
		field   string
		message string
	}{
		{"db missing", def{"id": "q", "type": "sql", "query": "select 1"}, "steps[5].db", "is required"},
		{"db scheme", def{"id": "q", "type": "sql", "db": "sqlserver://h/db", "query": "select 1"}, "steps[5].db", "postgres://, postgresql://, mysql:// or mariadb://"},
		{"db no host", def{"id": "q", "type": "sql", "db": "postgres:///db", "query": "select 1"}, "steps[5].db", "no host"},
		{"query missing", def{"id": "q", "type": "sql", "db": db}, "steps[5].query", "is required"},
		{"query template", def{"id": "q", "type": "sql", "db": db, "query": "select * from t where id = '{{ payload.id }}'"}, "steps[5].query",
			"is not a template: {{ }} would write values into the SQL text"},
		{"too few args", def{"id": "q", "type": "sql", "db": db, "query": "insert into t values ($1, $2)", "args": []any{"payload.id"}}, "steps[5].args", "uses $2 but args has 1 value"},
		{"arg expression", def{"id": "q", "type": "sql", "db": db, "query": "select $1", "args": []any{"payload.("}}, "steps[5].args[0]", ""},
		{"arg empty", def{"id": "q", "type": "sql", "db": db, "query": "select $1", "args": []any{" "}}, "steps[5].args[0]", "is empty"},
		{"max_rows", def{"id": "q", "type": "sql", "db": db, "query": "select 1", "max_rows": 1000000}, "steps[5].max_rows", "between 1 and 100000"},
		{"timeout", def{"id": "q", "type": "sql", "db": db, "query": "select 1", "timeout": "-1s"}, "steps[5].timeout", "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validDefinition()
			w["steps"] = append(w["steps"].([]any), tt.step)
			_, err := compileDef(t, w)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q: %q; want at %q, containing %q", fe.Field, fe.Message, tt.field, tt.message)
			}
		})
	}
}

// TestSQLCompileValid: the sql step's fields in the ways they may be
// given; a $1 in quoted text or a comment is no placeholder.
func TestSQLCompileValid(t *testing.T) {
	t.Parallel()
	for _, s := range []def{
		{"id": "q", "type": "sql", "db": "postgres://u:p@127.0.0.1:5432/shop", "query": "insert into t(id, total) values ($1, $2) returning id", "args": []any{"payload.id", "payload.total"}},
		{"id": "q", "type": "sql", "db": "{{ secrets.db }}", "query": "select * from t where note = '$3' -- $4\n and id = ?", "args": []any{"payload.id"}, "max_rows": 10},
		{"id": "q", "type": "sql", "db": "mysql://root@127.0.0.1:3306/test", "query": "delete from t", "timeout": "5s", "retry": def{"max_attempts": 2}},
	} {
		w := validDefinition()
		w["steps"] = append(w["steps"].([]any), s)
		if _, err := compileDef(t, w); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
}
