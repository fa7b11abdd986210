package scenarios

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/core"
)

// testdata/loadtest-crd.yaml is grpc/test-infra's LoadTest CRD as its
// repository has it (config/crd/bases/e2etest.grpc.io_loadtests.yaml at
// commit 2b7585d; Apache-2.0, as the rest of that repository), the schema
// the cluster's API server checks a LoadTest against.

// schema is the part of an OpenAPI v3 schema that a Kubernetes structural
// schema uses.
type schema struct {
	Type                 string             `yaml:"type"`
	Properties           map[string]*schema `yaml:"properties"`
	AdditionalProperties *schema            `yaml:"additionalProperties"`
	Items                *schema            `yaml:"items"`
	Required             []string           `yaml:"required"`
	Enum                 []any              `yaml:"enum"`
	IntOrString          bool               `yaml:"x-kubernetes-int-or-string"`
	PreserveUnknown      bool               `yaml:"x-kubernetes-preserve-unknown-fields"`
}

// check returns every way v breaks s, as the API server's validation does
// with strict field checking: unknown fields are errors, not pruned. An
// object schema without properties (metadata) takes any fields; the API
// server checks those itself.
func (s *schema) check(path string, v any) []string {
	if s.IntOrString {
		switch v.(type) {
		case int, string:
			return nil
		}
		return []string{fmt.Sprintf("%s: %v is neither an integer nor a string", path, v)}
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, a...)) }
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		bad("%v is not one of %v", v, s.Enum)
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, have %T", v)
			break
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				bad("required field %q is missing", r)
			}
		}
		for k, fv := range m {
			switch sub := s.Properties[k]; {
			case sub != nil:
				errs = append(errs, sub.check(path+"."+k, fv)...)
			case s.AdditionalProperties != nil:
				errs = append(errs, s.AdditionalProperties.check(path+"."+k, fv)...)
			case len(s.Properties) > 0 && !s.PreserveUnknown:
				bad("unknown field %q", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, have %T", v)
			break
		}
		for i, e := range a {
			errs = append(errs, s.Items.check(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("want a string, have %T", v)
		}
	case "integer":
		if _, ok := v.(int); !ok {
			bad("want an integer, have %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, have %T", v)
		}
	}
	return errs
}

// loadTestSchema reads the v1 schema of the LoadTest CRD.
func loadTestSchema(t *testing.T) *schema {
	t.Helper()
	b, err := os.ReadFile("testdata/loadtest-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Group    string `yaml:"group"`
			Versions []struct {
				Name   string `yaml:"name"`
				Schema struct {
					OpenAPIV3Schema *schema `yaml:"openAPIV3Schema"`
				} `yaml:"schema"`
			} `yaml:"versions"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	for _, v := range crd.Spec.Versions {
		if crd.Spec.Group == "e2etest.grpc.io" && v.Name == "v1" && v.Schema.OpenAPIV3Schema != nil {
			return v.Schema.OpenAPIV3Schema
		}
	}
	t.Fatal("testdata/loadtest-crd.yaml: no schema of e2etest.grpc.io/v1")
	return nil
}

// TestLoadTestManifest checks loadtest-example.yaml against the LoadTest
// CRD's schema, and its scenario against the one of ours it names, with
// a client pod for each client worker.
func TestLoadTestManifest(t *testing.T) {
	s := loadTestSchema(t)
	b, err := os.ReadFile("loadtest-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["apiVersion"] != "e2etest.grpc.io/v1" || m["kind"] != "LoadTest" {
		t.Errorf("apiVersion %v kind %v, want e2etest.grpc.io/v1 LoadTest", m["apiVersion"], m["kind"])
	}
	if errs := s.check("", m); len(errs) > 0 {
		t.Errorf("loadtest-example.yaml breaks the LoadTest schema:\n%s", strings.Join(errs, "\n"))
	}
	spec, _ := m["spec"].(map[string]any)
	js, _ := spec["scenariosJSON"].(string)
	var got pb.Scenarios
	if err := protojson.Unmarshal([]byte(js), &got); err != nil {
		t.Fatalf("scenariosJSON: %v", err)
	}
	p := Default
	p.Clients = 2
	want := Ours(ClientAPI{Variant: "grpc", RPC: load.GetTransaction, Check: load.CheckBytes}, core.Payload1KiB, p)
	if len(got.GetScenarios()) != 1 || !proto.Equal(got.GetScenarios()[0], want) {
		t.Errorf("scenariosJSON is %v, want grpc-GetTransaction-1KiB.json's scenario with 2 clients: %v", &got, want)
	}
	for role, n := range map[string]int32{"servers": want.GetNumServers(), "clients": want.GetNumClients()} {
		if pods, _ := spec[role].([]any); len(pods) != int(n) {
			t.Errorf("%d %s, want %d, one for each worker of the scenario", len(pods), role, n)
		}
	}
}

// TestSchemaCheckFails pins that the check finds what the API server
// refuses: a missing required field, an unknown one, a wrong type.
func TestSchemaCheckFails(t *testing.T) {
	s := loadTestSchema(t)
	for _, tt := range []struct{ doc, want string }{
		{`{spec: {timeoutSeconds: 1}}`, `required field "ttlSeconds"`},
		{`{spec: {timeoutSeconds: 1, ttlSeconds: 1, driver: {language: cxx}}}`, `.spec.driver: required field "run"`},
		{`{spec: {timeoutSeconds: 1, ttlSeconds: 1, workers: []}}`, `unknown field "workers"`},
		{`{spec: {timeoutSeconds: "1", ttlSeconds: 1}}`, `.spec.timeoutSeconds: want an integer`},
	} {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(tt.doc), &m); err != nil {
			t.Fatal(err)
		}
		if errs := strings.Join(s.check("", m), "\n"); !strings.Contains(errs, tt.want) {
			t.Errorf("%s: errors %q, want one saying %s", tt.doc, errs, tt.want)
		}
	}
}
