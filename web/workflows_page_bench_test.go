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
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// listWorkflows is how many workflows BenchmarkWorkflowList stores: few
// enough by default for CI's short runs; docs/performance.md gives the
// figures at 5,000 (-args -list-workflows=5000).
var listWorkflows = flag.Int("list-workflows", 200, "workflows BenchmarkWorkflowList stores")

// listDB is a filled history BenchmarkWorkflowList lists instead, as
// store/sqlite's growth benchmarks fill it (their -filldb):
//
//	go test -run '^$' -bench WorkflowList ./web -args -list-db=/work/fill/runs1m.db
var listDB = flag.String("list-db", "", "filled database BenchmarkWorkflowList lists a page of, by each order (default: -list-workflows new workflows)")

// BenchmarkWorkflowList: the editor's list with -list-workflows stored
// workflows, each the 2.3 KB payment-paths template: the whole list
// (every definition decoded) against a page of 50 searched and sorted by
// last run.
func BenchmarkWorkflowList(b *testing.B) {
	if *listDB != "" {
		benchmarkFilledList(b, *listDB)
		return
	}
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
	get := listServer(b, st, time.Now)
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

// benchmarkFilledList: a page of 100 of the list of a filled history
// (-list-db), ordered by name, by last run and by failures, each counting
// the runs of the day before the history's newest run.
func benchmarkFilledList(b *testing.B, path string) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, sqlite.WithSynchronous(sqlite.SynchronousNormal))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	newest, err := st.RunList(ctx, store.RunListParams{Limit: 1})
	if err != nil || len(newest) == 0 {
		b.Fatalf("newest run of %s: %v (%d runs)", path, err, len(newest))
	}
	end := newest[0].CreatedAt.Add(time.Second)
	get := listServer(b, st, func() time.Time { return end })
	get(b, "/api/v1/workflows?limit=100") // every revision's summary read once, as a running server keeps them
	for _, sort := range []string{"name", "last_run", "failures"} {
		b.Run(sort, func(b *testing.B) {
			for b.Loop() {
				get(b, "/api/v1/workflows?limit=100&sort="+sort)
			}
		})
	}
}

// listServer is a server of st whose engine's clock is now, and a GET of
// it as the admin that fails b unless answered 200.
func listServer(b *testing.B, st store.Store, now func() time.Time) func(b *testing.B, path string) {
	b.Helper()
	eng, err := engine.New(engine.Config{Store: st, Logger: quiet, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	// A token of its own: a reused database keeps only the hash of the last.
	hash, token, _, err := web.AdminToken(context.Background(), st, "hf_workflow-list-benchmark-token-0123")
	if err != nil {
		b.Fatal(err)
	}
	srv := web.New(web.Config{Engine: eng, AdminTokenHash: hash, Logger: quiet})
	return func(b *testing.B, path string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body.Bytes())
		}
	}
}
