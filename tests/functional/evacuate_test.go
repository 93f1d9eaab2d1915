package functional

import (
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/executors/fakeexec"
)

const replica3 = `{"size":1,"name":"evac","durability":{"type":"replicate","replicate":{"replica":3}}}`

// brickOn returns the volume's brick on device dev, if any.
func brickOn(v volumeJSON, dev string) (id, path string, ok bool) {
	for _, b := range v.Bricks {
		if b.Device == dev {
			return b.ID, b.Path, true
		}
	}
	return "", "", false
}

func (e *env) volume(id string) volumeJSON {
	e.t.Helper()
	var v volumeJSON
	r := e.do("GET", "/volumes/"+id, nil)
	if r.status != 200 {
		e.t.Fatalf("volume info: %d %q", r.status, r.body)
	}
	decodeJSON(e.t, r, &v)
	return v
}

func TestDeviceRemoveMovesBricks(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(4, "/dev/sdb")
	v := e.mustCreateVolume(replica3)
	old := v.Bricks[0]
	state := func(s string) response {
		return e.wait(e.do("POST", "/devices/"+old.Device+"/state", `{"state":"`+s+`"}`))
	}
	expect(t, "offline", state("offline"), 204, "")
	expect(t, "remove", state("failed"), 204, "")

	after := e.volume(v.ID)
	if len(after.Bricks) != 3 {
		t.Fatalf("expected 3 bricks after the move, got %d", len(after.Bricks))
	}
	if _, _, ok := brickOn(after, old.Device); ok {
		t.Fatalf("a brick is still on the removed device %s", old.Device)
	}
	nodesUsed := map[string]bool{}
	for _, b := range after.Bricks {
		nodesUsed[b.Node] = true
	}
	if len(nodesUsed) != 3 {
		t.Fatalf("the replacement must keep the set on 3 different nodes: %v", nodesUsed)
	}
	gv, _ := e.fake.Volume("evac")
	for _, b := range gv.Bricks {
		if strings.HasSuffix(b, old.Path) {
			t.Fatalf("gluster volume still has the old brick %s: %v", old.Path, gv.Bricks)
		}
	}
	if len(gv.Bricks) != 3 {
		t.Fatalf("gluster volume should have 3 bricks, has %v", gv.Bricks)
	}
	// The old node holds nothing of the old brick any more.
	for i, n := range nodes {
		if n == old.Node {
			if l := e.fake.Leaks(hosts(4)[i]); len(l) > 0 {
				t.Fatalf("old brick left behind on its node: %v", l)
			}
		}
	}
	expect(t, "device delete", e.wait(e.do("DELETE", "/devices/"+old.Device, nil)), 204, "")
}

func TestDeviceRemoveWithoutReplacement(t *testing.T) {
	e := newEnv(t)
	e.topology(3, "/dev/sdb")
	v := e.mustCreateVolume(replica3)
	dev := v.Bricks[0].Device
	e.wait(e.do("POST", "/devices/"+dev+"/state", `{"state":"offline"}`))
	r := e.wait(e.do("POST", "/devices/"+dev+"/state", `{"state":"failed"}`))
	want := "Unable to delete device [" + dev + "] as no device was found to replace it: No Replacement was found for resource requested to be removed"
	if r.status != 500 || !strings.HasPrefix(r.body, want) {
		t.Fatalf("expected %q..., got %d %q", want, r.status, r.body)
	}
	after := e.volume(v.ID)
	if len(after.Bricks) != 3 || after.Bricks[0].Device != v.Bricks[0].Device && after.Bricks[1].Device != dev && after.Bricks[2].Device != dev {
		t.Fatalf("the volume must be unchanged: %+v", after.Bricks)
	}
	if info := e.do("GET", "/devices/"+dev, nil); !strings.Contains(info.body, `"state":"offline"`) {
		t.Fatalf("the device must stay offline: %s", info.body)
	}
}

