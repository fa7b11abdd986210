package restsvc_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/restsvc"
)

// countingLib is encoding/json under another name, counting its use.
func countingLib(marshals, decodes, unmarshals *atomic.Int64) jsonlib.Lib {
	std := jsonlib.Std
	return jsonlib.Lib{
		Name:      "counting",
		Marshal:   func(v any) ([]byte, error) { marshals.Add(1); return std.Marshal(v) },
		Unmarshal: func(b []byte, v any) error { unmarshals.Add(1); return std.Unmarshal(b, v) },
		NewDecoder: func(r io.Reader) jsonlib.Decoder {
			decodes.Add(1)
			return std.NewDecoder(r)
		},
	}
}

// TestWithJSON checks that a handler of WithJSON encodes its answers and
// decodes its requests with that library, and that the client of WithJSON
// does too: a codec variant that silently ran encoding/json would measure
// nothing.
func TestWithJSON(t *testing.T) {
	t.Parallel()
	var sm, sd, su, cm, cd, cu atomic.Int64
	f := start(t, withHandler(restsvc.WithJSON(countingLib(&sm, &sd, &su))))
	c := f.login(t, "rest", client.WithJSON(countingLib(&cm, &cd, &cu)))
	if _, err := c.GetTransaction(context.Background(), core.TransactionID(core.Payload1KiB, 2)); err != nil {
		t.Fatal(err)
	}
	// The login and the record: two answers, one request body.
	if got := [...]int64{sm.Load(), sd.Load(), cm.Load(), cu.Load()}; got != [...]int64{2, 1, 1, 2} {
		t.Errorf("server marshals, server decodes, client marshals, client unmarshals = %v, want [2 1 1 2]", got)
	}
}
