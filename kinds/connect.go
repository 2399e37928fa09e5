package kinds

import (
	"context"
	"errors"
	"fmt"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/connectors"
	"github.com/hookflow/hookflow/store"
)

// connScope is implemented by a Runtime whose connections all go through
// one egress guard and TLS settings (the engine's sender): connections a
// step keeps open are shared only within a scope.
type connScope interface{ ConnScope() any }

// dialer is how a step's connector reaches its server: through the
// runtime's egress guard, pooled within its scope.
func dialer(rt Runtime) connectors.Dialer {
	d := connectors.Dialer{Dial: rt.Dial, TLS: rt.TLSConfig()}
	if s, ok := rt.(connScope); ok {
		d.Scope = s.ConnScope()
	}
	return d
}

// connectorFailure is the outcome of a failed attempt at a connector's
// call: retried with backoff while attempts remain, unless it cannot pass
// (a refused setting, the egress guard, a database's error), the run is a
// test, or ctx ended. The error's text is redacted.
func connectorFailure(ctx context.Context, rt Runtime, p RetryPolicy, record any, err error) Outcome {
	retry := !connectors.IsPermanent(err) && !errors.Is(err, actions.ErrEgressRefused)
	err = errors.New(rt.Redact(err.Error()))
	out := Outcome{Status: store.StepFailed, Input: record, Err: err}
	if test, _ := rt.Test(); ctx.Err() != nil || !retry || test {
		return out
	}
	if rt.Attempt() >= p.MaxAttempts {
		out.Err = fmt.Errorf("%w (gave up after %d attempts)", err, rt.Attempt())
		return out
	}
	out.Status = store.StepRetrying
	out.At = rt.Now().Add(Backoff(p, rt.Attempt(), 0))
	return out
}
