package main

import (
	"math"
	"sync"
	"time"

	pb "google.golang.org/grpc/interop/grpc_testing"
)

// Default histogram parameters, grpc's own (control.proto's comments).
const (
	defaultResolution  = 0.01
	defaultMaxPossible = 60e9 // ns
)

// buckets is a latency histogram in the driver's own format: bucket i
// counts values in [(1+r)^i, (1+r)^(i+1)) nanoseconds, and there are
// int(ln(max)/ln(1+r))+1 buckets, the count the driver requires of every
// client so that it can add their histograms bucket by bucket. It is the
// wire form the driver merges, recorded directly so that the merge is
// exact; the suite's own results keep using internal/hist (load.Run still
// records into it).
type buckets struct {
	logBase float64 // ln(1+r)
	max     float64
	counts  []uint32
	min     float64
	maxSeen float64
	sum     float64
	sumSq   float64
	n       float64
}

func newBuckets(p *pb.HistogramParams) *buckets {
	r, m := defaultResolution, defaultMaxPossible
	if p.GetResolution() > 0 {
		r = p.GetResolution()
	}
	if p.GetMaxPossible() > 1 {
		m = p.GetMaxPossible()
	}
	b := &buckets{logBase: math.Log1p(r), max: m}
	b.counts = make([]uint32, int(math.Log(m)/b.logBase)+1)
	b.reset()
	return b
}

func (b *buckets) reset() {
	clear(b.counts)
	b.min, b.maxSeen, b.sum, b.sumSq, b.n = b.max, 0, 0, 0, 0 // an empty histogram's min is max, as grpc's
}

// record adds d, clamped to [1ns, max] as grpc does.
func (b *buckets) record(d time.Duration) {
	v := float64(d.Nanoseconds())
	b.min = min(b.min, v)
	b.maxSeen = max(b.maxSeen, v)
	b.sum += v
	b.sumSq += v * v
	b.n++
	i := int(math.Log(min(max(v, 1), b.max)) / b.logBase)
	b.counts[min(i, len(b.counts)-1)]++
}

// add adds o, which has the same parameters.
func (b *buckets) add(o *buckets) {
	for i, c := range o.counts {
		b.counts[i] += c
	}
	b.min = min(b.min, o.min)
	b.maxSeen = max(b.maxSeen, o.maxSeen)
	b.sum += o.sum
	b.sumSq += o.sumSq
	b.n += o.n
}

func (b *buckets) proto() *pb.HistogramData {
	return &pb.HistogramData{
		Bucket:       append([]uint32(nil), b.counts...),
		MinSeen:      b.min,
		MaxSeen:      b.maxSeen,
		Sum:          b.sum,
		SumOfSquares: b.sumSq,
		Count:        b.n,
	}
}

// recorder is one load worker's latencies and status counts since the
// last mark; the worker records, the stream's goroutine takes them.
type recorder struct {
	mu    sync.Mutex
	lat   *buckets
	codes map[int32]int64
}

func newRecorder(p *pb.HistogramParams) *recorder {
	return &recorder{lat: newBuckets(p), codes: map[int32]int64{}}
}

// done records one call: its latency when it succeeded, its status code
// in every case.
func (r *recorder) done(d time.Duration, code int32) {
	r.mu.Lock()
	if code == 0 {
		r.lat.record(d)
	}
	r.codes[code]++
	r.mu.Unlock()
}

// drain adds what r holds to lat and codes and, with reset, empties r.
func (r *recorder) drain(lat *buckets, codes map[int32]int64, reset bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat.add(r.lat)
	for c, n := range r.codes {
		codes[c] += n
	}
	if reset {
		r.lat.reset()
		clear(r.codes)
	}
}
