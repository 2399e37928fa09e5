package main

import (
	"strings"
	"testing"
)

func TestDefaultMaxConns(t *testing.T) {
	for _, c := range []struct {
		files uint64
		want  int
	}{
		{0, maxConnsCeiling}, // unknown
		{1024, 768},
		{20_000, maxConnsCeiling},
		{1 << 20, maxConnsCeiling},
		{1, 1},
	} {
		if got := defaultMaxConns(c.files); got != c.want {
			t.Errorf("defaultMaxConns(%d) = %d, want %d", c.files, got, c.want)
		}
	}
}

func TestCheckConnFlags(t *testing.T) {
	ok := config{MaxConnsPerIP: defaultMaxConnsPerIP, MinBodyRate: defaultMinBodyRate, MaxHeaderBytes: defaultMaxHeaderBytes}
	if err := ok.checkConnFlags(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []struct {
		set  func(*config)
		flag string
	}{
		{func(c *config) { c.MaxConns = -1 }, "--max-conns"},
		{func(c *config) { c.MaxConnsPerIP = -1 }, "--max-conns-per-ip"},
		{func(c *config) { c.MinBodyRate = -1 }, "--min-body-rate"},
		{func(c *config) { c.MaxHeaderBytes = 1000 }, "--max-header-bytes"},
	} {
		bad := ok
		c.set(&bad)
		if err := bad.checkConnFlags(); err == nil || !strings.HasPrefix(err.Error(), c.flag+" ") {
			t.Errorf("%s out of range: %v, want an error naming it", c.flag, err)
		}
	}
}
