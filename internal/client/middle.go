package client

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/variant"
	"restvsgrpc/internal/wirecount"
)

// middleTarget calls the middle ways (connect-json, connect-proto,
// grpc-web, gateway) over HTTP/1.1, in decode mode only: their callers
// are built from the Client conformance proves, over net/http.
type middleTarget struct {
	cfg   TargetConfig
	wire  wirecount.Counter
	tr    *http.Transport
	c     Client
	token string
	or    *oracle
	proto atomic.Pointer[string]
}

func newMiddleTarget(ctx context.Context, cfg TargetConfig) (*middleTarget, error) {
	switch {
	case cfg.Check == CheckBytes:
		return nil, fmt.Errorf("variant %s: bytes mode is not built for the middle ways; use the decode mode (loadgen -check decode)", cfg.Variant)
	case cfg.TLS:
		return nil, fmt.Errorf("variant %s: served without TLS only", cfg.Variant)
	case cfg.SSE:
		return nil, fmt.Errorf("variant %s: no server-sent events", cfg.Variant)
	}
	if why := variant.Unsupported(cfg.Variant, cfg.RPC.Kind()); why != "" {
		return nil, fmt.Errorf("variant %s cannot make %s calls: %s", cfg.Variant, cfg.RPC.Kind(), why)
	}
	t := &middleTarget{cfg: cfg}
	t.tr = &http.Transport{
		DialContext:         wirecount.DialContext(nil, &t.wire),
		MaxConnsPerHost:     cfg.Conns,
		MaxIdleConnsPerHost: max(cfg.Conns, 4096),
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		Protocols:           new(http.Protocols),
	}
	t.tr.Protocols.SetHTTP1(true)
	hc := &http.Client{Transport: countingTransport{protoObserver{t.tr, &t.proto}}}
	base := "http://" + cfg.Addr
	if cfg.Variant == variant.Gateway {
		t.c = NewGateway(base, hc)
	} else {
		t.c = NewConnect(cfg.Variant, base, hc)
	}
	res, err := t.c.ValidateUser(ctx, cfg.User, cfg.Password)
	if err != nil {
		t.Close()
		return nil, loginError(cfg, err)
	}
	if !res.IsValid {
		t.Close()
		return nil, loginRefused(cfg, res.Message)
	}
	if t.or, err = newOracle(cfg.Seed, cfg.User, cfg.Password, res, true, jsonlib.Std); err != nil {
		t.Close()
		return nil, err
	}
	t.token = res.Token
	t.c.SetToken(res.Token)
	return t, nil
}

func (t *middleTarget) NewCaller(ctx context.Context, i int) (Caller, error) {
	return newDecodeCaller(ctx, t.c, t.cfg, t.or, t.token, i)
}

func (t *middleTarget) Counters() Counters {
	return Counters{WireIn: t.wire.Read(), WireOut: t.wire.Written(), Conns: t.wire.Conns()}
}

func (t *middleTarget) Protocol() string {
	if p := t.proto.Load(); p != nil {
		return *p
	}
	return ""
}

func (t *middleTarget) Close() error {
	t.tr.CloseIdleConnections()
	return nil
}

// protoObserver records the protocol of the first answer.
type protoObserver struct {
	base  http.RoundTripper
	proto *atomic.Pointer[string]
}

func (o protoObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.base.RoundTrip(req)
	if err == nil && o.proto.Load() == nil {
		o.proto.Store(&resp.Proto)
	}
	return resp, err
}
