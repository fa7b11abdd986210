// Package jsonlib names the JSON libraries the REST variants are measured
// with and gives each one face: encoding/json (gin's default), bytedance/sonic
// and goccy/go-json, the two that gin's build tags sonic and go_json swap in.
//
// gin reads its JSON library from one package variable for the whole
// process, so the tags cannot give two servers of one process different
// libraries; the suite runs every variant side by side in one test binary.
// A Lib is therefore chosen per handler (restsvc.WithJSON) and per client,
// with each library configured as gin's tagged build configures it: sonic's
// ConfigStd, go-json's defaults.
//
// A build with GOEXPERIMENT=jsonv2 adds encoding/json/v2 (the rest-jsonv2
// variant); the default build does not need the experiment. That build
// also runs encoding/json itself on v2's implementation, so rest's own
// figures come from the default build.
package jsonlib

import (
	stdjson "encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
)

// Decoder reads one JSON value from a stream.
type Decoder interface{ Decode(v any) error }

// Lib is one JSON library.
type Lib struct {
	// Name is the library's name as the server's -rest-json flag takes it.
	Name string
	// Experiment is the GOEXPERIMENT a build needs for the library, ""
	// for none.
	Experiment string
	Marshal    func(v any) ([]byte, error)
	Unmarshal  func(data []byte, v any) error
	NewDecoder func(r io.Reader) Decoder
}

// The libraries.
var (
	Std = Lib{Name: "encoding/json", Marshal: stdjson.Marshal, Unmarshal: stdjson.Unmarshal,
		NewDecoder: func(r io.Reader) Decoder { return stdjson.NewDecoder(r) }}
	Sonic = Lib{Name: "sonic", Marshal: sonic.ConfigStd.Marshal, Unmarshal: sonic.ConfigStd.Unmarshal,
		NewDecoder: func(r io.Reader) Decoder { return sonic.ConfigStd.NewDecoder(r) }}
	GoJSON = Lib{Name: "go_json", Marshal: gojson.Marshal, Unmarshal: gojson.Unmarshal,
		NewDecoder: func(r io.Reader) Decoder { return gojson.NewDecoder(r) }}
)

// Libs lists the libraries of this build, the default first.
var Libs = append([]Lib{Std, Sonic, GoJSON}, experimental...)

// needsExperiment names the libraries only a build with a GOEXPERIMENT
// has, by that experiment.
var needsExperiment = map[string]string{"jsonv2": "jsonv2"}

// ByName returns the library named name; "" is encoding/json.
func ByName(name string) (Lib, error) {
	if name == "" {
		return Std, nil
	}
	names := make([]string, len(Libs))
	for i, l := range Libs {
		if l.Name == name {
			return l, nil
		}
		names[i] = l.Name
	}
	if exp, ok := needsExperiment[name]; ok {
		return Lib{}, fmt.Errorf("JSON library %q: this build lacks it; build with GOEXPERIMENT=%s", name, exp)
	}
	return Lib{}, fmt.Errorf("JSON library %q: want one of %s", name, strings.Join(names, ", "))
}

// IsStd reports whether l is encoding/json.
func (l Lib) IsStd() bool { return l.Name == Std.Name }
