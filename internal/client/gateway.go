package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc/restwire"
)

// gatewayClient is the client of the gateway variant: net/http and
// protojson, the way a caller of a grpc-gateway reads its JSON, on the
// routes of proto/gateway.yaml. It makes unary calls and reads feeds;
// uploads and chat have no route (variant.Unsupported says why).
type gatewayClient struct {
	hc    *http.Client
	base  string
	authz atomic.Pointer[string] // "Bearer <token>", or ""
}

// NewGateway returns the gateway variant's Client of the grpc-gateway at
// baseURL (e.g. "http://127.0.0.1:8082") over hc; the caller owns hc.
func NewGateway(baseURL string, hc *http.Client) Client {
	c := &gatewayClient{hc: hc, base: strings.TrimRight(baseURL, "/")}
	c.SetToken("")
	return c
}

func (c *gatewayClient) Variant() string { return variant.Gateway }

func (c *gatewayClient) SetToken(token string) {
	v := ""
	if token != "" {
		v = "Bearer " + token
	}
	c.authz.Store(&v)
}

// gatewayStatus is the JSON of a google.rpc.Status, grpc-gateway's error
// body and a feed's error line.
type gatewayStatus struct {
	Code    codes.Code `json:"code"`
	Message string     `json:"message"`
}

func (s *gatewayStatus) err() error {
	return &core.Error{Code: grpcwire.CoreCode(s.Code), Message: s.Message}
}

// send makes a request and returns the answer to a 200, its body for the
// caller to read and close; any other status is the *core.Error its body
// names.
func (c *gatewayClient) send(ctx context.Context, method, path string, body proto.Message) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		b, err := protojson.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header["Content-Type"] = hdrJSON
	}
	if v := *c.authz.Load(); v != "" {
		req.Header.Set("Authorization", v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, err := readAll(resp)
		if err != nil {
			return nil, err
		}
		// A unary call's error is the status; a feed's, a line holding it.
		var st struct {
			gatewayStatus
			Error *gatewayStatus `json:"error"`
		}
		if json.Unmarshal(b, &st) == nil && st.Error != nil {
			st.gatewayStatus = *st.Error
		}
		if st.Code == codes.OK {
			return nil, core.Errorf(core.CodeUnknown, "gateway answered %d: %s", resp.StatusCode, restwire.Excerpt(b))
		}
		return nil, st.err()
	}
	return resp, nil
}

// call makes a unary call and decodes its answer into out.
func (c *gatewayClient) call(ctx context.Context, method, path string, in, out proto.Message) error {
	resp, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	b, err := readAll(resp)
	if err != nil {
		return err
	}
	if err := protojson.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode gateway answer: %w", err)
	}
	return nil
}

func (c *gatewayClient) ValidateUser(ctx context.Context, username, password string) (core.UserResult, error) {
	var out authv1.ValidateUserResponse
	if err := c.call(ctx, http.MethodPost, restwire.PathValidateUser, &authv1.ValidateUserRequest{Username: username, Password: password}, &out); err != nil {
		return core.UserResult{}, err
	}
	return protoconv.FromUserResult(&out), nil
}

func (c *gatewayClient) ValidateToken(ctx context.Context, token string) (core.TokenResult, error) {
	var out authv1.ValidateTokenResponse
	if err := c.call(ctx, http.MethodPost, restwire.PathValidateToken, &authv1.ValidateTokenRequest{Token: token}, &out); err != nil {
		return core.TokenResult{}, err
	}
	return protoconv.FromTokenResult(&out), nil
}

func (c *gatewayClient) GetTransaction(ctx context.Context, id string) (*core.Transaction, error) {
	var out transactionv1.Transaction
	if err := c.call(ctx, http.MethodGet, restwire.TransactionPath(id), nil, &out); err != nil {
		return nil, err
	}
	return protoconv.FromTransaction(&out), nil
}

// ListTransactions reads grpc-gateway's feed: one JSON object a line,
// {"result": record} or, when the stream fails, {"error": status}. The
// query names the request's proto fields, as grpc-gateway reads them.
func (c *gatewayClient) ListTransactions(ctx context.Context, lr core.ListRequest, fn func(*core.Transaction) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := c.send(ctx, http.MethodGet, gatewayListPath(lr), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	var m transactionv1.Transaction
	for {
		var line struct {
			Result json.RawMessage `json:"result"`
			Error  *gatewayStatus  `json:"error"`
		}
		if err := dec.Decode(&line); err == io.EOF {
			return nil
		} else if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("decode gateway feed: %w", err)
		}
		if line.Error != nil {
			return line.Error.err()
		}
		if err := protojson.Unmarshal(line.Result, &m); err != nil {
			return fmt.Errorf("decode gateway record: %w", err)
		}
		if err := fn(protoconv.FromTransaction(&m)); err != nil {
			return err
		}
	}
}

// gatewayListPath is the path and query of a feed; zero fields are left
// out, so that the server's defaults apply.
func gatewayListPath(lr core.ListRequest) string {
	q := url.Values{"account_id": {lr.AccountID}}
	if lr.Payload != "" {
		q.Set("payload", lr.Payload)
	}
	if lr.Limit != 0 {
		q.Set("limit", strconv.Itoa(lr.Limit))
	}
	if lr.Interval != 0 {
		q.Set("interval_ms", strconv.FormatInt(lr.Interval.Milliseconds(), 10))
	}
	return restwire.PathTransactions + "?" + q.Encode()
}

func (c *gatewayClient) Upload(context.Context, string, io.Reader, int) (core.UploadSummary, error) {
	return core.UploadSummary{}, core.Errorf(core.CodeInvalidArgument, "%s", variant.Unsupported(variant.Gateway, "client-stream"))
}

func (c *gatewayClient) Chat(context.Context) (ChatSession, error) {
	return nil, core.Errorf(core.CodeInvalidArgument, "%s", variant.Unsupported(variant.Gateway, "bidi"))
}
