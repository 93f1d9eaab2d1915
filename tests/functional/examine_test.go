package functional

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors/fakeexec"
)

// examineJSON is the part of GET /internal/state/examine/gluster the tests
// read. Heketi's keys are decoded by name, so a renamed key fails the tests.
type examineJSON struct {
	HeketiDB map[string]json.RawMessage `json:"heketidb"`
	Report   []string                   `json:"report"`
	Clusters []struct {
		ClusterHeketiID string
		NodesData       []map[string]json.RawMessage
	} `json:"clusters"`
}

// heketiNodeKeys are the keys Heketi's examiner gives every node.
var heketiNodeKeys = []string{"NodeHeketiID", "VolumeInfo", "LVMPVInfo", "LVMVGInfo", "LVMLVInfo", "BricksMountStatus", "BlockVolumeNames"}

// examine calls the route and checks the Heketi shape of the answer.
func (e *env) examine() examineJSON {
	e.t.Helper()
	r := e.do("GET", "/internal/state/examine/gluster", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("examine: expected 200, got %d %q", r.status, r.body)
	}
	if !strings.HasPrefix(r.body, "{\n    \"heketidb\": {\n") {
		e.t.Fatalf("examine: expected a four-space indented object starting with heketidb, got %.80q", r.body)
	}
	return decodeExamine(e.t, r.body)
}

func decodeExamine(t *testing.T, body string) examineJSON {
	t.Helper()
	var ex examineJSON
	if err := json.Unmarshal([]byte(body), &ex); err != nil {
		t.Fatalf("examine: decode: %v\n%s", err, body)
	}
	if ex.Report == nil {
		t.Fatalf("examine: expected a report list, got none (null or missing)")
	}
	for _, k := range []string{"clusterentries", "volumeentries", "brickentries", "nodeentries", "deviceentries"} {
		if _, ok := ex.HeketiDB[k]; !ok {
			t.Errorf("examine: heketidb lacks %s", k)
		}
	}
	for _, c := range ex.Clusters {
		for _, n := range c.NodesData {
			for _, k := range heketiNodeKeys {
				if _, ok := n[k]; !ok {
					t.Errorf("examine: node data of cluster %s lacks Heketi's key %s", c.ClusterHeketiID, k)
				}
			}
		}
	}
	return ex
}

// runOn runs one command on a fake node behind Basalt's back.
func (e *env) runOn(host, cmd string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.fake.Run(ctx, host, []string{cmd}, 5*time.Second); err != nil {
		e.t.Fatalf("%s on %s: %v", cmd, host, err)
	}
}

// sameLines fails unless got and want hold the same lines, in any order.
func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: expected report\n  %s\ngot\n  %s", what, strings.Join(w, "\n  "), strings.Join(g, "\n  "))
	}
}

// examineReplica3 creates a 2 GiB replica-3 volume.
const examineReplica3 = `{"size":2,"durability":{"type":"replicate","replicate":{"replica":3}}}`

// TestExamineClean: a cluster Basalt alone has touched shows no difference,
// which the report says with an empty list, and every node's data is there.
func TestExamineClean(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions)
	c, nodes := e.topology(3, "/dev/sdb", "/dev/sdc")
	src := e.mustCreateVolume(examineReplica3)
	e.mustCreateVolume(`{"size":1}`)
	e.mustCreateVolume(hostingBody)
	e.mustCreateBlockVolume(`{"size":1}`)
	// A clone's bricks are snapshot LVs mounted under /run/gluster.
	if r := e.wait(e.do("POST", "/volumes/"+src.ID+"/clone", `{"name":"copy"}`)); r.status != http.StatusSeeOther {
		t.Fatalf("clone: expected 303, got %d %q", r.status, r.body)
	}

	ex := e.examine()
	sameLines(t, "clean cluster", ex.Report, []string{})
	if len(ex.Clusters) != 1 || ex.Clusters[0].ClusterHeketiID != c || len(ex.Clusters[0].NodesData) != 3 {
		t.Fatalf("expected one cluster %s with 3 nodes, got %+v", c, ex.Clusters)
	}
	for _, n := range ex.Clusters[0].NodesData {
		var id string
		_ = json.Unmarshal(n["NodeHeketiID"], &id)
		if !slices.Contains(nodes, id) {
			t.Errorf("unexpected node %s in NodesData", id)
		}
		var blocks map[string][]string
		_ = json.Unmarshal(n["BlockVolumeNames"], &blocks)
		total := 0
		for _, names := range blocks {
			total += len(names)
		}
		if len(blocks) != 1 || total != 1 {
			t.Errorf("node %s: expected one hosting volume listing one block volume, got %v", id, blocks)
		}
	}
}

