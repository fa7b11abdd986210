package core

import (
	"crypto/sha256"
	"runtime"
	"sort"
	"time"
)

// work burns a fixed amount of CPU per call. The amount is a number of
// SHA-256 rounds calibrated once at start, not a wall-clock spin, so that a
// stolen or preempted CPU does not shorten the work done.
type work struct {
	rounds int
}

var workBlock [64]byte

func (w *work) init(d time.Duration) {
	if d <= 0 {
		return
	}
	// Median of several timings of a fixed batch, to resist noise.
	const batch = 2000
	samples := make([]time.Duration, 7)
	for i := range samples {
		start := time.Now()
		burn(batch)
		samples[i] = time.Since(start)
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	perRound := samples[len(samples)/2] / batch
	if perRound <= 0 {
		perRound = 1
	}
	w.rounds = max(1, int(d/perRound))
}

func (w *work) do() {
	if w.rounds > 0 {
		burn(w.rounds)
	}
}

func burn(rounds int) {
	sum := sha256.Sum256(workBlock[:])
	for i := 1; i < rounds; i++ {
		sum = sha256.Sum256(sum[:])
	}
	runtime.KeepAlive(sum)
}

// WorkRounds reports the calibrated rounds per call, for the record of a run.
func (s *Service) WorkRounds() int { return s.work.rounds }
