package functional

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors/fakeexec"
)

type volumeJSON struct {
	Size       int    `json:"size"`
	Name       string `json:"name"`
	ID         string `json:"id"`
	Cluster    string `json:"cluster"`
	Durability struct {
		Type      string `json:"type"`
		Replicate struct {
			Replica int `json:"replica"`
		} `json:"replicate"`
	} `json:"durability"`
	Gid     int64    `json:"gid"`
	Options []string `json:"glustervolumeoptions"`
	Mount   struct {
		GlusterFS struct {
			Hosts   []string          `json:"hosts"`
			Device  string            `json:"device"`
			Options map[string]string `json:"options"`
		} `json:"glusterfs"`
	} `json:"mount"`
	Bricks []struct {
		ID, Path, Device, Node, Volume string
		Size                           uint64
	} `json:"bricks"`
}

// createVolume posts a volume and follows the job; it returns the final response.
func (e *env) createVolume(body string) response {
	e.t.Helper()
	r := e.do("POST", "/volumes", body)
	if r.status != http.StatusAccepted {
		return r
	}
	return e.wait(r)
}

// mustCreateVolume creates a volume and returns its info.
func (e *env) mustCreateVolume(body string) volumeJSON {
	e.t.Helper()
	r := e.createVolume(body)
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("volume create %s: expected 303, got %d %q", body, r.status, r.body)
	}
	info := e.do("GET", r.header.Get("Location"), nil)
	if info.status != 200 {
		e.t.Fatalf("volume info: %d %q", info.status, info.body)
	}
	var v volumeJSON
	decodeJSON(e.t, info, &v)
	return v
}

func TestVolumeCreateValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, body string
		status     int
		text       string
	}{
		{"empty body", "", 422, "request unable to be parsed"},
		{"no clusters", `{"size":1}`, 400, "No clusters configured"},
		{"size blank", `{"size":0}`, 400, "validation failed: size: cannot be blank."},
		{"size negative", `{"size":-1}`, 400, "validation failed: size: must be no less than 1."},
		{"bad name", `{"size":1,"name":"a b"}`, 400, "validation failed: name: must be in a valid format."},
		{"bad durability", `{"size":1,"durability":{"type":"mirror"}}`, 400, "Unknown durability type"},
		{"bad replica", `{"size":1,"durability":{"type":"replicate","replicate":{"replica":4}}}`, 400, "Invalid replica value"},
		{"bad disperse", `{"size":8,"durability":{"type":"disperse","disperse":{"data":3,"redundancy":1}}}`, 400, "Invalid dispersion combination: 3+1"},
		{"negative gid", `{"size":1,"gid":-5}`, 400, "Bad group id less than zero"},
		{"huge gid", `{"size":1,"gid":2147483647}`, 400, "Bad group id equal or greater than 2**32"},
		{"bad snapshot factor", `{"size":1,"snapshot":{"enable":true,"factor":0.5}}`, 400, "Invalid snapshot factor"},
		{"below minimum", `{"size":3,"durability":{"type":"disperse","disperse":{"data":4,"redundancy":2}}}`, 400,
			"Requested volume size (3 GB) is smaller than the minimum supported volume size (4194304)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, tc.name, e.do("POST", "/volumes", tc.body), tc.status, tc.text+"\n")
		})
	}
	e.topology(3, "/dev/sdb")
	expect(t, "unknown cluster", e.do("POST", "/volumes", `{"size":1,"clusters":["zzz"]}`), 400, "Cluster id zzz not found\n")
	ns := e.do("POST", "/volumes", `{"size":100,"durability":{"type":"replicate","replicate":{"replica":3}}}`)
	if ns.status != 500 || !strings.HasPrefix(ns.body, "Failed to allocate new volume: No space: ") {
		t.Fatalf("no space: expected 500 with Heketi's prefix and an explanation, got %d %q", ns.status, ns.body)
	}
}

