package bench

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// ChartOptions shape a chart.
type ChartOptions struct {
	// Title is the chart's heading (default "Hookflow throughput").
	Title string
	// Labels name the groups, in the entries' order; an empty or missing
	// one keeps the entry's own label or the derived one.
	Labels []string
	// Width and Height are the image's size in pixels (default 900x500).
	Width, Height int
}

// The chart's colours: calm, and told apart in greyscale and by people
// with red-green colour blindness.
var (
	chartBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	chartText       = color.RGBA{0x22, 0x22, 0x22, 0xff}
	chartMuted      = color.RGBA{0x66, 0x66, 0x66, 0xff}
	chartGrid       = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
	chartAxis       = color.RGBA{0x99, 0x99, 0x99, 0xff}
	chartAccepted   = color.RGBA{0x4e, 0x79, 0xa7, 0xff} // blue
	chartDelivered  = color.RGBA{0xf2, 0x8e, 0x2b, 0xff} // orange
)

// chartFonts are the Go fonts, parsed once.
var chartFonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	reg, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return [2]*opentype.Font{}, err
	}
	bold, err := opentype.Parse(gobold.TTF)
	return [2]*opentype.Font{reg, bold}, err
})

// WriteChart draws the entries as a bar chart and writes it as a PNG.
func WriteChart(w io.Writer, entries []ChartEntry, opt ChartOptions) error {
	img, err := DrawChart(entries, opt)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(w, img)
}

// DrawChart draws the entries as a bar chart: one group per entry, with a
// bar for accepted/s and one for delivered/s, each labelled with its value.
func DrawChart(entries []ChartEntry, opt ChartOptions) (*image.RGBA, error) {
	if len(entries) == 0 {
		return nil, errors.New("no bench results to chart")
	}
	if len(opt.Labels) > len(entries) {
		return nil, fmt.Errorf("%d labels for %d results", len(opt.Labels), len(entries))
	}
	W, H := opt.Width, opt.Height
	if W == 0 {
		W = 900
	}
	if H == 0 {
		H = 500
	}
	if W < 300 || H < 200 || W > 10000 || H > 10000 {
		return nil, fmt.Errorf("chart size %dx%d: want from 300x200 to 10000x10000 pixels", W, H)
	}
	title := strings.TrimSpace(opt.Title)
	if title == "" {
		title = "Hookflow throughput"
	}
	fonts, err := chartFonts()
	if err != nil {
		return nil, fmt.Errorf("chart fonts: %w", err)
	}
	face := func(f *opentype.Font, size float64) font.Face {
		ff, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			panic(err) // only for a bad size; the sizes are constants
		}
		return ff
	}
	var (
		titleFace = face(fonts[1], 20)
		textFace  = face(fonts[0], 14)
		smallFace = face(fonts[0], 13)
	)
	defer titleFace.Close()
	defer textFace.Close()
	defer smallFace.Close()

	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.NewUniform(chartBackground), image.Point{}, draw.Src)
	c := &canvas{img: img}

	labels := chartLabels(entries, opt.Labels)
	deliveredName := "delivered/s"
	switch modes := modesOf(entries); {
	case modes.dropsAtAccept():
		deliveredName = "runs recorded/s"
	case modes == "":
		deliveredName = "delivered/s (drop: runs recorded/s)"
	}

	// The value axis: nice steps from 0 to a little above the largest
	// value, leaving room for the value labels over the tallest bar.
	maxV := 0.0
	for _, e := range entries {
		maxV = math.Max(maxV, math.Max(e.AcceptedPerS, e.DeliveredPerS))
	}
	step, top := 0.0, math.Inf(1)
	for k := 4.0; k <= 7; k++ { // the tightest of 4 to 7 steps
		s := niceStep(maxV * 1.1 / k)
		if t := math.Max(1, math.Ceil(maxV*1.1/s)) * s; t < top {
			step, top = s, t
		}
	}
	var ticks []float64
	for v := 0.0; v <= top+step/2; v += step {
		ticks = append(ticks, v)
	}

	// Layout.
	const (
		margin   = 24
		lineH    = 17
		titleY   = 32 // baselines
		subY     = 54
		legendY  = 82
		plotTop  = 100
		labelGap = 8
	)
	tickW := 0
	for _, v := range ticks {
		tickW = max(tickW, c.width(smallFace, axisNumber(v, step)))
	}
	left := margin + max(tickW, c.width(smallFace, "events/s")/2) + 10
	right := W - margin

	// Group labels, wrapped at ", " to fit their group's width.
	n := len(entries)
	groupW := float64(right-left) / float64(n)
	if groupW < 28 {
		return nil, fmt.Errorf("%d results do not fit a %d-pixel-wide chart: make it wider", n, W)
	}
	wrapped := make([][]string, n)
	lines := 1
	for i, l := range labels {
		wrapped[i] = wrapLabel(c, textFace, l, int(groupW)-8)
		lines = max(lines, len(wrapped[i]))
	}
	bottom := H - margin/2 - lines*lineH - labelGap
	if bottom-plotTop < 60 {
		return nil, fmt.Errorf("the chart is too short for its labels: make it taller")
	}
	y := func(v float64) int { return bottom - int(math.Round(v/top*float64(bottom-plotTop))) }

	// Heading and legend.
	c.text(titleFace, title, margin, titleY, chartText)
	c.text(smallFace, chartSubtitle(entries), margin, subY, chartMuted)
	c.text(smallFace, "events/s", left-c.width(smallFace, "events/s")/2, legendY, chartMuted)
	legend := []struct {
		name string
		col  color.RGBA
	}{{"accepted/s", chartAccepted}, {deliveredName, chartDelivered}}
	x := right
	for i := len(legend) - 1; i >= 0; i-- {
		x -= c.width(textFace, legend[i].name)
		c.text(textFace, legend[i].name, x, legendY, chartText)
		x -= 8 + 14
		c.rect(x, legendY-12, x+14, legendY+2, legend[i].col)
		x -= 22
	}

	// Grid and value axis.
	for _, v := range ticks {
		ty := y(v)
		col := chartGrid
		if v == 0 {
			col = chartAxis
		}
		c.rect(left, ty, right, ty+1, col)
		s := axisNumber(v, step)
		c.text(smallFace, s, left-10-c.width(smallFace, s), ty+5, chartMuted)
	}

	// Bars, their values, and the group labels.
	barW := int(math.Min(groupW*0.34, 80))
	const barGap = 4
	for i, e := range entries {
		cx := left + int(math.Round(groupW*(float64(i)+0.5)))
		for j, b := range []struct {
			v   float64
			col color.RGBA
		}{{e.AcceptedPerS, chartAccepted}, {e.DeliveredPerS, chartDelivered}} {
			x0 := cx - barGap/2 - barW
			if j == 1 {
				x0 = cx + barGap/2
			}
			by := y(b.v)
			if b.v > 0 && by >= bottom {
				by = bottom - 1 // a value too small to see still shows
			}
			c.rect(x0, by, x0+barW, bottom, b.col)
			s := barNumber(b.v)
			if c.width(smallFace, s) > barW+barGap+2 {
				s = shortNumber(b.v)
			}
			c.text(smallFace, s, x0+barW/2-c.width(smallFace, s)/2, by-6, chartText)
		}
		for k, l := range wrapped[i] {
			c.text(textFace, l, cx-c.width(textFace, l)/2, bottom+labelGap+lineH*(k+1)-3, chartText)
		}
	}
	return img, nil
}

