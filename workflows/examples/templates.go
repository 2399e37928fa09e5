// Package examples holds the workflows the editor offers as templates
// ("New workflow" from the gallery), each with a sample event that a new
// workflow made from it is tested with. engine/examples_test.go runs every
// one with realistic events.
package examples

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

//go:embed *.json samples/*.json
var files embed.FS

// Template is one example workflow and its sample event.
type Template struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Tags       []string        `json:"tags,omitempty"`
	Definition json.RawMessage `json:"definition"`
	Sample     Sample          `json:"sample"`
	// Summary says what the workflow does, in a sentence.
	Summary string `json:"summary"`
	// Connects names the services it connects, the trigger's first.
	Connects []string `json:"connects"`
	// Secrets are the secrets it reads (secrets.NAME): set them before it runs.
	Secrets []string `json:"secrets"`
	// Vars are its vars: the addresses and settings to adjust.
	Vars []string `json:"vars"`
}

// Sample is an event as a sender would send it: the editor's first sample
// for a workflow made from the template.
type Sample struct {
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Query   string            `json:"query,omitempty"`
	// Body is a JSON value, or the body's text where it is not JSON.
	Body json.RawMessage `json:"body"`
}

// Templates returns every template, by id.
func Templates() ([]Template, error) {
	names, err := files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []Template
	for _, n := range names {
		if n.IsDir() || !strings.HasSuffix(n.Name(), ".json") {
			continue
		}
		def, err := files.ReadFile(n.Name())
		if err != nil {
			return nil, err
		}
		var head struct {
			ID   string   `json:"id"`
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(def, &head); err != nil {
			return nil, fmt.Errorf("template %s: %w", n.Name(), err)
		}
		t := Template{ID: head.ID, Name: head.Name, Tags: head.Tags, Definition: def}
		sample, err := files.ReadFile(path.Join("samples", n.Name()))
		if err != nil {
			return nil, fmt.Errorf("template %s has no sample: %w", n.Name(), err)
		}
		if err := json.Unmarshal(sample, &t.Sample); err != nil {
			return nil, fmt.Errorf("template %s's sample: %w", n.Name(), err)
		}
		if err := t.describe(); err != nil {
			return nil, fmt.Errorf("template %s: %w", n.Name(), err)
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
