package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files and returns their paths and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hookflow e2e"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile = writeFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS serves over HTTPS with --tls-cert and --tls-key.
func TestTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSigned(t)
	trusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
	srv := startServer(t, serverOptions{Args: []string{"--tls-cert", certFile, "--tls-key", keyFile}, Client: trusting})
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("serve with TLS says it listens on %s, want https://127.0.0.1:PORT", srv.URL)
	}

	resp, err := trusting.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz over HTTPS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Errorf("GET /healthz = %s over TLS %v (%s), want 200 over TLS", resp.Status, resp.TLS != nil, body)
	}
	if code := srv.do("GET", "/api/v1/workflows", nil, nil); code != http.StatusOK {
		t.Errorf("GET /api/v1/workflows over HTTPS = %d, want 200", code)
	}

	// A webhook over HTTP/2 is answered 202 like one over HTTP/1.1 (the
	// answer is written from the goroutine that made the event durable).
	w := srv.createWorkflow(fmt.Sprintf(dropDefinition, "h2"))
	h2 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	for i := range 3 {
		resp, err := h2.Post(w.TriggerURL, "application/json", strings.NewReader(`{"n": 1}`))
		if err != nil {
			t.Fatalf("POST %s over HTTP/2: %v", w.TriggerURL, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted || resp.ProtoMajor != 2 || !strings.Contains(string(body), `"run_id":"`) {
			t.Errorf("webhook %d over %s = %s %s; want 202 with a run_id over HTTP/2", i, resp.Proto, resp.Status, body)
		}
	}

	// A client that does not trust the certificate refuses it; plain HTTP
	// gets no answer it can use.
	_, err = (&http.Client{Timeout: 5 * time.Second}).Get(srv.URL + "/healthz")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("GET /healthz trusting only the system roots: %v, want an unknown authority error", err)
	}
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + strings.TrimPrefix(srv.URL, "https://") + "/healthz"); err == nil {
		if resp.StatusCode == http.StatusOK {
			t.Errorf("GET /healthz over plain HTTP = %s, want a refusal", resp.Status)
		}
		resp.Body.Close()
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
}
