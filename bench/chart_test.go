package bench

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeResult writes r as `hookflow bench --json` does and returns the
// file's path.
func writeResult(t *testing.T, dir, name string, rs ...*Result) string {
	t.Helper()
	var buf bytes.Buffer
	for _, r := range rs {
		if err := r.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func syntheticResult(payload, cpus int, accepted, delivered float64) *Result {
	return &Result{
		Mode: ModeE2E, Target: "child", Connections: 64, DurationS: 10, PayloadBytes: payload,
		Accepted: int64(accepted * 10), AcceptedPerS: accepted, Delivered: int64(delivered * 10), DeliveredPerS: delivered,
		GoVersion: "go1.26", CPUs: cpus,
	}
}

// TestChartTwoResults draws two results and checks the PNG: its size, and
// that both bar colours are there in quantity.
func TestChartTwoResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var entries []ChartEntry
	for _, path := range []string{
		writeResult(t, dir, "1k.json", syntheticResult(1024, 2, 3530, 3220)),
		writeResult(t, dir, "16k.json", syntheticResult(16384, 2, 2010, 1850)),
	} {
		es, err := ReadChartEntries(path)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	var buf bytes.Buffer
	if err := WriteChart(&buf, entries, ChartOptions{}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 500 {
		t.Fatalf("size %v; want 900x500", b.Size())
	}
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}]++
		}
	}
	for name, c := range map[string]color.RGBA{"accepted": chartAccepted, "delivered": chartDelivered, "text": chartText} {
		// The shortest bar is 1850/4000 of a ~350-pixel plot, 80 wide.
		min := 1000
		if name == "text" {
			min = 50
		}
		if counts[c] < min {
			t.Errorf("%d pixels of the %s colour %v; want at least %d", counts[c], name, c, min)
		}
	}
	if counts[chartBackground] > 900*500*95/100 {
		t.Errorf("%d of %d pixels are background: the chart is nearly blank", counts[chartBackground], 900*500)
	}
}

// TestChartSize checks --width and --height.
func TestChartSize(t *testing.T) {
	t.Parallel()
	entries := []ChartEntry{{Mode: ModeIngest, PayloadBytes: 1024, Cores: 1, AcceptedPerS: 5500, DeliveredPerS: 5500}}
	img, err := DrawChart(entries, ChartOptions{Width: 1200, Height: 600, Title: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X != 1200 || s.Y != 600 {
		t.Errorf("size %v; want 1200x600", s)
	}
	if _, err := DrawChart(entries, ChartOptions{Width: 10, Height: 10}); err == nil {
		t.Error("a 10x10 chart: no error")
	}
	if _, err := DrawChart(nil, ChartOptions{}); err == nil {
		t.Error("no results: no error")
	}
	if _, err := DrawChart(entries, ChartOptions{Labels: []string{"a", "b"}}); err == nil {
		t.Error("two labels for one result: no error")
	}
}

// TestChartBadFiles checks that each bad file fails with an error naming
// it and saying what is wrong.
func TestChartBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := syntheticResult(1024, 2, 1, 1)
	var goodJSON bytes.Buffer
	if err := good.WriteJSON(&goodJSON); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, content, want string
	}{
		{"empty.json", "", "no bench result in it"},
		{"table.txt", "hookflow bench: mode e2e, 64 connections\n", "not the JSON of hookflow bench --json"},
		{"cut.json", goodJSON.String()[:40], "cut short"},
		{"other.json", `{"name": "not a bench result"}`, `no "mode"`},
		{"mode.json", `{"mode": "fast", "payload_bytes": 1024}`, `"mode" is "fast"`},
		{"nopayload.json", `{"mode": "e2e", "accepted_per_s": 5}`, `no "payload_bytes"`},
		{"types.json", `{"mode": "e2e", "payload_bytes": 1024, "accepted_per_s": "fast"}`, "accepted_per_s"},
		{"negative.json", `{"mode": "e2e", "payload_bytes": 1024, "accepted_per_s": -1}`, `"accepted_per_s" is -1`},
		{"second.json", goodJSON.String() + `{"mode": "e2e"}`, "second.json: result 2: "},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadChartEntries(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error naming the file and containing %q", tc.name, err, tc.want)
		}
	}
	missing := filepath.Join(dir, "missing.json")
	if _, err := ReadChartEntries(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("a missing file: %v; want an error naming it", err)
	}
}