// TestExamineDrift plants differences on the fake nodes and expects one
// exact line for each.
func TestExamineDrift(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(3, "/dev/sdb")
	kept := e.mustCreateVolume(examineReplica3)
	gone := e.mustCreateVolume(examineReplica3)
	host := map[string]string{nodes[0]: "n1.example.com", nodes[1]: "n2.example.com", nodes[2]: "n3.example.com"}
	brickOn := func(v volumeJSON, node string) (id, path, device string) {
		for _, b := range v.Bricks {
			if b.Node == node {
				return b.ID, b.Path, b.Device
			}
		}
		t.Fatalf("volume %s has no brick on node %s", v.ID, node)
		return
	}
	on := func(node string) string { return "on node " + node + " (" + host[node] + ")" }

	// An LV nobody asked for on n1.
	_, _, dev1 := brickOn(kept, nodes[0])
	e.runOn("n1.example.com", "/usr/sbin/lvm lvcreate -qq --autobackup=n --size 8192K --name stray vg_"+dev1)
	// A brick's fstab line removed on n2.
	b2, p2, _ := brickOn(kept, nodes[1])
	e.runOn("n2.example.com", `sed -i.save "/brick_`+b2+`/d" /etc/fstab`)
	// A gluster volume deleted behind Basalt's back, and one of its bricks
	// unmounted on n1 (possible now that gluster no longer serves it).
	e.runOn("n3.example.com", "gluster --mode=script --timeout=600 volume stop "+gone.Name+" force")
	e.runOn("n3.example.com", "gluster --mode=script --timeout=600 volume delete "+gone.Name)
	b1, p1, _ := brickOn(gone, nodes[0])
	mnt1 := strings.TrimSuffix(p1, "/brick")
	e.runOn("n1.example.com", "umount "+mnt1)
	// The kept volume stopped behind Basalt's back.
	e.runOn("n2.example.com", "gluster --mode=script --timeout=600 volume stop "+kept.Name+" force")

	sameLines(t, "planted drift", e.examine().Report, []string{
		"LV vg_" + dev1 + "/stray " + on(nodes[0]) + " belongs to no brick in the database",
		"brick " + b2 + " " + on(nodes[1]) + ": " + strings.TrimSuffix(p2, "/brick") + " has no fstab line",
		"volume " + gone.ID + " (" + gone.Name + ") is in the database but not in gluster",
		"brick " + b1 + " " + on(nodes[0]) + ": " + mnt1 + " is not mounted",
		// The line carries whatever gluster says the state is.
		"volume " + kept.ID + " (" + kept.Name + ") is Stopped in gluster, not Started",
	})

	// Deleting the missing volume through Basalt removes its bricks, and
	// starting the kept one again clears its line: only the drift planted
	// beside the kept volume remains.
	if r := e.wait(e.do("DELETE", "/volumes/"+gone.ID, nil)); r.status != http.StatusNoContent {
		t.Fatalf("delete of the volume gone from gluster: expected 204, got %d %q", r.status, r.body)
	}
	e.runOn("n2.example.com", "gluster --mode=script --timeout=600 volume start "+kept.Name)
	sameLines(t, "after deleting the missing volume", e.examine().Report, []string{
		"LV vg_" + dev1 + "/stray " + on(nodes[0]) + " belongs to no brick in the database",
		"brick " + b2 + " " + on(nodes[1]) + ": " + strings.TrimSuffix(p2, "/brick") + " has no fstab line",
	})
}

