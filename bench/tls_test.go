package bench

import (
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	certOnce         sync.Once
	certErr          error
	srvTLSs, cliTLSs *tls.Config
)

// tlsConfigs returns a server config with a self-signed ECDSA P-256
// certificate for 127.0.0.1, made once per run, and a client config
// trusting it. Both are TLS 1.3 only.
func tlsConfigs(tb testing.TB) (srv, cli *tls.Config) {
	tb.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			certErr = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "restvsgrpc bench"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			certErr = err
			return
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			certErr = err
			return
		}
		pool := x509.NewCertPool()
		pool.AddCert(leaf)
		srvTLSs = &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		}
		cliTLSs = &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: pool}
	})
	if certErr != nil {
		tb.Fatal(certErr)
	}
	return srvTLSs.Clone(), cliTLSs.Clone()
}

// gzipHandler compresses the answers of requests that accept gzip, as a gin
// user's gzip middleware would, and counts the others in unzipped. It is
// for unary answers only: it does not flush per record.
func gzipHandler(h http.Handler, unzipped *atomic.Int64) http.Handler {
	pool := sync.Pool{New: func() any { return gzip.NewWriter(nil) }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			unzipped.Add(1)
			h.ServeHTTP(w, r)
			return
		}
		zw := pool.Get().(*gzip.Writer)
		defer pool.Put(zw)
		zw.Reset(w)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		h.ServeHTTP(gzipWriter{ResponseWriter: w, zw: zw}, r)
		_ = zw.Close()
	})
}

type gzipWriter struct {
	http.ResponseWriter
	zw *gzip.Writer
}

func (g gzipWriter) Write(p []byte) (int, error) { return g.zw.Write(p) }

func (g gzipWriter) WriteHeader(status int) {
	g.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(status)
}
