package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store/sqlite"
)

// A handler whose answer cannot be encoded, or that answers nothing, gives
// a JSON 500, not gin's empty 200: answerGuard holds for any route, those
// added later included.
func TestAnswerGuard(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookflow.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng, err := engine.New(engine.Config{Store: st, Sender: actions.NewSender(actions.Config{})})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	s := New(Config{Engine: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.router.GET("/inf", func(c *gin.Context) { c.PureJSON(http.StatusOK, gin.H{"n": math.Inf(1)}) })
	s.router.GET("/nan", func(c *gin.Context) { c.JSON(http.StatusAccepted, gin.H{"n": math.NaN()}) })
	s.router.GET("/nothing", func(c *gin.Context) {})
	s.router.GET("/ours", func(c *gin.Context) { writeJSON(c, http.StatusOK, gin.H{"n": math.Inf(-1)}) })
	for _, path := range []string{"/inf", "/nan", "/nothing", "/ours"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		var body struct{ Error apiError }
		if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != http.StatusInternalServerError || err != nil || body.Error.Code != "internal" {
			t.Errorf("GET %s = %d %q; want a JSON 500", path, w.Code, w.Body.Bytes())
		}
	}
}
