package engine

import (
	"context"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

// runAtAccept executes the leading steps of a new run that touch nothing
// outside Hookflow (filters and transforms) before its event is stored, and
// puts their attempts in p, so they are stored with the event in the same
// transaction. A run that ends there (filtered out, or made of such steps
// only) is stored finished and never needs a worker nor a second write; any
// other goes on from the returned state at p.NextStep. A step that fails is
// left for the worker, which runs it again (it is pure) and handles the
// failure as usual. It returns nil when the run cannot start here (its
// revision or the secrets cannot be loaded, or a step's record had secret
// values redacted, so the run could not resume from it): a worker then
// starts it from the beginning.
//
// payload is the event's DecodePayload, or nil to make it here.
func (e *Engine) runAtAccept(ctx context.Context, p *store.EventAcceptParams, payload *Payload) *runState {
	c, err := e.cache.revision(ctx, p.Event.WorkflowID, p.Revision)
	if err != nil {
		return nil
	}
	secrets, err := e.secrets(ctx)
	if err != nil {
		return nil
	}
	if payload == nil {
		decoded := DecodePayload(&p.Event)
		payload = &decoded
	}
	st := newRunStateOf(c, &p.Event, p.RunID, secrets, *payload)
	for i, s := range c.Steps {
		if _, pure := s.Program.(kinds.Pure); !pure {
			return st
		}
		st.at(i, s)
		res, out := e.runStep(ctx, st, s, 1)
		if out.redacted {
			// A worker that resumed from this record would see the
			// secret's placeholder: leave the whole run to the worker.
			p.Results, p.NextStep, p.Status = nil, 0, ""
			return nil
		}
		switch out.status {
		case store.StepSucceeded:
			st.apply(s, out.output, out.raw)
		case store.StepSkipped:
			st.env.Steps[s.ID] = nil
		case store.StepFiltered:
			p.Status = store.StatusFiltered
		default:
			return st
		}
		p.Results = append(p.Results, res)
		p.NextStep = i + 1
		if p.Status != "" {
			return st
		}
	}
	p.Status = store.StatusSucceeded
	return st
}
