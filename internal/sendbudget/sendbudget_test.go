package sendbudget_test

import (
	"context"
	"testing"

	"restvsgrpc/internal/sendbudget"
)

// TestBudget checks the account at its edges: what fits, what waits until
// bytes drain, a message larger than the budget going alone, and one
// user's bytes counting on every connection.
func TestBudget(t *testing.T) {
	if sendbudget.New(0, 0) != nil {
		t.Error("New(0, 0) is a budget, want none")
	}
	b := sendbudget.New(100, 150)
	q1, q2 := sendbudget.NewQueue(), sendbudget.NewQueue()
	if !b.TryReserve(q1, "u", 60) || !b.TryReserve(q1, "u", 40) {
		t.Fatal("100 bytes do not fit a budget of 100")
	}
	if b.TryReserve(q1, "u", 1) {
		t.Error("a byte over the connection's budget fits")
	}
	if !b.TryReserve(q2, "u", 50) || b.TryReserve(q2, "u", 1) {
		t.Error("the user's budget (150) is not shared by its connections")
	}
	if !b.TryReserve(q2, "v", 50) {
		t.Error("another user's bytes do not fit q2's connection budget")
	}
	if conn, user := b.Held(q2, "u"); conn != 100 || user != 150 {
		t.Errorf("held q2 %d, u %d; want 100, 150", conn, user)
	}

	// A waiting reservation goes once bytes drain, and not before.
	done := make(chan error)
	go func() { done <- b.Reserve(context.Background(), q1, "w", 30, func() {}) }()
	select {
	case err := <-done:
		t.Fatalf("Reserve over the connection's budget returned %v before any drain", err)
	default:
	}
	b.Drain(q1, 30) // the connection wrote 30 bytes
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b.Drop(q1, "w", 30)
	b.Drop(q1, "u", 70)
	b.Drop(q2, "u", 50)
	b.Drop(q2, "v", 50)
	if conn, user := b.Held(q1, "u"); conn != 0 || user != 0 {
		t.Errorf("after dropping everything q1 holds %d, u %d", conn, user)
	}
	// Nothing queued: a message larger than the budget goes alone.
	if !b.TryReserve(q1, "u", 1000) {
		t.Error("a message over the budget does not go on an empty connection")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Reserve(ctx, q1, "u", 1, func() {}); err != context.Canceled {
		t.Errorf("Reserve on a full connection with a cancelled context: %v, want context.Canceled", err)
	}
}
