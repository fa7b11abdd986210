package jsonlib_test

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
)

var update = flag.Bool("update", false, "rewrite testdata/differences.txt")

// TestDataSetIdentical checks that every library encodes every record of
// the data set to encoding/json's bytes and decodes them to the same
// value: on the data the services serve, the codec variants differ in
// speed only.
func TestDataSetIdentical(t *testing.T) {
	t.Parallel()
	svc, err := core.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range core.Payloads {
		for i := range min(p.Records(), 20) {
			tx, err := svc.GetTransaction(t.Context(), core.TransactionID(p, i))
			if err != nil {
				t.Fatal(err)
			}
			want, err := jsonlib.Std.Marshal(tx)
			if err != nil {
				t.Fatal(err)
			}
			for _, lib := range jsonlib.Libs[1:] {
				got, err := lib.Marshal(tx)
				if err != nil {
					t.Fatalf("%s: %v", lib.Name, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: record %s encodes differently from encoding/json", lib.Name, tx.ID)
				}
				back := new(core.Transaction)
				if err := lib.Unmarshal(want, back); err != nil || !reflect.DeepEqual(back, tx) {
					t.Errorf("%s: record %s decodes to %+v (%v), want the record", lib.Name, tx.ID, back, err)
				}
			}
		}
	}
}

// probes are values whose encoding libraries are known to disagree on:
// escaping, invalid UTF-8, floats, map key order, times.
var probes = []struct {
	name string
	v    any
}{
	{"html", "<a href=\"x\">&</a>"},
	{"line separators", "a\u2028b\u2029c"},
	{"control", "\x00\x1f\x7f"},
	{"invalid UTF-8", "a\xffb"},
	{"non-ASCII", "naïve ☃ 𝄞"},
	{"float 0.1", 0.1},
	{"float 1e21", 1e21},
	{"float 1e-7", 1e-7},
	{"float max", math.MaxFloat64},
	{"float -0", math.Copysign(0, -1)},
	{"float32 0.1", float32(0.1)},
	{"map order", map[string]int{"b": 1, "a": 2, "c": 3, "aa": 4}},
	{"time", time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.FixedZone("x", 5*3600+30*60))},
	{"nil slice", struct{ S []int }{}},
	{"bytes", []byte("\x00\x01hi")},
}

// TestDifferences records, in testdata/differences.txt, where each
// library's bytes differ from encoding/json's on the probes, and whether
// encoding/json decodes them back to the same value; it fails when a
// library's behaviour moves (go test -update rewrites the record). A build
// with a GOEXPERIMENT library has a record of its own,
// testdata/differences-<experiment>.txt: GOEXPERIMENT=jsonv2 also runs
// encoding/json on v2's implementation, whose bytes differ too.
func TestDifferences(t *testing.T) {
	t.Parallel()
	path, header := "testdata/differences.txt", ""
	for _, lib := range jsonlib.Libs {
		if lib.Experiment != "" {
			path = "testdata/differences-" + lib.Experiment + ".txt"
			header = "# Built with GOEXPERIMENT=" + lib.Experiment + ".\n"
		}
	}
	got := header + differences(t, jsonlib.Libs[1:])
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the libraries' differences moved (go test -update records them in %s):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// differences writes the probes' record for libs.
func differences(t *testing.T, libs []jsonlib.Lib) string {
	t.Helper()
	var out strings.Builder
	fmt.Fprintf(&out, "# Where each JSON library's encoding differs from encoding/json's.\n")
	fmt.Fprintf(&out, "# probe | library | bytes | encoding/json decodes it to the same value\n")
	for _, p := range probes {
		want, err := jsonlib.Std.Marshal(p.v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s | encoding/json | %s\n", p.name, want)
		for _, lib := range libs {
			got, err := lib.Marshal(p.v)
			if err != nil {
				fmt.Fprintf(&out, "%s | %s | error: %v\n", p.name, lib.Name, err)
				continue
			}
			if bytes.Equal(got, want) {
				fmt.Fprintf(&out, "%s | %s | same\n", p.name, lib.Name)
				continue
			}
			a := reflect.New(reflect.TypeOf(p.v))
			b := reflect.New(reflect.TypeOf(p.v))
			same := jsonlib.Std.Unmarshal(want, a.Interface()) == nil && jsonlib.Std.Unmarshal(got, b.Interface()) == nil &&
				reflect.DeepEqual(a.Elem().Interface(), b.Elem().Interface())
			fmt.Fprintf(&out, "%s | %s | %s | %v\n", p.name, lib.Name, got, same)
		}
	}
	return out.String()
}

func TestByName(t *testing.T) {
	t.Parallel()
	for _, lib := range jsonlib.Libs {
		if got, err := jsonlib.ByName(lib.Name); err != nil || got.Name != lib.Name {
			t.Errorf("ByName(%q) = %q, %v", lib.Name, got.Name, err)
		}
	}
	if _, err := jsonlib.ByName("jsoniter"); err == nil || !strings.Contains(err.Error(), "sonic") {
		t.Errorf("ByName(jsoniter): %v, want an error naming the choices", err)
	}
	// jsonv2 is there exactly when the build has its experiment, and a
	// build without it says how to get it.
	lib, err := jsonlib.ByName("jsonv2")
	if err == nil && lib.Experiment != "jsonv2" {
		t.Errorf("ByName(jsonv2) = %+v, want the library of the jsonv2 experiment", lib)
	}
	if err != nil && !strings.Contains(err.Error(), "GOEXPERIMENT=jsonv2") {
		t.Errorf("ByName(jsonv2): %v, want an error naming GOEXPERIMENT=jsonv2", err)
	}
}
