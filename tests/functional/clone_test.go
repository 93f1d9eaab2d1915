package functional

import (
	"reflect"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/executors/fakeexec"
)

func TestVolumeClone(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(3, "/dev/sdb")
	src := e.mustCreateVolume(`{"size":1,"name":"src","gid":9,"durability":{"type":"replicate","replicate":{"replica":3}},"snapshot":{"enable":true,"factor":2}}`)
	before := e.freeSpace(nodes)

	expect(t, "bad name", e.do("POST", "/volumes/"+src.ID+"/clone", `{"name":"a b"}`), 400, "validation failed: name: must be in a valid format.\n")
	expect(t, "missing", e.do("POST", "/volumes/0123456789abcdef0123456789abcdef/clone", `{}`), 404, "Id not found\n")

	r := e.wait(e.do("POST", "/volumes/"+src.ID+"/clone", `{"name":"copy"}`))
	if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/volumes/") {
		t.Fatalf("clone: expected 303 to the new volume, got %d %q", r.status, r.body)
	}
	var c volumeJSON
	decodeJSON(t, e.do("GET", r.header.Get("Location"), nil), &c)
	if c.Name != "copy" || c.Size != 1 || c.Gid != 9 || len(c.Bricks) != 3 || c.ID == src.ID {
		t.Fatalf("clone info: %+v", c)
	}
	for _, b := range c.Bricks {
		if !strings.HasPrefix(b.Path, "/run/gluster/snaps/") {
			t.Fatalf("clone bricks live under /run/gluster/snaps, got %s", b.Path)
		}
	}
	if gv, ok := e.fake.Volume("copy"); !ok || !gv.Started || len(gv.Bricks) != 3 {
		t.Fatalf("clone on the nodes: %+v", gv)
	}
	if snaps := e.fake.Snapshots(); len(snaps) != 0 {
		t.Fatalf("the temporary snapshot must be gone, found %v", snaps)
	}
	// A clone shares its source's thin pools: no space is reserved.
	for id, free := range e.freeSpace(nodes) {
		if free != before[id] {
			t.Fatalf("clone must not take device space: device %s %d -> %d", id, before[id], free)
		}
	}
	expect(t, "duplicate name", e.do("POST", "/volumes/"+src.ID+"/clone", `{"name":"copy"}`), 409,
		"Failed clone volume "+src.ID+": Volume name 'copy' already in use\n")

	// Deleting the clone unmounts and removes its snapshot bricks; then the
	// source deletes cleanly and nothing is left.
	expect(t, "delete clone", e.wait(e.do("DELETE", "/volumes/"+c.ID, nil)), 204, "")
	expect(t, "delete source", e.wait(e.do("DELETE", "/volumes/"+src.ID, nil)), 204, "")
	e.assertNoLeaks(3)
}

func TestVolumeCloneFailureLeavesNothing(t *testing.T) {
	e := newEnv(t)
	e.topology(3, "/dev/sdb")
	src := e.mustCreateVolume(`{"size":1,"name":"src","durability":{"type":"replicate","replicate":{"replica":3}}}`)
	remove := e.fake.Inject(fakeexec.Fault{Match: "--xml volume start copy", ExitStatus: 1, Stderr: "volume start: copy: failed: injected"})
	r := e.wait(e.do("POST", "/volumes/"+src.ID+"/clone", `{"name":"copy"}`))
	remove()
	if r.status != 500 || !strings.Contains(r.body, "injected") {
		t.Fatalf("expected the injected failure, got %d %q", r.status, r.body)
	}
	if _, ok := e.fake.Volume("copy"); ok {
		t.Fatal("the half-made clone volume must be deleted")
	}
	if snaps := e.fake.Snapshots(); len(snaps) != 0 {
		t.Fatalf("the temporary snapshot must be gone, found %v", snaps)
	}
	expect(t, "only the source", e.do("GET", "/volumes", nil), 200, `{"volumes":["`+src.ID+`"]}`+"\n")
	for _, h := range hosts(3) {
		for _, m := range e.fake.Node(h).Snapshot().Mounts {
			if strings.HasPrefix(m.Target, "/run/gluster/snaps/") {
				t.Fatalf("clone brick left mounted on %s: %+v", h, m)
			}
		}
	}
	expect(t, "delete source", e.wait(e.do("DELETE", "/volumes/"+src.ID, nil)), 204, "")
	e.assertNoLeaks(3)
}

// TestDeleteSourceBeforeClone: the source's thin pools outlive it (the clone
// uses them), so its space comes back only when the clone goes, and the
// accounting stays consistent in between.
func TestDeleteSourceBeforeClone(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(3, "/dev/sdb")
	before := e.freeSpace(nodes)
	src := e.mustCreateVolume(`{"size":1,"name":"src","durability":{"type":"replicate","replicate":{"replica":3}}}`)
	withVolume := e.freeSpace(nodes)
	r := e.wait(e.do("POST", "/volumes/"+src.ID+"/clone", `{"name":"copy"}`))
	if r.status != 303 {
		t.Fatalf("clone: %d %q", r.status, r.body)
	}
	clone := strings.TrimPrefix(r.header.Get("Location"), "/volumes/")
	expect(t, "delete source", e.wait(e.do("DELETE", "/volumes/"+src.ID, nil)), 204, "")
	if got := e.freeSpace(nodes); !reflect.DeepEqual(got, withVolume) {
		t.Fatalf("with the clone alive the pools are still used:\nexpected %v\ngot      %v", withVolume, got)
	}
	if check := e.do("GET", "/db/check", nil); !strings.Contains(check.body, `"totalinconsistencies": 0`) {
		t.Fatalf("accounting must stay consistent: %s", check.body)
	}
	expect(t, "delete clone", e.wait(e.do("DELETE", "/volumes/"+clone, nil)), 204, "")
	if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
		t.Fatalf("all space must be back once the clone is gone:\nexpected %v\ngot      %v", before, got)
	}
	e.assertNoLeaks(3)
}
