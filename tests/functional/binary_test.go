package functional

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The tests in this file build the real basalt binary and drive it over TCP.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// basaltBinary builds ./ once per test run.
func basaltBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "basalt-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "basalt")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// proc is a running basalt process.
type proc struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	mu   *sync.Mutex
	url  string
	done chan error
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startBasalt runs the binary with args and waits until /hello answers.
func startBasalt(t *testing.T, port string, args ...string) *proc {
	t.Helper()
	p := &proc{out: &bytes.Buffer{}, mu: &sync.Mutex{}, url: "http://127.0.0.1:" + port, done: make(chan error, 1)}
	p.cmd = exec.Command(basaltBinary(t), args...)
	p.cmd.Env = append(os.Environ(), "HEKETI_HTTP_PORT="+port)
	p.cmd.Stdout = lockedWriter{p.mu, p.out}
	p.cmd.Stderr = lockedWriter{p.mu, p.out}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("basalt exited early (%v):\n%s", err, p.output())
		default:
		}
		if resp, err := http.Get(p.url + "/hello"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("basalt did not answer /hello in 30s:\n%s", p.output())
	return nil
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("basalt exited with %v after SIGTERM:\n%s", err, p.output())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("basalt did not stop within 30s of SIGTERM:\n%s", p.output())
	}
}

