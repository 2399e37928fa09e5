package workflows_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/hookflow/hookflow/kinds" // the kinds the definitions use
	"github.com/hookflow/hookflow/workflows"
)

// goldenFiles returns the definitions in testdata: realistic workflows
// written exactly as Encode writes them.
func goldenFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("want at least 3 golden files in testdata, found %d", len(files))
	}
	return files
}

// TestGoldenRoundTrip imports then exports every golden definition and
// expects the very same bytes back, as Caddy's adapt tests do.
func TestGoldenRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range goldenFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			w, err := workflows.Decode(want)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if _, err := workflows.Compile(w); err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := workflows.Encode(w)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Encode differs from %s\n--- got\n%s\n--- want\n%s", file, got, want)
			}
		})
	}
}

func TestBundleRoundTrip(t *testing.T) {
	t.Parallel()
	var ws []*workflows.Workflow
	for _, file := range goldenFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		w, err := workflows.Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		ws = append(ws, w)
	}
	bundle, err := workflows.EncodeBundle(ws)
	if err != nil {
		t.Fatal(err)
	}
	back, err := workflows.DecodeBundle(bundle)
	if err != nil {
		t.Fatalf("DecodeBundle: %v", err)
	}
	if len(back) != len(ws) {
		t.Fatalf("got %d workflows back, want %d", len(back), len(ws))
	}
	for i := range ws {
		want, _ := workflows.Encode(ws[i])
		got, _ := workflows.Encode(back[i])
		if !bytes.Equal(got, want) {
			t.Errorf("workflow %d differs after the bundle round trip\n--- got\n%s\n--- want\n%s", i, got, want)
		}
	}
	again, err := workflows.EncodeBundle(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, bundle) {
		t.Errorf("workflows.EncodeBundle(workflows.DecodeBundle(b)) != b")
	}

	empty, err := workflows.EncodeBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"format\": \"hookflow/v1\",\n  \"workflows\": []\n}\n"; string(empty) != want {
		t.Errorf("workflows.EncodeBundle(nil) = %q, want %q", empty, want)
	}
	none, err := workflows.DecodeBundle(empty)
	if err != nil || len(none) != 0 {
		t.Errorf("workflows.DecodeBundle(empty bundle) = %v, %v; want no workflows", none, err)
	}
}
