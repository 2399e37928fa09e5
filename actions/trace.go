package actions

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the tracer of outbound calls.
const tracerName = "github.com/hookflow/hookflow/actions"

// do sends hr through the client. With a tracer (Config.Tracer) the call
// is a client span, a child of the span in hr's context (the step's), and
// the request carries that span's W3C traceparent; without one it is the
// bare client call.
func (s *Sender) do(hr *http.Request, method string) (*http.Response, error) {
	if s.tracer == nil {
		return s.client.Do(hr)
	}
	ctx, span := s.tracer.Start(hr.Context(), "HTTP "+method,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("http.request.method", method),
			// Host and scheme only: a URL's path or query may be its secret
			// (chat webhooks), and spans leave for another system.
			attribute.String("url.scheme", hr.URL.Scheme),
			attribute.String("server.address", hr.URL.Hostname()),
		))
	defer span.End()
	hr = hr.WithContext(ctx)
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(hr.Header))
	hresp, err := s.client.Do(hr)
	if err != nil {
		// The message without the URL, whose query may hold a secret.
		cause := cleanURLError(err)
		span.RecordError(cause)
		span.SetStatus(codes.Error, cause.Error())
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", hresp.StatusCode))
	if hresp.StatusCode >= 400 {
		span.SetStatus(codes.Error, http.StatusText(hresp.StatusCode))
	}
	return hresp, nil
}
