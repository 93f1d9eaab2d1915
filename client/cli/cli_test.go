package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/basalt-storage/basalt/client/api"
)

func TestTopologyFileDeviceForms(t *testing.T) {
	var f TopologyFile
	doc := `{"clusters":[{"file":false,"nodes":[{"node":{"zone":1,"hostnames":{"manage":["m"],"storage":["s"]}},
		"devices":["/dev/sdb",{"name":"/dev/sdc","destroydata":true,"tags":{"a":"b"}}]}]}]}`
	if err := json.Unmarshal([]byte(doc), &f); err != nil {
		t.Fatal(err)
	}
	cl := f.Clusters[0]
	if cl.Block != nil || cl.File == nil || *cl.File {
		t.Errorf("flags: expected block absent and file false, got %v %v", cl.Block, cl.File)
	}
	got := cl.Nodes[0].Devices
	want := []TopologyFileDevice{{Name: "/dev/sdb"}, {Name: "/dev/sdc", DestroyData: true, Tags: map[string]string{"a": "b"}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("devices: expected %v, got %v", want, got)
	}
	if err := json.Unmarshal([]byte(`{"clusters":[{"nodes":[{"devices":[42]}]}]}`), &f); err == nil {
		t.Errorf("a device that is neither string nor object must be rejected")
	}
}

func TestVolumeInfoText(t *testing.T) {
	bricks := make([]api.BrickInfo, 6)
	vol := func(d api.VolumeDurabilityInfo) *api.VolumeInfoResponse {
		v := &api.VolumeInfoResponse{Bricks: bricks}
		v.Durability = d
		return v
	}
	tests := []struct {
		name string
		v    *api.VolumeInfoResponse
		want []string
	}{
		{"replica 3", vol(api.VolumeDurabilityInfo{Type: "replicate", Replicate: api.ReplicaDurability{Replica: 3}}),
			[]string{"Durability Type: replicate\nDistribute Count: 2\nReplica Count: 3\n"}},
		// heketi-cli divides by zero here; the server builds replica-0 volumes 2-way.
		{"replica 0", vol(api.VolumeDurabilityInfo{Type: "replicate"}),
			[]string{"Distribute Count: 3\nReplica Count: 2\n"}},
		{"disperse 4+2", vol(api.VolumeDurabilityInfo{Type: "disperse", Disperse: api.DisperseDurability{Data: 4, Redundancy: 2}}),
			[]string{"Distribute Count: 1\nDisperse Data Count: 4\nDisperse Redundancy Count: 2\n"}},
		{"disperse 0+0", vol(api.VolumeDurabilityInfo{Type: "disperse"}), []string{"Distribute Count: 6\n"}},
		{"none", vol(api.VolumeDurabilityInfo{}), []string{"Durability Type: none\nDistribute Count: 6\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := formatVolumeInfo(tc.v)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("expected the text to contain %q, got:\n%s", w, got)
				}
			}
		})
	}
}

// fakeTopologyServer serves one cluster with nodes nodes and vols volumes
// from precomputed bodies, like a Heketi server (no auth check).
func fakeTopologyServer(t testing.TB, nodes, vols int) *httptest.Server {
	t.Helper()
	const cid = "c0000000000000000000000000000000"
	ci := api.ClusterInfoResponse{ID: cid, Nodes: []string{}, Volumes: []string{}, BlockVolumes: []string{}}
	bodies := map[string][]byte{}
	for i := range nodes {
		id := fmt.Sprintf("%032x", 0x10000+i)
		ci.Nodes = append(ci.Nodes, id)
		n := api.NodeInfoResponse{State: "online", DevicesInfo: []api.DeviceInfoResponse{}}
		n.ID, n.ClusterID, n.Zone = id, cid, 1
		n.Hostnames = api.HostAddresses{Manage: []string{fmt.Sprintf("node%d", i)}, Storage: []string{fmt.Sprintf("10.0.0.%d", i)}}
		bodies["/nodes/"+id], _ = json.Marshal(n)
	}
	for i := range vols {
		id := fmt.Sprintf("%032x", 0x900000+i)
		ci.Volumes = append(ci.Volumes, id)
		v := api.VolumeInfoResponse{Bricks: []api.BrickInfo{}}
		v.ID, v.Cluster, v.Name, v.Size = id, cid, "vol_"+id, 1
		v.Durability = api.VolumeDurabilityInfo{Type: "replicate", Replicate: api.ReplicaDurability{Replica: 3}}
		v.Mount.GlusterFS = api.GlusterFSMount{Hosts: []string{"10.0.0.0"}, MountPoint: "10.0.0.0:vol_" + id, Options: map[string]string{"backup-volfile-servers": ""}}
		bodies["/volumes/"+id], _ = json.Marshal(v)
	}
	bodies["/clusters"], _ = json.Marshal(api.ClusterListResponse{Clusters: []string{cid}})
	bodies["/clusters/"+cid], _ = json.Marshal(ci)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.Error(w, "Invalid path or request", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestTopologyInfoTenThousandVolumes prints the topology of 10,000 volumes
// (one GET each, as the API requires) in both formats; how fast, the
// benchmark below measures (heketi-cli fetches them one after the other and
// takes seconds).
func TestTopologyInfoTenThousandVolumes(t *testing.T) {
	srv := fakeTopologyServer(t, 3, 10000)
	for _, args := range [][]string{{"topology", "info"}, {"topology", "info", "--json"}} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"--server", srv.URL}, args...), Options{Stdout: &out, Stderr: &errb})
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		if n := strings.Count(out.String(), "vol_"); n < 10000 {
			t.Errorf("%v: expected every volume in the output, found %d mentions", args, n)
		}
	}
}

