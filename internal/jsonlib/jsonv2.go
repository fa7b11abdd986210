//go:build goexperiment.jsonv2

package jsonlib

import (
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"io"
)

// JSONv2 is encoding/json/v2 as its users call it, with one option:
// Deterministic, which sorts map keys as encoding/json does; without it
// one value's bytes may differ from call to call, and no answer could be
// checked byte for byte. Only a build with GOEXPERIMENT=jsonv2 has it.
var JSONv2 = Lib{Name: "jsonv2", Experiment: "jsonv2",
	Marshal:    func(v any) ([]byte, error) { return jsonv2.Marshal(v, jsonv2.Deterministic(true)) },
	Unmarshal:  func(data []byte, v any) error { return jsonv2.Unmarshal(data, v) },
	NewDecoder: func(r io.Reader) Decoder { return v2Decoder{jsontext.NewDecoder(r)} },
}

// v2Decoder reads one value at a time from a stream.
type v2Decoder struct{ d *jsontext.Decoder }

func (d v2Decoder) Decode(v any) error { return jsonv2.UnmarshalDecode(d.d, v) }

var experimental = []Lib{JSONv2}
