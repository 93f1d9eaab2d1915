package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// topologyFile has three good nodes, a device in each form (string and
// object with destroydata and tags), an invalid device name and a fourth
// node whose storage hostname duplicates the third's.
const topologyFile = `{"clusters":[{"nodes":[
 {"node":{"hostnames":{"manage":["node1"],"storage":["192.168.10.1"]},"zone":1},
  "devices":["/dev/sdb",{"name":"/dev/sdc","destroydata":true,"tags":{"tier":"gold"}}]},
 {"node":{"hostnames":{"manage":["node2"],"storage":["192.168.10.2"]},"zone":2,"tags":{"rack":"r2"}},
  "devices":[{"name":"/dev/sdb"},"bad device"]},
 {"node":{"hostnames":{"manage":["node3"],"storage":["192.168.10.3"]},"zone":3},"devices":["/dev/sdb"]},
 {"node":{"hostnames":{"manage":["node4"],"storage":["192.168.10.3"]},"zone":3},"devices":["/dev/sdb"]}
]}]}`

// emptyClusterFile asks for a new cluster whose only node cannot be added,
// so the cluster the load creates must be deleted again.
const emptyClusterFile = `{"clusters":[{"block":false,"nodes":[
 {"node":{"hostnames":{"manage":["node9"],"storage":["192.168.10.1"]},"zone":1},"devices":["/dev/sdb"]}
]}]}`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// expectError checks a failed run: exit 255 and stderr "Error: <text>".
func expectError(t *testing.T, r result, want string) {
	t.Helper()
	if r.code != 255 {
		t.Errorf("expected exit status 255, got %d (stdout %q, stderr %q)", r.code, r.stdout, r.stderr)
	}
	if got := strings.TrimRight(r.stderr, "\n"); got != "Error: "+want {
		t.Errorf("expected stderr %q, got %q", "Error: "+want, got)
	}
}

// skipIfMissing fails at once, with a clear message, when the server does
// not serve a route the CLI calls (every route exists; a 404 is a bug).
func skipIfMissing(t *testing.T, r result, what string) {
	t.Helper()
	if r.code != 0 && (strings.Contains(r.stderr, "Invalid path or request") || strings.Contains(r.stderr, "not available")) {
		t.Fatalf("%s: server route missing or disabled: %s", what, strings.TrimSpace(r.stderr))
	}
}

