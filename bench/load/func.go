package load

import "context"

// CallerFunc is a Caller that makes each call with the function and has
// nothing to close.
type CallerFunc func(ctx context.Context) (Outcome, error)

// Call makes one call.
func (f CallerFunc) Call(ctx context.Context) (Outcome, error) { return f(ctx) }

// Close does nothing.
func (CallerFunc) Close() error { return nil }

// TargetFunc is a Target whose callers the function makes, for callers that
// count their own bytes and know their own protocol (in-process benchmarks,
// the soak test): it reports no counters and no protocol.
type TargetFunc func(ctx context.Context, worker int) (Caller, error)

// NewCaller returns the caller of worker i.
func (f TargetFunc) NewCaller(ctx context.Context, i int) (Caller, error) { return f(ctx, i) }

// Counters reports nothing.
func (TargetFunc) Counters() Counters { return Counters{} }

// Protocol reports nothing.
func (TargetFunc) Protocol() string { return "" }

// Close does nothing.
func (TargetFunc) Close() error { return nil }
