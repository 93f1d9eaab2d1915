package functional

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors/cmdexec"
	"github.com/basalt-storage/basalt/executors/fakeexec"
	"github.com/basalt-storage/basalt/executors/instrumented"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
	"github.com/basalt-storage/basalt/server"
	"github.com/basalt-storage/basalt/server/async"
	"github.com/basalt-storage/basalt/server/metrics"
)

// opsEnv is a stack wired as serve.go wires it for operators: metrics
// registry, instrumented transport, metrics-aware server.
type opsEnv struct {
	*env
	metrics *metrics.Metrics
	server  *server.Server
}

func newOpsEnv(t *testing.T, opts ...envOption) *opsEnv {
	t.Helper()
	fo := fakeexec.Options{AutoNodes: true, AutoDiskSizeKiB: diskKiB}
	var cfg glusterfs.Config
	for _, o := range opts {
		o(&fo, &cfg)
	}
	e := &env{t: t, dir: t.TempDir(), fake: fakeexec.New(fo), cfg: cfg}
	store, err := db.Open(filepath.Join(e.dir, "heketi.db"), db.Options{})
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	e.store = store
	log := testLog()
	m := metrics.New(metrics.Options{Version: "v0.0.0-test", Log: log})
	exec := cmdexec.New(instrumented.New(e.fake, m), cmdexec.DefaultConfig(), log)
	e.app = glusterfs.New(store, exec, glusterfs.Options{Log: log, Config: cfg})
	e.jobs = async.New(async.Options{MaxRunning: 8, Logger: log})
	m.Watch(e.app, e.jobs)
	srv := server.New(e.app, e.jobs, server.Options{Log: log, Metrics: m})
	e.srv = httptest.NewServer(srv.Handler())
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(e.stop)
	return &opsEnv{env: e, metrics: m, server: srv}
}

// failVolumeCreateAndRollback makes a volume create fail at `gluster volume
// create` and its rollback fail at lvremove, which leaves a failed pending
// operation. It returns the operation id and a function removing the faults.
func (e *opsEnv) failVolumeCreateAndRollback(t *testing.T) (string, func()) {
	t.Helper()
	rm1 := e.fake.Inject(fakeexec.Fault{Match: `volume create`, ExitStatus: 1, Stderr: "volume create: vol: failed: injected"})
	rm2 := e.fake.Inject(fakeexec.Fault{Match: `lvremove`, ExitStatus: 5, Stderr: "  Logical volume is busy (injected)"})
	r := e.createVolume(`{"size":1,"durability":{"type":"replicate","replicate":{"replica":3}}}`)
	expect(t, "volume create with failing rollback", r, http.StatusInternalServerError, "volume create: vol: failed: injected\n")
	var list struct {
		Ops []struct {
			ID string `json:"id"`
		} `json:"pendingoperations"`
	}
	decodeJSON(t, e.do("GET", "/operations/pending", nil), &list)
	if len(list.Ops) != 1 {
		t.Fatalf("expected one pending operation after the failed rollback, got %+v", list)
	}
	return list.Ops[0].ID, func() { rm1(); rm2() }
}

