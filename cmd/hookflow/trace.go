package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hookflow/hookflow/engine"
)

// addOTLPFlag registers --otlp-endpoint: HOOKFLOW_OTLP_ENDPOINT, else the
// standard OTEL_EXPORTER_OTLP_ENDPOINT.
func (c *config) addOTLPFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.OTLPEndpoint, "otlp-endpoint", env("OTLP_ENDPOINT", os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")),
		"export OpenTelemetry traces over OTLP/HTTP to this URL, e.g. http://127.0.0.1:4318; empty: no traces (env HOOKFLOW_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT)")
}

// otlpTracesURL is the traces URL of an OTLP/HTTP endpoint: the base URL
// with /v1/traces appended, as OTEL_EXPORTER_OTLP_ENDPOINT is read, unless
// it names that path already.
func otlpTracesURL(endpoint string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil {
		return "", fmt.Errorf("--otlp-endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--otlp-endpoint %q: want an http:// or https:// URL such as http://127.0.0.1:4318", endpoint)
	}
	if !strings.HasSuffix(u.Path, "/v1/traces") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	return u.String(), nil
}

// newTracerProvider returns the tracer provider of --otlp-endpoint (nil
// when it is empty: tracing is off) its Shutdown flushes it.
func (c *config) newTracerProvider(ctx context.Context) (*sdktrace.TracerProvider, error) {
	if c.OTLPEndpoint == "" {
		return nil, nil
	}
	target, err := otlpTracesURL(c.OTLPEndpoint)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(target))
	if err != nil {
		return nil, fmt.Errorf("--otlp-endpoint: %w", err)
	}
	// service.name is hookflow unless OTEL_SERVICE_NAME or
	// OTEL_RESOURCE_ATTRIBUTES say otherwise (they are read last).
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "hookflow")),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	return engine.NewTracerProvider(exp, sdktrace.WithResource(res)), nil
}