// call sends a request and follows a 202 through the queue like a client.
func (p *proc) call(t *testing.T, method, path, body string) (int, http.Header, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path, body string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	status, h, b := send(method, path, body)
	if status != http.StatusAccepted {
		return status, h, b
	}
	loc := h.Get("Location")
	for i := 0; i < 2000; i++ {
		status, h, b = send("GET", loc, "")
		if status != 200 || h.Get("X-Pending") != "true" {
			return status, h, b
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %s never finished", loc)
	return 0, nil, ""
}

// writeSampleStyleConfig writes a heketi.json shaped like the sample (mock
// executor, JWT keys set) with the database in dir.
func writeSampleStyleConfig(t *testing.T, dir string) string {
	t.Helper()
	sample, err := os.ReadFile(filepath.Join("..", "..", "heketi.json.sample"))
	if err != nil {
		t.Fatalf("read heketi.json.sample: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(sample, &doc); err != nil {
		t.Fatalf("heketi.json.sample is not JSON: %v", err)
	}
	gfs := doc["glusterfs"].(map[string]any)
	gfs["db"] = filepath.Join(dir, "heketi.db")
	gfs["executor"] = "mock"
	out, _ := json.MarshalIndent(doc, "", "  ")
	path := filepath.Join(dir, "heketi.json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBinaryServesAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	cfg := writeSampleStyleConfig(t, dir)
	port := freePort(t)
	p := startBasalt(t, port, "--config", cfg, "--disable-auth")

	status, _, body := p.call(t, "POST", "/clusters", `{"block":true,"file":true}`)
	if status != 201 {
		t.Fatalf("cluster create: %d %q", status, body)
	}
	var c struct{ ID string }
	_ = json.Unmarshal([]byte(body), &c)
	status, h, body := p.call(t, "POST", "/nodes", `{"cluster":"`+c.ID+`","zone":1,"hostnames":{"manage":["n1"],"storage":["10.1.1.1"]}}`)
	if status != 303 {
		t.Fatalf("node add: expected 303, got %d %q", status, body)
	}
	nodePath := h.Get("Location")
	status, _, body = p.call(t, "POST", "/devices", `{"node":"`+strings.TrimPrefix(nodePath, "/nodes/")+`","name":"/dev/sdb"}`)
	if status != 204 {
		t.Fatalf("device add: expected 204, got %d %q", status, body)
	}
	status, vh, body := p.call(t, "POST", "/volumes", `{"size":5}`)
	if status != 303 {
		t.Fatalf("volume create: expected 303, got %d %q", status, body)
	}
	volPath := vh.Get("Location")
	status, _, before := p.call(t, "GET", nodePath, "")
	if status != 200 || !strings.Contains(before, `"name":"/dev/sdb"`) {
		t.Fatalf("node info: %d %q", status, before)
	}

	// A second server on the same database fails fast with a clear message.
	second := exec.Command(basaltBinary(t), "--config", cfg, "--disable-auth", "--port", freePort(t))
	start := time.Now()
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another basalt") {
		t.Fatalf("second server on the same db: expected a failure naming another basalt, got %v:\n%s", err, out)
	}
	if time.Since(start) > 15*time.Second {
		t.Fatalf("second server took %v to fail; it must fail fast", time.Since(start))
	}

	p.stop(t)
	if !strings.Contains(p.output(), "stopped") {
		t.Errorf("expected a 'stopped' log line, got:\n%s", p.output())
	}

	// Restart on the same file: everything is still there.
	p2 := startBasalt(t, port, "--config", cfg, "--disable-auth")
	status, _, after := p2.call(t, "GET", nodePath, "")
	if status != 200 || after != before {
		t.Fatalf("node info after restart:\nexpected %s\ngot %d %s", before, status, after)
	}
	// The mock executor rebuilt its simulated nodes from the database, so the
	// device can still be torn down after the restart.
	var node struct{ Devices []struct{ ID string } }
	_ = json.Unmarshal([]byte(after), &node)
	dev := "/devices/" + node.Devices[0].ID
	// The volume's bricks and gluster volume were rebuilt too: it deletes cleanly.
	if status, _, body := p2.call(t, "DELETE", volPath, ""); status != 204 {
		t.Fatalf("volume delete after restart: expected 204, got %d %q", status, body)
	}
	for _, st := range []string{"offline", "failed"} {
		if status, _, body := p2.call(t, "POST", dev+"/state", `{"state":"`+st+`"}`); status != 204 {
			t.Fatalf("device %s: expected 204, got %d %q", st, status, body)
		}
	}
	if status, _, body := p2.call(t, "DELETE", dev, ""); status != 204 {
		t.Fatalf("device delete after restart: expected 204, got %d %q", status, body)
	}
	p2.stop(t)
}

func TestBinaryRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, config, want string
	}{
		{"string in an integer field", `{"port":"8080","glusterfs":{"executor":"mock","sshexec":{"xfs_sw":"<sw>"}}}`, "glusterfs.sshexec.xfs_sw"},
		{"unknown executor", `{"port":"8080","jwt":{"admin":{"key":"a"},"user":{"key":"u"}},"glusterfs":{"executor":"magic"}}`, "invalid executor: magic"},
		{"bad admin state", `{"port":"8080","jwt":{"admin":{"key":"a"},"user":{"key":"u"}},"default_state":"sleepy","glusterfs":{"executor":"mock"}}`, "unknown admin state name: sleepy"},
		{"auth without keys", `{"port":"8080","glusterfs":{"executor":"mock"}}`, "Missing JWT information in config file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(tc.config), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(basaltBinary(t), "--config", path)
			cmd.Env = append(os.Environ(), "HEKETI_DB_PATH="+filepath.Join(dir, "x.db"))
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("expected exit 1 naming %q, got %v:\n%s", tc.want, err, out)
			}
		})
	}
	t.Run("no config", func(t *testing.T) {
		out, err := exec.Command(basaltBinary(t)).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "Please provide configuration file") {
			t.Fatalf("expected 'Please provide configuration file', got %v:\n%s", err, out)
		}
	})
	t.Run("version", func(t *testing.T) {
		out, err := exec.Command(basaltBinary(t), "--version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "Basalt ") {
			t.Fatalf("expected a version line, got %v: %s", err, out)
		}
	})
}

// adminToken signs a Heketi-style token for method and path with key.
func adminToken(t *testing.T, key, method, path string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(method + "&" + path))
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "admin", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(), "qsh": hex.EncodeToString(sum[:]),
	})
	s, err := tok.SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBinaryWithAuthAndAdminReset(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeSampleStyleConfig(t, dir)
	var doc struct {
		JWT struct{ Admin struct{ Key string } } `json:"jwt"`
	}
	raw, _ := os.ReadFile(cfgPath)
	_ = json.Unmarshal(raw, &doc)
	key := doc.JWT.Admin.Key
	p := startBasalt(t, freePort(t), "--config", cfgPath)

	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", p.url+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/clusters", ""); code != 401 || body != "Required authorization token not found\n" {
		t.Fatalf("no token: expected 401 Required authorization token not found, got %d %q", code, body)
	}
	if code, body := get("/clusters", adminToken(t, key, "GET", "/clusters")); code != 200 {
		t.Fatalf("admin token: expected 200, got %d %q", code, body)
	}
	if code, body := get("/clusters", adminToken(t, "wrong", "GET", "/clusters")); code != 401 || !strings.Contains(body, "signature is invalid") {
		t.Fatalf("bad key: expected 401 signature is invalid, got %d %q", code, body)
	}

	// read-only mode blocks writes until SIGUSR2 resets it.
	post := func(path, body string) int {
		req, _ := http.NewRequest("POST", p.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "bearer "+adminToken(t, key, "POST", path))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/admin", `{"state":"read-only"}`); code != 204 {
		t.Fatalf("set read-only: expected 204, got %d", code)
	}
	if code := post("/clusters", `{}`); code != 503 {
		t.Fatalf("write in read-only mode: expected 503, got %d", code)
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "admin reset", func() bool { return post("/clusters", `{}`) == 201 })
	p.stop(t)
}

