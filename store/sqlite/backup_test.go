package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
)

// TestBackupWhileWriting: a backup made while the store keeps accepting
// events holds every event accepted before it began, opens as a store of
// its own, and is readable by its owner only.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "hookflow.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "wf", Name: "wf", Definition: []byte(`{}`), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	accept := func(i int) string {
		t.Helper()
		runID := "run-" + time.Now().Format("150405.000000000") + "-" + string(rune('a'+i%26))
		res, err := st.EventAccept(ctx, []store.EventAcceptParams{{
			Event: store.Event{ID: "ev-" + runID, WorkflowID: "wf", Source: "webhook", Body: []byte(`{"n":1}`), ReceivedAt: time.Now()},
			RunID: runID, Revision: 1,
		}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0].RunID
	}
	var before []string
	for i := range 200 {
		before = append(before, accept(i))
	}
	stop := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			accept(i)
		}
	}()
	dest := filepath.Join(dir, "backup.db")
	err = sqlite.Backup(ctx, path, dest)
	close(stop)
	<-writerDone
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", info.Mode().Perm())
	}
	copyStore, err := sqlite.Open(ctx, dest)
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer copyStore.Close()
	for _, id := range before {
		if _, err := copyStore.RunGet(ctx, id); err != nil {
			t.Fatalf("run %s accepted before the backup: %v", id, err)
		}
	}
	if err := sqlite.Backup(ctx, path, dest); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v, want a refusal", err)
	}
	if err := sqlite.Backup(ctx, filepath.Join(dir, "none.db"), filepath.Join(dir, "b2.db")); err == nil || !strings.Contains(err.Error(), "no such database") {
		t.Errorf("backup of a missing database: %v", err)
	}
}