// modesOf returns the entries' mode if they share one, else "".
func modesOf(entries []ChartEntry) Mode {
	for _, e := range entries[1:] {
		if e.Mode != entries[0].Mode {
			return ""
		}
	}
	return entries[0].Mode
}

// canvas draws on an image.
type canvas struct{ img *image.RGBA }

// rect fills [x0,x1) x [y0,y1).
func (c *canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	draw.Draw(c.img, image.Rect(x0, y0, x1, y1), image.NewUniform(col), image.Point{}, draw.Src)
}

// text draws s with its baseline's left end at (x, y).
func (c *canvas) text(f font.Face, s string, x, y int, col color.Color) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func (c *canvas) width(f font.Face, s string) int {
	return font.MeasureString(f, s).Ceil()
}

// wrapLabel breaks a label after its commas into lines no wider than w
// where it can.
func wrapLabel(c *canvas, f font.Face, s string, w int) []string {
	if c.width(f, s) <= w {
		return []string{s}
	}
	words := strings.SplitAfter(s, ", ")
	var lines []string
	cur := ""
	for _, wd := range words {
		if cur != "" && c.width(f, strings.TrimSpace(cur+wd)) > w {
			lines = append(lines, strings.TrimSpace(cur))
			cur = ""
		}
		cur += wd
	}
	if cur != "" {
		lines = append(lines, strings.TrimSpace(cur))
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, ",")
	}
	return lines
}

// niceStep rounds a raw axis step up to 1, 2, 2.5 or 5 times a power of 10.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*p*1.0000001 {
			return m * p
		}
	}
	return 10 * p
}

// axisNumber writes a tick value with as many decimals as the step needs.
func axisNumber(v, step float64) string {
	if step >= 1 && step == math.Trunc(step) {
		return group(int64(math.Round(v)))
	}
	dec := max(0, int(math.Ceil(-math.Log10(step)+1e-9)))
	if step*math.Pow(10, float64(dec)) != math.Trunc(step*math.Pow(10, float64(dec))) {
		dec++
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// barNumber writes a bar's value: whole with thousands separators, with
// one decimal under 10.
func barNumber(v float64) string {
	if v < 10 && v != math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return group(int64(math.Round(v)))
}

// shortNumber writes a value in few characters: 12345 -> "12.3k".
func shortNumber(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case v >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "k"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
