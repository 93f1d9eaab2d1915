package client

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// topoServer is a fake server with canned cluster, node and volume infos.
type topoServer struct {
	*httptest.Server
	conns    atomic.Int32 // connections opened
	requests atomic.Int32
	canned   bool // answer with one pre-rendered volume, without checking tokens
}

// newTopoServer serves clusters (id -> info JSON); volumes and nodes are
// answered from their id: an id starting with "gone" is 404, "bad" is 500,
// and a volume id "other-<c>-..." belongs to cluster <c>, else to c1.
func newTopoServer(t testing.TB, clusters map[string]string, canned bool) *topoServer {
	ts := &topoServer{canned: canned}
	cannedVolume := []byte(volumeJSON("v", "c1"))
	ids := make([]string, 0, len(clusters))
	for id := range clusters {
		ids = append(ids, id)
	}
	list, _ := json.Marshal(map[string][]string{"clusters": slices.Sorted(slices.Values(ids))})
	ts.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.requests.Add(1)
		if ts.canned && strings.HasPrefix(r.URL.Path, "/volumes/") {
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			_, _ = w.Write(cannedVolume)
			return
		}
		if msg := checkToken(r); msg != "" {
			http.Error(w, msg, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		kind, id, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path == "/clusters":
			_, _ = w.Write(list)
		case strings.HasPrefix(id, "gone"):
			http.Error(w, "Id not found", http.StatusNotFound)
		case strings.HasPrefix(id, "bad"):
			http.Error(w, "Unable to access db", http.StatusInternalServerError)
		case kind == "clusters":
			_, _ = fmt.Fprintln(w, clusters[id])
		case kind == "volumes":
			cluster := "c1"
			if rest, ok := strings.CutPrefix(id, "other-"); ok {
				cluster, _, _ = strings.Cut(rest, "-")
			}
			_, _ = fmt.Fprintln(w, volumeJSON(id, cluster))
		case kind == "nodes":
			_, _ = fmt.Fprintln(w, nodeJSON(id))
		default:
			http.Error(w, "Invalid path or request", http.StatusNotFound)
		}
	}))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			ts.conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// volumeJSON is a realistic replica-3 volume info (about 1.5 KB).
func volumeJSON(id, cluster string) string {
	var bricks []string
	for i := range 3 {
		bricks = append(bricks, fmt.Sprintf(`{"id":"b%d%s","path":"/var/lib/heketi/mounts/vg_d%d/brick_b%d%s/brick","device":"d%d","node":"n%d","volume":"%s","size":10485760}`,
			i, id, i, i, id, i, i, id))
	}
	return fmt.Sprintf(`{"size":10,"name":"vol_%s","durability":{"type":"replicate","replicate":{"replica":3},"disperse":{}},`+
		`"glustervolumeoptions":["",""],"snapshot":{"enable":false,"factor":1},"id":"%s","cluster":"%s",`+
		`"mount":{"glusterfs":{"hosts":["10.0.0.1","10.0.0.2","10.0.0.3"],"device":"10.0.0.1:vol_%s","options":{"backup-volfile-servers":"10.0.0.2,10.0.0.3"}}},`+
		`"blockinfo":{},"bricks":[%s]}`, id, id, cluster, id, strings.Join(bricks, ","))
}

func nodeJSON(id string) string {
	return fmt.Sprintf(`{"zone":1,"hostnames":{"manage":["%s.mgmt"],"storage":["10.0.0.9"]},"cluster":"c1","id":"%s","state":"online",`+
		`"devices":[{"name":"/dev/sdb","storage":{"total":100,"free":50,"used":50},"id":"d%s","state":"online","bricks":[]}]}`, id, id, id)
}

func clusterJSON(id string, nodes, volumes []string) string {
	b, _ := json.Marshal(map[string]any{"id": id, "nodes": nodes, "volumes": volumes, "block": true, "file": false, "blockvolumes": []string{}})
	return string(b)
}

