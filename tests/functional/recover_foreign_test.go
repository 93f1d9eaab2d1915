package functional

import (
	"context"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors/fakeexec"
)

// TestRecoveryLeavesForeignVolumeAlone: the server crashes while gluster
// volume create is pending, so the operation says the create step started,
// but gluster never made the volume. Someone then makes a volume of the
// same name on other bricks. Recovery must roll back Basalt's bricks and
// records and leave that volume alone.
func TestRecoveryLeavesForeignVolumeAlone(t *testing.T) {
	e := crashedCreate(t, "taken", "volume create")

	foreign := "10.0.0.1:/srv/foreign/brick"
	if _, err := e.fake.Run(context.Background(), "n1.example.com", []string{
		"mkdir -p /srv/foreign/brick",
		"gluster --mode=script volume create taken " + foreign + " force",
	}, time.Minute); err != nil {
		t.Fatalf("making the foreign volume: %v", err)
	}

	e.start()
	v, ok := e.fake.Volume("taken")
	if !ok || len(v.Bricks) != 1 || v.Bricks[0] != foreign {
		t.Fatalf("the foreign volume was touched by recovery: exists %v, %+v", ok, v)
	}
	if n := countThinLVs(e); n != 0 {
		t.Errorf("expected Basalt's bricks rolled back, found %d thin LVs", n)
	}
	expect(t, "no volume", e.do("GET", "/volumes", nil), 200, "{\"volumes\":[]}\n")
	if n := pendingOps(t, e); n != 0 {
		t.Fatalf("expected no pending operations after recovery, got %d", n)
	}
}

// TestRecoveryAsksEveryBrickNode: gluster made the volume on our bricks, but
// the first brick node asked says it has no such volume (a create that
// failed half-way can leave it defined on some peers only). Recovery must
// not take that one answer as proof: it deletes the volume before it
// destroys the bricks, so no brick gluster still uses is destroyed.
func TestRecoveryAsksEveryBrickNode(t *testing.T) {
	e := crashedCreate(t, "partial", "volume start")
	missing := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cliOutput>
  <opRet>-1</opRet>
  <opErrno>30806</opErrno>
  <opErrstr>Volume does not exist</opErrstr>
  <volInfo>
    <volumes>
      <count>0</count>
    </volumes>
  </volInfo>
</cliOutput>
`
	for _, h := range []string{"n1.example.com", "n2.example.com"} {
		e.fake.Inject(fakeexec.Fault{Host: h, Match: "volume info partial", Stdout: missing})
	}
	e.start()
	if _, ok := e.fake.Volume("partial"); ok {
		t.Fatal("the half-made volume on our bricks was left on the nodes")
	}
	e.assertNoLeaks(3)
	if n := pendingOps(t, e); n != 0 {
		t.Fatalf("expected no pending operations after recovery, got %d", n)
	}
}

// crashedCreate starts a stack with three nodes, creates a replica-3 volume
// called name and crashes the server while the create is stuck in the node
// command matching match. The stack is left stopped, the fault removed.
func crashedCreate(t *testing.T, name, match string) *env {
	t.Helper()
	e := newEnv(t)
	e.topology(3, "/dev/sdb")
	reached := make(chan struct{}, 1)
	remove := e.fake.Inject(fakeexec.Fault{Match: match, Delay: time.Hour, Reached: reached})
	r := e.do("POST", "/volumes", `{"size":1,"name":"`+name+`","durability":{"type":"replicate","replicate":{"replica":3}}}`)
	if r.status != 202 {
		t.Fatalf("create: %d %q", r.status, r.body)
	}
	waitReached(t, match, reached)
	e.crash()
	remove()
	return e
}

// TestCloneRecovery: a clone interrupted after gluster made it is deleted at
// the next start; one interrupted before, whose name someone then took, is
// left alone.
func TestCloneRecovery(t *testing.T) {
	crashedClone := func(t *testing.T, match string) (*env, volumeJSON) {
		e := newEnv(t)
		e.topology(3, "/dev/sdb")
		src := e.mustCreateVolume(`{"size":1,"name":"src","durability":{"type":"replicate","replicate":{"replica":3}},"snapshot":{"enable":true,"factor":2}}`)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: match, Delay: time.Hour, Reached: reached})
		if r := e.do("POST", "/volumes/"+src.ID+"/clone", `{"name":"copy"}`); r.status != 202 {
			t.Fatalf("clone: %d %q", r.status, r.body)
		}
		waitReached(t, match, reached)
		e.crash()
		remove()
		return e, src
	}
	t.Run("made by gluster: deleted", func(t *testing.T) {
		e, _ := crashedClone(t, "volume start copy")
		if _, ok := e.fake.Volume("copy"); !ok {
			t.Fatal("expected gluster to have made the clone before the crash")
		}
		e.start()
		if _, ok := e.fake.Volume("copy"); ok {
			t.Error("the interrupted clone was left on the nodes")
		}
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations after recovery, got %d", n)
		}
	})
	t.Run("name taken by someone else: left alone", func(t *testing.T) {
		e, _ := crashedClone(t, "snapshot clone copy")
		foreign := "10.0.0.2:/srv/other/brick"
		if _, err := e.fake.Run(context.Background(), "n2.example.com", []string{
			"mkdir -p /srv/other/brick",
			"gluster --mode=script volume create copy " + foreign + " force",
		}, time.Minute); err != nil {
			t.Fatalf("making the foreign volume: %v", err)
		}
		e.start()
		if v, ok := e.fake.Volume("copy"); !ok || len(v.Bricks) != 1 || v.Bricks[0] != foreign {
			t.Fatalf("the foreign volume was touched by recovery: exists %v, %+v", ok, v)
		}
		var list struct{ Volumes []string }
		decodeJSON(t, e.do("GET", "/volumes", nil), &list)
		if len(list.Volumes) != 1 {
			t.Fatalf("expected only the source volume, got %v", list.Volumes)
		}
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations after recovery, got %d", n)
		}
	})
}
