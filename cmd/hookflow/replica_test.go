package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store/sqlite"
)

// TestReplicaIDKeptInSQLite: on SQLite the server's name to brokers is
// kept in the database, so a restart on another port takes up the MQTT
// sessions of the last start; --replica-id overrides it and is checked.
func TestReplicaIDKeptInSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "hookflow.db")
	idOn := func(c *config, port int) (string, error) {
		st, err := sqlite.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return c.replicaID(ctx, st, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	}
	c := &config{DB: db}
	first, err := idOn(c, 8080)
	if err != nil || first == "" || strings.ContainsAny(first, " \t") {
		t.Fatalf("replicaID = %q, %v", first, err)
	}
	again, err := idOn(c, 9090)
	if err != nil || again != first {
		t.Errorf("after a restart on another port replicaID = %q, %v; want %q", again, err, first)
	}
	if id, err := idOn(&config{DB: db, ReplicaID: "edge-1"}, 8080); err != nil || id != "edge-1" {
		t.Errorf("with --replica-id edge-1: %q, %v", id, err)
	}
	if _, err := idOn(&config{DB: db, ReplicaID: "edge 1"}, 8080); err == nil || !strings.Contains(err.Error(), "--replica-id") {
		t.Errorf("--replica-id with a space: %v, want an error naming the flag", err)
	}
	if id := replicaName(&net.TCPAddr{Port: 8080}); !strings.HasSuffix(id, "-8080") {
		t.Errorf("replicaName = %q, want the host and port", id)
	}
}
