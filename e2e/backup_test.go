package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBackupUnderLoad: `hookflow backup` copies the database while the
// server accepts events; a server started on the copy lists every run
// acknowledged before the backup began, and reads the secrets with the
// key file copied beside it.
func TestBackupUnderLoad(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(`{"format": "hookflow/v1", "id": "orders", "name": "Orders",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "shape", "type": "transform", "expr": "{n: payload.n}"}]}`)
	if code := srv.do("PUT", "/api/v1/secrets/api_key", map[string]string{"value": "s3cret"}, nil); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("PUT secret = %d", code)
	}
	hook := srv.hookPath("orders")

	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, id, err := srv.trigger(hook, []byte(fmt.Sprintf(`{"n": %d}`, w*1_000_000+i)))
				if err != nil || code != http.StatusAccepted {
					continue
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	waitFor(t, 30*time.Second, "200 events acknowledged", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 200, fmt.Sprint(len(acked), " acknowledged")
	})
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	dest := filepath.Join(t.TempDir(), "copy.db")
	res := cli(t, nil, "backup", "--db", srv.opts.DB, dest)
	close(stop)
	wg.Wait()
	if res.Code != 0 || !strings.Contains(res.Stdout, "copy.db.key") {
		t.Fatalf("backup: exit %d\nstdout: %s\nstderr: %s", res.Code, res.Stdout, res.Stderr)
	}
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	t.Logf("%d events acknowledged before the backup, %d while it ran", len(before), during)

	restored := startServer(t, serverOptions{DB: dest})
	for _, id := range before {
		var got struct {
			Run struct {
				ID string `json:"id"`
			} `json:"run"`
		}
		if code := restored.do("GET", "/api/v1/runs/"+id, nil, &got); code != http.StatusOK || got.Run.ID != id {
			t.Fatalf("run %s, acknowledged before the backup: GET = %d on the restored server", id, code)
		}
	}
	var list struct {
		Secrets []struct {
			Name string `json:"name"`
		} `json:"secrets"`
	}
	if code := restored.do("GET", "/api/v1/secrets", nil, &list); code != http.StatusOK || len(list.Secrets) != 1 {
		t.Fatalf("secrets on the restored server: %d %+v", code, list)
	}

	if res := cli(t, nil, "backup", "--db", srv.opts.DB, dest); res.Code == 0 || !strings.Contains(res.Stderr, "exists") {
		t.Errorf("backup over an existing file: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if res := cli(t, nil, "backup", "--db", "postgres://u@127.0.0.1/x", filepath.Join(t.TempDir(), "x.db")); res.Code == 0 || !strings.Contains(res.Stderr, "pg_dump") {
		t.Errorf("backup of PostgreSQL: exit %d, stderr %q", res.Code, res.Stderr)
	}
}
