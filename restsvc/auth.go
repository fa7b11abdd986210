package restsvc

import (
	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"

	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/proto"
)

// subjectKey is the gin context key of the authenticated subject.
const subjectKey = "restsvc.subject"

// authenticate is the one auth middleware: it checks the bearer token and
// stores its subject in the gin context.
func (h *handler) authenticate(c *gin.Context) {
	token := core.BearerToken(c.Request.Header.Get("Authorization"))
	sub, err := h.svc.Authenticate(token)
	if err != nil {
		if token == "" {
			c.Header("WWW-Authenticate", "Bearer")
		} else {
			c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		fail(c, err)
		return
	}
	c.Set(subjectKey, sub)
	c.Next()
}

func subject(c *gin.Context) string { return c.GetString(subjectKey) }

type validateUserRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (h *handler) validateUser(c *gin.Context) {
	var req validateUserRequest
	switch h.body(c) {
	case bodyJSON:
		if !h.bindJSON(c, &req) {
			return
		}
	case bodyProto:
		var pb authv1.ValidateUserRequest
		if !bindProto(c, &pb) {
			return
		}
		req = validateUserRequest{Username: pb.GetUsername(), Password: pb.GetPassword()}
	default:
		return
	}
	// RemoteAddr, not gin's ClientIP: forwarding headers are the client's
	// to write, and would let it pick the address its logins count against.
	res, err := h.svc.ValidateUser(c.Request.Context(), c.Request.RemoteAddr, req.Username, req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	h.reply(c, res, func() proto.Message { return protoconv.UserResult(res) })
}

type validateTokenRequest struct {
	Token string `json:"token"`
}

func (h *handler) validateToken(c *gin.Context) {
	var req validateTokenRequest
	switch h.body(c) {
	case bodyJSON:
		if !h.bindJSON(c, &req) {
			return
		}
	case bodyProto:
		var pb authv1.ValidateTokenRequest
		if !bindProto(c, &pb) {
			return
		}
		req.Token = pb.GetToken()
	default:
		return
	}
	res, err := h.svc.ValidateToken(c.Request.Context(), req.Token)
	if err != nil {
		fail(c, err)
		return
	}
	h.reply(c, res, func() proto.Message { return protoconv.TokenResult(res) })
}
