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

// kindsCommon is what every kind shares: the fields every step has, the
// HTTP methods, listed once, the operators of a condition's rules, and the
// formatters a mapped field may use.
type kindsCommon struct {
	Step       []workflows.Field     `json:"step"`
	Methods    []string              `json:"methods"`
	Operators  []operatorView        `json:"operators"`
	Formatters []workflows.Formatter `json:"formatters"`
	// Functions are expr's builtins people use most, described as the
	// formatters are: the editor's autocomplete and function reference.
	Functions []workflows.Formatter `json:"functions"`
}

// operatorView is one operator of a condition's rules.
type operatorView struct {
	Op    string `json:"op"`
	Label string `json:"label"`
	// Value: the operator takes a value (exists, is_empty... do not).
	Value bool `json:"value"`
}

// kindsDocs collects the registered kinds' docs.
func kindsDocs() kindsView {
	v := kindsView{Common: kindsCommon{Step: workflows.CommonStepFields, Methods: workflows.Methods, Formatters: workflows.Formatters, Functions: workflows.Builtins}}
	for _, o := range workflows.MatchOps {
		v.Common.Operators = append(v.Common.Operators, operatorView{Op: o.Op, Label: o.Label, Value: o.Value})
	}
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
