package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/store"
)

// replicaSetting keeps the name a server on a SQLite database gives itself
// to brokers.
const replicaSetting = "replica_id"

func (c *config) addReplicaFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.ReplicaID, "replica-id", env("REPLICA_ID", ""),
		"this server's name to brokers that keep a session per client (MQTT); the same at every start: "+
			"default on SQLite a name kept in the database, on PostgreSQL the host name and port (env HOOKFLOW_REPLICA_ID)")
}

// replicaID names this server to brokers that keep a session per client
// (MQTT): the session, with the messages sent but not yet acknowledged,
// is taken up again only by a client of the same name. --replica-id where
// set. On SQLite, where one server runs on a database, a name kept in the
// database, the same whatever the host or port it starts on. On
// PostgreSQL the host name and the port it listens on, the same when it
// restarts on that host and different for two servers on one host.
func (c *config) replicaID(ctx context.Context, st store.Store, addr net.Addr) (string, error) {
	if id := strings.TrimSpace(c.ReplicaID); id != "" {
		for _, r := range id {
			if r < 0x21 || r > 0x7e {
				return "", fmt.Errorf("--replica-id %q: use letters, digits and punctuation, without spaces", id)
			}
		}
		return id, nil
	}
	if isPostgresURL(c.DB) {
		return replicaName(addr), nil
	}
	id, err := st.SettingGet(ctx, replicaSetting)
	if err == nil && id != "" {
		return id, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("read the replica id: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	id = strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '_'
		}
		return r
	}, host) + "-" + hex.EncodeToString(b)
	if err := st.SettingPut(ctx, replicaSetting, id); err != nil {
		return "", fmt.Errorf("keep the replica id: %w", err)
	}
	return id, nil
}

// replicaName is a PostgreSQL replica's default name: the host name and
// the port it listens on.
func replicaName(addr net.Addr) string {
	host, _ := os.Hostname()
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return fmt.Sprintf("%s-%d", host, tcp.Port)
	}
	return host
}