// TestBinaryMockRestartWithReplicaVolume restarts a mock server whose
// database holds a replica-3 volume over three nodes: the simulated nodes
// must be rebuilt as one trusted pool, with the volume deletable afterwards.
func TestBinaryMockRestartWithReplicaVolume(t *testing.T) {
	dir := t.TempDir()
	cfg := writeSampleStyleConfig(t, dir)
	port := freePort(t)
	p := startBasalt(t, port, "--config", cfg, "--disable-auth")
	_, _, body := p.call(t, "POST", "/clusters", `{"block":true,"file":true}`)
	var c struct{ ID string }
	_ = json.Unmarshal([]byte(body), &c)
	for i := 1; i <= 3; i++ {
		status, h, b := p.call(t, "POST", "/nodes", fmt.Sprintf(`{"cluster":%q,"zone":%d,"hostnames":{"manage":["n%d"],"storage":["10.2.0.%d"]}}`, c.ID, i, i, i))
		if status != 303 {
			t.Fatalf("node add: %d %q", status, b)
		}
		node := strings.TrimPrefix(h.Get("Location"), "/nodes/")
		if status, _, b := p.call(t, "POST", "/devices", `{"node":"`+node+`","name":"/dev/sdb"}`); status != 204 {
			t.Fatalf("device add: %d %q", status, b)
		}
	}
	status, h, b := p.call(t, "POST", "/volumes", `{"size":2,"durability":{"type":"replicate","replicate":{"replica":3}}}`)
	if status != 303 {
		t.Fatalf("volume create: %d %q", status, b)
	}
	vol := h.Get("Location")
	p.stop(t)

	p2 := startBasalt(t, port, "--config", cfg, "--disable-auth")
	if status, _, b := p2.call(t, "POST", vol+"/expand", `{"expand_size":1}`); status != 303 {
		t.Fatalf("expand after restart: expected 303, got %d %q", status, b)
	}
	if status, _, b := p2.call(t, "DELETE", vol, ""); status != 204 {
		t.Fatalf("delete after restart: expected 204, got %d %q", status, b)
	}
	p2.stop(t)
}

// writeSelfSignedCert writes a certificate and key for 127.0.0.1 into dir.
func writeSelfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "basalt-test"},
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
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestBinaryServesTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSignedCert(t, dir)
	cfg := fmt.Sprintf(`{"enable_tls":true,"cert_file":%q,"key_file":%q,"glusterfs":{"executor":"mock","db":%q}}`,
		certFile, keyFile, filepath.Join(dir, "heketi.db"))
	path := filepath.Join(dir, "heketi.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command(basaltBinary(t), "--config", path, "--disable-auth", "--port", port)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	client := func(max uint16) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: max}}}
	}
	url := "https://127.0.0.1:" + port + "/hello"
	waitFor(t, "TLS listener", func() bool {
		resp, err := client(0).Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if _, err := client(tls.VersionTLS11).Get(url); err == nil {
		t.Fatal("a TLS 1.1 client must be refused")
	}
	if resp, err := http.Get("http://127.0.0.1:" + port + "/hello"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP must not be served when TLS is on")
		}
	}
}

