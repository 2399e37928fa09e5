package kinds

import "github.com/hookflow/hookflow/workflows"

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:    "manual",
			Title:   "By hand",
			Summary: "Runs start only from the editor, the API or hookflow run.",
			Fields:  []workflows.Field{},
			Example: []byte(`{"type": "manual"}`),
		},
		New: func() workflows.TriggerSettings { return &ManualSettings{} },
	})
}

// ManualSettings are a manual trigger's fields: none.
type ManualSettings struct{}

// Compile has nothing to check.
func (*ManualSettings) Compile(*workflows.TriggerBuild) (any, error) { return &ManualTrigger{}, nil }

// ManualTrigger is a manual trigger compiled.
type ManualTrigger struct{}
