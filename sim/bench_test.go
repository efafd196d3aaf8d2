package sim

import (
	"testing"
	"time"
)

// BenchmarkEightHourDay simulates the day: 10,000 conversations
// over 8 hours (1,250 an hour, AHT 180 s: 62.5 Erlangs) on 70 agents of
// capacity 1, least busy, through the real engine on the memory store.
// It reports the simulated time over the wall time it took (x-realtime)
// and the conversations simulated per wall second. Run it on one core:
//
//	go test -run '^$' -bench EightHourDay -cpu 1 -benchtime 5x ./sim/
func BenchmarkEightHourDay(b *testing.B) {
	cfg := Config{ArrivalsPerHour: 1250, AHT: 180 * time.Second, Agents: 70, Duration: 8 * time.Hour, Seed: 1}
	var simulated float64
	var convs int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg.Seed = uint64(i + 1)
		rep, err := Simulate(bg, cfg)
		if err != nil {
			b.Fatal(err)
		}
		simulated += cfg.Duration.Seconds() // the day, not the handling that runs on after it
		convs += rep.Total.Offered + rep.Total.Contained
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(simulated/wall, "x-realtime")
	b.ReportMetric(float64(convs)/wall, "conversations/s")
	b.ReportMetric(float64(convs)/float64(b.N), "conversations/op")
}
