package restsvc

import (
	"log"
	"net/http"
	"time"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/sendbudget"
	"restvsgrpc/restsvc/restwire"

	"github.com/gin-gonic/gin"
)

// Option configures NewHandler.
type Option func(*handler)

// WithMaxBodyBytes limits the body of unary requests (default 1 MiB).
// Uploads are limited by the core's own upload limit instead.
func WithMaxBodyBytes(n int64) Option { return func(h *handler) { h.maxBody = n } }

// WithPanicLog logs recovered panics, with their value, to l. Without it
// they are only answered (500) and not logged: no request is ever logged.
func WithPanicLog(l *log.Logger) Option { return func(h *handler) { h.panicLog = l } }

// WithJSON encodes and decodes the JSON bodies of unary calls with lib
// instead of encoding/json: what gin's build tags sonic and go_json do for
// a whole process, for this handler alone. Error bodies stay encoding/json
// (small, and off the measured paths); feeds and chat frames are the REST
// contract's (restwire) and stay encoding/json, as they would under the
// tags.
func WithJSON(lib jsonlib.Lib) Option { return func(h *handler) { h.json = lib } }

// handler holds what every route needs.
type handler struct {
	svc      *core.Service
	json     jsonlib.Lib
	maxBody  int64
	stall    time.Duration
	budget   *sendbudget.Budget // nil: none
	panicLog *log.Logger
}

func init() {
	// Release mode: no debug route printing, no per-request warnings.
	gin.SetMode(gin.ReleaseMode)
}

// NewHandler returns the REST service over svc: a gin engine in release
// mode, without request logging, recovering panics into a JSON 500.
func NewHandler(svc *core.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, json: jsonlib.Std, maxBody: restwire.DefaultMaxBodyBytes, stall: DefaultStallTimeout,
		budget: sendbudget.New(DefaultSendBudget, DefaultSendBudget)}
	for _, o := range opts {
		o(h)
	}
	if h.maxBody <= 0 {
		h.maxBody = restwire.DefaultMaxBodyBytes
	}

	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(h.recover)
	r.NoRoute(func(c *gin.Context) {
		fail(c, core.Errorf(core.CodeNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		failStatus(c, http.StatusMethodNotAllowed, core.Errorf(core.CodeInvalidArgument, "method %s not allowed", c.Request.Method))
	})

	r.GET(restwire.PathHealth, func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET(PathOpenAPI, serveOpenAPI)
	r.POST(restwire.PathValidateUser, h.validateUser)
	r.POST(restwire.PathValidateToken, h.validateToken)
	r.GET(restwire.PathTransactions+"/:id", h.authenticate, h.getTransaction)
	r.GET(restwire.PathTransactions, h.authenticate, h.listTransactions)
	r.POST(restwire.PathFiles, h.authenticate, h.upload)
	r.GET(restwire.PathChat, h.authenticate, h.chat)
	return r
}

// recover turns a panic into a 500 that says nothing about its cause.
// http.ErrAbortHandler keeps its meaning: abort the response.
func (h *handler) recover(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		if h.panicLog != nil {
			h.panicLog.Printf("restsvc: panic serving %s %s: %v", c.Request.Method, c.Request.URL.Path, v)
		}
		if c.Writer.Written() {
			// Too late for a status: cut the response.
			panic(http.ErrAbortHandler)
		}
		fail(c, core.Errorf(core.CodeInternal, "internal error"))
	}()
	c.Next()
}
