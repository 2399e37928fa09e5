package connectors

import (
	"slices"
	"testing"
)

// TestMySQLPlaceholders: $N become ? in the order written, each bound to
// its argument (a repeat binds it again); quoted text and comments keep
// their $ and ?; a statement written with ? is left as it is.
func TestMySQLPlaceholders(t *testing.T) {
	t.Parallel()
	args := []any{"a", "b", "c"}
	tests := []struct {
		query, want string
		bound       []any
	}{
		{"insert into t values ($1, $2)", "insert into t values (?, ?)", []any{"a", "b"}},
		{"select * from t where x = $2 or y = $1 or z = $2", "select * from t where x = ? or y = ? or z = ?", []any{"b", "a", "b"}},
		{"select '$1', \"$2?\", `$3` from t where a = $3 -- $1 ?\n and b = $1 # $2\n /* $3 ? */", "select '$1', \"$2?\", `$3` from t where a = ? -- $1 ?\n and b = ? # $2\n /* $3 ? */", []any{"c", "a"}},
		{"select 'it''s $1', $1", "select 'it''s $1', ?", []any{"a"}},
		{"select ?, ?, ?", "select ?, ?, ?", []any{"a", "b", "c"}},
	}
	for _, tt := range tests {
		got, bound, err := MySQLPlaceholders(tt.query, args)
		if err != nil || got != tt.want || !slices.Equal(bound, tt.bound) {
			t.Errorf("MySQLPlaceholders(%q) = %q %v %v, want %q %v", tt.query, got, bound, err, tt.want, tt.bound)
		}
	}
	for _, q := range []string{"select $4", "select $1, ?", "select ?"} {
		if _, _, err := MySQLPlaceholders(q, args); err == nil {
			t.Errorf("MySQLPlaceholders(%q) took it, want an error", q)
		}
	}
}

// TestReturnsRows: statements that give rows are told from those that
// change them.
func TestReturnsRows(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		"select 1":                      true,
		"  (select 1) union (select 2)": true,
		"/* hi */ WITH x AS (select 1) select * from x": true,
		"insert into t values (1) returning id":         true,
		"insert into t values ('returning')":            false,
		"update t set a = 1":                            false,
		"selection_log insert":                          false,
		"delete from t -- returning":                    false,
	} {
		if got := returnsRows(q); got != want {
			t.Errorf("returnsRows(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestShownAndScrub: a URL as recorded has no credentials, and an error
// quoting the URL or its password is cleaned of both.
func TestShownAndScrub(t *testing.T) {
	t.Parallel()
	raw := "postgres://app:s3cr%2Ft@db.example.com:5432/shop?sslmode=require&password=x"
	if got := Shown(raw); got != "postgres://db.example.com:5432/shop" {
		t.Errorf("Shown = %q", got)
	}
	msg := scrub("failed: "+raw+" and s3cr/t", raw)
	if want := "failed: postgres://db.example.com:5432/shop and [redacted]"; msg != want {
		t.Errorf("scrub = %q, want %q", msg, want)
	}
}
