// Package functional tests Basalt the way clients meet it: real HTTP against
// the full server stack (router, async jobs, application, bbolt file in a
// temporary directory) with the in-memory fake storage nodes behind cmdexec.
package functional

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors/cmdexec"
	"github.com/basalt-storage/basalt/executors/fakeexec"
	"github.com/basalt-storage/basalt/server"
	"github.com/basalt-storage/basalt/server/async"
)

// diskKiB is the size of every auto-created fake disk (10 GiB).
const diskKiB = 10 * 1024 * 1024

// env is one running Basalt stack.
type env struct {
	t       *testing.T
	cfg     glusterfs.Config
	crashed []*async.Manager // job runners abandoned by crash(), drained at cleanup
	dir     string
	store   *db.BoltStore
	fake    *fakeexec.Fake
	app     *glusterfs.App
	jobs    *async.Manager
	srv     *httptest.Server
	client  *http.Client
}

type envOption func(*fakeexec.Options, *glusterfs.Config)

func withAppConfig(f func(*glusterfs.Config)) envOption {
	return func(_ *fakeexec.Options, c *glusterfs.Config) { f(c) }
}

// newEnv starts a stack on a fresh database.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	fo := fakeexec.Options{AutoNodes: true, AutoDiskSizeKiB: diskKiB}
	var cfg glusterfs.Config
	for _, o := range opts {
		o(&fo, &cfg)
	}
	e := &env{t: t, dir: t.TempDir(), fake: fakeexec.New(fo), cfg: cfg}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func testLog() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

