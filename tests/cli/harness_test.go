// Package cli holds the end-to-end tests of basalt-cli: the real CLI binary
// run as a subprocess against a real basalt server (mock executor, JWT on),
// with text and --json output compared against golden files in testdata
// after ids are replaced by stable names. Run with -update to rewrite the
// golden files.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/client"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	buildOnce         sync.Once
	serverBin, cliBin string
	buildErr          error
	repoRoot          = func() string { _, f, _, _ := runtime.Caller(0); return filepath.Join(filepath.Dir(f), "..", "..") }()
	testAdminKey      = "cli-test-admin-key"
	testUserKey       = "cli-test-user-key"
)

// binaries builds basalt and basalt-cli once per test run.
func binaries(t *testing.T) (string, string) {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "basalt-cli-test-")
		if err != nil {
			buildErr = err
			return
		}
		serverBin = filepath.Join(dir, "basalt")
		cliBin = filepath.Join(dir, "basalt-cli")
		for _, b := range []struct{ out, pkg string }{{serverBin, "."}, {cliBin, "./client/cli/basalt-cli"}} {
			cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
			cmd.Dir = repoRoot
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return serverBin, cliBin
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

// server is a running basalt process.
type server struct {
	url string
	out *bytes.Buffer
	mu  sync.Mutex
}

func (s *server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// startServer runs basalt with a heketi.json derived from the sample: mock
// executor, database in a temporary directory, auth on with test keys.
func startServer(t *testing.T) *server {
	t.Helper()
	srvBin, _ := binaries(t)
	dir := t.TempDir()
	sample, err := os.ReadFile(filepath.Join(repoRoot, "heketi.json.sample"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(sample, &doc); err != nil {
		t.Fatalf("heketi.json.sample is not JSON: %v", err)
	}
	doc["jwt"] = map[string]any{"admin": map[string]any{"key": testAdminKey}, "user": map[string]any{"key": testUserKey}}
	gfs := doc["glusterfs"].(map[string]any)
	gfs["db"] = filepath.Join(dir, "heketi.db")
	gfs["executor"] = "mock"
	cfg, _ := json.MarshalIndent(doc, "", "  ")
	cfgPath := filepath.Join(dir, "heketi.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s := &server{url: "http://127.0.0.1:" + port, out: &bytes.Buffer{}}
	cmd := exec.Command(srvBin, "--config", cfgPath)
	cmd.Env = append(os.Environ(), "HEKETI_HTTP_PORT="+port)
	cmd.Stdout, cmd.Stderr = s, s
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			lines := strings.Split(s.log(), "\n")
			t.Logf("server log (last 40 lines):\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("basalt exited early (%v):\n%s", err, s.log())
		default:
		}
		if resp, err := http.Get(s.url + "/hello"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("basalt did not answer /hello within 30s:\n%s", s.log())
	return nil
}

// result is what one CLI run produced.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs basalt-cli with args and extra environment (the inherited
// HEKETI_CLI_* variables are removed first).
func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	_, bin := binaries(t)
	cmd := exec.Command(bin, args...)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "HEKETI_CLI_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run basalt-cli %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// env is a test's view of one server: how to run the CLI against it and
// how to turn its ids into stable names.
type env struct {
	t    *testing.T
	srv  *server
	c    *client.Client
	norm *normaliser
	dir  string
}

func newEnv(t *testing.T) *env {
	s := startServer(t)
	c, err := client.New(s.url, "admin", testAdminKey)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: s, c: c, norm: newNormaliser(), dir: t.TempDir()}
}

// cli runs the CLI as admin with the global flags.
func (e *env) cli(args ...string) result {
	e.t.Helper()
	return runCLI(e.t, nil, append([]string{"--server", e.srv.url, "--user", "admin", "--secret", testAdminKey}, args...)...)
}

// ok runs the CLI, fails the test unless it exits 0, learns new ids and
// returns the normalised standard output.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	r := e.cli(args...)
	if r.code != 0 {
		e.t.Fatalf("basalt-cli %s: expected exit 0, got %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	e.learn()
	return e.norm.text(r.stdout)
}

// learn reads the topology and names every id not named yet.
func (e *env) learn() {
	e.t.Helper()
	topo, err := e.c.TopologyInfo(context.Background())
	if err != nil {
		e.t.Fatalf("topology: %v", err)
	}
	for _, cl := range topo.ClusterList {
		e.norm.name(cl.ID, fmt.Sprintf("<CLUSTER%d>", e.norm.clusters+1), &e.norm.clusters)
		for _, n := range cl.Nodes {
			host := n.Hostnames.Manage[0]
			e.norm.name(n.ID, "<NODE:"+host+">", nil)
			for _, d := range n.DevicesInfo {
				e.norm.name(d.ID, "<DEVICE:"+host+":"+d.Name+">", nil)
			}
		}
		for _, v := range cl.Volumes {
			e.norm.name(v.ID, "<VOLUME:"+v.Name+">", nil)
		}
	}
}

// normaliser replaces ids by names and storage IPs by <IP>.
type normaliser struct {
	names    map[string]string
	clusters int
}

func newNormaliser() *normaliser { return &normaliser{names: map[string]string{}} }

// name records a name for id unless it has one; counter (if not nil) is
// incremented when the name is new.
func (n *normaliser) name(id, name string, counter *int) {
	if _, ok := n.names[id]; ok {
		return
	}
	n.names[id] = name
	if counter != nil {
		*counter++
	}
}

var (
	idRE     = regexp.MustCompile(`[0-9a-f]{32}`)
	ipRE     = regexp.MustCompile(`192\.168\.10\.[0-9]+`)
	pvUUIDRE = regexp.MustCompile(`"[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}"`)
	uuidRE   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	pvNameRE = regexp.MustCompile(`glusterfs-[0-9a-f]{8}\b`)
)

// text normalises CLI output.
func (n *normaliser) text(s string) string {
	s = idRE.ReplaceAllStringFunc(s, func(id string) string {
		if name, ok := n.names[id]; ok {
			return name
		}
		return "<ID>"
	})
	s = uuidRE.ReplaceAllString(s, "<UUID>")
	s = pvUUIDRE.ReplaceAllString(s, `"<PV-UUID>"`)
	s = pvNameRE.ReplaceAllString(s, "glusterfs-<ID-PREFIX>")
	return ipRE.ReplaceAllString(s, "<IP>")
}

// canonicalJSON normalises a JSON document and sorts every array, so that
// the id order the server uses does not matter.
func (n *normaliser) canonicalJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(n.text(s)), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, s)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sortArrays(v)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func sortArrays(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = sortArrays(e)
		}
	case []any:
		keys := make([]string, len(x))
		for i := range x {
			x[i] = sortArrays(x[i])
			b, _ := json.Marshal(x[i])
			keys[i] = string(b)
		}
		idx := make([]int, len(x))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
		out := make([]any, len(x))
		for i, j := range idx {
			out[i] = x[j]
		}
		return out
	}
	return v
}

// golden compares got with testdata/<name>.golden (rewriting it with
// -update). With unordered, the lines are compared as a sorted multiset,
// for outputs whose order follows random ids.
func golden(t *testing.T, name, got string, unordered bool) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	wantB, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	want := string(wantB)
	if unordered {
		if sortedLines(got) != sortedLines(want) {
			t.Errorf("%s: output differs (line order ignored)\nexpected:\n%s\ngot:\n%s", name, want, got)
		}
		return
	}
	if got != want {
		t.Errorf("%s: output differs\nexpected:\n%s\ngot:\n%s", name, want, got)
	}
}

func sortedLines(s string) string {
	lines := strings.Split(s, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
