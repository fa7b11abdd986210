package scenarios

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

var update = flag.Bool("update", false, "rewrite the scenario files")

// TestFiles checks that the committed scenario files are what All writes,
// and rewrites them with -update.
func TestFiles(t *testing.T) {
	all := All(Default)
	if *update {
		old, _ := filepath.Glob("*.json")
		for _, f := range old {
			os.Remove(f)
		}
		for name, s := range all {
			b, err := Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, _ := filepath.Glob("*.json")
	var want []string
	for name := range all {
		want = append(want, name)
	}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v: run go test ./bench/scenarios -update", files, want)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var got pb.Scenarios
		if err := protojson.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got.Scenarios) != 1 || !proto.Equal(got.Scenarios[0], all[name]) {
			t.Errorf("%s is stale: run go test ./bench/scenarios -update", name)
		}
		if m, _ := Marshal(all[name]); !bytes.Equal(m, b) {
			t.Errorf("%s is not in Marshal's layout: run go test ./bench/scenarios -update", name)
		}
	}
}

// TestOursParse: what a scenario of ours asks, the worker's parsers read
// back as the same call and payload.
func TestOursParse(t *testing.T) {
	for name, s := range All(Default) {
		c := s.GetClientConfig()
		if c.GetClientType() != pb.ClientType_OTHER_CLIENT {
			continue
		}
		a, err := ParseClientAPI(c.GetOtherClientApi())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sp := c.GetPayloadConfig().GetSimpleParams()
		pl, err := PayloadOf(sp.GetReqSize(), sp.GetRespSize())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want := a.Variant + "-" + string(a.RPC) + "-" + string(pl) + ".json"; name != want {
			t.Errorf("%s asks for %s", name, want)
		}
		if v, err := ParseServerAPI(s.GetServerConfig().GetOtherServerApi()); err != nil || v != a.Variant {
			t.Errorf("%s: server %q, %v; want the client's variant", name, v, err)
		}
		if !strings.HasPrefix(s.GetName(), "restvsgrpc_"+a.Variant+"_") {
			t.Errorf("%s: scenario name %q", name, s.GetName())
		}
	}
}