// start opens the database and serves the API (again, after stop).
func (e *env) start() {
	e.t.Helper()
	store, err := db.Open(filepath.Join(e.dir, "heketi.db"), db.Options{})
	if err != nil {
		e.t.Fatalf("open db: %v", err)
	}
	e.store = store
	log := testLog()
	exec := cmdexec.New(e.fake, cmdexec.DefaultConfig(), log)
	e.app = glusterfs.New(store, exec, glusterfs.Options{Log: log, Config: e.cfg})
	if _, err := e.app.Recover(e.t.Context()); err != nil {
		e.t.Fatalf("recover: %v", err)
	}
	e.jobs = async.New(async.Options{MaxRunning: 8, Logger: log})
	e.srv = httptest.NewServer(server.New(e.app, e.jobs, server.Options{Log: log, Store: store}).Handler())
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// stop shuts the stack down cleanly; it may be called more than once.
func (e *env) stop() {
	for _, j := range e.crashed {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_ = j.Shutdown(ctx)
		cancel()
	}
	e.crashed = nil
	if e.srv == nil {
		return
	}
	e.srv.Close()
	_ = e.jobs.Shutdown(e.t.Context())
	_ = e.store.Close()
	e.srv = nil
}

// crash stops serving and closes the database without letting running jobs
// finish, as a killed process would; the abandoned jobs stay blocked in the
// fake nodes until cleanup. Call start to come back up.
func (e *env) crash() {
	e.srv.Close()
	if err := e.store.Close(); err != nil {
		e.t.Fatalf("close db: %v", err)
	}
	e.crashed = append(e.crashed, e.jobs)
	e.srv = nil
}

// restart stops the stack and starts it again on the same database and nodes.
func (e *env) restart() {
	e.stop()
	e.start()
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request; body may be nil, a string (sent as is) or a value (JSON).
func (e *env) do(method, path string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

// wait follows a 202's Location until the job is done and returns the final
// queue response (303, 204 or 500).
func (e *env) wait(r response) response {
	e.t.Helper()
	if r.status != http.StatusAccepted {
		e.t.Fatalf("expected 202 Accepted, got %d: %q", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/queue/") {
		e.t.Fatalf("expected Location /queue/<id>, got %q", loc)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := e.do("GET", loc, nil)
		if p.status != http.StatusOK || p.header.Get("X-Pending") != "true" {
			return p
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s still pending after 10s", loc)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// expect checks status and exact body.
func expect(t *testing.T, what string, r response, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Fatalf("%s: expected %d %q, got %d %q", what, status, body, r.status, r.body)
	}
}

// decodeJSON decodes a response body into v.
func decodeJSON(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// mustCreateCluster creates a file+block cluster and returns its id.
func (e *env) mustCreateCluster() string {
	e.t.Helper()
	r := e.do("POST", "/clusters", `{"block":true,"file":true}`)
	if r.status != http.StatusCreated {
		e.t.Fatalf("cluster create: %d %q", r.status, r.body)
	}
	var c struct{ ID string }
	decodeJSON(e.t, r, &c)
	return c.ID
}

// mustAddNode adds a node and returns its id.
func (e *env) mustAddNode(cluster, manage, storage string, zone int) string {
	e.t.Helper()
	body := map[string]any{"cluster": cluster, "zone": zone, "hostnames": map[string][]string{"manage": {manage}, "storage": {storage}}}
	r := e.wait(e.do("POST", "/nodes", body))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/nodes/") {
		e.t.Fatalf("node add %s: expected 303 to /nodes/<id>, got %d %q %q", manage, r.status, r.header.Get("Location"), r.body)
	}
	return strings.TrimPrefix(r.header.Get("Location"), "/nodes/")
}

// mustAddDevice adds a device and returns its id (read back from node info,
// as Heketi clients must).
func (e *env) mustAddDevice(node, name string) string {
	e.t.Helper()
	r := e.wait(e.do("POST", "/devices", map[string]any{"node": node, "name": name}))
	expect(e.t, "device add "+name, r, http.StatusNoContent, "")
	for _, d := range e.nodeInfo(node).Devices {
		if d.Name == name {
			return d.ID
		}
	}
	e.t.Fatalf("device %s not in node info after add", name)
	return ""
}

type deviceJSON struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	ID      string            `json:"id"`
	State   string            `json:"state"`
	PVUUID  string            `json:"pv_uuid"`
	Paths   []string          `json:"paths"`
	Storage struct{ Total, Free, Used uint64 }
	Bricks  []any `json:"bricks"`
}

type nodeJSON struct {
	Zone      int `json:"zone"`
	Hostnames struct {
		Manage  []string `json:"manage"`
		Storage []string `json:"storage"`
	} `json:"hostnames"`
	Cluster string            `json:"cluster"`
	Tags    map[string]string `json:"tags"`
	ID      string            `json:"id"`
	State   string            `json:"state"`
	Devices []deviceJSON      `json:"devices"`
}

func (e *env) nodeInfo(id string) nodeJSON {
	e.t.Helper()
	r := e.do("GET", "/nodes/"+id, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("node info %s: %d %q", id, r.status, r.body)
	}
	var n nodeJSON
	decodeJSON(e.t, r, &n)
	return n
}

// hasVG reports whether the fake node host has a volume group named vg.
func (e *env) hasVG(host, vg string) bool {
	for _, v := range e.fake.Node(host).Snapshot().VGs {
		if v.Name == vg {
			return true
		}
	}
	return false
}

// topology creates a cluster of n nodes (zone i for node i) with the given
// device names on each, and returns the cluster id and node ids.
func (e *env) topology(n int, devices ...string) (string, []string) {
	e.t.Helper()
	c := e.mustCreateCluster()
	var nodes []string
	for i := 1; i <= n; i++ {
		id := e.mustAddNode(c, fmt.Sprintf("n%d.example.com", i), fmt.Sprintf("10.0.0.%d", i), i)
		for _, d := range devices {
			e.mustAddDevice(id, d)
		}
		nodes = append(nodes, id)
	}
	return c, nodes
}

// hosts returns the manage hostnames topology() uses for n nodes.
func hosts(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("n%d.example.com", i))
	}
	return out
}

// assertNoLeaks fails if any fake node holds a brick LV, mount, fstab line,
// brick directory or gluster volume.
func (e *env) assertNoLeaks(n int) {
	e.t.Helper()
	for _, h := range hosts(n) {
		if l := e.fake.Leaks(h); len(l) > 0 {
			e.t.Errorf("leaks on %s: %v", h, l)
		}
	}
	if l := e.fake.Leaks(""); len(l) > 0 {
		e.t.Errorf("cluster-wide leaks: %v", l)
	}
}

// freeSpace returns every device's free KiB from the API, by device id.
func (e *env) freeSpace(nodes []string) map[string]uint64 {
	e.t.Helper()
	out := map[string]uint64{}
	for _, n := range nodes {
		for _, d := range e.nodeInfo(n).Devices {
			out[d.ID] = d.Storage.Free
		}
	}
	return out
}
