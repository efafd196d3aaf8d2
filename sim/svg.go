package sim

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Chart writes an SVG chart of a sweep: the simulated service level (left
// axis, percent) and ASA (right axis, seconds) against the number of
// agents, the formula's as dashed lines where it has them, and the target
// service level as a horizontal rule (none when target is 0). title heads
// the chart.
func Chart(w io.Writer, points []Point, target float64, title string) error {
	if len(points) == 0 {
		return invalid("chart", "no point to draw")
	}
	const (
		width, height          = 720, 420
		left, right, top, foot = 70, 70, 50, 60
	)
	pw, ph := float64(width-left-right), float64(height-top-foot)
	lo, hi := points[0].Agents, points[len(points)-1].Agents
	span := float64(max(hi-lo, 1))
	x := func(n int) float64 { return float64(left) + pw*float64(n-lo)/span }
	maxASA := 1.0
	for _, p := range points {
		maxASA = math.Max(maxASA, p.Simulated.ASA)
		if p.Analytic {
			maxASA = math.Max(maxASA, p.Formula.ASA.Seconds())
		}
	}
	maxASA = niceCeil(maxASA)
	ySL := func(v float64) float64 { return float64(top) + ph*(1-v) }
	yASA := func(v float64) float64 { return float64(top) + ph*(1-v/maxASA) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", left, escape(title))
	// Grid and axes.
	for i := 0; i <= 10; i += 2 {
		v := float64(i) / 10
		y := ySL(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>`+"\n", left, y, width-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#1f5fbf">%d%%</text>`+"\n", left-6, y+4, i*10)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="#c0392b">%s</text>`+"\n", width-right+6, y+4, trim(maxASA*v))
	}
	step := max(1, (hi-lo+1)/15)
	for n := lo; n <= hi; n += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x(n), height-foot+18, n)
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", left, top, pw, ph)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">agents</text>`+"\n", float64(left)+pw/2, height-foot+38)
	fmt.Fprintf(&b, `<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle" fill="#1f5fbf">service level</text>`+"\n", float64(top)+ph/2)
	fmt.Fprintf(&b, `<text transform="translate(%d %.1f) rotate(90)" text-anchor="middle" fill="#c0392b">ASA (s)</text>`+"\n", width-18, float64(top)+ph/2)
	if target > 0 {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#1f5fbf" stroke-width="1" stroke-dasharray="2 4"/>`+"\n", left, ySL(target), width-right, ySL(target))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="#1f5fbf">target %s%%</text>`+"\n", left+6, ySL(target)-5, trim(100*target))
	}
	line := func(color, dash string, val func(p Point) (float64, bool)) {
		var pts []string
		for _, p := range points {
			if v, ok := val(p); ok {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Agents), v))
			}
		}
		if len(pts) == 0 {
			return
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s" points="%s"/>`+"\n", color, dash, strings.Join(pts, " "))
	}
	line("#1f5fbf", "none", func(p Point) (float64, bool) { return ySL(p.Simulated.ServiceLevel), true })
	line("#c0392b", "none", func(p Point) (float64, bool) { return yASA(p.Simulated.ASA), true })
	line("#1f5fbf", "6 4", func(p Point) (float64, bool) { return ySL(p.Formula.ServiceLevel), p.Analytic })
	line("#c0392b", "6 4", func(p Point) (float64, bool) { return yASA(p.Formula.ASA.Seconds()), p.Analytic })
	for _, p := range points {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#1f5fbf"/>`+"\n", x(p.Agents), ySL(p.Simulated.ServiceLevel))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#c0392b"/>`+"\n", x(p.Agents), yASA(p.Simulated.ASA))
	}
	// Legend.
	lx, ly := left+pw-250, float64(top)+ph-70
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="240" height="62" fill="white" stroke="#ccc"/>`+"\n", lx, ly)
	legend := []struct{ color, dash, text string }{
		{"#1f5fbf", "none", "service level, simulated engine"},
		{"#c0392b", "none", "ASA, simulated engine"},
		{"#555", "6 4", "dashed: Erlang formula"},
	}
	for i, l := range legend {
		y := ly + 16 + float64(i)*17
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", lx+8, y-4, lx+36, y-4, l.color, l.dash)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">%s</text>`+"\n", lx+44, y, l.text)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func trim(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".")
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