func TestOperationsRoutes(t *testing.T) {
	e := newOpsEnv(t)
	e.topology(3, "/dev/vdb")

	expect(t, "operations info, nothing pending", e.do("GET", "/operations", nil), 200,
		`{"total":0,"in_flight":0,"stale":0,"failed":0,"new":0}`+"\n")
	expect(t, "pending list, empty", e.do("GET", "/operations/pending", nil), 200, `{"pendingoperations":[]}`+"\n")

	opID, unfault := e.failVolumeCreateAndRollback(t)

	expect(t, "operations info, one failed", e.do("GET", "/operations", nil), 200,
		`{"total":1,"in_flight":0,"stale":0,"failed":1,"new":0}`+"\n")
	expect(t, "pending list, one failed", e.do("GET", "/operations/pending", nil), 200,
		`{"pendingoperations":[{"id":"`+opID+`","type_name":"create-volume","status":"failed","sub_status":""}]}`+"\n")

	r := e.do("GET", "/operations/pending/"+opID, nil)
	var details struct {
		ID, TypeName, Status string
		Changes              []struct{ ID, Description string }
		Error                string
	}
	decodeJSON(t, r, &details)
	descs := map[string]int{}
	for _, c := range details.Changes {
		descs[c.Description]++
	}
	if r.status != 200 || details.ID != opID || details.Status != "failed" || descs["Add volume"] != 1 || descs["Add brick"] != 3 {
		t.Errorf("pending details: expected 200, failed create-volume with 1 'Add volume' and 3 'Add brick' changes, got %d %s", r.status, r.body)
	}
	if !strings.Contains(details.Error, "busy (injected)") {
		t.Errorf("pending details: expected the rollback error in \"error\", got %q", details.Error)
	}

	unknown := idgen.New()
	expect(t, "pending details, unknown id", e.do("GET", "/operations/pending/"+unknown, nil), 404, "Id not found: "+unknown+"\n")
	expect(t, "pending details, non-hex id", e.do("GET", "/operations/pending/xyz", nil), 404, errs.TextInvalidPath+"\n")
	expect(t, "cleanup, unparsable body", e.do("POST", "/operations/pending/cleanup", "{not json"), 422, errs.TextUnparsable+"\n")
	expect(t, "cleanup, bad id", e.do("POST", "/operations/pending/cleanup", `{"operations":["xyz"]}`), 400,
		"validation failed: operations: xyz is not a valid UUID.\n")

	// While the fault lasts, cleanup fails and keeps the operation.
	r = e.wait(e.do("POST", "/operations/pending/cleanup", `{"operations":["`+opID+`"]}`))
	if r.status != 500 || !strings.Contains(r.body, "could not be cleaned up") {
		t.Errorf("cleanup under fault: expected 500 naming the failure, got %d %q", r.status, r.body)
	}
	unfault()
	expect(t, "cleanup, no body, fault removed", e.wait(e.do("POST", "/operations/pending/cleanup", nil)), 204, "")
	expect(t, "operations info after cleanup", e.do("GET", "/operations", nil), 200,
		`{"total":0,"in_flight":0,"stale":0,"failed":0,"new":0}`+"\n")
	e.assertNoLeaks(3)

	body := e.do("GET", "/metrics", nil).body
	for _, want := range []string{
		`basalt_operation_duration_seconds_count{outcome="failure",type="volume create"} 1`,
		`basalt_operation_duration_seconds_count{outcome="failure",type="pending operation cleanup"} 1`,
		`basalt_operation_duration_seconds_count{outcome="success",type="pending operation cleanup"} 1`,
		"heketi_operations_total_count 0",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMetricsScrape(t *testing.T) {
	e := newOpsEnv(t)
	cluster, nodes := e.topology(3, "/dev/vdb")
	v := e.mustCreateVolume(`{"size":1,"durability":{"type":"replicate","replicate":{"replica":3}}}`)

	r := e.do("GET", "/metrics", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: expected 200 text/plain, got %d %q", r.status, r.header.Get("Content-Type"))
	}
	body := r.body
	n1 := e.nodeInfo(nodes[0])
	d := n1.Devices[0]
	dev := fmt.Sprintf(`{cluster="%s",device="/dev/vdb",hostname="n1.example.com",id="%s",pv_uuid="%s",storage_hostname="10.0.0.1"}`, cluster, d.ID, d.PVUUID)
	// Prometheus writes values as strconv does with the shortest "g" format.
	num := func(v uint64) string { return strconv.FormatFloat(float64(v), 'g', -1, 64) }
	want := []string{
		"heketi_up 1",
		"heketi_cluster_count 1",
		fmt.Sprintf(`heketi_volumes_count{cluster="%s"} 1`, cluster),
		fmt.Sprintf(`heketi_block_volumes_count{cluster="%s"} 0`, cluster),
		fmt.Sprintf(`heketi_nodes_count{cluster="%s"} 3`, cluster),
		fmt.Sprintf(`heketi_device_count{cluster="%s",hostname="n1.example.com",storage_hostname="10.0.0.1"} 1`, cluster),
		"heketi_device_size" + dev + " " + num(d.Storage.Total),
		"heketi_device_free" + dev + " " + num(d.Storage.Free),
		"heketi_device_used" + dev + " " + num(d.Storage.Used),
		"heketi_device_size_bytes" + dev + " " + num(d.Storage.Total*1024),
		"heketi_device_free_bytes" + dev + " " + num(d.Storage.Free*1024),
		"heketi_device_used_bytes" + dev + " " + num(d.Storage.Used*1024),
		"heketi_device_brick_count" + dev + " 1",
		"heketi_operations_stale_count 0",
		"heketi_operations_failed_count 0",
		"heketi_operations_new_count 0",
		"heketi_operations_total_count 0",
		"heketi_operations_inFlight_count 0",
		"basalt_inflight_operations 0",
		"basalt_jobs_running 0",
		"basalt_jobs_waiting 0",
		`basalt_build_info{goversion="go`,
		`basalt_http_request_duration_seconds_count{code="201",method="POST",route="cluster create"} 1`,
		`basalt_http_request_duration_seconds_count{code="202",method="POST",route="volume create"} 1`,
		`basalt_operation_duration_seconds_count{outcome="success",type="volume create"} 1`,
		`basalt_operation_duration_seconds_count{outcome="success",type="node add"} 3`,
		`basalt_executor_command_duration_seconds_count{command="lvcreate",host="n1.example.com"}`,
		`basalt_executor_command_duration_seconds_count{command="gluster",host=`,
		`basalt_executor_command_duration_seconds_bucket{command="systemctl",host="n1.example.com",le="+Inf"}`,
		"go_goroutines ",
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("metrics lack %q", w)
		}
	}
	// Raw paths (with ids) must never become label values.
	if regexp.MustCompile(`route="/`).MatchString(body) || strings.Contains(body, v.ID) {
		t.Errorf("metrics contain a raw path or a volume id in a label")
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", body)
	}

	// Prometheus' own linter accepts everything but Heketi's legacy names.
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (install the Debian package \"prometheus\"): %v", err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	for _, line := range strings.Split(out.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "heketi_") {
			t.Errorf("promtool check metrics: %s", line)
		}
	}
}

func TestLivezReadyz(t *testing.T) {
	e := newOpsEnv(t)
	expect(t, "livez", e.do("GET", "/livez", nil), 200, "ok")
	expect(t, "readyz", e.do("GET", "/readyz", nil), 200, "ok")

	e.server.SetShuttingDown()
	expect(t, "readyz during shutdown", e.do("GET", "/readyz", nil), 503, "shutting down")
	expect(t, "livez during shutdown", e.do("GET", "/livez", nil), 200, "ok")

	// A second server over a closed database is alive but not ready.
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	other := httptest.NewServer(server.New(e.app, e.jobs, server.Options{Log: testLog()}).Handler())
	defer other.Close()
	for path, want := range map[string]int{"/livez": 200, "/readyz": 503, "/metrics": 404} {
		resp, err := http.Get(other.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s with a closed database and no metrics: expected %d, got %d", path, want, resp.StatusCode)
		}
	}
}

func TestHealthMonitorExcludesDownNode(t *testing.T) {
	e := newOpsEnv(t)
	_, nodes := e.topology(4, "/dev/vdb")
	down := nodes[0]
	e.fake.Node("n1.example.com").SetGlusterd(false)

	if !e.app.NodeHealthy(down) {
		t.Fatalf("expected a node never checked to count as healthy")
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); e.app.WaitBackground() })
	e.app.StartHealthMonitor(ctx, 0, 20*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for e.app.NodeHealthy(down) {
		if time.Now().After(deadline) {
			t.Fatalf("node with glusterd down still healthy after 5s of monitoring")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, n := range nodes[1:] {
		if !e.app.NodeHealthy(n) {
			t.Errorf("node %s with glusterd up reported unhealthy", n)
		}
	}

	for i := 0; i < 3; i++ {
		v := e.mustCreateVolume(`{"size":1,"durability":{"type":"replicate","replicate":{"replica":3}}}`)
		for _, b := range v.Bricks {
			if b.Node == down {
				t.Errorf("volume %d: brick %s placed on node %s whose glusterd is down", i, b.ID, down)
			}
		}
	}

	e.fake.Node("n1.example.com").SetGlusterd(true)
	deadline = time.Now().Add(5 * time.Second)
	for !e.app.NodeHealthy(down) {
		if time.Now().After(deadline) {
			t.Fatalf("node still unhealthy 5s after glusterd came back")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBackgroundCleaner(t *testing.T) {
	e := newOpsEnv(t)
	e.topology(3, "/dev/vdb")
	failedID, unfault := e.failVolumeCreateAndRollback(t)
	unfault()

	// An abandoned new operation (no job tracks it, older than a minute)
	// whose records are gone: the cleaner marks it stale, then drops it.
	abandoned := &db.PendingOp{ID: idgen.New(), Type: db.OpCreateVolume, Timestamp: time.Now().Add(-2 * time.Minute).Unix(),
		Actions: []db.PendingAction{{Change: db.ChangeAddVolume, ID: idgen.New()}}}
	// A fresh new operation is left alone.
	fresh := &db.PendingOp{ID: idgen.New(), Type: db.OpCreateVolume, Timestamp: time.Now().Unix(),
		Actions: []db.PendingAction{{Change: db.ChangeAddVolume, ID: idgen.New()}}}
	if err := e.store.Update(func(w db.Writer) error {
		if err := w.PutPendingOp(abandoned); err != nil {
			return err
		}
		return w.PutPendingOp(fresh)
	}); err != nil {
		t.Fatal(err)
	}

	rep, err := e.app.CleanStaleOperations(context.Background())
	if err != nil {
		t.Fatalf("cleaner pass: %v", err)
	}
	if len(rep.MarkedStale) != 1 || rep.MarkedStale[0] != abandoned.ID {
		t.Errorf("expected only the abandoned operation marked stale, got %v", rep.MarkedStale)
	}
	if len(rep.RolledBack) != 2 || len(rep.Failed) != 0 || !slices.Contains(rep.RolledBack, failedID) || !slices.Contains(rep.RolledBack, abandoned.ID) {
		t.Errorf("expected the failed (%s) and the abandoned (%s) operations rolled back, got %+v", failedID, abandoned.ID, rep.RecoveryReport)
	}
	expect(t, "pending after the pass", e.do("GET", "/operations/pending", nil), 200,
		`{"pendingoperations":[{"id":"`+fresh.ID+`","type_name":"create-volume","status":"","sub_status":""}]}`+"\n")
	e.assertNoLeaks(3)

	// The background loop does the same on its own.
	if err := e.store.Update(func(w db.Writer) error { return w.DeletePendingOp(fresh.ID) }); err != nil {
		t.Fatal(err)
	}
	_, unfault = e.failVolumeCreateAndRollback(t)
	unfault()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); e.app.WaitBackground() })
	e.app.StartBackgroundCleaner(ctx, 0, time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for e.do("GET", "/operations", nil).body != `{"total":0,"in_flight":0,"stale":0,"failed":0,"new":0}`+"\n" {
		if time.Now().After(deadline) {
			t.Fatalf("background cleaner did not repair the failed operation within 10s: %s", e.do("GET", "/operations/pending", nil).body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.assertNoLeaks(3)
}
