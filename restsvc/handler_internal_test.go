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

func TestMediaType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "application/json", want: "application/json"},
		{name: "params", in: "application/json; charset=utf-8", want: "application/json"},
		{name: "case", in: "Application/X-Protobuf", want: "application/x-protobuf"},
		{name: "spaces", in: "  text/event-stream ;q=1", want: "text/event-stream"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mediaType(tt.in); got != tt.want {
				t.Errorf("mediaType(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if !accepts("text/html, application/x-protobuf;q=0.9", ContentTypeProtobuf) || accepts("application/json", ContentTypeProtobuf) {
		t.Errorf("accepts does not read a list of media types")
	}
}
