package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1, ::1 and
// localhost, valid for a day, and returns it with its PEM encoding.
func selfSigned(now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "restvsgrpc self-signed"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that clients can trust it directly as its own root
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, certPEM, nil
}

// serverCert loads -cert/-key, or makes a self-signed certificate, and
// writes its PEM to writeTo when asked.
func serverCert(certFile, keyFile, writeTo string) (tls.Certificate, error) {
	var (
		cert    tls.Certificate
		certPEM []byte
		err     error
	)
	if certFile != "" {
		if certPEM, err = os.ReadFile(certFile); err != nil {
			return cert, fmt.Errorf("certificate: %w", err)
		}
		keyPEM, err := os.ReadFile(keyFile)
		if err != nil {
			return cert, fmt.Errorf("key: %w", err)
		}
		if cert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
			return cert, fmt.Errorf("certificate %s and key %s: %w", certFile, keyFile, err)
		}
	} else if cert, certPEM, err = selfSigned(time.Now()); err != nil {
		return cert, fmt.Errorf("self-signed certificate: %w", err)
	}
	if writeTo != "" {
		if err := os.WriteFile(writeTo, certPEM, 0o644); err != nil {
			return cert, fmt.Errorf("write certificate: %w", err)
		}
	}
	return cert, nil
}

// fingerprint is the SHA-256 of a certificate's DER, for the start banner.
func fingerprint(cert tls.Certificate) string {
	sum := sha256.Sum256(cert.Certificate[0])
	return hex.EncodeToString(sum[:])
}

// tlsConfig is TLS 1.3 only, offering the given ALPN protocols.
func tlsConfig(cert tls.Certificate, protos ...string) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   protos,
	}
}
