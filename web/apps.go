package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/apps"
)

// appView is one app in GET /api/v1/apps: its document, and whether
// Hookflow ships it or it was loaded from the apps folder.
type appView struct {
	*apps.App
	Shipped bool `json:"shipped"`
}

// listApps serves GET /api/v1/apps: every app an app step may use, the
// shipped ones and those of serve --apps, by category then name, each
// with its actions' forms, from which the editor draws the app step.
func (s *Server) listApps(c *gin.Context) {
	list := apps.List()
	out := make([]appView, len(list))
	for i, a := range list {
		out[i] = appView{App: a, Shipped: apps.Shipped(a.ID)}
	}
	c.Header("Cache-Control", "no-cache")
	writeJSON(c, http.StatusOK, gin.H{"apps": out})
}
