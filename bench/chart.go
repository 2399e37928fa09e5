package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// ChartEntry is one bench result as a bar chart shows it: a group of two
// bars, accepted/s and delivered/s, under a label.
type ChartEntry struct {
	// File is where the result was read from; Index its position in the
	// file (from 1), for files holding several results.
	File  string
	Index int
	// Label is the result's own "label" field, if it has one; the chart
	// derives a label from the other fields when it is empty.
	Label string

	Mode         Mode
	PayloadBytes int
	// Cores is the result's "gomaxprocs" field if it has one, else its
	// "cpus" (runtime.NumCPU, which follows the CPU affinity mask, so
	// `taskset -c 0 hookflow bench` reports 1).
	Cores       int
	Connections int
	Workers     int
	DurationS   float64
	GoVersion   string

	AcceptedPerS  float64
	DeliveredPerS float64
}

// chartResult is a result as the chart reads it: the fields of Result
// plus the optional ones a chart can use.
type chartResult struct {
	Result
	Label      string `json:"label"`
	GOMAXPROCS int    `json:"gomaxprocs"`
}

// ReadChartEntries reads a file written by `hookflow bench --json`: one
// result, or several one after another (as `>>` appends them). Errors
// name the file.
func ReadChartEntries(path string) ([]ChartEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *PathError: names the file
	}
	return DecodeChartEntries(bytes.NewReader(data), path)
}

// DecodeChartEntries reads bench results in JSON from r; name is the
// file's name for errors.
func DecodeChartEntries(r io.Reader, name string) ([]ChartEntry, error) {
	dec := json.NewDecoder(r)
	var out []ChartEntry
	for i := 1; ; i++ {
		var cr chartResult
		err := dec.Decode(&cr)
		if errors.Is(err, io.EOF) {
			break
		}
		where := name
		if i > 1 {
			where = fmt.Sprintf("%s: result %d", name, i)
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%s: not the JSON of hookflow bench --json (byte %d: %v)", where, se.Offset, err)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%s: the JSON is cut short", where)
			}
			return nil, fmt.Errorf("%s: not a hookflow bench result: %v", where, err)
		}
		e, err := cr.entry()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		e.File, e.Index = name, i
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no bench result in it (empty file)", name)
	}
	return out, nil
}

func (cr *chartResult) entry() (ChartEntry, error) {
	r := &cr.Result
	if r.Mode == "" {
		return ChartEntry{}, errors.New(`not a hookflow bench result: no "mode" (make it with hookflow bench --json)`)
	}
	if _, err := ParseMode(string(r.Mode)); err != nil {
		return ChartEntry{}, fmt.Errorf(`not a hookflow bench result: "mode" is %q, not e2e, burst, drop or loop`, r.Mode)
	}
	if r.PayloadBytes <= 0 {
		return ChartEntry{}, errors.New(`not a hookflow bench result: no "payload_bytes"`)
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"accepted_per_s", r.AcceptedPerS}, {"delivered_per_s", r.DeliveredPerS}} {
		if v.v < 0 || math.IsInf(v.v, 0) || math.IsNaN(v.v) {
			return ChartEntry{}, fmt.Errorf("%q is %v", v.name, v.v)
		}
	}
	cores := r.CPUs
	if cr.GOMAXPROCS > 0 {
		cores = cr.GOMAXPROCS
	}
	return ChartEntry{
		Label: strings.TrimSpace(cr.Label), Mode: r.Mode, PayloadBytes: r.PayloadBytes, Cores: cores,
		Connections: r.Connections, Workers: r.Workers, DurationS: r.DurationS, GoVersion: r.GoVersion,
		AcceptedPerS: r.AcceptedPerS, DeliveredPerS: r.DeliveredPerS,
	}, nil
}

// chartLabels gives each entry its label: labels[i] if not empty, else the
// entry's own Label, else one derived from its payload size and cores,
// plus whichever of mode, connections and workers differ between entries.
func chartLabels(entries []ChartEntry, labels []string) []string {
	varies := func(f func(e ChartEntry) string) bool {
		for _, e := range entries[1:] {
			if f(e) != f(entries[0]) {
				return true
			}
		}
		return false
	}
	mode := func(e ChartEntry) string { return string(e.Mode) }
	conns := func(e ChartEntry) string { return plural(e.Connections, "connection") }
	workers := func(e ChartEntry) string {
		if e.Workers <= 0 {
			return "default workers"
		}
		return plural(e.Workers, "worker")
	}
	var extra []func(ChartEntry) string
	for _, f := range []func(ChartEntry) string{mode, conns, workers} {
		if varies(f) {
			extra = append(extra, f)
		}
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		switch {
		case i < len(labels) && strings.TrimSpace(labels[i]) != "":
			out[i] = strings.TrimSpace(labels[i])
		case e.Label != "":
			out[i] = e.Label
		default:
			parts := []string{SizeLabel(e.PayloadBytes)}
			if e.Cores > 0 {
				parts = append(parts, plural(e.Cores, "core"))
			}
			for _, f := range extra {
				parts = append(parts, f(e))
			}
			out[i] = strings.Join(parts, ", ")
		}
	}
	return out
}

// chartSubtitle names what every entry has in common.
func chartSubtitle(entries []ChartEntry) string {
	same := func(f func(e ChartEntry) string) string {
		for _, e := range entries[1:] {
			if f(e) != f(entries[0]) {
				return ""
			}
		}
		return f(entries[0])
	}
	parts := []string{"hookflow bench"}
	for _, s := range []string{
		same(func(e ChartEntry) string {
			switch e.Mode {
			case ModeE2E:
				return "e2e (filter, transform, deliver)"
			case ModeIngest:
				return "ingest (accept only)"
			case ModeDrop:
				return "drop (filtered at accept)"
			case ModeBurst:
				return "burst (runs held, then drained)"
			}
			return ""
		}),
		same(func(e ChartEntry) string {
			if e.Connections <= 0 {
				return ""
			}
			return plural(e.Connections, "connection")
		}),
		same(func(e ChartEntry) string {
			if e.Workers <= 0 {
				return ""
			}
			return plural(e.Workers, "worker")
		}),
		same(func(e ChartEntry) string {
			if e.DurationS <= 0 {
				return ""
			}
			return seconds(e.DurationS) + " runs"
		}),
		same(func(e ChartEntry) string { return e.GoVersion }),
	} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

// SizeLabel writes a byte count for people: 1024 -> "1 KB",
// 262144 -> "256 KB", 1500 -> "1.5 KB" (KB and MB are powers of 1024).
func SizeLabel(n int) string {
	unit := func(v float64, u string) string {
		if v >= 10 || math.Abs(v-math.Round(v)) < 0.05 {
			return fmt.Sprintf("%.0f %s", v, u)
		}
		return fmt.Sprintf("%.1f %s", v, u)
	}
	switch {
	case n >= 1<<20:
		return unit(float64(n)/(1<<20), "MB")
	case n >= 1<<10:
		return unit(float64(n)/(1<<10), "KB")
	}
	return fmt.Sprintf("%d B", n)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
