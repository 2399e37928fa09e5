package connectors

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

func init() {
	databases["postgres"] = database{query: queryPostgres}
	databases["postgresql"] = database{query: queryPostgres}
}

var pgPool = newPool(IdleTimeout, func(p *pgxpool.Pool) { p.Close() }, nil)

// queryPostgres runs a statement on PostgreSQL ($1, $2... parameters).
func queryPostgres(ctx context.Context, d Dialer, raw, query string, args []any, maxRows int) (*Result, error) {
	p, release, err := pgPool.get(ctx, poolKey{d.Scope, raw}, func(context.Context) (*pgxpool.Pool, error) {
		return openPostgres(d, raw)
	})
	if err != nil {
		return nil, err
	}
	defer release(false)
	rows, err := p.Query(ctx, query, args...)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	res := &Result{Rows: []map[string]any{}}
	fields := rows.FieldDescriptions()
	for rows.Next() {
		if len(res.Rows) >= maxRows {
			res.Truncated = true
			continue // read on: the statement's count includes them
		}
		vals, err := rows.Values()
		if err != nil {
			return nil, pgError(err)
		}
		row := make(map[string]any, len(vals))
		for i, v := range vals {
			row[fields[i].Name] = pgValue(v)
		}
		res.Rows = append(res.Rows, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, pgError(err)
	}
	res.Affected = rows.CommandTag().RowsAffected()
	return res, nil
}

// pgValue is a PostgreSQL value as JSON holds it.
func pgValue(v any) any {
	switch x := v.(type) {
	case [16]byte: // uuid
		var u pgtype.UUID
		u.Bytes, u.Valid = x, true
		s, _ := u.Value()
		return s
	case pgtype.Numeric:
		if !x.Valid {
			return nil
		}
		if f, err := x.Float64Value(); err == nil && f.Valid {
			return f.Float64
		}
	case net.IPNet:
		return x.String()
	}
	return jsonValue(v)
}

// pgError wraps a query's error: a statement the database refused is
// Permanent, with its message and code, unless the database may take it
// on another try (a conflict between transactions, a server going down
// or not yet up, too many connections).
func pgError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		err = fmt.Errorf("PostgreSQL: %s (SQLSTATE %s)", pe.Message, pe.Code)
		switch {
		case pe.Code == "40001", pe.Code == "40P01", pe.Code == "53300",
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", pe.Code[:2] == "08":
			return err
		}
		return Permanent(err)
	}
	if errors.Is(err, pgx.ErrTooManyRows) {
		return Permanent(err)
	}
	return fmt.Errorf("PostgreSQL: %w", err)
}

// openPostgres makes a pool of connections to the URL, each made through
// the dialer (pgx resolves the host; the egress guard checks each
// address); it connects on its first query.
func openPostgres(d Dialer, raw string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, Permanent(errors.New("the PostgreSQL URL cannot be read (want postgres://user:password@host:5432/db?sslmode=...)"))
	}
	cfg.ConnConfig.DialFunc = d.Dial
	cfg.MaxConnIdleTime = IdleTimeout
	cfg.MaxConns = 4
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	return p, nil
}
