package client

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// selfSigned makes a self-signed certificate for 127.0.0.1 and returns it
// with the path of its PEM file.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "basalt test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// TestTLS checks certificate verification with a CA file, the failure
// without it, and the insecure opt-in.
func TestTLS(t *testing.T) {
	cert, caFile := selfSigned(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Hello from Heketi")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshake is expected
	srv.StartTLS()
	defer srv.Close()

	notPEM := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    []Option
		newErr  bool
		callErr bool
	}{
		{"CA file", []Option{WithTLS(TLSConfig{CAFiles: []string{caFile}})}, false, false},
		{"CA file with own HTTP client", []Option{WithHTTPClient(&http.Client{Transport: &http.Transport{}}), WithTLS(TLSConfig{CAFiles: []string{caFile}})}, false, false},
		{"no CA: unknown authority", nil, false, true},
		{"insecure opt-in", []Option{WithTLS(TLSConfig{InsecureSkipVerify: true})}, false, false},
		{"file without certificates", []Option{WithTLS(TLSConfig{CAFiles: []string{notPEM}})}, true, false},
		{"TLS on a custom round tripper", []Option{WithHTTPClient(&http.Client{Transport: roundTripFunc(nil)}), WithTLS(TLSConfig{InsecureSkipVerify: true})}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(srv.URL, testUser, testKey, fast(tc.opts...)...)
			if tc.newErr {
				if err == nil {
					t.Fatal("expected New to fail")
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			err = c.Hello(t.Context())
			if tc.callErr && err == nil {
				t.Fatal("expected a certificate error")
			}
			if !tc.callErr && err != nil {
				t.Fatalf("expected success, got %v", err)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
