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
	e := newEnv(t)
	e.topology(3, "/dev/sdb")
	reached := make(chan struct{}, 1)
	remove := e.fake.Inject(fakeexec.Fault{Match: "volume create", Delay: time.Hour, Reached: reached})
	r := e.do("POST", "/volumes", `{"size":1,"name":"taken","durability":{"type":"replicate","replicate":{"replica":3}}}`)
	if r.status != 202 {
		t.Fatalf("create: %d %q", r.status, r.body)
	}
	waitReached(t, "volume create", reached)
	e.crash()
	remove()

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
