//go:build !race

package main

// raceEnabled reports whether this binary runs with the race detector; the
// help desk child is built the same way, so that its packages come from
// the same build cache.
const raceEnabled = false