// TestBinarySIGTERMDuringCreates stops the server while volume creates run:
// it must exit cleanly, and the restarted server must hold no pending
// operation and pass the consistency check.
func TestBinarySIGTERMDuringCreates(t *testing.T) {
	dir := t.TempDir()
	cfg := writeSampleStyleConfig(t, dir)
	port := freePort(t)
	p := startBasalt(t, port, "--config", cfg, "--disable-auth")
	_, _, body := p.call(t, "POST", "/clusters", `{"block":true,"file":true}`)
	var c struct{ ID string }
	_ = json.Unmarshal([]byte(body), &c)
	for i := 1; i <= 3; i++ {
		_, h, _ := p.call(t, "POST", "/nodes", fmt.Sprintf(`{"cluster":%q,"zone":%d,"hostnames":{"manage":["t%d"],"storage":["10.3.0.%d"]}}`, c.ID, i, i, i))
		node := strings.TrimPrefix(h.Get("Location"), "/nodes/")
		p.call(t, "POST", "/devices", `{"node":"`+node+`","name":"/dev/sdb"}`)
	}
	// Fire creates without waiting for them, then SIGTERM.
	for i := 0; i < 20; i++ {
		req, _ := http.NewRequest("POST", p.url+"/volumes", strings.NewReader(`{"size":1,"durability":{"type":"replicate","replicate":{"replica":3}}}`))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	p.stop(t)

	p2 := startBasalt(t, port, "--config", cfg, "--disable-auth")
	if status, _, ops := p2.call(t, "GET", "/operations", ""); status != 200 || !strings.Contains(ops, `"total":0`) {
		t.Fatalf("after restart: expected no pending operations, got %d %s", status, ops)
	}
	status, _, check := p2.call(t, "GET", "/db/check", "")
	if status != 200 || !strings.Contains(check, `"totalinconsistencies": 0`) {
		t.Fatalf("after restart: expected a clean consistency check, got %d %s", status, check)
	}
	// Every volume that exists can be deleted: the nodes match the database.
	_, _, list := p2.call(t, "GET", "/volumes", "")
	var vl struct{ Volumes []string }
	_ = json.Unmarshal([]byte(list), &vl)
	for _, id := range vl.Volumes {
		if status, _, b := p2.call(t, "DELETE", "/volumes/"+id, ""); status != 204 {
			t.Fatalf("delete %s after restart: %d %q", id, status, b)
		}
	}
	p2.stop(t)
}

// TestBinaryOfflineUpdateDBVol runs `basalt offline update-dbvol` on a
// stopped mock server's database: it sets the DB volume's options when the
// marker is missing and leaves a volume that has it alone.
func TestBinaryOfflineUpdateDBVol(t *testing.T) {
	dir := t.TempDir()
	cfg := writeSampleStyleConfig(t, dir)
	p := startBasalt(t, freePort(t), "--config", cfg, "--disable-auth")
	_, _, body := p.call(t, "POST", "/clusters", `{"block":true,"file":true}`)
	var c struct{ ID string }
	_ = json.Unmarshal([]byte(body), &c)
	_, h, _ := p.call(t, "POST", "/nodes", `{"cluster":"`+c.ID+`","zone":1,"hostnames":{"manage":["d1"],"storage":["10.4.0.1"]}}`)
	p.call(t, "POST", "/devices", `{"node":"`+strings.TrimPrefix(h.Get("Location"), "/nodes/")+`","name":"/dev/sdb"}`)
	if status, _, b := p.call(t, "POST", "/volumes", `{"size":2,"name":"heketidbstorage"}`); status != 303 {
		t.Fatalf("db volume create: %d %q", status, b)
	}
	if status, _, b := p.call(t, "POST", "/volumes", `{"size":1,"name":"marked","glustervolumeoptions":["user.heketi.dbstoragelevel 1"]}`); status != 303 {
		t.Fatalf("marked volume create: %d %q", status, b)
	}
	p.stop(t)

	out, err := exec.Command(basaltBinary(t), "offline", "update-dbvol", "--config", cfg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "volume heketidbstorage: database options set") {
		t.Fatalf("update-dbvol: %v\n%s", err, out)
	}
	out, err = exec.Command(basaltBinary(t), "offline", "update-dbvol", "--config", cfg, "--force-volume-name", "marked").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already has its database options") {
		t.Fatalf("update-dbvol on a marked volume: %v\n%s", err, out)
	}
	out, err = exec.Command(basaltBinary(t), "offline", "update-dbvol", "--config", cfg, "--force-volume-name", "nosuch").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no volume named nosuch") {
		t.Fatalf("update-dbvol on a missing volume must fail clearly: %v\n%s", err, out)
	}
}