func TestVolumeLifecycle(t *testing.T) {
	e := newEnv(t)
	c, nodes := e.topology(3, "/dev/sdb", "/dev/sdc")
	before := e.freeSpace(nodes)

	v := e.mustCreateVolume(`{"size":2,"durability":{"type":"replicate","replicate":{"replica":3}},"gid":2000}`)
	if v.Size != 2 || v.Name != "vol_"+v.ID || v.Cluster != c || len(v.Bricks) != 3 || v.Gid != 2000 {
		t.Fatalf("unexpected volume %+v", v)
	}
	if !reflect.DeepEqual(v.Options, []string{"", ""}) {
		t.Errorf("expected Heketi's effective options [\"\" \"\"], got %q", v.Options)
	}
	if !reflect.DeepEqual(v.Mount.GlusterFS.Hosts, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}) &&
		len(v.Mount.GlusterFS.Hosts) != 3 {
		t.Errorf("mount hosts: %v", v.Mount.GlusterFS.Hosts)
	}
	h := v.Mount.GlusterFS.Hosts
	if v.Mount.GlusterFS.Device != h[0]+":"+v.Name || v.Mount.GlusterFS.Options["backup-volfile-servers"] != h[1]+","+h[2] {
		t.Errorf("mount info: %+v", v.Mount.GlusterFS)
	}
	// The exact key order of Heketi's response.
	raw := e.do("GET", "/volumes/"+v.ID, nil).body
	order := regexp.MustCompile(`^\{"size":2,"name":"vol_[0-9a-f]{32}","durability":\{"type":"replicate","replicate":\{"replica":3\},"disperse":\{\}\},"gid":2000,"glustervolumeoptions":\["",""\],"snapshot":\{"enable":false,"factor":1\},"id":"[0-9a-f]{32}","cluster":"[0-9a-f]{32}","mount":\{"glusterfs":\{"hosts":\[[^]]*\],"device":"[^"]*","options":\{"backup-volfile-servers":"[^"]*"\}\}\},"blockinfo":\{\},"bricks":\[\{"id":`)
	if !order.MatchString(raw) {
		t.Errorf("volume info shape differs from Heketi's:\n%s", raw)
	}
	// Bricks are on three different nodes, 2 GiB each, sorted by id.
	seen := map[string]bool{}
	for i, b := range v.Bricks {
		seen[b.Node] = true
		if b.Size != 2*1024*1024 || !strings.HasSuffix(b.Path, "/brick_"+b.ID+"/brick") {
			t.Errorf("brick %d: %+v", i, b)
		}
		if i > 0 && v.Bricks[i-1].ID > b.ID {
			t.Errorf("bricks not sorted by id")
		}
	}
	if len(seen) != 3 {
		t.Errorf("replica bricks must be on 3 nodes, got %v", seen)
	}
	// The fake nodes really have the volume and the bricks.
	gv, ok := e.fake.Volume(v.Name)
	if !ok || len(gv.Bricks) != 3 {
		t.Fatalf("gluster volume on the nodes: %+v (exists %v)", gv, ok)
	}
	after := e.freeSpace(nodes)
	used := uint64(0)
	for id, f := range before {
		used += f - after[id]
	}
	if used < 3*2*1024*1024 {
		t.Errorf("devices should have given at least 6 GiB, gave %d KiB", used)
	}
	expect(t, "list", e.do("GET", "/volumes", nil), 200, `{"volumes":["`+v.ID+`"]}`+"\n")
	if ci := e.do("GET", "/clusters/"+c, nil); !strings.Contains(ci.body, `"volumes":["`+v.ID+`"]`) {
		t.Errorf("cluster info should list the volume: %s", ci.body)
	}
	// Device info lists the bricks.
	if di := e.do("GET", "/devices/"+v.Bricks[0].Device, nil); !strings.Contains(di.body, v.Bricks[0].ID) {
		t.Errorf("device info should list brick %s: %s", v.Bricks[0].ID, di.body)
	}

	// Expand by 1 GiB: one more replica set.
	r := e.wait(e.do("POST", "/volumes/"+v.ID+"/expand", `{"expand_size":1}`))
	if r.status != 303 || r.header.Get("Location") != "/volumes/"+v.ID {
		t.Fatalf("expand: %d %q %q", r.status, r.header.Get("Location"), r.body)
	}
	var x volumeJSON
	decodeJSON(t, e.do("GET", "/volumes/"+v.ID, nil), &x)
	if x.Size != 3 || len(x.Bricks) != 6 {
		t.Fatalf("after expand: size %d bricks %d", x.Size, len(x.Bricks))
	}
	if gv, _ := e.fake.Volume(v.Name); len(gv.Bricks) != 6 {
		t.Fatalf("gluster volume should have 6 bricks, has %d", len(gv.Bricks))
	}
	expect(t, "expand blank", e.do("POST", "/volumes/"+v.ID+"/expand", `{}`), 400, "validation failed: expand_size: cannot be blank.\n")
	expect(t, "expand missing", e.do("POST", "/volumes/0123456789abcdef0123456789abcdef/expand", `{"expand_size":1}`), 404, "Id not found\n")

	// Delete: everything comes back.
	expect(t, "delete", e.wait(e.do("DELETE", "/volumes/"+v.ID, nil)), 204, "")
	expect(t, "gone", e.do("GET", "/volumes/"+v.ID, nil), 404, "Id not found\n")
	expect(t, "list empty", e.do("GET", "/volumes", nil), 200, "{\"volumes\":[]}\n")
	e.assertNoLeaks(3)
	if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
		t.Fatalf("free space after delete:\nexpected %v\ngot      %v", before, got)
	}
}

