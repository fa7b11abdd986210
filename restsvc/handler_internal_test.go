package restsvc

import (
	"bytes"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestRecover(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	h := &handler{panicLog: log.New(&logged, "", 0)}
	r := gin.New()
	r.Use(h.recover)
	r.GET("/panic", func(*gin.Context) { panic("secret detail") })
	r.GET("/late", func(c *gin.Context) {
		c.String(http.StatusOK, "partial")
		panic("secret detail")
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/panic", nil))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
	if got, want := w.Body.String(), `{"code":"internal","message":"internal error"}`; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	if !strings.Contains(logged.String(), "secret detail") {
		t.Errorf("panic log %q, want the panic's value", logged.String())
	}

	// Once the answer has started, the response is cut instead.
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("late panic: recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/late", nil))
}
