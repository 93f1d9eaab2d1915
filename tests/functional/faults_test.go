package functional

import (
	"reflect"
	"strings"
	"testing"

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
