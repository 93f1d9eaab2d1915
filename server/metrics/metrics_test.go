package metrics

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/server/async"
)

// fakeTopology is one cluster, one node, one device with two bricks.
type fakeTopology struct{ fail bool }

func (f fakeTopology) ClusterList() (*api.ClusterListResponse, error) {
	if f.fail {
		return nil, errors.New("database closed")
	}
	return &api.ClusterListResponse{Clusters: []string{"c1"}}, nil
}

func (fakeTopology) ClusterInfo(id string) (*api.ClusterInfoResponse, error) {
	return &api.ClusterInfoResponse{ID: id, Nodes: []string{"n1"}, Volumes: []string{"v1", "v2"}, BlockVolumes: []string{}}, nil
}

func (fakeTopology) NodeInfo(id string) (*api.NodeInfoResponse, error) {
	n := &api.NodeInfoResponse{}
	n.ID = id
	n.Hostnames = api.HostAddresses{Manage: []string{"m1"}, Storage: []string{"10.0.0.1"}}
	d := api.DeviceInfoResponse{Bricks: []api.BrickInfo{{ID: "b1"}, {ID: "b2"}}}
	d.ID, d.Name, d.PVUUID = "d1", "/dev/vdb", "pv-1"
	d.Storage = api.StorageSize{Total: 100, Free: 60, Used: 40}
	n.DevicesInfo = []api.DeviceInfoResponse{d}
	return n, nil
}

func (fakeTopology) OperationsInfo() (*glusterfs.OperationsSummary, error) {
	return &glusterfs.OperationsSummary{Total: 3, InFlight: 1, Stale: 1, Failed: 1, New: 1}, nil
}

func (fakeTopology) InFlight() int { return 1 }

type fakeJobs struct{}

func (fakeJobs) Stats() async.Stats { return async.Stats{Running: 2, Waiting: 5} }

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: expected 200, got %d %q", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

func TestScrapeHasHeketiGaugesAndBasaltFamilies(t *testing.T) {
	m := New(Options{Version: "v9.9.9"})
	m.Watch(fakeTopology{}, fakeJobs{})
	m.ObserveHTTP("volume create", "POST", 202, 3*time.Millisecond)
	m.ObserveOperation("volume create", "success", 2*time.Second)
	m.ObserveCommand("lvcreate", "m1", 40*time.Millisecond)
	body := scrape(t, m)

	dev := `{cluster="c1",device="/dev/vdb",hostname="m1",id="d1",pv_uuid="pv-1",storage_hostname="10.0.0.1"}`
	for _, want := range []string{
		"heketi_up 1",
		"heketi_cluster_count 1",
		`heketi_volumes_count{cluster="c1"} 2`,
		`heketi_block_volumes_count{cluster="c1"} 0`,
		`heketi_nodes_count{cluster="c1"} 1`,
		`heketi_device_count{cluster="c1",hostname="m1",storage_hostname="10.0.0.1"} 1`,
		"heketi_device_size" + dev + " 100",
		"heketi_device_free" + dev + " 60",
		"heketi_device_used" + dev + " 40",
		"heketi_device_size_bytes" + dev + " 102400",
		"heketi_device_free_bytes" + dev + " 61440",
		"heketi_device_used_bytes" + dev + " 40960",
		"heketi_device_brick_count" + dev + " 2",
		"heketi_operations_stale_count 1",
		"heketi_operations_failed_count 1",
		"heketi_operations_new_count 1",
		"heketi_operations_total_count 3",
		"heketi_operations_inFlight_count 1",
		"basalt_inflight_operations 1",
		"basalt_jobs_running 2",
		"basalt_jobs_waiting 5",
		`basalt_build_info{goversion="go`,
		`basalt_http_request_duration_seconds_count{code="202",method="POST",route="volume create"} 1`,
		`basalt_operation_duration_seconds_count{outcome="success",type="volume create"} 1`,
		`basalt_executor_command_duration_seconds_count{command="lvcreate",host="m1"} 1`,
		"go_goroutines ",
		"process_",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", body)
	}
	promtoolCheck(t, body)
}

func TestScrapeWhenTopologyCannotBeRead(t *testing.T) {
	m := New(Options{})
	m.Watch(fakeTopology{fail: true}, nil)
	body := scrape(t, m)
	if !strings.Contains(body, "heketi_up 0") {
		t.Errorf("expected heketi_up 0 when the topology read fails, got:\n%s", body)
	}
	if strings.Contains(body, "heketi_cluster_count") {
		t.Errorf("expected no topology gauges when the read fails, got:\n%s", body)
	}
}

func TestNilMetricsObserveNothing(t *testing.T) {
	var m *Metrics
	m.ObserveHTTP("x", "GET", 200, time.Second)
	m.ObserveOperation("x", "success", time.Second)
	m.ObserveCommand("x", "h", time.Second)
}

// promtoolCheck lints an exposition with `promtool check metrics` (Debian
// package "prometheus"); the test fails when promtool is not installed.
func promtoolCheck(t *testing.T, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (install the Debian package \"prometheus\"): %v", err)
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	// heketi_* names are Heketi's and break two conventions on purpose
	// (KiB units and _count on gauges); everything else must be clean.
	var problems []string
	for _, line := range strings.Split(out.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "heketi_") {
			problems = append(problems, line)
		}
	}
	if len(problems) > 0 {
		t.Errorf("promtool check metrics: expected no problems outside heketi_*, got (exit %v):\n%s", err, strings.Join(problems, "\n"))
	}
	if err != nil && len(problems) == 0 && !strings.Contains(out.String(), "heketi_") {
		t.Errorf("promtool check metrics failed: %v\n%s", err, out.String())
	}
}
