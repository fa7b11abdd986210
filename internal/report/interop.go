package report

import (
	"encoding/json"
	"fmt"
	"os"
)

// Interop is what the cross-language test (interop/, run with
// INTEROP_RESULT=file) found: which clients in other languages completed
// which call kinds against each transport, and what each needed. The test
// writes it; the Language support row reads it.
type Interop struct {
	// MeasuredBy is the command that wrote the file.
	MeasuredBy string `json:"measured_by"`
	// Skipped, when set, says why nothing was measured (no node, no
	// packages installed).
	Skipped string          `json:"skipped,omitempty"`
	Clients []InteropClient `json:"clients,omitempty"`
}

// An InteropClient is one client in one language over one transport.
type InteropClient struct {
	// Language names the language and its runtime version: "JavaScript (Node.js v20.20.2)".
	Language string `json:"language"`
	// Transport is "grpc" or "rest".
	Transport string `json:"transport"`
	// Libraries are the packages the client needed beyond the runtime,
	// with versions; none for a runtime's built-ins.
	Libraries []string `json:"libraries"`
	// Stubs says how calls are made: generated code, stubs loaded from the
	// .proto files at run time, or hand-written requests.
	Stubs string `json:"stubs"`
	// Flags are runtime flags the client needed.
	Flags []string `json:"flags,omitempty"`
	// Kinds maps each call kind (unary, server-stream, client-stream,
	// bidi) to whether every call of that kind returned what the Go core
	// returns for it.
	Kinds map[string]bool `json:"kinds"`
	// Client is how the client came to be: "generated" (stubs generated
	// from the .proto files), "loaded" (stubs built from them at run time)
	// or "hand-written".
	Client string `json:"client,omitempty"`
	// Files are the hand-written client files of this transport, relative
	// to the repository, and HandWrittenLines their lines of code (blank
	// and comment-only lines not counted), as the test counted them.
	Files            []string `json:"files,omitempty"`
	HandWrittenLines int      `json:"hand_written_lines"`
	// UnaryCalls ValidateToken calls, made one at a time by one thread,
	// took UnarySeconds: UnaryCallsPerSecond is reported, never asserted.
	UnaryCalls          int     `json:"unary_calls"`
	UnarySeconds        float64 `json:"unary_seconds"`
	UnaryCallsPerSecond float64 `json:"unary_calls_per_second"`
	// Skipped, when set, says why this language did not run here; Kinds
	// are then all false.
	Skipped string `json:"skipped,omitempty"`
}

// ReadInterop reads a cross-language result file.
func ReadInterop(path string) (*Interop, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var in Interop
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &in, nil
}

// WithInterop gives the cross-language test's result, for the Language
// support row; err, when not nil, is why there is none.
func WithInterop(in *Interop, err error) Option {
	return func(c *config) { c.interop, c.interopErr = in, err }
}