// BenchmarkTopologyInfoTenThousandVolumes: `topology info` of 10,000
// volumes, text and JSON.
func BenchmarkTopologyInfoTenThousandVolumes(b *testing.B) {
	srv := fakeTopologyServer(b, 3, 10000)
	for name, args := range map[string][]string{"text": {"topology", "info"}, "json": {"topology", "info", "--json"}} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				var out, errb bytes.Buffer
				if code := Run(context.Background(), append([]string{"--server", srv.URL}, args...), Options{Stdout: &out, Stderr: &errb}); code != 0 {
					b.Fatalf("%v: exit %d: %s", args, code, errb.String())
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	srv := fakeTopologyServer(t, 1, 0)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"volume", "info", strings.Repeat("0", 32)}, "Error: Invalid path or request\n"},
		{[]string{"node", "info"}, "Error: Node id missing\n"},
		{[]string{"topology", "load"}, "Error: Missing configuration file\n"},
		{[]string{"topology", "info", "-T", "{{.Nope"}, "Error: invalid template: template: topology:1: unclosed action\n"},
		{[]string{"volume", "set-block-hosting-restriction", "open", "x"}, "Error: Invalid restriction \"open\": expected locked or unlocked\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(context.Background(), append([]string{"-s", srv.URL}, tc.args...), Options{Stdout: &out, Stderr: &errb})
			if code != ExitError || errb.String() != tc.want {
				t.Errorf("expected exit %d and %q, got %d and %q", ExitError, tc.want, code, errb.String())
			}
		})
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	srv := fakeTopologyServer(t, 2, 0)
	env := map[string]string{EnvServer: srv.URL}
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"node", "list"}, Options{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "Id:00000000000000000000000000010000\tCluster:c0000000000000000000000000000000\n" +
		"Id:00000000000000000000000000010001\tCluster:c0000000000000000000000000000000\n"
	if out.String() != want {
		t.Errorf("expected\n%q\ngot\n%q", want, out.String())
	}
}

// recorder is a fake server that answers from a table keyed by
// "METHOD path" and records every request with its body.
type recorder struct {
	mu      sync.Mutex
	seen    []string
	bodies  map[string]string
	answers map[string]func(w http.ResponseWriter)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.seen = append(rec.seen, key)
	rec.bodies[key] = string(b)
	answer := rec.answers[key]
	rec.mu.Unlock()
	if answer == nil {
		http.Error(w, "Invalid path or request", http.StatusNotFound)
		return
	}
	answer(w)
}

func jsonAnswer(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func redirect(status int, loc string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Location", loc)
		w.WriteHeader(status)
	}
}