// TestTopologyInfoShape checks the assembled topology: Heketi's shape, order
// kept, foreign volumes and vanished entries left out, errors surfaced.
func TestTopologyInfoShape(t *testing.T) {
	ts := newTopoServer(t, map[string]string{
		"c1":     clusterJSON("c1", []string{"n2", "n1", "gone-n"}, []string{"vb", "va", "other-c2-x", "gone-v"}),
		"c2":     clusterJSON("c2", []string{}, []string{}),
		"gone-c": "",
	}, false)
	c := newTestClient(t, ts.URL)
	topo, err := c.TopologyInfo(t.Context())
	if err != nil {
		t.Fatalf("topology: %v", err)
	}
	got, _ := json.Marshal(topo)
	var generic struct {
		Clusters []map[string]json.RawMessage `json:"clusters"`
	}
	if err := json.Unmarshal(got, &generic); err != nil {
		t.Fatal(err)
	}
	if len(generic.Clusters) != 2 {
		t.Fatalf("expected 2 clusters, got %s", got)
	}
	for _, cl := range generic.Clusters {
		var keys []string
		for k := range cl {
			keys = append(keys, k)
		}
		if strings.Join(slices.Sorted(slices.Values(keys)), ",") != "block,file,id,nodes,volumes" {
			t.Fatalf("expected cluster keys block,file,id,nodes,volumes, got %v", keys)
		}
	}
	if !strings.HasPrefix(string(got), `{"clusters":[{"volumes":[{"size":10,"name":"vol_vb"`) ||
		!strings.HasSuffix(string(got), `"id":"c2","block":true,"file":false}]}`) {
		t.Fatalf("unexpected topology JSON %s", got)
	}
	c1 := topo.ClusterList[0]
	var vols, nodes []string
	for _, v := range c1.Volumes {
		vols = append(vols, v.ID)
	}
	for _, n := range c1.Nodes {
		nodes = append(nodes, n.ID)
	}
	if strings.Join(vols, ",") != "vb,va" || strings.Join(nodes, ",") != "n2,n1" {
		t.Fatalf("expected volumes vb,va and nodes n2,n1 in listed order, got %v and %v", vols, nodes)
	}
	if len(c1.Volumes[0].Bricks) != 3 || len(c1.Nodes[0].DevicesInfo) != 1 {
		t.Fatalf("expected bricks and devices expanded, got %+v", c1)
	}
	c2 := topo.ClusterList[1]
	if c2.ID != "c2" || c2.Volumes == nil || c2.Nodes == nil || len(c2.Volumes)+len(c2.Nodes) != 0 {
		t.Fatalf("expected empty (non-nil) lists for c2, got %+v", c2)
	}

	bad := newTopoServer(t, map[string]string{"c1": clusterJSON("c1", []string{"n1"}, []string{"va", "bad-v", "vc"})}, false)
	_, err = newTestClient(t, bad.URL).TopologyInfo(t.Context())
	if StatusCode(err) != 500 || err.Error() != "Unable to access db" {
		t.Fatalf("expected the 500 of a failing volume info, got %v", err)
	}
}

// bigTopology is one cluster with 4 nodes and n volumes, served from canned
// JSON so that the measurement is of the client.
func bigTopology(t testing.TB, n int) *topoServer {
	vols := make([]string, n)
	for i := range vols {
		vols[i] = fmt.Sprintf("%032x", i)
	}
	return newTopoServer(t, map[string]string{"c1": clusterJSON("c1", []string{"n1", "n2", "n3", "n4"}, vols)}, true)
}

// TestTopologyInfoTenThousandVolumes reads the topology of 10,000 volumes
// (heketi-cli needs about 16 s, one volume after the other): every volume
// arrives, and the reads run in parallel over kept-alive connections. How
// fast it is, BenchmarkTopologyInfo10k measures.
func TestTopologyInfoTenThousandVolumes(t *testing.T) {
	const n = 10_000
	ts := bigTopology(t, n)
	c := newTestClient(t, ts.URL)
	topo, err := c.TopologyInfo(t.Context())
	if err != nil {
		t.Fatalf("topology: %v", err)
	}
	if got := len(topo.ClusterList[0].Volumes); got != n {
		t.Fatalf("expected %d volumes, got %d", n, got)
	}
	// Go opens a connection only when no idle one is free: at least 4
	// means the reads overlapped, at most twice the limit means they were
	// reused rather than one per request.
	if conns := ts.conns.Load(); conns < 4 || conns > 2*DefaultConcurrency {
		t.Errorf("expected between 4 and %d connections (parallel and reused), got %d over %d requests",
			2*DefaultConcurrency, conns, ts.requests.Load())
	}
}

// BenchmarkTopologyInfo10k measures TopologyInfo over 10,000 volumes at
// several concurrency limits.
func BenchmarkTopologyInfo10k(b *testing.B) {
	ts := bigTopology(b, 10_000)
	for _, conc := range []int{8, 16, DefaultConcurrency} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			c, err := New(ts.URL, testUser, testKey, WithConcurrency(conc))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := c.TopologyInfo(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
