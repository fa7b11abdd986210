package gatewaysvc_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/gatewaysvc"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
)

// TestRESTOutsideGRPCInside calls the gateway as a REST client does, with
// plain HTTP and JSON, and checks what grpc-gateway answers in front of the
// grpc server: protojson records, errors as a google.rpc.Status with the
// HTTP status of its code, the token carried through to the backend.
func TestRESTOutsideGRPCInside(t *testing.T) {
	svc, err := core.New(core.WithBcryptCost(bcrypt.MinCost), core.WithUser("alice", "s3cret-pass"))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpcsvc.NewServer(svc)
	go gs.Serve(lis)
	defer gs.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	srv := httptest.NewServer(gatewaysvc.NewHandler(conn))
	defer srv.Close()

	call := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %q is not one JSON object: %v", method, path, b, err)
		}
		return resp.StatusCode, out
	}

	code, login := call(http.MethodPost, "/v1/auth/validate", "", `{"username":"alice","password":"s3cret-pass"}`)
	tok, _ := login["token"].(string)
	if code != http.StatusOK || login["isValid"] != true || tok == "" {
		t.Fatalf("login: %d %v", code, login)
	}
	id := core.TransactionID(core.Payload100B, 2)
	code, rec := call(http.MethodGet, "/v1/transactions/"+id, tok, "")
	if code != http.StatusOK || rec["id"] != id || rec["accountId"] == nil {
		t.Errorf("GetTransaction: %d %v; want the record with protojson's lowerCamelCase names", code, rec)
	}
	code, st := call(http.MethodGet, "/v1/transactions/"+id, "", "")
	if code != http.StatusUnauthorized || st["code"] != float64(16) {
		t.Errorf("without a token: %d %v; want 401 with status code 16", code, st)
	}
	code, st = call(http.MethodGet, "/v1/transactions/tx-100B-999999", tok, "")
	if code != http.StatusNotFound || st["code"] != float64(5) || st["message"] == "" {
		t.Errorf("unknown record: %d %v; want 404 with status code 5", code, st)
	}
	if code, _ := call(http.MethodPost, "/v1/files", tok, "{}"); code != http.StatusNotFound {
		t.Errorf("upload: %d; want 404, no route", code)
	}
}
