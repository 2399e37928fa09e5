package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/workflows"
)

// kindsView is GET /api/v1/kinds: every step, trigger and auth kind the
// server knows, described as data, from which the editor draws its forms.
type kindsView struct {
	Steps    []workflows.Doc `json:"steps"`
	Triggers []workflows.Doc `json:"triggers"`
	Auth     []workflows.Doc `json:"auth"`
	Common   kindsCommon     `json:"common"`
}

// kindsCommon is what every kind shares: the fields every step has, and
// the HTTP methods, listed once.
type kindsCommon struct {
	Step    []workflows.Field `json:"step"`
	Methods []string          `json:"methods"`
}

// kindsDocs collects the registered kinds' docs.
func kindsDocs() kindsView {
	v := kindsView{Common: kindsCommon{Step: workflows.CommonStepFields, Methods: workflows.Methods}}
	for _, k := range workflows.StepKinds() {
		v.Steps = append(v.Steps, k.Doc)
	}
	for _, k := range workflows.TriggerKinds() {
		v.Triggers = append(v.Triggers, k.Doc)
	}
	for _, k := range workflows.AuthKinds() {
		v.Auth = append(v.Auth, k.Doc)
	}
	return v
}

// listKinds serves GET /api/v1/kinds.
func (s *Server) listKinds(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	writeJSON(c, http.StatusOK, kindsDocs())
}
