package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// Handling times have the configured mean, and the log-normal the
// configured coefficient of variation (exponential: 1).
func TestHandlingTimeDistribution(t *testing.T) {
	for _, c := range []struct {
		handling Handling
		spread   float64
		cv       float64
	}{
		{Exponential, 0, 1},
		{LogNormal, 0.6, 0.6},
		{LogNormal, 1.5, 1.5},
	} {
		cfg, err := Config{ArrivalsPerHour: 1, AHT: 240 * time.Second, Agents: 1, Handling: c.handling, Spread: c.spread}.normalize()
		if err != nil {
			t.Fatal(err)
		}
		r := &run{cfg: cfg, hnd: rand.New(rand.NewPCG(9, streamHandling))}
		r.setDistributions()
		const n = 400_000
		var sum, sq float64
		for range n {
			s := r.handlingTime().Seconds()
			sum += s
			sq += s * s
		}
		mean := sum / n
		sd := math.Sqrt(sq/n - mean*mean)
		near(t, string(c.handling)+" mean/AHT", mean/240, 1, 0.01)
		near(t, string(c.handling)+" CV", sd/mean, c.cv, 0.05*c.cv)
	}
}