// TestChartEntries checks what is read: several results in one file, and
// the optional label and gomaxprocs fields.
func TestChartEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeResult(t, dir, "all.json", syntheticResult(1024, 1, 100, 90), syntheticResult(262144, 2, 50, 40))
	es, err := ReadChartEntries(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].PayloadBytes != 262144 || es[1].Cores != 2 || es[1].AcceptedPerS != 50 || es[1].Index != 2 {
		t.Fatalf("entries %+v", es)
	}
	es, err = DecodeChartEntries(strings.NewReader(
		`{"mode":"ingest","payload_bytes":1024,"cpus":2,"gomaxprocs":1,"label":" warm ","accepted_per_s":1}`), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Cores != 1 || es[0].Label != "warm" || es[0].File != "x.json" {
		t.Errorf("entry %+v; want cores 1 (from gomaxprocs) and label \"warm\"", es[0])
	}
}

func TestChartLabels(t *testing.T) {
	t.Parallel()
	e := func(m Mode, payload, cores, conns int, label string) ChartEntry {
		return ChartEntry{Mode: m, PayloadBytes: payload, Cores: cores, Connections: conns, Label: label}
	}
	for _, tc := range []struct {
		entries []ChartEntry
		flags   []string
		want    []string
	}{
		{
			[]ChartEntry{e(ModeE2E, 1024, 1, 64, ""), e(ModeE2E, 16384, 2, 64, ""), e(ModeE2E, 262144, 2, 64, "")},
			nil,
			[]string{"1 KB, 1 core", "16 KB, 2 cores", "256 KB, 2 cores"},
		},
		{
			[]ChartEntry{e(ModeE2E, 1024, 2, 64, ""), e(ModeIngest, 1024, 2, 16, "")},
			nil,
			[]string{"1 KB, 2 cores, e2e, 64 connections", "1 KB, 2 cores, ingest, 16 connections"},
		},
		{
			[]ChartEntry{e(ModeE2E, 1024, 2, 64, "own"), e(ModeE2E, 1024, 2, 64, "own"), e(ModeE2E, 1500, 2, 64, "")},
			[]string{"flag", ""},
			[]string{"flag", "own", "1.5 KB, 2 cores"},
		},
	} {
		got := chartLabels(tc.entries, tc.flags)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("labels %q; want %q", got, tc.want)
		}
	}
	if s := chartSubtitle([]ChartEntry{e(ModeE2E, 1024, 1, 64, ""), e(ModeE2E, 16384, 2, 64, "")}); s != "hookflow bench · e2e (filter, transform, deliver) · 64 connections" {
		t.Errorf("subtitle %q", s)
	}
}

func TestSizeLabel(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{
		500: "500 B", 1024: "1 KB", 1030: "1 KB", 1536: "1.5 KB", 16384: "16 KB", 262144: "256 KB", 1 << 20: "1 MB",
	} {
		if got := SizeLabel(n); got != want {
			t.Errorf("SizeLabel(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestChartAxis(t *testing.T) {
	t.Parallel()
	for raw, want := range map[float64]float64{0.3: 0.5, 1: 1, 1.2: 2, 2.2: 2.5, 700: 1000, 1232: 2000, 0: 1} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v; want %v", raw, got, want)
		}
	}
	for _, tc := range []struct {
		v, step float64
		want    string
	}{{4000, 1000, "4,000"}, {0.5, 0.5, "0.5"}, {0.75, 0.25, "0.75"}, {7.5, 2.5, "7.5"}} {
		if got := axisNumber(tc.v, tc.step); got != tc.want {
			t.Errorf("axisNumber(%v, %v) = %q; want %q", tc.v, tc.step, got, tc.want)
		}
	}
	for v, want := range map[float64]string{3530.4: "3,530", 3.3: "3.3", 0: "0"} {
		if got := barNumber(v); got != want {
			t.Errorf("barNumber(%v) = %q; want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{3530: "3.5k", 12345: "12k", 2.5e6: "2.5M", 310: "310"} {
		if got := shortNumber(v); got != want {
			t.Errorf("shortNumber(%v) = %q; want %q", v, got, want)
		}
	}
}
