package connectors

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

func init() {
	databases["mysql"] = database{query: queryMySQL}
	databases["mariadb"] = database{query: queryMySQL}
}

var mysqlPool = newPool(IdleTimeout, func(db *sql.DB) { _ = db.Close() }, nil)

// queryMySQL runs a statement on MySQL or MariaDB. $1, $2... placeholders
// are made ? in the order they are written, each given its argument (a
// placeholder written twice binds its argument twice); a statement may be
// written with ? placeholders instead, bound in order.
func queryMySQL(ctx context.Context, d Dialer, raw, query string, args []any, maxRows int) (*Result, error) {
	q, bound, err := MySQLPlaceholders(query, args)
	if err != nil {
		return nil, Permanent(err)
	}
	db, release, err := mysqlPool.get(ctx, poolKey{d.Scope, raw}, func(context.Context) (*sql.DB, error) {
		return openMySQL(d, raw)
	})
	if err != nil {
		return nil, err
	}
	defer release(false)
	if !returnsRows(q) {
		r, err := db.ExecContext(ctx, q, bound...)
		if err != nil {
			return nil, mysqlError(err)
		}
		n, _ := r.RowsAffected()
		return &Result{Rows: []map[string]any{}, Affected: n}, nil
	}
	rows, err := db.QueryContext(ctx, q, bound...)
	if err != nil {
		return nil, mysqlError(err)
	}
	defer func() { _ = rows.Close() }()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, mysqlError(err)
	}
	res := &Result{Rows: []map[string]any{}}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		res.Affected++
		if len(res.Rows) >= maxRows {
			res.Truncated = true
			continue
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, mysqlError(err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c.Name()] = mysqlValue(c.DatabaseTypeName(), vals[i])
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, mysqlError(err)
	}
	return res, nil
}

// returnsRows tells whether a statement gives rows (it is read with
// Query, and counts its rows) rather than changes them (run with Exec,
// which counts the rows changed): by its first word, or a RETURNING
// clause (MariaDB's INSERT ... RETURNING).
func returnsRows(q string) bool {
	code := strings.ToLower(codeOnly(q))
	first := strings.TrimLeft(code, " \t\r\n(")
	for _, w := range []string{"select", "with", "show", "values", "table", "describe", "desc", "explain", "call", "check", "analyze", "help"} {
		if strings.HasPrefix(first, w) && (len(first) == len(w) || !isWordByte(first[len(w)])) {
			return true
		}
	}
	return containsWord(code, "returning")
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		if (j == 0 || !isWordByte(s[j-1])) && (j+len(w) == len(s) || !isWordByte(s[j+len(w)])) {
			return true
		}
		i = j + len(w)
	}
}

// codeOnly is q with its comments and quoted text blanked.
func codeOnly(q string) string {
	var b strings.Builder
	scanSQL(q, func(kind byte, text string) {
		if kind != 's' {
			b.WriteByte(' ')
		} else {
			b.WriteString(text)
		}
	})
	return b.String()
}

// scanSQL splits q into code ('s'), quoted text or names ('q') and
// comments ('c'), in order.
func scanSQL(q string, emit func(kind byte, text string)) {
	start := 0
	flush := func(i int) {
		if i > start {
			emit('s', q[start:i])
		}
		start = i
	}
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			flush(i)
			j := i + 1
			for j < len(q) {
				if q[j] == '\\' && c != '`' {
					j += 2
					continue
				}
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, len(q))
			emit('q', q[i:j])
			i, start = j, j
		case c == '#' || (c == '-' && strings.HasPrefix(q[i:], "-- ")) || (c == '-' && strings.HasPrefix(q[i:], "--\n")):
			flush(i)
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			emit('c', q[i:i+j])
			i += j
			start = i
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			flush(i)
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			emit('c', q[i:end])
			i, start = end, end
		default:
			i++
		}
	}
	flush(len(q))
}