func TestBrickEvict(t *testing.T) {
	e := newEnv(t)
	e.topology(4, "/dev/sdb")
	v := e.mustCreateVolume(replica3)
	old := v.Bricks[1]

	expect(t, "unknown brick", e.do("POST", "/bricks/to-evict/0123456789abcdef0123456789abcdef", nil), 404, "Id not found\n")

	// replace-brick fails: the new brick is removed again, the volume is unchanged.
	remove := e.fake.Inject(fakeexec.Fault{Match: "replace-brick", ExitStatus: 1, Stderr: "volume replace-brick: failed: injected"})
	r := e.wait(e.do("POST", "/bricks/to-evict/"+old.ID, `{"healcheck":"disable"}`))
	expect(t, "failed evict", r, 500, "volume replace-brick: failed: injected\n")
	remove()
	if got := countThinLVs4(e); got != 3 {
		t.Fatalf("expected 3 brick LVs after a failed evict, got %d", got)
	}
	if after := e.volume(v.ID); after.Bricks[1].ID != old.ID && after.Bricks[0].ID != old.ID && after.Bricks[2].ID != old.ID {
		t.Fatalf("old brick must still be in the volume: %+v", after.Bricks)
	}

	// A heal source cannot be replaced while the heal check is on.
	gv, _ := e.fake.Volume("evac")
	var oldArg string
	for _, b := range gv.Bricks {
		if strings.HasSuffix(b, old.Path) {
			oldArg = b
		}
	}
	if err := e.fake.SetHealEntries("evac", oldArg, "7"); err != nil {
		t.Fatal(err)
	}
	r = e.wait(e.do("POST", "/bricks/to-evict/"+old.ID, nil))
	expect(t, "heal source", r, 500, "Cannot replace brick "+old.ID+" as it is source brick for data to be healed\n")
	if err := e.fake.SetHealEntries("evac", oldArg, "0"); err != nil {
		t.Fatal(err)
	}

	expect(t, "evict", e.wait(e.do("POST", "/bricks/to-evict/"+old.ID, nil)), 204, "")
	after := e.volume(v.ID)
	for _, b := range after.Bricks {
		if b.ID == old.ID {
			t.Fatalf("evicted brick still listed")
		}
	}
	if got := countThinLVs4(e); got != 3 {
		t.Fatalf("expected 3 brick LVs after the evict, got %d", got)
	}
}

func TestNodeRemoveMovesEveryBrick(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(4, "/dev/sdb", "/dev/sdc")
	var vols []volumeJSON
	for i := 0; i < 4; i++ {
		vols = append(vols, e.mustCreateVolume(`{"size":1,"durability":{"type":"replicate","replicate":{"replica":3}}}`))
	}
	victim := vols[0].Bricks[0].Node
	expect(t, "offline", e.wait(e.do("POST", "/nodes/"+victim+"/state", `{"state":"offline"}`)), 204, "")
	expect(t, "remove", e.wait(e.do("POST", "/nodes/"+victim+"/state", `{"state":"failed"}`)), 204, "")
	for _, v := range vols {
		for _, b := range e.volume(v.ID).Bricks {
			if b.Node == victim {
				t.Fatalf("volume %s still has a brick on the removed node", v.ID)
			}
		}
	}
	info := e.nodeInfo(victim)
	if info.State != "failed" {
		t.Fatalf("node state: %s", info.State)
	}
	for _, d := range info.Devices {
		if d.State != "failed" || len(d.Bricks) != 0 {
			t.Fatalf("device %s: state %s bricks %d", d.ID, d.State, len(d.Bricks))
		}
		expect(t, "device delete", e.wait(e.do("DELETE", "/devices/"+d.ID, nil)), 204, "")
	}
	expect(t, "node delete", e.wait(e.do("DELETE", "/nodes/"+victim, nil)), 204, "")
	_ = nodes
}

func countThinLVs4(e *env) int {
	n := 0
	for _, h := range hosts(4) {
		for _, lv := range e.fake.Node(h).Snapshot().LVs {
			if lv.Kind == "thin" {
				n++
			}
		}
	}
	return n
}