// TestCLI drives every command against one server, in order.
func TestCLI(t *testing.T) {
	e := newEnv(t)

	t.Run("version", func(t *testing.T) {
		r := runCLI(t, nil, "--version")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "basalt-cli ") {
			t.Errorf("expected exit 0 and 'basalt-cli <version>', got %d %q", r.code, r.stdout)
		}
	})

	t.Run("errors", func(t *testing.T) {
		expectError(t, runCLI(t, nil, "--server", e.srv.url, "--user", "admin", "--secret", "wrong", "cluster", "list"),
			"Invalid JWT token: signature is invalid (client and server secrets may not match)")
		expectError(t, runCLI(t, nil, "--server", e.srv.url, "cluster", "list"), "Invalid JWT token: Token missing iss claim")
		expectError(t, e.cli("volume", "info", strings.Repeat("ab", 16)), "Id not found")
		expectError(t, e.cli("cluster", "info"), "Cluster id missing")
		expectError(t, e.cli("volume", "create"), "Missing volume size")
	})

	t.Run("environment", func(t *testing.T) {
		r := runCLI(t, []string{"HEKETI_CLI_SERVER=" + e.srv.url, "HEKETI_CLI_USER=admin", "HEKETI_CLI_KEY=" + testAdminKey}, "cluster", "list", "--json")
		if r.code != 0 || strings.TrimSpace(r.stdout) != `{"clusters":[]}` {
			t.Errorf("with HEKETI_CLI_* set: expected exit 0 and {\"clusters\":[]}, got %d %q %q", r.code, r.stdout, r.stderr)
		}
		// Flags win over the environment.
		r = runCLI(t, []string{"HEKETI_CLI_SERVER=http://127.0.0.1:1", "HEKETI_CLI_USER=admin", "HEKETI_CLI_KEY=wrong"},
			"--server", e.srv.url, "--secret", testAdminKey, "cluster", "list")
		if r.code != 0 || r.stdout != "Clusters:\n" {
			t.Errorf("flags over env: expected exit 0 and 'Clusters:', got %d %q %q", r.code, r.stdout, r.stderr)
		}
		// The user key can only create and list volumes.
		r = runCLI(t, []string{"HEKETI_CLI_SERVER=" + e.srv.url, "HEKETI_CLI_USER=user", "HEKETI_CLI_KEY=" + testUserKey}, "cluster", "list")
		expectError(t, r, "Administrator access required")
	})

	topo := writeFile(t, e.dir, "topology.json", topologyFile)
	t.Run("topology load", func(t *testing.T) {
		golden(t, "topology_load_fresh", e.ok("topology", "load", "--json="+topo), false)
		golden(t, "topology_load_again", e.ok("topology", "load", "-j", topo), false)
		r := e.cli("topology", "load", "--json", topo, "--strict")
		expectError(t, r, "topology load: 1 node(s) and 1 device(s) failed")
		golden(t, "topology_load_again", e.norm.text(r.stdout), false)

		empty := writeFile(t, e.dir, "empty.json", emptyClusterFile)
		golden(t, "topology_load_empty_cluster", e.ok("topology", "load", "--json="+empty), false)
		if out := e.ok("cluster", "list"); strings.Count(out, "Id:") != 1 {
			t.Errorf("the empty cluster the load created must be deleted; cluster list:\n%s", out)
		}
		expectError(t, e.cli("topology", "load", "--json", filepath.Join(e.dir, "missing.json")),
			"Unable to read configuration file: open "+filepath.Join(e.dir, "missing.json")+": no such file or directory")
	})

	t.Run("topology info", func(t *testing.T) {
		golden(t, "topology_info_loaded", e.ok("topology", "info"), true)
		golden(t, "topology_info_loaded_json", e.norm.canonicalJSON(t, e.ok("topology", "info", "--json")), false)
		out := e.ok("topology", "info", "--template", `{{range .ClusterList}}{{.ID}} nodes={{len .Nodes}} file={{.File}}{{"\n"}}{{end}}`)
		if out != "<CLUSTER1> nodes=3 file=true\n" {
			t.Errorf("template: expected %q, got %q", "<CLUSTER1> nodes=3 file=true\n", out)
		}
	})

	id := func(name string) string {
		t.Helper()
		for k, v := range e.norm.names {
			if v == name {
				return k
			}
		}
		t.Fatalf("no id named %s", name)
		return ""
	}
	cluster := id("<CLUSTER1>")

	t.Run("cluster", func(t *testing.T) {
		golden(t, "cluster_list", e.ok("cluster", "list"), false)
		golden(t, "cluster_list_json", e.ok("cluster", "list", "--json"), false)
		golden(t, "cluster_info", e.ok("cluster", "info", cluster), true)
		golden(t, "cluster_info_json", e.norm.canonicalJSON(t, e.ok("cluster", "info", cluster, "--json")), false)

		out := e.ok("cluster", "create", "--block=false")
		golden(t, "cluster_create", out, false)
		c2 := id("<CLUSTER2>")
		e.ok("cluster", "setflags", c2, "--block=true", "--file=false")
		golden(t, "cluster_info_setflags_json", e.norm.canonicalJSON(t, e.ok("cluster", "info", c2, "--json")), false)
		expectError(t, e.cli("cluster", "setflags", c2), "At least one of --block or --file must be given")
		golden(t, "cluster_delete", e.ok("cluster", "delete", c2), false)
		expectError(t, e.cli("cluster", "delete", cluster),
			fmt.Sprintf("Unable to delete cluster [%s] because it contains volumes and/or nodes", cluster))
	})

	node2 := id("<NODE:node2>")
	t.Run("node", func(t *testing.T) {
		golden(t, "node_list", e.ok("node", "list"), true)
		golden(t, "node_list_json", e.norm.canonicalJSON(t, e.ok("node", "list", "--json")), false)
		golden(t, "node_info", e.ok("node", "info", node2), false)
		golden(t, "node_info_json", e.norm.canonicalJSON(t, e.ok("node", "info", node2, "--json")), false)

		e.ok("node", "settags", node2, "zone:a", "rack:r9")
		e.ok("node", "rmtags", node2, "zone")
		tags := func() map[string]string {
			var n struct{ Tags map[string]string }
			if err := json.Unmarshal([]byte(e.ok("node", "info", node2, "--json")), &n); err != nil {
				t.Fatal(err)
			}
			return n.Tags
		}
		if got := fmt.Sprint(tags()); got != "map[rack:r9]" {
			t.Errorf("after settags zone:a rack:r9 and rmtags zone: expected map[rack:r9], got %s", got)
		}
		e.ok("node", "settags", "-e", node2, "only:x")
		if got := fmt.Sprint(tags()); got != "map[only:x]" {
			t.Errorf("after settags -e only:x: expected map[only:x], got %s", got)
		}
		e.ok("node", "deltags", node2, "--all")
		if got := fmt.Sprint(tags()); got != "map[]" {
			t.Errorf("after deltags --all: expected no tags, got %s", got)
		}
		e.ok("node", "settags", node2, "rack:r2")

		// A node's whole life: add, device add, disable, remove, delete.
		out := e.ok("node", "add", "--zone=4", "--cluster="+cluster, "--management-host-name=node5", "--storage-host-name=192.168.10.5")
		golden(t, "node_add", out, false)
		node5 := id("<NODE:node5>")
		golden(t, "device_add", e.ok("device", "add", "--name=/dev/vdb", "--node="+node5), false)
		dev := id("<DEVICE:node5:/dev/vdb>")
		golden(t, "device_info", e.ok("device", "info", dev), false)
		golden(t, "device_info_json", e.norm.canonicalJSON(t, e.ok("device", "info", dev, "--json")), false)
		golden(t, "device_resync", e.ok("device", "resync", dev), false)
		e.ok("device", "settags", dev, "disk:ssd")
		e.ok("device", "removetags", dev, "disk")
		expectError(t, e.cli("device", "delete", dev), fmt.Sprintf("device: %s is not in failed state", dev))
		golden(t, "device_disable", e.ok("device", "disable", dev), false)
		golden(t, "device_enable", e.ok("device", "enable", dev), false)
		e.ok("device", "disable", dev)
		golden(t, "device_remove", e.ok("device", "remove", dev), false)
		golden(t, "device_delete", e.ok("device", "delete", dev), false)
		golden(t, "node_disable", e.ok("node", "disable", node5), false)
		golden(t, "node_enable", e.ok("node", "enable", node5), false)
		e.ok("node", "disable", node5)
		golden(t, "node_remove", e.ok("node", "remove", node5), false)
		golden(t, "node_delete", e.ok("node", "delete", node5), false)

		// node1's second device goes, so that volumes are placed on
		// one device per node and their bricks are the same every run.
		sdc := id("<DEVICE:node1:/dev/sdc>")
		golden(t, "device_info_tags", e.ok("device", "info", sdc), false)
		e.ok("device", "disable", sdc)
		e.ok("device", "remove", sdc)
		e.ok("device", "delete", sdc)

		// Resync every device of a cluster.
		golden(t, "device_resync_cluster", e.ok("device", "resync", "--cluster", cluster), true)
	})

	t.Run("volume", func(t *testing.T) {
		golden(t, "volume_create", e.ok("volume", "create", "--size=5", "--name=vol1", "--gid=2000",
			"--gluster-volume-options=performance.readdir-ahead off,performance.io-cache off"), false)
		v1 := id("<VOLUME:vol1>")
		golden(t, "volume_info", e.ok("volume", "info", v1), false)
		golden(t, "volume_info_json", e.norm.canonicalJSON(t, e.ok("volume", "info", v1, "--json")), false)
		golden(t, "volume_create_snapshot_json", e.norm.canonicalJSON(t,
			e.ok("volume", "create", "--size=2", "--name=snap1", "--snapshot-factor=1.5", "--clusters="+cluster, "--json")), false)
		golden(t, "volume_create_none", e.ok("volume", "create", "--size=1", "--name=plain", "--durability=none"), false)
		golden(t, "volume_create_pv", e.ok("volume", "create", "--size=1", "--name=pv1", "--persistent-volume",
			"--persistent-volume-endpoint=my-endpoints"), false)
		pvFile := filepath.Join(e.dir, "pv.json")
		if out := e.ok("volume", "create", "--size=1", "--name=pv2", "--persistent-volume-file="+pvFile); out != "" {
			t.Errorf("with --persistent-volume-file nothing is printed, got %q", out)
		}
		b, err := os.ReadFile(pvFile)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "volume_create_pv_file", e.norm.text(string(b)), false)

		golden(t, "volume_list", e.ok("volume", "list"), true)
		golden(t, "volume_list_json", e.norm.canonicalJSON(t, e.ok("volume", "list", "--json")), false)
		golden(t, "volume_expand", e.ok("volume", "expand", v1, "--expand-size=3"), false)
		golden(t, "volume_expand_flag_json", e.norm.canonicalJSON(t, e.ok("volume", "expand", "--volume="+v1, "--expand-size=1", "--json")), false)
		golden(t, "volume_endpoint_patch", e.norm.canonicalJSON(t, e.ok("volume", "endpoint", "patch", v1)), false)
		expectError(t, e.cli("volume", "create", "--size=1", "--replica=4"), "Invalid replica value")
		expectError(t, e.cli("volume", "create", "--size=1", "--durability=disperse", "--disperse-data=3", "--redundancy=1"),
			"Invalid dispersion combination: 3+1")

		t.Run("clone", func(t *testing.T) {
			r := e.cli("volume", "clone", v1, "--name=vol1clone")
			skipIfMissing(t, r, "volume clone")
			if r.code != 0 {
				t.Fatalf("volume clone: exit %d: %s", r.code, r.stderr)
			}
			e.learn()
			golden(t, "volume_clone", e.norm.text(r.stdout), false)
		})

		golden(t, "volume_create_block", e.ok("volume", "create", "--size=10", "--name=bhv", "--block"), false)
		bhv := id("<VOLUME:bhv>")
		golden(t, "volume_restriction_locked", e.ok("volume", "set-block-hosting-restriction", "locked", bhv), false)
		golden(t, "volume_restriction_unlocked", e.ok("volume", "set-block-hosting-restriction", "unlocked", bhv), false)
		golden(t, "volume_delete", e.ok("volume", "delete", id("<VOLUME:plain>")), false)
	})

	t.Run("blockvolume", func(t *testing.T) {
		r := e.cli("blockvolume", "create", "--size=1", "--name=blk1", "--ha=2")
		skipIfMissing(t, r, "blockvolume create")
		if r.code != 0 {
			t.Fatalf("blockvolume create: exit %d: %s", r.code, r.stderr)
		}
		l := e.cli("blockvolume", "list", "--json")
		var list struct{ BlockVolumes []string }
		if err := json.Unmarshal([]byte(l.stdout), &list); err != nil || len(list.BlockVolumes) != 1 {
			t.Fatalf("blockvolume list --json: expected one id, got %q (%v)", l.stdout, err)
		}
		e.norm.name(list.BlockVolumes[0], "<BLOCKVOLUME:blk1>", nil)
		e.learn()
		bv := list.BlockVolumes[0]
		golden(t, "blockvolume_create", e.norm.text(r.stdout), false)
		golden(t, "blockvolume_info_json", e.norm.canonicalJSON(t, e.ok("blockvolume", "info", bv, "--json")), false)
		golden(t, "blockvolume_list", e.ok("blockvolume", "list"), false)
		golden(t, "blockvolume_expand", e.ok("blockvolume", "expand", bv, "--new-size=2"), false)
		golden(t, "blockvolume_delete", e.ok("blockvolume", "delete", bv), false)
	})

	t.Run("brick evict", func(t *testing.T) {
		v, err := e.c.VolumeInfo(t.Context(), id("<VOLUME:vol1>"))
		if err != nil {
			t.Fatal(err)
		}
		brick := v.Bricks[0].ID
		e.norm.name(brick, "<BRICK>", nil)
		// Three nodes and replica 3: no node may take the brick.
		r := e.cli("brick", "evict", brick)
		if r.code != 255 || !strings.HasPrefix(r.stderr, "Error: No Replacement was found for resource requested to be removed") {
			t.Errorf("brick evict with no spare node: expected exit 255 and 'Error: No Replacement was found…', got %d %q", r.code, r.stderr)
		}
		// A fourth node with a device takes it.
		e.ok("node", "add", "--zone=4", "--cluster="+cluster, "--management-host-name=node6", "--storage-host-name=192.168.10.6")
		e.ok("device", "add", "--name=/dev/sdb", "--node="+id("<NODE:node6>"))
		golden(t, "brick_evict", e.ok("brick", "evict", brick, "--expert-option-disable-heal-check"), false)
		after, err := e.c.VolumeInfo(t.Context(), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		onNode6 := 0
		for _, b := range after.Bricks {
			if b.NodeID == id("<NODE:node6>") {
				onNode6++
			}
		}
		if onNode6 != 1 {
			t.Errorf("after evicting a brick of vol1: expected one brick on node6, got %d (%+v)", onNode6, after.Bricks)
		}
	})

	t.Run("server", func(t *testing.T) {
		golden(t, "server_mode_get", e.ok("server", "mode", "get"), false)
		golden(t, "server_mode_get_json", e.ok("server", "mode", "get", "--json"), false)
		e.ok("server", "mode", "set", "normal")
		expectError(t, e.cli("server", "mode", "set", "bogus"), `Invalid mode "bogus": expected normal, local-client or read-only`)
		golden(t, "loglevel_get", e.ok("loglevel", "get"), false)
		golden(t, "loglevel_set", e.ok("loglevel", "set", "debug"), false)
		golden(t, "loglevel_get_json", e.ok("loglevel", "get", "--json"), false)
		expectError(t, e.cli("loglevel", "set", "loud"), "invalid log level: loud")
		e.ok("loglevel", "set", "info")

		r := e.cli("server", "operations", "info")
		skipIfMissing(t, r, "server operations info")
		golden(t, "server_operations_info", e.norm.text(r.stdout), false)
		golden(t, "server_operations_info_json", e.ok("server", "operations", "info", "--json"), false)
		golden(t, "server_operations_list", e.ok("server", "operations", "list"), false)
		golden(t, "server_operations_list_json", e.ok("server", "operations", "list", "--json"), false)
		e.ok("server", "operations", "cleanup")
		expectError(t, e.cli("server", "operations", "info", strings.Repeat("cd", 16)), "Id not found: "+strings.Repeat("cd", 16))
	})

	t.Run("db", func(t *testing.T) {
		r := e.cli("db", "check")
		skipIfMissing(t, r, "db check")
		var check struct {
			TotalInconsistencies *int `json:"totalinconsistencies"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &check); err != nil || check.TotalInconsistencies == nil {
			t.Fatalf("db check: expected the JSON report, got %q (%v)", r.stdout, err)
		}
		if *check.TotalInconsistencies != 0 {
			t.Errorf("db check: expected 0 inconsistencies, got %s", r.stdout)
		}
		r = e.cli("db", "dump")
		skipIfMissing(t, r, "db dump")
		var dump map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &dump); err != nil || dump["clusterentries"] == nil {
			t.Errorf("db dump: expected Heketi's JSON dump, got %.300q (%v)", r.stdout, err)
		}
	})

	t.Run("state examine gluster", func(t *testing.T) {
		r := e.cli("server", "state", "examine", "gluster")
		skipIfMissing(t, r, "server state examine gluster")
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc["heketidb"] == nil {
			t.Errorf("state examine gluster: expected a report with heketidb, got %.300q (%v)", r.stdout, err)
		}
	})

	t.Run("setup-openshift-heketi-storage", func(t *testing.T) {
		list := filepath.Join(e.dir, "heketi-storage.json")
		out := e.ok("setup-openshift-heketi-storage", "--listfile="+list, "--image=example/heketi:1", "--node-selector=role=storage")
		if out != "Saving "+list+"\n" {
			t.Errorf("expected 'Saving %s', got %q", list, out)
		}
		b, err := os.ReadFile(list)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Kind  string
			Items []struct {
				Kind     string
				Metadata struct{ Name string }
				Data     map[string]string
				Subsets  []json.RawMessage
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("list file is not JSON: %v", err)
		}
		if doc.Kind != "List" || len(doc.Items) != 4 {
			t.Fatalf("expected a List of 4 items, got kind %q with %d items", doc.Kind, len(doc.Items))
		}
		db, err := base64.StdEncoding.DecodeString(doc.Items[0].Data["heketi.db"])
		if err != nil || len(db) < 4096 {
			t.Errorf("secret heketi.db: expected the base64 of the database file, got %d bytes (%v)", len(db), err)
		}
		if n := len(doc.Items[1].Subsets); n != 4 {
			t.Errorf("endpoints: expected one subset per mount host (4), got %d", n)
		}
		doc.Items[0].Data["heketi.db"] = "<DB>"
		// The golden file holds the whole list with the database replaced.
		var full map[string]any
		_ = json.Unmarshal(b, &full)
		full["items"].([]any)[0].(map[string]any)["data"] = map[string]any{"heketi.db": "<DB>"}
		fb, _ := json.Marshal(full)
		golden(t, "setup_storage_list", e.norm.canonicalJSON(t, string(fb)), false)
		// Which three of the four nodes get the bricks varies: compare the
		// volume without its bricks and count them.
		var vol map[string]any
		if err := json.Unmarshal([]byte(e.ok("volume", "info", id("<VOLUME:heketidbstorage>"), "--json")), &vol); err != nil {
			t.Fatal(err)
		}
		if bricks, _ := vol["bricks"].([]any); len(bricks) != 3 {
			t.Errorf("heketidbstorage: expected 3 bricks (replica 3), got %d", len(bricks))
		}
		delete(vol, "bricks")
		vb, _ := json.Marshal(vol)
		golden(t, "setup_storage_volume_json", e.norm.canonicalJSON(t, string(vb)), false)

		expectError(t, e.cli("setup-heketi-db-storage", "--listfile="+list), "Volume heketidbstorage already exists")
		expectError(t, e.cli("volume", "delete", id("<VOLUME:heketidbstorage>")), "Cannot delete volume containing the Heketi database")
	})
}

// TestCLIRetries429 checks that a 429 answer is retried (after the
// server's Retry-After) and that a server that stays busy ends in
// heketi-cli's error and exit status.
func TestCLIRetries429(t *testing.T) {
	var calls atomic.Int32
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.URL.Path == "/clusters" && n <= 2 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "Server busy. Retry operation later.", http.StatusTooManyRequests)
			return
		}
		if r.URL.Path == "/clusters" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"clusters":[]}`)
			return
		}
		w.Header().Set("Retry-After", "0")
		http.Error(w, "Server busy. Retry operation later.", http.StatusTooManyRequests)
	}))
	defer busy.Close()

	r := runCLI(t, nil, "--server", busy.URL, "--user", "admin", "--secret", "k", "cluster", "list", "--json")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"clusters":[]}` {
		t.Errorf("after two 429s: expected exit 0 and the list, got %d %q %q", r.code, r.stdout, r.stderr)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("expected 3 requests (two 429s, one success), got %d", n)
	}

	calls.Store(0)
	r = runCLI(t, nil, "--server", busy.URL, "--user", "admin", "--secret", "k", "volume", "list")
	expectError(t, r, "Server busy. Retry operation later.")
	if n := calls.Load(); n != 7 {
		t.Errorf("expected 7 requests (one try and six retries), got %d", n)
	}
}