// MySQLPlaceholders makes a statement written with $1, $2... placeholders
// one MySQL takes (?, in the order written), and gives the arguments in
// that order. A statement with ? placeholders is left as it is, its
// arguments bound in order. Quoted text and comments are left alone.
func MySQLPlaceholders(query string, args []any) (string, []any, error) {
	var b strings.Builder
	var bound []any
	dollars, marks := 0, 0
	var bad error
	scanSQL(query, func(kind byte, text string) {
		if kind != 's' {
			b.WriteString(text)
			return
		}
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c == '?' {
				marks++
				b.WriteByte(c)
				continue
			}
			if c != '$' || i+1 >= len(text) || text[i+1] < '1' || text[i+1] > '9' || (i > 0 && isWordByte(text[i-1])) {
				b.WriteByte(c)
				continue
			}
			j := i + 1
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(text[i+1 : j])
			if n > len(args) {
				if bad == nil {
					bad = fmt.Errorf("the query has $%d but args has %d value(s)", n, len(args))
				}
			} else {
				bound = append(bound, args[n-1])
			}
			dollars++
			b.WriteByte('?')
			i = j - 1
		}
	})
	switch {
	case bad != nil:
		return "", nil, bad
	case dollars > 0 && marks > 0:
		return "", nil, errors.New("the query mixes $1-style and ? placeholders: use one kind")
	case dollars == 0:
		if marks != len(args) {
			return "", nil, fmt.Errorf("the query has %d placeholder(s) but args has %d value(s)", marks, len(args))
		}
		return query, args, nil
	}
	return b.String(), bound, nil
}

// mysqlValue is a MySQL value as JSON holds it: the driver gives most as
// text, which the column's type says how to read.
func mysqlValue(typ string, v any) any {
	b, ok := v.([]byte)
	if !ok {
		return jsonValue(v)
	}
	s := string(b)
	switch typ {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "YEAR",
		"UNSIGNED TINYINT", "UNSIGNED SMALLINT", "UNSIGNED MEDIUMINT", "UNSIGNED INT", "UNSIGNED BIGINT":
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
	case "DECIMAL", "FLOAT", "DOUBLE":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case "JSON":
		var out any
		if json.Unmarshal(b, &out) == nil {
			return out
		}
	}
	return jsonValue(b)
}

// mysqlError wraps a query's error: a statement the database refused is
// Permanent, with its message and number, unless another try may pass
// (a deadlock, a lock wait timeout, too many connections).
func mysqlError(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		err = fmt.Errorf("MySQL: %s (error %d)", me.Message, me.Number)
		switch me.Number {
		case 1205, 1213, 1040, 1053, 1927:
			return err
		}
		return Permanent(err)
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) {
		return fmt.Errorf("MySQL: connection lost: %w", err)
	}
	return fmt.Errorf("MySQL: %w", err)
}

// openMySQL makes a pool of connections to a mysql:// URL, each made
// through the dialer; it connects on its first query. The URL's tls
// setting (true, skip-verify, preferred, false) is the one setting it
// takes.
func openMySQL(d Dialer, raw string) (*sql.DB, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, Permanent(errors.New("the MySQL URL cannot be read (want mysql://user:password@host:3306/db)"))
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = hostPort(u, "3306")
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.ParseTime = true
	cfg.Logger = &mysql.NopLogger{}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) { return d.Dial(ctx, network, addr) }
	for k, v := range u.Query() {
		if k != "tls" {
			return nil, Permanent(fmt.Errorf("the MySQL URL has an unknown setting %q (only tls)", k))
		}
		switch v[0] {
		case "true":
			cfg.TLS = d.tlsConfig(u.Hostname())
		case "skip-verify":
			cfg.TLS = d.tlsConfig(u.Hostname())
			cfg.TLS.InsecureSkipVerify = true
		case "preferred":
			cfg.TLS = d.tlsConfig(u.Hostname())
			cfg.TLS.InsecureSkipVerify = true
			cfg.AllowFallbackToPlaintext = true
		case "false", "":
		default:
			return nil, Permanent(fmt.Errorf("the MySQL URL's tls=%q: want true, skip-verify, preferred or false", v[0]))
		}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, Permanent(fmt.Errorf("MySQL settings: %w", err))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(IdleTimeout)
	return db, nil
}
