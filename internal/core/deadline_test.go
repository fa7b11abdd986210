package core_test

import (
	"context"
	"testing"
	"time"

	"restvsgrpc/internal/core"
)

// TestEndedCallsStopWork checks that the core honours a call's context: a
// login whose call has ended issues no token, and a paced feed returns at
// its deadline instead of waiting for its next record.
func TestEndedCallsStopWork(t *testing.T) {
	t.Parallel()
	s := newService(t)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		want core.Code
	}{
		{name: "canceled", ctx: canceled, want: core.CodeCanceled},
		{name: "deadline passed", ctx: expired, want: core.CodeDeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := s.ValidateUser(tt.ctx, "", "alice", "s3cret-pass")
			if core.CodeOf(err) != tt.want || r.Token != "" {
				t.Errorf("ValidateUser = %+v, %v; want no token and code %v", r, err, tt.want)
			}
			_, err = s.ValidateToken(tt.ctx, "v1.x.y")
			if core.CodeOf(err) != tt.want {
				t.Errorf("ValidateToken: %v, want code %v", err, tt.want)
			}
			_, err = s.GetTransaction(tt.ctx, core.TransactionID(core.Payload100B, 1))
			if core.CodeOf(err) != tt.want {
				t.Errorf("GetTransaction: %v, want code %v", err, tt.want)
			}
		})
	}

	t.Run("paced feed", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		n := 0
		err := s.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(1), Limit: 1000, Interval: core.MaxListInterval}, func(*core.Transaction) error {
			n++
			return nil
		})
		// At most the first record is due before the deadline (a loaded
		// machine may not even send that one); the feed must not wait the
		// minute until the second.
		if core.CodeOf(err) != core.CodeDeadlineExceeded || n > 1 {
			t.Errorf("ListTransactions = %v after %d records, want deadline_exceeded after at most 1 (a record a minute)", err, n)
		}
	})
}
