package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the test's own client of MariaDB
	"github.com/jackc/pgx/v5"

	"github.com/hookflow/hookflow/store"
)

// sqlDB is a database the sql step's tests run on, and the test's own
// client of it.
type sqlDB struct {
	name  string
	url   string // as the step takes it
	exec  func(t *testing.T, q string, args ...any)
	query func(t *testing.T, q string, args ...any) []string
	money string // a column type for amounts
}

// postgresDB is the PostgreSQL of HOOKFLOW_TEST_POSTGRES: skipped where
// it is unset, unless CI is set.
func postgresDB(t *testing.T) sqlDB {
	t.Helper()
	url := os.Getenv("HOOKFLOW_TEST_POSTGRES")
	if url == "" {
		if os.Getenv(brokerEnv) != "" {
			t.Fatal("HOOKFLOW_TEST_POSTGRES is not set")
		}
		t.Skip("PostgreSQL tests skipped: set HOOKFLOW_TEST_POSTGRES to a database URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return sqlDB{name: "postgres", url: url, money: "numeric(10,2)",
		exec: func(t *testing.T, q string, args ...any) {
			t.Helper()
			if _, err := conn.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		},
		query: func(t *testing.T, q string, args ...any) []string {
			t.Helper()
			rows, err := conn.Query(ctx, q, args...)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return out
		}}
}

// mariaDB is the local MariaDB (root, no password, database test).
func mariaDB(t *testing.T) sqlDB {
	t.Helper()
	needServer(t, "127.0.0.1:3306", "MariaDB")
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return sqlDB{name: "mysql", url: mysqlURL, money: "decimal(10,2)",
		exec: func(t *testing.T, q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(strings.ReplaceAll(q, "$1", "?"), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		},
		query: func(t *testing.T, q string, args ...any) []string {
			t.Helper()
			rows, err := db.Query(strings.ReplaceAll(q, "$1", "?"), args...)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			defer func() { _ = rows.Close() }()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return out
		}}
}

// sqlWorkflow inserts the event's order, reads it back, and reads every
// order with a cap of 2 rows.
func sqlWorkflow(id, table string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1", "id": %q, "name": "Orders to SQL",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "ins", "type": "sql", "db": "{{ secrets.db }}",
     "query": "insert into %[2]s(id, note, total) values ($1, $2, $3) returning id",
     "args": ["payload.id", "payload.note", "payload.total"]},
    {"id": "sel", "type": "sql", "db": "{{ secrets.db }}",
     "query": "select id, note, total from %[2]s where id = $1 -- not $2\n and note = $2",
     "args": ["steps.ins.rows[0].id", "payload.note"]},
    {"id": "all", "type": "sql", "db": "{{ secrets.db }}", "query": "select id from %[2]s order by id", "max_rows": 2}
  ]
}`, id, table)
}

// TestSQL: on PostgreSQL and MariaDB, an insert and a select with the
// event's values bound as parameters: a value written to break out of
// the query (x'); drop table ...; --) is stored as text and the table
// stays; the rows past the cap are cut and counted; the URL is never
// recorded.
func TestSQL(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		name string
		open func(*testing.T) sqlDB
	}{{"postgres", postgresDB}, {"mariadb", mariaDB}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testSQL(t, d.open(t))
		})
	}
}

func testSQL(t *testing.T, db sqlDB) {
	table := unique("hf_orders_")
	db.exec(t, fmt.Sprintf("create table %s (id varchar(64) primary key, note text, total %s)", table, db.money))
	t.Cleanup(func() { db.exec(t, "drop table if exists "+table) })
	for i := range 4 {
		db.exec(t, fmt.Sprintf("insert into %s(id, note, total) values ('B-%d', 'old', 1)", table, i))
	}
	attack := fmt.Sprintf("x'); drop table %s; --", table)
	b := connSetup(t, map[string]any{"db": db.url})
	event, _ := json.Marshal(map[string]any{"id": "A-17", "note": attack, "total": 42.5})
	run := b.accept(b.save(sqlWorkflow("sql-"+db.name, table)), string(event))
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	output := func(step string) map[string]any {
		t.Helper()
		rs := b.resultsOf(run, step)
		if len(rs) != 1 {
			t.Fatalf("%s: %d attempts, want 1", step, len(rs))
		}
		for _, leak := range []string{db.url, "root@", "postgres@"} {
			if strings.Contains(string(rs[0].Input)+string(rs[0].Output), leak) {
				t.Errorf("%s records the database URL's user or the URL: %s", step, rs[0].Input)
			}
		}
		var out map[string]any
		if err := json.Unmarshal(rs[0].Output, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := output("ins"); fmt.Sprint(out) != "map[affected:1 rows:[map[id:A-17]] truncated:false]" {
		t.Errorf("insert output = %v", out)
	}
	if out := output("sel"); fmt.Sprint(out) != fmt.Sprintf("map[affected:1 rows:[map[id:A-17 note:%s total:42.5]] truncated:false]", attack) {
		t.Errorf("select output = %v", out)
	}
	if out := output("all"); fmt.Sprint(out) != "map[affected:5 rows:[map[id:A-17] map[id:B-0]] truncated:true]" {
		t.Errorf("capped output = %v, want 2 rows of 5, truncated", out)
	}
	if got := db.query(t, fmt.Sprintf("select note from %s where id = $1", table), "A-17"); len(got) != 1 || got[0] != attack {
		t.Errorf("stored note = %q, want the value as it came", got)
	}
	if got := db.query(t, fmt.Sprintf("select id from %s order by id", table)); len(got) != 5 {
		t.Errorf("table holds %v, want 5 rows: the table is still there", got)
	}

	// A SQL error fails the step at once with the database's message.
	run = b.accept(b.save(`{"format": "hookflow/v1", "id": "bad-sql-`+db.name+`", "name": "Bad",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "q", "type": "sql", "db": "{{ secrets.db }}", "query": "select nope from `+table+`"}]}`), `{}`)
	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(strings.ToLower(r.Error), "nope") || strings.Contains(r.Error, "gave up") {
		t.Errorf("bad query run = %s (%q), want failed at once with the database's message", r.Status, r.Error)
	}
}

// TestSQLDatabaseDown: a database that does not answer is tried again
// until the attempts are spent.
func TestSQLDatabaseDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	_ = ln.Close()
	for _, url := range []string{"postgres://app:pw@" + down + "/shop?sslmode=disable", "mysql://app:pw@" + down + "/shop"} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			t.Parallel()
			b := connSetup(t, map[string]any{"db": url})
			run := b.accept(b.save(`{"format": "hookflow/v1", "id": "db-down", "name": "Down",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "q", "type": "sql", "db": "{{ secrets.db }}", "query": "select 1",
    "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}]}`), `{}`)
			r := b.waitFinished(run)
			if r.Status != store.StatusFailed || !strings.Contains(r.Error, "gave up after 3 attempts") || strings.Contains(r.Error, "pw") {
				t.Errorf("run = %s (%q), want failed after 3 attempts, without the password", r.Status, r.Error)
			}
		})
	}
}

