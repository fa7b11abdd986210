package scenarios

import (
	"strings"
	"testing"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
)

func TestClientAPIRoundTrip(t *testing.T) {
	for _, v := range variant.All {
		for _, rpc := range load.RPCs {
			for _, cl := range []string{load.CheckBytes, load.CheckDecode} {
				a := ClientAPI{Variant: v, RPC: rpc, Check: cl}
				got, err := ParseClientAPI(a.String())
				if err != nil || got != a {
					t.Errorf("ParseClientAPI(%q) = %+v, %v; want %+v", a, got, err, a)
				}
			}
		}
	}
	if s := (ClientAPI{Variant: "grpc", RPC: load.Chat, Check: load.CheckBytes}).String(); s != "grpc/Chat" {
		t.Errorf("the default client is written %q, want grpc/Chat", s)
	}
}

func TestParseClientAPIRefuses(t *testing.T) {
	for in, want := range map[string]string{
		"grpc":                     "want VARIANT/RPC",
		"grpc/GetTransaction/a/b":  "want VARIANT/RPC",
		"soap/GetTransaction":      `variant "soap"`,
		"grpc/Teleport":            `rpc "Teleport"`,
		"rest/GetTransaction/curl": `client mode "curl"`,
	} {
		if _, err := ParseClientAPI(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseClientAPI(%q) = %v, want an error saying %s", in, err, want)
		}
	}
}

func TestPayloadOf(t *testing.T) {
	for _, p := range core.Payloads {
		for _, rpc := range load.RPCs {
			req, resp := Sizes(rpc, p)
			if got, err := PayloadOf(req, resp); err != nil || got != p {
				t.Errorf("PayloadOf(Sizes(%s, %s)) = %s, %v", rpc, p, got, err)
			}
		}
	}
	if got, err := PayloadOf(0, 0); err != nil || got != core.Payload100B {
		t.Errorf("PayloadOf(0, 0) = %s, %v; want the default 100B", got, err)
	}
	if _, err := PayloadOf(10, 1000); err == nil || !strings.Contains(err.Error(), "1000 bytes is no payload class") {
		t.Errorf("PayloadOf(10, 1000) = %v, want no class", err)
	}
}
