package restsvc_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// FuzzTransactionPath sends untrusted ids and query strings to the
// transaction routes: every answer is a success or a documented
// {"code","message"} client error, never a 500.
func FuzzTransactionPath(f *testing.F) {
	svc, err := core.New(core.WithUser(user, password), core.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		f.Fatal(err)
	}
	login, err := svc.ValidateUser(f.Context(), "", user, password)
	if err != nil {
		f.Fatal(err)
	}
	h := restsvc.NewHandler(svc)
	get := func(t *testing.T, target string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			return
		case http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("GET %s: status %d %q", target, rec.Code, rec.Body.Bytes())
		}
		var e struct{ Code, Message string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || core.ParseCode(e.Code) == core.CodeUnknown || e.Message == "" {
			t.Fatalf("GET %s: error body %q: %v", target, rec.Body.Bytes(), err)
		}
	}

	for _, seed := range []string{core.TransactionID(core.Payload100B, 1), "tx-100B-999999", "../../etc/passwd", "\x00", "tx-1KiB-000001?x=1"} {
		f.Add(seed, "account=acct-0001&limit=2")
	}
	f.Add("x", "account=acct-0001&limit=-1&payload=2KiB")
	f.Add("y", "account=%ff&interval_ms=99999999999999999999")
	f.Fuzz(func(t *testing.T, id, query string) {
		if q, err := url.ParseQuery(query); err == nil {
			// Keep feeds short and unpaced so the fuzzer stays fast; bad
			// values still reach the parser.
			if n, err := strconv.Atoi(q.Get("limit")); err == nil && (n == 0 || n > 64) {
				q.Set("limit", "64")
			}
			if n, err := strconv.Atoi(q.Get("interval_ms")); err == nil && n > 0 {
				q.Del("interval_ms")
			}
			query = q.Encode()
		} else {
			query = url.QueryEscape(query)
		}
		get(t, "/v1/transactions?"+query)
		if id != "" { // "/v1/transactions/" is gin's trailing-slash redirect to the list
			get(t, "/v1/transactions/"+url.PathEscape(id))
		}
	})
}