func TestVolumeDurabilities(t *testing.T) {
	e := newEnv(t)
	e.topology(6, "/dev/sdb")
	cases := []struct {
		name, body string
		bricks     int
		keyword    string
	}{
		{"none", `{"size":3}`, 1, ""},
		{"disperse 4+2", `{"size":4,"durability":{"type":"disperse","disperse":{"data":4,"redundancy":2}}}`, 6, "disperse-data 4 redundancy 2"},
		{"arbiter", `{"size":2,"durability":{"type":"replicate","replicate":{"replica":3}},"glustervolumeoptions":["user.heketi.arbiter true"]}`, 3, "replica 3 arbiter 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.fake.ResetCommands()
			v := e.mustCreateVolume(tc.body)
			if len(v.Bricks) != tc.bricks {
				t.Fatalf("expected %d bricks, got %d", tc.bricks, len(v.Bricks))
			}
			var create string
			for _, rec := range e.fake.Commands() {
				if strings.Contains(rec.Command, " volume create ") {
					create = rec.Command
				}
			}
			if !strings.Contains(create, "volume create "+v.Name+" "+tc.keyword) {
				t.Fatalf("volume create command %q lacks %q", create, tc.keyword)
			}
		})
	}
}

func TestVolumeNameConflicts(t *testing.T) {
	e := newEnv(t, withAppConfig(func(c *glusterfs.Config) { c.MaxInflightOperations = 32 }))
	e.topology(3, "/dev/sdb")
	e.mustCreateVolume(`{"size":1,"name":"dup"}`)
	expect(t, "duplicate", e.do("POST", "/volumes", `{"size":1,"name":"dup"}`), 500, "Failed to allocate new volume: Volume name 'dup' already in use\n")

	// Ten concurrent creates of one new name: exactly one is accepted.
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", "/volumes", `{"size":1,"name":"race"}`)
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[202] != 1 || statuses[500] != 9 {
		t.Fatalf("expected one 202 and nine 500s, got %v", statuses)
	}
}

// TestVolumeCreateFaultsLeaveNothing fails each command of a volume create in
// turn and checks that the nodes and the database end as they began.
func TestVolumeCreateFaultsLeaveNothing(t *testing.T) {
	steps := []string{"^mkdir -p", "lvcreate", "^mkfs.xfs", "^awk", "^mount -o", "^mkdir /var", "^chown", "^chmod",
		"volume create", "volume set .* performance", "volume set .* user.heketi.id", "volume start"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			e := newEnv(t, withAppConfig(func(c *glusterfs.Config) { c.VolumeCreateRetries = 1 }))
			_, nodes := e.topology(3, "/dev/sdb")
			before := e.freeSpace(nodes)
			remove := e.fake.Inject(fakeexec.Fault{Match: step, ExitStatus: 1, Stderr: "injected failure at " + step})
			r := e.createVolume(`{"size":1,"gid":5,"durability":{"type":"replicate","replicate":{"replica":3}},"glustervolumeoptions":["performance.readdir-ahead off"]}`)
			if r.status != 500 || !strings.Contains(r.body, "injected failure") {
				t.Fatalf("expected the injected failure on the queue, got %d %q", r.status, r.body)
			}
			remove()
			e.assertNoLeaks(3)
			expect(t, "no volume", e.do("GET", "/volumes", nil), 200, "{\"volumes\":[]}\n")
			if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
				t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
			}
			if ops := pendingOps(t, e); ops != 0 {
				t.Fatalf("expected no pending operations, got %d", ops)
			}
			// And the next create works.
			e.mustCreateVolume(`{"size":1}`)
		})
	}
}

