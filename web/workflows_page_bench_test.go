package web_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// listWorkflows is how many workflows BenchmarkWorkflowList stores: few
// enough by default for CI's short runs; docs/performance.md gives the
// figures at 5,000 (-args -list-workflows=5000).
var listWorkflows = flag.Int("list-workflows", 200, "workflows BenchmarkWorkflowList stores")

// BenchmarkWorkflowList: the editor's list with -list-workflows stored
// workflows, each the 2.3 KB payment-paths template: the whole list
// (every definition decoded) against a page of 50 searched and sorted by
// last run.
func BenchmarkWorkflowList(b *testing.B) {
	workflowsStored := *listWorkflows
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hookflow.db"), sqlite.WithSynchronous(sqlite.SynchronousNormal))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	def, err := os.ReadFile("../workflows/examples/payment-paths.json")
	if err != nil {
		b.Fatal(err)
	}
	for i := range workflowsStored {
		id := fmt.Sprintf("payment-paths-%04d", i)
		d := bytes.Replace(def, []byte(`"id": "payment-paths"`), []byte(`"id": "`+id+`"`), 1)
		if _, err := st.WorkflowSave(ctx, store.WorkflowSaveParams{ID: id, Name: "Payment paths " + id, Enabled: true, Definition: d}); err != nil {
			b.Fatal(err)
		}
	}
	eng, err := engine.New(engine.Config{Store: st, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	hash, token, _, err := web.AdminToken(ctx, st, "")
	if err != nil {
		b.Fatal(err)
	}
	srv := web.New(web.Config{Engine: eng, AdminTokenHash: hash, Logger: quiet})
	get := func(b *testing.B, path string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body.Bytes())
		}
	}
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			get(b, "/api/v1/workflows")
		}
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			get(b, "/api/v1/workflows?limit=50&q=payment&sort=last_run")
		}
	})
}