// TestExamineDevicesBlocksAndLeaks plants differences in devices, block
// volumes, mounts and fstab lines.
func TestExamineDevicesBlocksAndLeaks(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions)
	_, nodes := e.topology(3, "/dev/sdb")
	e.mustCreateVolume(hostingBody)
	bv := e.mustCreateBlockVolume(`{"size":1}`)
	on := func(i int) string { return fmt.Sprintf("on node %s (n%d.example.com)", nodes[i], i+1) }

	// An empty device whose VG disappears behind Basalt's back on n2.
	spare := e.mustAddDevice(nodes[1], "/dev/sdc")
	e.runOn("n2.example.com", "/usr/sbin/lvm vgremove -qq --autobackup=n -ff vg_"+spare)
	// A block volume deleted behind Basalt's back.
	e.runOn("n1.example.com", "gluster-block delete vol_"+bv.BlockHostingVolume+"/"+bv.Name+" --json")
	// A stray brick-like mount and fstab line on n3, on the node's own device.
	dev3 := e.nodeInfo(nodes[2]).Devices[0].ID
	stray := "/var/lib/heketi/mounts/vg_" + dev3 + "/brick_0123456789abcdef0123456789abcdef"
	e.runOn("n3.example.com", "/usr/sbin/lvm lvcreate -qq --autobackup=n --size 8192K --name strayfs vg_"+dev3)
	e.runOn("n3.example.com", "mkfs.xfs -i size=512 -n size=8192 /dev/mapper/vg_"+dev3+"-strayfs")
	e.runOn("n3.example.com", "mkdir -p "+stray)
	e.runOn("n3.example.com", `awk "BEGIN {print \"/dev/mapper/vg_`+dev3+`-strayfs `+stray+` xfs rw,inode64,noatime,nouuid 1 2\" >> \"/etc/fstab\"}"`)
	e.runOn("n3.example.com", "mount -o rw,inode64,noatime,nouuid /dev/mapper/vg_"+dev3+"-strayfs "+stray)

	// A gluster volume created by hand.
	e.runOn("n1.example.com", "mkdir -p /srv/manual")
	e.runOn("n1.example.com", "gluster --mode=script --timeout=600 volume create manual 10.0.0.1:/srv/manual force")

	sameLines(t, "devices, block volumes and leaks", e.examine().Report, []string{
		"gluster volume manual is not in the database",
		"device " + spare + " (/dev/sdc) " + on(1) + ": VG vg_" + spare + " is missing",
		"block volume " + bv.ID + " (" + bv.Name + ") is in the database but not in block-hosting volume vol_" + bv.BlockHostingVolume,
		"LV vg_" + dev3 + "/strayfs " + on(2) + " belongs to no brick in the database",
		"mount " + stray + " " + on(2) + " belongs to no brick in the database",
		"fstab line for " + stray + " " + on(2) + " belongs to no brick in the database",
	})
}

// TestExamineUnreachableNode: a node that cannot be reached is one report
// line and an Error in its node data; the other nodes are still compared.
func TestExamineUnreachableNode(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(3, "/dev/sdb")
	e.mustCreateVolume(examineReplica3)
	remove := e.fake.Inject(fakeexec.Fault{Host: "n3.example.com", Unreachable: true})
	defer remove()
	b, path := e.brickOn(nodes[0])
	e.runOn("n1.example.com", `sed -i.save "/brick_`+b+`/d" /etc/fstab`)

	ex := e.examine()
	sameLines(t, "unreachable node", ex.Report, []string{
		"node " + nodes[2] + " (n3.example.com) is unreachable: fakeexec: host unreachable: n3.example.com",
		"brick " + b + " on node " + nodes[0] + " (n1.example.com): " + strings.TrimSuffix(path, "/brick") + " has no fstab line",
	})
	for _, n := range ex.Clusters[0].NodesData {
		var id, msg string
		_ = json.Unmarshal(n["NodeHeketiID"], &id)
		_ = json.Unmarshal(n["Error"], &msg)
		if (id == nodes[2]) != (msg != "") {
			t.Errorf("node %s: expected an Error only for the unreachable node, got %q", id, msg)
		}
	}
}