// pendingOps counts pending operations in the database.
func pendingOps(t *testing.T, e *env) int {
	t.Helper()
	n := 0
	err := e.store.View(func(r db.Reader) error {
		ids, err := r.PendingOpIDs()
		n = len(ids)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVolumeCreateRetriesOnOtherBricks(t *testing.T) {
	e := newEnv(t)
	e.topology(3, "/dev/sdb")
	// The first volume start fails; the retry (with new bricks) succeeds.
	e.fake.Inject(fakeexec.Fault{Match: "volume start", Times: 1, ExitStatus: 1, Stderr: "volume start: vol: failed: Commit failed on localhost."})
	v := e.mustCreateVolume(`{"size":1,"durability":{"type":"replicate","replicate":{"replica":3}}}`)
	creates := 0
	for _, rec := range e.fake.Commands() {
		if strings.Contains(rec.Command, "lvcreate") {
			creates++
		}
	}
	if creates != 6 {
		t.Fatalf("expected 6 lvcreates (two attempts of 3 bricks), got %d", creates)
	}
	if gv, ok := e.fake.Volume(v.Name); !ok || len(gv.Bricks) != 3 {
		t.Fatalf("expected the retried volume on the nodes, got %+v", gv)
	}
	// Only the surviving bricks remain on the nodes.
	lvs := 0
	for _, h := range hosts(3) {
		for _, lv := range e.fake.Node(h).Snapshot().LVs {
			if lv.Kind == "thin" {
				lvs++
			}
		}
	}
	if lvs != 3 {
		t.Fatalf("expected 3 brick LVs after the retry, got %d", lvs)
	}
}

func TestVolumeThrottle(t *testing.T) {
	e := newEnv(t, withAppConfig(func(c *glusterfs.Config) { c.MaxInflightOperations = 1 }))
	e.topology(3, "/dev/sdb")
	gate := make(chan struct{})
	remove := e.fake.Inject(fakeexec.Fault{Match: "volume start", Hold: gate})
	first := e.do("POST", "/volumes", `{"size":1}`)
	second := e.do("POST", "/volumes", `{"size":1}`)
	remove()
	close(gate)
	expect(t, "throttled", second, 429, "Server busy. Retry operation later.\n")
	if second.header.Get("Retry-After") == "" {
		t.Error("expected a Retry-After header on 429")
	}
	if r := e.wait(first); r.status != 303 {
		t.Fatalf("first create: %d %q", r.status, r.body)
	}
	if r := e.createVolume(`{"size":1}`); r.status != 303 {
		t.Fatalf("after the first finished, a create must pass: %d %q", r.status, r.body)
	}
}

func TestVolumePlacementDryRun(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(3, "/dev/sdb")
	before := e.freeSpace(nodes)
	r := e.do("POST", "/volumes/placement", `{"size":2,"durability":{"type":"replicate","replicate":{"replica":3}}}`)
	if r.status != 200 || !strings.Contains(r.body, `"brick_sets":[[`) {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
		t.Fatal("a dry run must not reserve space")
	}
	expect(t, "nothing created", e.do("GET", "/volumes", nil), 200, "{\"volumes\":[]}\n")
	f := e.do("POST", "/volumes/placement", `{"size":100,"durability":{"type":"replicate","replicate":{"replica":3}}}`)
	if f.status != 500 || !strings.HasPrefix(f.body, "Failed to allocate new volume: No space") {
		t.Fatalf("dry run failure: %d %q", f.status, f.body)
	}
}

// TestCrashRecovery kills the server in the middle of volume operations and
// checks that start-up finishes or undoes them on the nodes and in the DB.
func TestCrashRecovery(t *testing.T) {
	body := `{"size":1,"name":"crashme","durability":{"type":"replicate","replicate":{"replica":3}}}`
	t.Run("create interrupted after gluster volume create", func(t *testing.T) {
		e := newEnv(t)
		_, nodes := e.topology(3, "/dev/sdb")
		before := e.freeSpace(nodes)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: "volume start", Delay: time.Hour, Reached: reached})
		r := e.do("POST", "/volumes", body)
		if r.status != 202 {
			t.Fatalf("create: %d %q", r.status, r.body)
		}
		// Crash only once the job is stuck in volume start: earlier, it
		// would go on running node commands beside the recovery (and run
		// volume start itself once the fault is removed).
		waitReached(t, "volume start", reached)
		if _, ok := e.fake.Volume("crashme"); !ok {
			t.Fatal("expected the gluster volume on the nodes before volume start")
		}
		e.crash()
		remove()
		e.start()
		e.assertNoLeaks(3)
		expect(t, "no volume", e.do("GET", "/volumes", nil), 200, "{\"volumes\":[]}\n")
		if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
			t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
		}
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations after recovery, got %d", n)
		}
	})
	t.Run("delete interrupted", func(t *testing.T) {
		e := newEnv(t)
		_, nodes := e.topology(3, "/dev/sdb")
		before := e.freeSpace(nodes)
		v := e.mustCreateVolume(body)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: "volume delete", Delay: time.Hour, Reached: reached})
		if r := e.do("DELETE", "/volumes/"+v.ID, nil); r.status != 202 {
			t.Fatalf("delete: %d", r.status)
		}
		waitReached(t, "volume delete", reached)
		if gv, _ := e.fake.Volume("crashme"); gv.Started {
			t.Fatal("expected the volume stopped before volume delete")
		}
		e.crash()
		remove()
		e.start()
		e.assertNoLeaks(3)
		if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
			t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
		}
	})
	t.Run("expand interrupted before add-brick rolls back", func(t *testing.T) {
		e := newEnv(t)
		e.topology(3, "/dev/sdb")
		v := e.mustCreateVolume(body)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: "add-brick", Delay: time.Hour, Reached: reached})
		if r := e.do("POST", "/volumes/"+v.ID+"/expand", `{"expand_size":1}`); r.status != 202 {
			t.Fatalf("expand: %d", r.status)
		}
		waitReached(t, "add-brick", reached)
		if n := countThinLVs(e); n != 6 {
			t.Fatalf("expected the new bricks made before add-brick, found %d thin LVs", n)
		}
		e.crash()
		remove()
		e.start()
		var x volumeJSON
		decodeJSON(t, e.do("GET", "/volumes/"+v.ID, nil), &x)
		if x.Size != 1 || len(x.Bricks) != 3 || countThinLVs(e) != 3 {
			t.Fatalf("expected the expansion undone: size %d, bricks %d, LVs %d", x.Size, len(x.Bricks), countThinLVs(e))
		}
	})
	t.Run("expand interrupted after add-brick rolls forward", func(t *testing.T) {
		e := newEnv(t)
		e.topology(3, "/dev/sdb")
		v := e.mustCreateVolume(body)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: "rebalance", Delay: time.Hour, Reached: reached})
		if r := e.do("POST", "/volumes/"+v.ID+"/expand", `{"expand_size":1}`); r.status != 202 {
			t.Fatalf("expand: %d", r.status)
		}
		waitReached(t, "rebalance", reached)
		if gv, _ := e.fake.Volume("crashme"); len(gv.Bricks) != 6 {
			t.Fatalf("expected add-brick done before rebalance, volume has %d bricks", len(gv.Bricks))
		}
		e.crash()
		remove()
		e.start()
		var x volumeJSON
		decodeJSON(t, e.do("GET", "/volumes/"+v.ID, nil), &x)
		if x.Size != 2 || len(x.Bricks) != 6 {
			t.Fatalf("expected the expansion finished: size %d, bricks %d", x.Size, len(x.Bricks))
		}
	})
}

func countThinLVs(e *env) int {
	n := 0
	for _, h := range hosts(3) {
		for _, lv := range e.fake.Node(h).Snapshot().LVs {
			if lv.Kind == "thin" {
				n++
			}
		}
	}
	return n
}

// waitReached waits until a fault's Reached channel signals that a job got
// to the faulted command.
func waitReached(t *testing.T, what string, reached <-chan struct{}) {
	t.Helper()
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s to be reached", what)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
