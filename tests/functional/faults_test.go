package functional

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/executors/fakeexec"
)

// TestVolumeExpandFaultsLeaveVolumeAsItWas fails each command of an expand in
// turn: the volume keeps its size and bricks, the new bricks are gone from
// the nodes and the reserved space is back.
func TestVolumeExpandFaultsLeaveVolumeAsItWas(t *testing.T) {
	steps := []string{"^mkdir -p", "lvcreate", "^mkfs.xfs", "^awk", "^mount -o", "^mkdir /var", "add-brick"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			e := newEnv(t)
			_, nodes := e.topology(3, "/dev/sdb")
			v := e.mustCreateVolume(`{"size":1,"name":"x","durability":{"type":"replicate","replicate":{"replica":3}}}`)
			before := e.freeSpace(nodes)
			remove := e.fake.Inject(fakeexec.Fault{Match: step, ExitStatus: 1, Stderr: "injected failure at " + step})
			r := e.wait(e.do("POST", "/volumes/"+v.ID+"/expand", `{"expand_size":1}`))
			remove()
			if r.status != 500 || !strings.Contains(r.body, "injected failure") {
				t.Fatalf("expected the injected failure, got %d %q", r.status, r.body)
			}
			after := e.volume(v.ID)
			if after.Size != 1 || len(after.Bricks) != 3 {
				t.Fatalf("volume changed: size %d, %d bricks", after.Size, len(after.Bricks))
			}
			if n := countThinLVs(e); n != 3 {
				t.Fatalf("expected the 3 original brick LVs, found %d", n)
			}
			if gv, _ := e.fake.Volume("x"); len(gv.Bricks) != 3 {
				t.Fatalf("gluster volume must keep 3 bricks, has %v", gv.Bricks)
			}
			if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
				t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
			}
			if n := pendingOps(t, e); n != 0 {
				t.Fatalf("expected no pending operations, got %d", n)
			}
			// The volume still expands once the fault is gone.
			if r := e.wait(e.do("POST", "/volumes/"+v.ID+"/expand", `{"expand_size":1}`)); r.status != 303 {
				t.Fatalf("expand after the fault: %d %q", r.status, r.body)
			}
		})
	}
}

// TestVolumeDeleteFaults fails each command of a delete in turn. Before the
// gluster volume is gone the volume stays as it was; after, the operation is
// kept and a cleanup finishes it once the node works again.
func TestVolumeDeleteFaults(t *testing.T) {
	cases := []struct {
		step       string
		volumeGone bool // the gluster volume was already deleted when the fault hit
	}{
		{"volume delete", false},
		{"^umount", true},
		{"^sed", true},
		{"lvremove", true},
		{"thin_count", true},
	}
	for _, tc := range cases {
		t.Run(tc.step, func(t *testing.T) {
			e := newEnv(t)
			_, nodes := e.topology(3, "/dev/sdb")
			before := e.freeSpace(nodes)
			v := e.mustCreateVolume(`{"size":1,"name":"x","durability":{"type":"replicate","replicate":{"replica":3}}}`)
			remove := e.fake.Inject(fakeexec.Fault{Match: tc.step, ExitStatus: 1, Stderr: "injected failure at " + tc.step})
			r := e.wait(e.do("DELETE", "/volumes/"+v.ID, nil))
			remove()
			if r.status != 500 || !strings.Contains(r.body, "injected failure") {
				t.Fatalf("expected the injected failure, got %d %q", r.status, r.body)
			}
			if !tc.volumeGone {
				if got := e.volume(v.ID); len(got.Bricks) != 3 {
					t.Fatalf("volume must be kept whole, has %d bricks", len(got.Bricks))
				}
				if gv, ok := e.fake.Volume("x"); !ok || !gv.Started {
					t.Fatalf("a volume whose delete failed must be running again: %+v", gv)
				}
				expect(t, "delete again", e.wait(e.do("DELETE", "/volumes/"+v.ID, nil)), 204, "")
			} else {
				// Half-deleted: hidden, its operation failed and kept.
				expect(t, "hidden", e.do("GET", "/volumes/"+v.ID, nil), 404, "Id not found\n")
				expect(t, "cleanup", e.wait(e.do("POST", "/operations/pending/cleanup", `{}`)), 204, "")
			}
			e.assertNoLeaks(3)
			if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
				t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
			}
			if n := pendingOps(t, e); n != 0 {
				t.Fatalf("expected no pending operations, got %d", n)
			}
		})
	}
}

// TestExpandStoppedHalfWayKeepsServedBricks expands by six replica sets,
// which takes two add-brick commands, and fails the second: the bricks
// gluster already serves must not be destroyed; the operation is kept failed.
func TestExpandStoppedHalfWayKeepsServedBricks(t *testing.T) {
	e := newEnv(t, withAppConfig(func(c *glusterfs.Config) { c.BrickMaxSizeGB = 1 }))
	e.topology(3, "/dev/sdb")
	v := e.mustCreateVolume(`{"size":1,"name":"x","durability":{"type":"replicate","replicate":{"replica":3}}}`)
	remove := e.fake.Inject(fakeexec.Fault{Match: "add-brick", Nth: 2, ExitStatus: 1, Stderr: "volume add-brick: failed: injected"})
	r := e.wait(e.do("POST", "/volumes/"+v.ID+"/expand", `{"expand_size":6}`))
	remove()
	if r.status != 500 || !strings.Contains(r.body, "injected") {
		t.Fatalf("expected the injected failure, got %d %q", r.status, r.body)
	}
	gv, _ := e.fake.Volume("x")
	if len(gv.Bricks) != 3+15 {
		t.Fatalf("expected gluster to hold the first add-brick chunk (3+15 bricks), has %d", len(gv.Bricks))
	}
	if n := countThinLVs(e); n != 3+18 {
		t.Fatalf("no new brick may be destroyed while gluster serves some of them: %d LVs, want %d", n, 3+18)
	}
	var ops struct{ Failed int }
	decodeJSON(t, e.do("GET", "/operations", nil), &ops)
	if ops.Failed != 1 {
		t.Fatalf("the half-done expand must be kept as a failed operation, got %+v", ops)
	}
}

// TestCreateDoesNotDestroyAForeignVolume: a gluster volume of the same name
// made outside Basalt makes the create fail; its rollback must leave that
// volume alone.
func TestCreateDoesNotDestroyAForeignVolume(t *testing.T) {
	e := newEnv(t, withAppConfig(func(c *glusterfs.Config) { c.VolumeCreateRetries = 1 }))
	e.topology(3, "/dev/sdb")
	cmds := []string{"mkdir -p /data/foreign/brick", "gluster --mode=script --timeout=600 volume create theirs 10.0.0.1:/data/foreign/brick force"}
	if _, err := e.fake.Run(t.Context(), "n1.example.com", cmds, time.Minute); err != nil {
		t.Fatalf("making the foreign volume: %v", err)
	}
	r := e.createVolume(`{"size":1,"name":"theirs","durability":{"type":"replicate","replicate":{"replica":3}}}`)
	if r.status != 500 || !strings.Contains(r.body, "already exists") {
		t.Fatalf("expected gluster's already-exists failure, got %d %q", r.status, r.body)
	}
	if gv, ok := e.fake.Volume("theirs"); !ok || len(gv.Bricks) != 1 {
		t.Fatalf("the foreign volume must survive the rollback, got %+v (exists %v)", gv, ok)
	}
	for _, h := range hosts(3) {
		if n := len(e.fake.Node(h).Snapshot().LVs); n > 0 {
			t.Fatalf("the create's own bricks must be gone from %s, found %d LVs", h, n)
		}
	}
}