// TestConnectorsTestRun: a test run without send publishes nothing and
// runs no SQL (the broker and the database here are down): both steps
// show what they would do.
func TestConnectorsTestRun(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	_ = ln.Close()
	b := connSetup(t, map[string]any{"broker": "nats://" + down, "db": "postgres://app:pw@" + down + "/shop"})
	c, err := compileDefinition([]byte(`{"format": "hookflow/v1", "id": "dry", "name": "Dry", "trigger": {"type": "webhook"},
  "steps": [
    {"id": "send", "type": "publish", "to": "nats", "url": "{{ secrets.broker }}", "subject": "orders.{{ payload.id }}"},
    {"id": "save", "type": "sql", "db": "{{ secrets.db }}", "query": "insert into orders(id) values ($1)", "args": ["payload.id"]}
  ]}`))
	if err != nil {
		t.Fatal(err)
	}
	ev := jsonEvent(`{"id": "A-17"}`)
	rep := b.engine.Test(b.ctx, c, &ev, TestOptions{})
	if len(rep.Steps) != 2 {
		t.Fatalf("report = %+v, want both steps", rep)
	}
	for i, want := range []string{`"sent":false`, `"executed":false`} {
		s := rep.Steps[i]
		if s.Status != store.StepSucceeded || !strings.Contains(string(s.Output), want) || strings.Contains(string(s.Input), "pw") {
			t.Errorf("step %s: %s %s, input %s; want succeeded with %s, the URL without its password", s.Step, s.Status, s.Output, s.Input, want)
		}
	}
	if !strings.Contains(string(rep.Steps[0].Input), `"subject":"orders.A-17"`) || !strings.Contains(string(rep.Steps[1].Input), `"args":["A-17"]`) {
		t.Errorf("inputs = %s / %s, want the subject and the args as they would be sent", rep.Steps[0].Input, rep.Steps[1].Input)
	}
}
