package main

import "testing"

func TestOTLPTracesURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:4318":              "http://127.0.0.1:4318/v1/traces",
		"http://127.0.0.1:4318/":             "http://127.0.0.1:4318/v1/traces",
		"https://otel.example.com/otlp":      "https://otel.example.com/otlp/v1/traces",
		"https://otel.example.com/v1/traces": "https://otel.example.com/v1/traces",
	} {
		got, err := otlpTracesURL(in)
		if err != nil || got != want {
			t.Errorf("otlpTracesURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"127.0.0.1:4318", "grpc://127.0.0.1:4317", "http://"} {
		if got, err := otlpTracesURL(bad); err == nil {
			t.Errorf("otlpTracesURL(%q) = %q, want an error", bad, got)
		}
	}
}
