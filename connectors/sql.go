package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is what a query gave.
type Result struct {
	// Rows are the rows it returned, each a column name -> value, at most
	// the cap asked for.
	Rows []map[string]any
	// Affected is the number of rows the statement changed, or for one
	// that only reads, the number of rows it returned (all, past the cap
	// too).
	Affected int64
	// Truncated: it returned more rows than the cap.
	Truncated bool
}

// database runs queries on one kind of database.
type database struct {
	query func(ctx context.Context, d Dialer, raw, query string, args []any, maxRows int) (*Result, error)
}

// databases are the databases a sql step can query, by URL scheme.
var databases = map[string]database{}

// CheckDatabaseURL tells whether raw is a database URL Query takes; the
// error never quotes it.
func CheckDatabaseURL(raw string) error {
	_, err := databaseOf(raw)
	return err
}

func databaseOf(raw string) (database, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return database{}, fmt.Errorf("the database URL is empty (is the secret it reads set?); want postgres://... or mysql://...")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return database{}, fmt.Errorf("the database URL cannot be read; want postgres://user:password@host:5432/db or mysql://user:password@host:3306/db")
	}
	db, ok := databases[u.Scheme]
	if !ok {
		return database{}, fmt.Errorf("the database URL must start with postgres://, postgresql://, mysql:// or mariadb://, not %q", u.Scheme+":")
	}
	if u.Hostname() == "" {
		return database{}, fmt.Errorf("the database URL has no host")
	}
	return db, nil
}

// Query runs one statement with args bound as its parameters (never
// written into its text), and gives its rows, at most maxRows of them.
// Its error is Permanent where the database refused the statement (a SQL
// error, with the database's message) and not where the connection
// failed.
func Query(ctx context.Context, d Dialer, raw, query string, args []any, maxRows int) (*Result, error) {
	db, err := databaseOf(raw)
	if err != nil {
		return nil, Permanent(err)
	}
	for i, a := range args {
		args[i] = bindValue(a)
	}
	res, err := db.query(ctx, d, strings.TrimSpace(raw), query, args, maxRows)
	return res, clean(err, raw)
}

// bindValue is an expression's value as a query parameter: a whole
// number as an integer, a list or an object as its JSON text.
func bindValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err == nil {
			return string(b)
		}
	}
	return v
}

// jsonValue is a column's value as JSON can hold it: text stays text,
// bytes that are not text are base64, times are RFC 3339, and what JSON
// has no type for is its JSON form or its text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int64, int32, int16, int8, int, uint64, uint32, uint16, uint8, float32:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return x
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case map[string]any, []any:
		return x
	case json.Marshaler:
		if b, err := x.MarshalJSON(); err == nil && json.Valid(b) {
			var out any
			if json.Unmarshal(b, &out) == nil {
				return out
			}
		}
	case fmt.Stringer:
		return x.String()
	}
	if b, err := json.Marshal(v); err == nil {
		var out any
		if json.Unmarshal(b, &out) == nil {
			return out
		}
	}
	return fmt.Sprint(v)
}

// Placeholders counts a statement's parameters: the highest $N it names,
// and its ? marks, quoted text and comments left out.
func Placeholders(query string) (maxDollar, marks int) {
	scanSQL(query, func(kind byte, text string) {
		if kind != 's' {
			return
		}
		for i := 0; i < len(text); i++ {
			switch {
			case text[i] == '?':
				marks++
			case text[i] == '$' && (i == 0 || !isWordByte(text[i-1])):
				j := i + 1
				for j < len(text) && text[j] >= '0' && text[j] <= '9' {
					j++
				}
				if n, err := strconv.Atoi(text[i+1 : j]); err == nil && n > maxDollar {
					maxDollar = n
				}
			}
		}
	})
	return maxDollar, marks
}
