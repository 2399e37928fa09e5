package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/bench"
)

func newBenchChartCmd() *cobra.Command {
	var (
		out    string
		title  string
		labels []string
		width  int
		height int
	)
	cmd := &cobra.Command{
		Use:   "chart [--out FILE.png] [--title T] [--label L]... RESULT.json...",
		Short: "Draw a PNG bar chart of bench results",
		Long: `Draw a PNG bar chart from the JSON of one or more bench runs.

Each RESULT.json is the output of "hookflow bench --json": one result, or
several appended to one file. Every result becomes a group of two bars,
accepted/s and delivered/s (runs recorded/s in ingest mode), in the order
given. A group is labelled with the i-th --label, else the result's own
"label" field, else its payload size and cores (e.g. "16 KB, 2 cores"),
plus its mode, connections or workers where those differ between results.

Cores come from the result's "cpus" field: the CPUs this process may run
on. Restrict them with taskset (taskset -c 0 hookflow bench ... reports 1
core, and its child server runs on that core too). GOMAXPROCS does not
change "cpus": label such runs with --label.`,
		Example: `  for size in 1KB 16KB 256KB; do
    taskset -c 0   hookflow bench --payload-size $size --json > e2e-$size-1core.json
    taskset -c 0,1 hookflow bench --payload-size $size --json > e2e-$size-2cores.json
  done
  hookflow bench chart --out docs/performance.png \
    e2e-1KB-1core.json e2e-1KB-2cores.json e2e-16KB-1core.json \
    e2e-16KB-2cores.json e2e-256KB-1core.json e2e-256KB-2cores.json
  hookflow bench chart --title "GOMAXPROCS" --label "GOMAXPROCS=1" --label "GOMAXPROCS=2" a.json b.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("name one or more result files (hookflow bench --json > FILE)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var entries []bench.ChartEntry
			for _, path := range args {
				es, err := bench.ReadChartEntries(path)
				if err != nil {
					return err
				}
				entries = append(entries, es...)
			}
			if len(labels) > len(entries) {
				return fmt.Errorf("--label: %d labels, more than the results (%d)", len(labels), len(entries))
			}
			var buf bytes.Buffer
			err := bench.WriteChart(&buf, entries, bench.ChartOptions{Title: title, Labels: labels, Width: width, Height: height})
			if err != nil {
				return err
			}
			if out == "-" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "hookflow bench chart: wrote %s (%d results)\n", out, len(entries))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "bench.png", `the PNG file to write ("-": standard output)`)
	fl.StringVar(&title, "title", "", `the chart's title (default "Hookflow throughput")`)
	fl.StringArrayVar(&labels, "label", nil, "name the next result's group (repeat, in the results' order)")
	fl.IntVar(&width, "width", 900, "width in pixels")
	fl.IntVar(&height, "height", 500, "height in pixels")
	return cmd
}
