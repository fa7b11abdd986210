package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"restvsgrpc/bench/load"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
)

// selfSigned returns a certificate for 127.0.0.1 and its PEM.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "loadgen test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestTLS runs every variant over TLS: REST over HTTPS (HTTP/1.1, or h2 by
// ALPN for rest-h2c) and gRPC over h2, trusting the server's certificate
// from a file, or not verifying it with Insecure.
func TestTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end runs skipped with -short")
	}
	cert, certPEM := selfSigned(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	svc, rl := newService(t), listen(t)
	hs := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithHTTP2())
	hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	go hs.ServeTLS(rl, "", "")
	gl := listen(t)
	gs := grpcsvc.NewServer(svc, grpcsvc.WithServerOptions(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}))))
	go gs.Serve(gl)
	t.Cleanup(func() { hs.Close(); gs.Stop() })

	tests := []struct {
		name, variant, addr string
		rpc                 client.RPC
		insecure            bool
		wantProto           string
	}{
		{"rest", variant.REST, rl.Addr().String(), client.GetTransaction, false, "HTTP/1.1 over TLS"},
		{"rest insecure", variant.REST, rl.Addr().String(), client.ValidateToken, true, "HTTP/1.1 over TLS"},
		{"rest-proto", variant.RESTProto, rl.Addr().String(), client.ListTransactions, false, "HTTP/1.1 over TLS"},
		{"rest-h2c is h2", variant.RESTH2C, rl.Addr().String(), client.GetTransaction, false, "HTTP/2.0 over TLS"},
		{"rest chat", variant.REST, rl.Addr().String(), client.Chat, false, "HTTP/1.1 WebSocket"},
		{"grpc", variant.GRPC, gl.Addr().String(), client.Upload, false, "HTTP/2 (h2 over TLS)"},
		{"grpc insecure", variant.GRPC, gl.Addr().String(), client.Chat, true, "HTTP/2 (h2 over TLS)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := client.TargetConfig{Variant: tc.variant, Addr: tc.addr, RPC: tc.rpc, TLS: true, Insecure: tc.insecure,
				User: testUser, Password: testPassword, StreamMsgs: 3}
			if !tc.insecure {
				cfg.CAFile = caFile
			}
			tg, err := client.NewTarget(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			res, err := load.Run(context.Background(), tg, load.WithWorkers(2), load.WithCalls(10))
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Check(false); err != nil {
				t.Fatal(err)
			}
			if res.Protocol != tc.wantProto {
				t.Errorf("protocol %q, want %q", res.Protocol, tc.wantProto)
			}
		})
	}

	// Without the certificate, verification fails and says so.
	_, err := client.NewTarget(context.Background(), client.TargetConfig{Variant: variant.GRPC, Addr: gl.Addr().String(), RPC: client.ValidateToken, TLS: true, User: testUser, Password: testPassword})
	if err == nil {
		t.Error("an unverified certificate was accepted")
	}
}