func newRecorder(t *testing.T, answers map[string]func(http.ResponseWriter)) (*recorder, string) {
	rec := &recorder{bodies: map[string]string{}, answers: answers}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

const fakeVolume = `{"size":2,"name":"heketidbstorage","durability":{"type":"replicate","replicate":{"replica":3},"disperse":{}},` +
	`"snapshot":{"enable":false,"factor":1},"id":"v1","cluster":"c1","mount":{"glusterfs":{"hosts":["10.0.0.1"],` +
	`"device":"10.0.0.1:heketidbstorage","options":{"backup-volfile-servers":""}}},"blockinfo":{},"bricks":[]}`

func TestVolumeCreateBody(t *testing.T) {
	rec, url := newRecorder(t, map[string]func(http.ResponseWriter){
		"POST /volumes":   redirect(http.StatusAccepted, "/queue/1"),
		"GET /queue/1":    redirect(http.StatusSeeOther, "/volumes/v1"),
		"GET /volumes/v1": jsonAnswer(http.StatusOK, fakeVolume),
	})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--size=1", "--durability=none"},
			`{"size":1,"name":"","durability":{"type":"none","replicate":{"replica":3},"disperse":{"data":4,"redundancy":2}},"snapshot":{"enable":false,"factor":0}}`},
		{[]string{"--size=3", "--name=v", "--replica=2", "--gid=7", "--snapshot-factor=1.5", "--clusters=a,b", "--gluster-volume-options=k v,k2 v2", "--block"},
			`{"size":3,"clusters":["a","b"],"name":"v","durability":{"type":"replicate","replicate":{"replica":2},"disperse":{"data":4,"redundancy":2}},"gid":7,"glustervolumeoptions":["k v","k2 v2"],"block":true,"snapshot":{"enable":true,"factor":1.5}}`},
		{[]string{"--size=1", "--snapshot-factor=1.0", "--durability=disperse", "--disperse-data=8", "--redundancy=3"},
			`{"size":1,"name":"","durability":{"type":"disperse","replicate":{"replica":3},"disperse":{"data":8,"redundancy":3}},"snapshot":{"enable":false,"factor":0}}`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(context.Background(), append([]string{"-s", url, "volume", "create"}, tc.args...), Options{Stdout: &out, Stderr: &errb})
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if got := rec.bodies["POST /volumes"]; got != tc.want {
				t.Errorf("request body:\nexpected %s\ngot      %s", tc.want, got)
			}
		})
	}
}

func TestSetupStorageDeletesVolumeOnError(t *testing.T) {
	rec, url := newRecorder(t, map[string]func(http.ResponseWriter){
		"GET /clusters":      jsonAnswer(http.StatusOK, `{"clusters":[]}`),
		"POST /volumes":      redirect(http.StatusAccepted, "/queue/1"),
		"GET /queue/1":       redirect(http.StatusSeeOther, "/volumes/v1"),
		"GET /volumes/v1":    jsonAnswer(http.StatusOK, fakeVolume),
		"GET /backup/db":     func(w http.ResponseWriter) { http.Error(w, "backup failed", http.StatusInternalServerError) },
		"DELETE /volumes/v1": redirect(http.StatusAccepted, "/queue/2"),
		"GET /queue/2":       func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) },
	})
	list := filepath.Join(t.TempDir(), "list.json")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"-s", url, "setup-kubernetes-heketi-storage", "--listfile", list}, Options{Stdout: &out, Stderr: &errb})
	if code != ExitError || errb.String() != "Error: Unable to get a copy of the database: backup failed\n" {
		t.Errorf("expected exit %d and the backup error, got %d %q", ExitError, code, errb.String())
	}
	want := `{"size":2,"name":"heketidbstorage","durability":{"type":"replicate","replicate":{"replica":3},"disperse":{}},` +
		`"glustervolumeoptions":["performance.stat-prefetch off","performance.write-behind off","performance.open-behind off",` +
		`"performance.quick-read off","performance.strict-o-direct on","performance.read-ahead off","performance.io-cache off",` +
		`"performance.readdir-ahead off","user.heketi.dbstoragelevel 1"],"snapshot":{"enable":false,"factor":0}}`
	if got := rec.bodies["POST /volumes"]; got != want {
		t.Errorf("volume request:\nexpected %s\ngot      %s", want, got)
	}
	if !slices.Contains(rec.seen, "DELETE /volumes/v1") {
		t.Errorf("expected the volume to be deleted after the error; requests: %v", rec.seen)
	}
	if _, err := os.Stat(list); err == nil {
		t.Errorf("no list file may be written on error")
	}
}

func TestTLSFlags(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"clusters":[]}`)
	}))
	defer srv.Close()
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		flags []string
		ok    bool
	}{
		{"unverified", nil, false},
		{"insecure", []string{"-I"}, true},
		{"trusted cert", []string{"--tls-cert", certFile}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append(append([]string{"-s", srv.URL}, tc.flags...), "cluster", "list")
			code := Run(context.Background(), args, Options{Stdout: &out, Stderr: &errb})
			if tc.ok && (code != 0 || out.String() != "Clusters:\n") {
				t.Errorf("expected success, got %d %q %q", code, out.String(), errb.String())
			}
			if !tc.ok && (code != ExitError || !strings.Contains(errb.String(), "certificate")) {
				t.Errorf("expected a certificate error, got %d %q", code, errb.String())
			}
		})
	}
}
