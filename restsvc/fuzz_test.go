package restsvc_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// FuzzUnaryBodies feeds arbitrary bodies and content types to the unary
// POST routes: every answer is a success or the client's error, never a
// 500, whatever the bytes.
func FuzzUnaryBodies(f *testing.F) {
	svc, err := core.New(core.WithUser(user, password), core.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		f.Fatal(err)
	}
	h := restsvc.NewHandler(svc, restsvc.WithMaxBodyBytes(4096))
	for _, seed := range []struct {
		route bool
		ctype string
		body  string
	}{
		{false, "application/json", `{"username":"alice","password":"s3cret-pass"}`},
		{false, "application/json", `{"username":`},
		{true, "application/json", `{"token":"v1.AAAA.BBBB"}`},
		{true, "application/json", `{"token":null}`},
		{false, "application/x-protobuf", "\x0a\x05alice\x12\x0bs3cret-pass"},
		{true, "application/x-protobuf", "\x0a\xff\xff"},
		{false, "text/plain", "hello"},
		{true, "", `{"token":"x"}`},
	} {
		f.Add(seed.route, seed.ctype, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, tokenRoute bool, ctype string, body []byte) {
		path := "/v1/auth/validate"
		if tokenRoute {
			path = "/v1/auth/token/validate"
		}
		r := httptest.NewRequest("POST", path, bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("POST %s %q %q: status %d %s", path, ctype, body, w.Code, w.Body)
		}
	})
}