// brickOn returns the id and path of the only brick on node.
func (e *env) brickOn(node string) (id, path string) {
	e.t.Helper()
	n := e.nodeInfo(node)
	var all []struct{ ID, Path string }
	for _, d := range n.Devices {
		raw, _ := json.Marshal(d.Bricks)
		var bricks []struct {
			ID   string `json:"id"`
			Path string `json:"path"`
		}
		_ = json.Unmarshal(raw, &bricks)
		for _, b := range bricks {
			all = append(all, struct{ ID, Path string }{b.ID, b.Path})
		}
	}
	if len(all) != 1 {
		e.t.Fatalf("expected one brick on node %s, got %v", node, all)
	}
	return all[0].ID, all[0].Path
}

// TestExamineOfflineBinary runs `basalt offline state examine gluster`
// against the database of a stopped mock server: the JSON comes between
// Heketi's markers and reports no difference.
func TestExamineOfflineBinary(t *testing.T) {
	dir := t.TempDir()
	cfg := writeSampleStyleConfig(t, dir)
	p := startBasalt(t, freePort(t), "--config", cfg, "--disable-auth")
	_, _, body := p.call(t, "POST", "/clusters", `{"block":true,"file":true}`)
	var c struct{ ID string }
	_ = json.Unmarshal([]byte(body), &c)
	status, h, b := p.call(t, "POST", "/nodes", `{"cluster":"`+c.ID+`","zone":1,"hostnames":{"manage":["n1"],"storage":["10.3.0.1"]}}`)
	if status != 303 {
		t.Fatalf("node add: %d %q", status, b)
	}
	node := strings.TrimPrefix(h.Get("Location"), "/nodes/")
	if status, _, b := p.call(t, "POST", "/devices", `{"node":"`+node+`","name":"/dev/sdb"}`); status != 204 {
		t.Fatalf("device add: %d %q", status, b)
	}
	if status, _, b := p.call(t, "POST", "/volumes", `{"size":1}`); status != 303 {
		t.Fatalf("volume create: %d %q", status, b)
	}
	p.stop(t)

	cmd := exec.Command(basaltBinary(t), "offline", "state", "examine", "gluster", "--config", cfg)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("offline state examine gluster: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "EXAMINER_OUTPUT_STARTS\n{\n    \"heketidb\"") || !strings.HasSuffix(out, "}\nEXAMINER_OUTPUT_ENDS\n") {
		t.Fatalf("expected the JSON between EXAMINER_OUTPUT_STARTS and EXAMINER_OUTPUT_ENDS lines, got:\n%s", out)
	}
	doc := strings.TrimSuffix(strings.TrimPrefix(out, "EXAMINER_OUTPUT_STARTS\n"), "EXAMINER_OUTPUT_ENDS\n")
	ex := decodeExamine(t, doc)
	sameLines(t, "offline examine of a clean mock database", ex.Report, []string{})
	if len(ex.Clusters) != 1 || len(ex.Clusters[0].NodesData) != 1 {
		t.Fatalf("expected one cluster with one node, got %+v", ex.Clusters)
	}

	// Without --config: Heketi's message and a failure exit.
	cmd = exec.Command(basaltBinary(t), "offline", "state", "examine", "gluster")
	outb, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(outb), "Please provide configuration file") {
		t.Errorf("without --config: expected failure with %q, got %v %q", "Please provide configuration file", err, outb)
	}
}

// TestExamineGlusterdDown: a node whose gluster CLI cannot reach glusterd
// gets one line for that command; its LVM, mounts and fstab are still
// compared, and the other nodes still list the volumes.
func TestExamineGlusterdDown(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(3, "/dev/sdb")
	e.mustCreateVolume(examineReplica3)
	remove := e.fake.Inject(fakeexec.Fault{Host: "n2.example.com", Match: `volume info --xml`, ExitStatus: 1,
		Stdout: "Connection failed. Please check if gluster daemon is operational.\n"})
	defer remove()
	sameLines(t, "glusterd down on n2", e.examine().Report, []string{
		"node " + nodes[1] + " (n2.example.com): command failed: gluster --mode=script --timeout=600 volume info --xml: " +
			"Connection failed. Please check if gluster daemon is operational.",
	})
}
