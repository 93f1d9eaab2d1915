package functional

import (
	"context"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors/fakeexec"
)

const gibBytes = 1 << 30

// hostingBody creates a 5 GiB replica-3 block-hosting volume: freesize 4,
// reservedsize 1.
const hostingBody = `{"size":5,"block":true,"durability":{"type":"replicate","replicate":{"replica":3}}}`

type blockInfoJSON struct {
	FreeSize     int      `json:"freesize"`
	ReservedSize int      `json:"reservedsize"`
	BlockVolumes []string `json:"blockvolume"`
	Restriction  string   `json:"restriction"`
}

type blockVolumeJSON struct {
	Size        int    `json:"size"`
	Name        string `json:"name"`
	HACount     int    `json:"hacount"`
	Auth        bool   `json:"auth"`
	ID          string `json:"id"`
	BlockVolume struct {
		Hosts    []string `json:"hosts"`
		IQN      string   `json:"iqn"`
		LUN      int      `json:"lun"`
		Username string   `json:"username"`
		Password string   `json:"password"`
	} `json:"blockvolume"`
	Cluster            string `json:"cluster"`
	BlockHostingVolume string `json:"blockhostingvolume"`
	UsableSize         int    `json:"usablesize"`
}

// blockInfo reads the blockinfo of a volume.
func (e *env) blockInfo(volID string) blockInfoJSON {
	e.t.Helper()
	r := e.do("GET", "/volumes/"+volID, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("volume info %s: %d %q", volID, r.status, r.body)
	}
	var v struct {
		Block     bool          `json:"block"`
		BlockInfo blockInfoJSON `json:"blockinfo"`
	}
	decodeJSON(e.t, r, &v)
	return v.BlockInfo
}

// createBlockVolume posts a block volume and follows the job.
func (e *env) createBlockVolume(body string) response {
	e.t.Helper()
	r := e.do("POST", "/blockvolumes", body)
	if r.status != http.StatusAccepted {
		return r
	}
	return e.wait(r)
}

// mustCreateBlockVolume creates a block volume and returns its info.
func (e *env) mustCreateBlockVolume(body string) blockVolumeJSON {
	e.t.Helper()
	r := e.createBlockVolume(body)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/blockvolumes/") {
		e.t.Fatalf("block volume create %s: expected 303 to /blockvolumes/<id>, got %d %q %q", body, r.status, r.header.Get("Location"), r.body)
	}
	return e.blockVolume(strings.TrimPrefix(r.header.Get("Location"), "/blockvolumes/"))
}

func (e *env) blockVolume(id string) blockVolumeJSON {
	e.t.Helper()
	info := e.do("GET", "/blockvolumes/"+id, nil)
	if info.status != http.StatusOK {
		e.t.Fatalf("block volume info %s: %d %q", id, info.status, info.body)
	}
	var bv blockVolumeJSON
	decodeJSON(e.t, info, &bv)
	return bv
}

// fakeBlock returns the fake's block volume of that name.
func (e *env) fakeBlock(name string) (fakeexec.BlockVolume, bool) {
	for _, b := range e.fake.BlockVolumes() {
		if b.Name == name {
			return b, true
		}
	}
	return fakeexec.BlockVolume{}, false
}

func TestBlockVolumeValidation(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions)
	e.topology(3, "/dev/sdb")
	cases := []struct {
		name, body string
		status     int
		text       string
	}{
		{"empty body", "", 422, "request unable to be parsed"},
		{"size blank", `{"size":0}`, 400, "validation failed: size: cannot be blank."},
		{"size negative", `{"size":-2}`, 400, "validation failed: size: must be no less than 1."},
		{"bad name", `{"size":1,"name":"a b"}`, 400, "validation failed: name: must be in a valid format."},
		{"bad hacount", `{"size":1,"hacount":-1}`, 400, "validation failed: hacount: must be no less than 1."},
		{"several", `{"size":0,"name":"a/b","hacount":-1}`, 400, "validation failed: hacount: must be no less than 1; name: must be in a valid format; size: cannot be blank."},
		{"unknown cluster", `{"size":1,"clusters":["abc"]}`, 400, "Cluster id abc not found"},
		{"no hosting volume", `{"size":1}`, 500, "Failed to allocate new block volume: Block Hosting Volume Creation is disabled. Create a Block hosting volume and try again."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, tc.name, e.do("POST", "/blockvolumes", tc.body), tc.status, tc.text+"\n")
		})
	}
	expect(t, "unknown info", e.do("GET", "/blockvolumes/0123456789abcdef0123456789abcdef", nil), 404, "Id not found\n")
	expect(t, "unknown delete", e.do("DELETE", "/blockvolumes/0123456789abcdef0123456789abcdef", nil), 404, "Id not found\n")
	expect(t, "unknown expand", e.do("POST", "/blockvolumes/0123456789abcdef0123456789abcdef/expand", `{"new_size":2}`), 404, "Id not found\n")
	expect(t, "empty list", e.do("GET", "/blockvolumes", nil), 200, "{\"blockvolumes\":[]}\n")
}

func TestBlockVolumeLifecycle(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions)
	c, _ := e.topology(3, "/dev/sdb")
	hv := e.mustCreateVolume(hostingBody)
	if got := e.blockInfo(hv.ID); got.FreeSize != 4 || got.ReservedSize != 1 || len(got.BlockVolumes) != 0 {
		t.Fatalf("new hosting volume: expected freesize 4, reservedsize 1, no block volumes; got %+v", got)
	}

	bv := e.mustCreateBlockVolume(`{"size":1}`)
	if bv.Size != 1 || bv.Name != "blockvol_"+bv.ID || bv.HACount != 3 || bv.Cluster != c || bv.BlockHostingVolume != hv.ID || bv.UsableSize != 1 {
		t.Fatalf("unexpected block volume %+v", bv)
	}
	if bv.BlockVolume.LUN != 0 || !strings.HasPrefix(bv.BlockVolume.IQN, "iqn.2016-12.org.gluster-block:") || len(bv.BlockVolume.Hosts) != 3 {
		t.Fatalf("unexpected target %+v", bv.BlockVolume)
	}
	hs := append([]string(nil), bv.BlockVolume.Hosts...)
	sort.Strings(hs)
	if !reflect.DeepEqual(hs, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
		t.Errorf("without hacount every node's storage host serves the target, got %v", bv.BlockVolume.Hosts)
	}
	// Heketi's key order and omitempty rules (auth false and clusters absent).
	raw := e.do("GET", "/blockvolumes/"+bv.ID, nil).body
	shape := regexp.MustCompile(`^\{"size":1,"name":"blockvol_[0-9a-f]{32}","hacount":3,"id":"[0-9a-f]{32}","blockvolume":\{"hosts":\["[^]]+\],"iqn":"iqn\.2016-12\.org\.gluster-block:[^"]+","lun":0,"username":"","password":""\},"cluster":"[0-9a-f]{32}","blockhostingvolume":"[0-9a-f]{32}","usablesize":1\}\n$`)
	if !shape.MatchString(raw) {
		t.Errorf("block volume info shape differs from Heketi's:\n%s", raw)
	}
	fb, ok := e.fakeBlock(bv.Name)
	if !ok || fb.Volume != hv.Name || fb.SizeBytes != gibBytes || fb.HA != 3 {
		t.Fatalf("block volume on the nodes: %+v (exists %v)", fb, ok)
	}
	if got := e.blockInfo(hv.ID); got.FreeSize != 3 || got.ReservedSize != 1 || !reflect.DeepEqual(got.BlockVolumes, []string{bv.ID}) {
		t.Fatalf("after one block volume: expected freesize 3 and the block volume listed, got %+v", got)
	}
	if ci := e.do("GET", "/clusters/"+c, nil); !strings.Contains(ci.body, `"blockvolumes":["`+bv.ID+`"]`) {
		t.Errorf("cluster info should list the block volume: %s", ci.body)
	}

	// Fill the hosting volume.
	ids := []string{bv.ID}
	for i := 0; i < 3; i++ {
		ids = append(ids, e.mustCreateBlockVolume(`{"size":1,"name":"b`+string(rune('0'+i))+`"}`).ID)
	}
	if got := e.blockInfo(hv.ID); got.FreeSize != 0 || got.ReservedSize != 1 || len(got.BlockVolumes) != 4 {
		t.Fatalf("full hosting volume: expected freesize 0 and 4 block volumes, got %+v", got)
	}
	expect(t, "full", e.do("POST", "/blockvolumes", `{"size":1}`), 500,
		"Failed to allocate new block volume: Block Hosting Volume Creation is disabled. Create a Block hosting volume and try again.\n")
	sort.Strings(ids)
	var list api.BlockVolumeListResponse
	decodeJSON(t, e.do("GET", "/blockvolumes", nil), &list)
	if !reflect.DeepEqual(list.BlockVolumes, ids) {
		t.Fatalf("list: expected %v, got %v", ids, list.BlockVolumes)
	}
	if n := len(e.fake.BlockVolumes()); n != 4 {
		t.Fatalf("expected 4 block volumes on the nodes, got %d", n)
	}

	// Expand: errors, then success once space is free.
	expect(t, "expand blank", e.do("POST", "/blockvolumes/"+bv.ID+"/expand", `{}`), 400, "validation failed: new_size: cannot be blank.\n")
	expect(t, "expand same", e.do("POST", "/blockvolumes/"+bv.ID+"/expand", `{"new_size":1}`), 500,
		"Requested new-size 1 is same as current block volume size 1, nothing to be done.\n")
	expect(t, "expand no space", e.do("POST", "/blockvolumes/"+bv.ID+"/expand", `{"new_size":2}`), 500, "No space\n")
	var rest []string // every block volume but bv, which is expanded below
	for _, id := range ids {
		if id != bv.ID {
			rest = append(rest, id)
		}
	}
	expect(t, "delete one", e.wait(e.do("DELETE", "/blockvolumes/"+rest[2], nil)), 204, "")
	if got := e.blockInfo(hv.ID); got.FreeSize != 1 || len(got.BlockVolumes) != 3 {
		t.Fatalf("delete should credit 1 GiB: %+v", got)
	}
	r := e.wait(e.do("POST", "/blockvolumes/"+bv.ID+"/expand", `{"new_size":2}`))
	if r.status != 303 || r.header.Get("Location") != "/blockvolumes/"+bv.ID {
		t.Fatalf("expand: expected 303 to the block volume, got %d %q %q", r.status, r.header.Get("Location"), r.body)
	}
	if x := e.blockVolume(bv.ID); x.Size != 2 || x.UsableSize != 2 {
		t.Fatalf("after expand: expected size 2, got %+v", x)
	}
	if fb, _ := e.fakeBlock(bv.Name); fb.SizeBytes != 2*gibBytes {
		t.Fatalf("after expand the node's block volume should be 2 GiB, is %d bytes", fb.SizeBytes)
	}
	if got := e.blockInfo(hv.ID); got.FreeSize != 0 {
		t.Fatalf("expand should take 1 GiB of freesize: %+v", got)
	}
	expect(t, "shrink", e.do("POST", "/blockvolumes/"+bv.ID+"/expand", `{"new_size":1}`), 500,
		"Requested new-size 1 is less than current block volume size 2, shrinking is not allowed.\n")
	var modify string
	for _, rec := range e.fake.Commands() {
		if strings.HasPrefix(rec.Command, "gluster-block modify") {
			modify = rec.Command
		}
	}
	if want := "gluster-block modify " + hv.Name + "/" + bv.Name + "  size 2GiB --json"; modify != want {
		t.Errorf("modify command: expected %q, got %q", want, modify)
	}

	// The hosting volume cannot go while it hosts block volumes.
	expect(t, "hosting delete refused", e.do("DELETE", "/volumes/"+hv.ID, nil), 409, "Cannot delete a block hosting volume containing block volumes\n")
	for _, id := range append(rest[:2], bv.ID) {
		expect(t, "delete "+id, e.wait(e.do("DELETE", "/blockvolumes/"+id, nil)), 204, "")
		expect(t, "gone "+id, e.do("GET", "/blockvolumes/"+id, nil), 404, "Id not found\n")
	}
	if got := e.blockInfo(hv.ID); got.FreeSize != 4 || got.ReservedSize != 1 || len(got.BlockVolumes) != 0 {
		t.Fatalf("after deleting every block volume: expected freesize 4, got %+v", got)
	}
	expect(t, "list empty", e.do("GET", "/blockvolumes", nil), 200, "{\"blockvolumes\":[]}\n")
	expect(t, "hosting delete", e.wait(e.do("DELETE", "/volumes/"+hv.ID, nil)), 204, "")
	e.assertNoLeaks(3)
	if n := pendingOps(t, e); n != 0 {
		t.Fatalf("expected no pending operations, got %d", n)
	}
}

func TestBlockVolumeNameUniquePerHostingVolume(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions)
	e.topology(3, "/dev/sdb", "/dev/sdc")
	a := e.mustCreateVolume(hostingBody)
	b := e.mustCreateVolume(hostingBody)
	first := e.mustCreateBlockVolume(`{"size":1,"name":"same"}`)
	second := e.mustCreateBlockVolume(`{"size":1,"name":"same"}`)
	got := []string{first.BlockHostingVolume, second.BlockHostingVolume}
	sort.Strings(got)
	want := []string{a.ID, b.ID}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("one name may be used once per hosting volume: expected one on each of %v, got %v", want, got)
	}
	expect(t, "third", e.do("POST", "/blockvolumes", `{"size":1,"name":"same"}`), 500,
		"Failed to allocate new block volume: Block Hosting Volume Creation is disabled. Create a Block hosting volume and try again.\n")
}

// withFakeBlockOptions replaces Heketi's default block-hosting option
// "group gluster-block", which the fake nodes do not know (their volume set
// only accepts dotted keys), by an option they accept.
var withFakeBlockOptions = withAppConfig(func(c *glusterfs.Config) { c.BlockHostingVolumeOptions = fakeBlockOption })

const fakeBlockOption = "features.shard on"

func withAutoCreate(sizeGiB int) envOption {
	return withAppConfig(func(c *glusterfs.Config) {
		c.AutoCreateBlockHostingVolume = true
		c.BlockHostingVolumeSizeGB = sizeGiB
	})
}

func TestBlockVolumeAutoCreate(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions, withAutoCreate(5))
	_, nodes := e.topology(3, "/dev/sdb", "/dev/sdc")
	before := e.freeSpace(nodes)
	expect(t, "too small", e.do("POST", "/blockvolumes", `{"size":5}`), 500,
		"Failed to allocate new block volume: The size configured for automatic creation of block hosting volumes (5) is too small to host the requested block volume of size 5. The available size on this block hosting volume, minus overhead, is 4. Please create a sufficiently large block hosting volume manually.\n")

	b1 := e.mustCreateBlockVolume(`{"size":3}`)
	var vols api.VolumeListResponse
	decodeJSON(t, e.do("GET", "/volumes", nil), &vols)
	if len(vols.Volumes) != 1 || vols.Volumes[0] != b1.BlockHostingVolume {
		t.Fatalf("expected one auto-created hosting volume %s, got %v", b1.BlockHostingVolume, vols.Volumes)
	}
	var hv volumeJSON
	decodeJSON(t, e.do("GET", "/volumes/"+b1.BlockHostingVolume, nil), &hv)
	if hv.Size != 5 || hv.Durability.Type != "replicate" || hv.Durability.Replicate.Replica != 3 || len(hv.Bricks) != 3 ||
		!reflect.DeepEqual(hv.Options, []string{"", fakeBlockOption, ""}) {
		t.Fatalf("auto-created hosting volume: %+v", hv)
	}
	if got := e.blockInfo(hv.ID); got.FreeSize != 1 || got.ReservedSize != 1 {
		t.Fatalf("auto-created hosting volume blockinfo: expected freesize 1 reservedsize 1, got %+v", got)
	}
	if _, ok := e.fake.Volume(hv.Name); !ok {
		t.Fatal("the hosting volume should exist on the nodes")
	}
	// Fits in what is left: same hosting volume.
	if b2 := e.mustCreateBlockVolume(`{"size":1}`); b2.BlockHostingVolume != hv.ID {
		t.Fatalf("expected the existing hosting volume to be used, got %s", b2.BlockHostingVolume)
	}
	// Does not fit: a second hosting volume.
	b3 := e.mustCreateBlockVolume(`{"size":2}`)
	if b3.BlockHostingVolume == hv.ID {
		t.Fatal("a full hosting volume must not be chosen")
	}
	decodeJSON(t, e.do("GET", "/volumes", nil), &vols)
	if len(vols.Volumes) != 2 {
		t.Fatalf("expected two hosting volumes, got %v", vols.Volumes)
	}

	// Clean up everything and check the devices got their space back.
	var list api.BlockVolumeListResponse
	decodeJSON(t, e.do("GET", "/blockvolumes", nil), &list)
	for _, id := range list.BlockVolumes {
		expect(t, "delete block volume", e.wait(e.do("DELETE", "/blockvolumes/"+id, nil)), 204, "")
	}
	for _, id := range vols.Volumes {
		expect(t, "delete hosting volume", e.wait(e.do("DELETE", "/volumes/"+id, nil)), 204, "")
	}
	e.assertNoLeaks(3)
	if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
		t.Fatalf("free space after cleanup:\nexpected %v\ngot      %v", before, got)
	}
}

func TestBlockVolumeHACountAndAuth(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions)
	e.topology(3, "/dev/sdb")
	hv := e.mustCreateVolume(hostingBody)

	bv := e.mustCreateBlockVolume(`{"size":1,"hacount":2,"auth":true}`)
	if bv.HACount != 2 || len(bv.BlockVolume.Hosts) != 2 || !bv.Auth {
		t.Fatalf("expected 2 target hosts with auth, got %+v", bv)
	}
	if bv.BlockVolume.Username == "" || bv.BlockVolume.Password == "" {
		t.Fatalf("auth should return CHAP credentials, got %+v", bv.BlockVolume)
	}
	if fb, _ := e.fakeBlock(bv.Name); fb.HA != 2 {
		t.Fatalf("node block volume ha: expected 2, got %d", fb.HA)
	}
	var create string
	for _, rec := range e.fake.Commands() {
		if strings.HasPrefix(rec.Command, "gluster-block create") {
			create = rec.Command
		}
	}
	want := regexp.MustCompile(`^gluster-block create ` + hv.Name + `/` + bv.Name + ` ha 2 auth enable prealloc full 10\.0\.0\.\d,10\.0\.0\.\d 1GiB --json$`)
	if !want.MatchString(create) {
		t.Errorf("create command %q does not match %s", create, want)
	}

	// hacount above the number of nodes: every node.
	if all := e.mustCreateBlockVolume(`{"size":1,"hacount":5}`); all.HACount != 3 || len(all.BlockVolume.Hosts) != 3 {
		t.Fatalf("hacount 5 on 3 nodes: expected all 3 hosts, got %+v", all)
	}

	// Only one node has glusterd: hacount 2 cannot be met; nothing is left.
	e.fake.Node("n2.example.com").SetGlusterd(false)
	e.fake.Node("n3.example.com").SetGlusterd(false)
	r := e.createBlockVolume(`{"size":1,"hacount":2}`)
	expect(t, "insufficient hosts", r, 500, "insufficient block hosts online\n")
	e.fake.Node("n2.example.com").SetGlusterd(true)
	e.fake.Node("n3.example.com").SetGlusterd(true)
	if got := e.blockInfo(hv.ID); got.FreeSize != 2 || len(got.BlockVolumes) != 2 {
		t.Fatalf("a failed create must give its space back: %+v", got)
	}
	if n := pendingOps(t, e); n != 0 {
		t.Fatalf("expected no pending operations, got %d", n)
	}
}

func TestBlockRestriction(t *testing.T) {
	e := newEnv(t, withFakeBlockOptions)
	e.topology(3, "/dev/sdb", "/dev/sdc")
	a := e.mustCreateVolume(hostingBody)
	b := e.mustCreateVolume(hostingBody)
	plain := e.mustCreateVolume(`{"size":1}`)

	expect(t, "locked-by-update", e.do("POST", "/volumes/"+a.ID+"/block-restriction", `{"restriction":"locked-by-update"}`), 400,
		"validation failed: restriction: must be a valid value.\n")
	expect(t, "bogus", e.do("POST", "/volumes/"+a.ID+"/block-restriction", `{"restriction":"bogus"}`), 400,
		"validation failed: restriction: must be a valid value.\n")
	expect(t, "unknown volume", e.do("POST", "/volumes/0123456789abcdef0123456789abcdef/block-restriction", `{"restriction":"locked"}`), 404, "Id not found\n")
	expect(t, "non-block", e.wait(e.do("POST", "/volumes/"+plain.ID+"/block-restriction", `{"restriction":"locked"}`)), 500,
		"Block restrictions can only be set on block hosting volumes\n")

	r := e.wait(e.do("POST", "/volumes/"+a.ID+"/block-restriction", `{"restriction":"locked"}`))
	if r.status != 303 || r.header.Get("Location") != "/volumes/"+a.ID {
		t.Fatalf("lock: expected 303 to the volume, got %d %q %q", r.status, r.header.Get("Location"), r.body)
	}
	if got := e.blockInfo(a.ID); got.Restriction != "locked" {
		t.Fatalf("expected restriction locked, got %+v", got)
	}
	for i := 0; i < 3; i++ {
		if bv := e.mustCreateBlockVolume(`{"size":1}`); bv.BlockHostingVolume != b.ID {
			t.Fatalf("a locked hosting volume must be avoided; block volume went to %s", bv.BlockHostingVolume)
		}
	}
	if r := e.wait(e.do("POST", "/volumes/"+a.ID+"/block-restriction", `{"restriction":""}`)); r.status != 303 {
		t.Fatalf("unlock: %d %q", r.status, r.body)
	}
	if got := e.blockInfo(a.ID); got.Restriction != "" {
		t.Fatalf("expected no restriction, got %+v", got)
	}

	// A volume locked by an update (server-internal) needs 2% free to unlock.
	setBlockInfo := func(free, reserved int) {
		err := e.store.Update(func(w db.Writer) error {
			v, err := w.Volume(a.ID)
			if err != nil {
				return err
			}
			v.BlockInfo = api.BlockInfo{FreeSize: free, ReservedSize: reserved, Restriction: api.LockedByUpdate}
			return w.PutVolume(v)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setBlockInfo(0, 0)
	expect(t, "unlock without space", e.wait(e.do("POST", "/volumes/"+a.ID+"/block-restriction", `{"restriction":""}`)), 500,
		"Can not unlock volume. 1GiB free space is required, but found 0GiB\n")
	setBlockInfo(5, 0)
	if r := e.wait(e.do("POST", "/volumes/"+a.ID+"/block-restriction", `{"restriction":""}`)); r.status != 303 {
		t.Fatalf("unlock with space: %d %q", r.status, r.body)
	}
	if got := e.blockInfo(a.ID); got.Restriction != "" || got.FreeSize != 4 || got.ReservedSize != 1 {
		t.Fatalf("unlocking should reserve Heketi's 2%%: expected freesize 4 reservedsize 1, got %+v", got)
	}
}

// TestBlockVolumeCreateFaults fails gluster-block create and checks that
// nothing is left: no block volume on the nodes, the space given back, and
// (when the hosting volume was auto-created) no volume or brick either.
func TestBlockVolumeCreateFaults(t *testing.T) {
	failure := `{ "RESULT":"FAIL", "errCode":5, "errMsg":"injected: target creation failed" }`
	t.Run("existing hosting volume", func(t *testing.T) {
		e := newEnv(t, withFakeBlockOptions)
		e.topology(3, "/dev/sdb")
		hv := e.mustCreateVolume(hostingBody)
		remove := e.fake.Inject(fakeexec.Fault{Match: "^gluster-block create", ExitStatus: 5, Stdout: failure})
		expect(t, "create", e.createBlockVolume(`{"size":2}`), 500, "Failed to create block volume: injected: target creation failed\n")
		remove()
		if n := len(e.fake.BlockVolumes()); n != 0 {
			t.Fatalf("expected no block volume on the nodes, got %d", n)
		}
		if got := e.blockInfo(hv.ID); got.FreeSize != 4 || len(got.BlockVolumes) != 0 {
			t.Fatalf("freesize not restored: %+v", got)
		}
		expect(t, "list", e.do("GET", "/blockvolumes", nil), 200, "{\"blockvolumes\":[]}\n")
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations, got %d", n)
		}
		e.mustCreateBlockVolume(`{"size":2}`)
	})
	t.Run("auto-created hosting volume", func(t *testing.T) {
		e := newEnv(t, withFakeBlockOptions, withAutoCreate(5))
		_, nodes := e.topology(3, "/dev/sdb")
		before := e.freeSpace(nodes)
		remove := e.fake.Inject(fakeexec.Fault{Match: "^gluster-block create", ExitStatus: 5, Stdout: failure})
		expect(t, "create", e.createBlockVolume(`{"size":1}`), 500, "Failed to create block volume: injected: target creation failed\n")
		remove()
		e.assertNoLeaks(3)
		expect(t, "no volume", e.do("GET", "/volumes", nil), 200, "{\"volumes\":[]}\n")
		if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
			t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
		}
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations, got %d", n)
		}
	})
	t.Run("auto-created hosting volume fails to start", func(t *testing.T) {
		e := newEnv(t, withFakeBlockOptions, withAutoCreate(5))
		_, nodes := e.topology(3, "/dev/sdb")
		before := e.freeSpace(nodes)
		remove := e.fake.Inject(fakeexec.Fault{Match: "volume start", ExitStatus: 1, Stderr: "volume start: failed: injected"})
		expect(t, "create", e.createBlockVolume(`{"size":1}`), 500, "volume start: failed: injected\n")
		remove()
		e.assertNoLeaks(3)
		if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
			t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
		}
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations, got %d", n)
		}
	})
}

// opStepStarted reports whether a pending operation recorded step name.
func opStepStarted(t *testing.T, e *env, name string) bool {
	t.Helper()
	found := false
	err := e.store.View(func(r db.Reader) error {
		ids, err := r.PendingOpIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			op, err := r.PendingOp(id)
			if err != nil {
				return err
			}
			for _, s := range op.Steps {
				if s.Name == name && s.Started {
					found = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestBlockVolumeCrashRecovery kills the server in the middle of block
// volume operations and checks what start-up makes of them.
func TestBlockVolumeCrashRecovery(t *testing.T) {
	t.Run("create interrupted in gluster-block create", func(t *testing.T) {
		e := newEnv(t, withFakeBlockOptions)
		e.topology(3, "/dev/sdb")
		hv := e.mustCreateVolume(hostingBody)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: "^gluster-block create", Delay: time.Hour, Reached: reached})
		if r := e.do("POST", "/blockvolumes", `{"size":2}`); r.status != 202 {
			t.Fatalf("create: %d %q", r.status, r.body)
		}
		// Crash only once the job is stuck in the command: earlier, it would
		// run it for real once the fault is removed.
		waitReached(t, "gluster-block create", reached)
		if !opStepStarted(t, e, "gluster-block-create") {
			t.Fatal("expected the gluster-block-create step recorded before the command ran")
		}
		e.crash()
		remove()
		e.start()
		if n := len(e.fake.BlockVolumes()); n != 0 {
			t.Fatalf("expected no block volume on the nodes, got %d", n)
		}
		if got := e.blockInfo(hv.ID); got.FreeSize != 4 || len(got.BlockVolumes) != 0 {
			t.Fatalf("freesize not restored after recovery: %+v", got)
		}
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations after recovery, got %d", n)
		}
	})
	t.Run("create with auto-created hosting volume interrupted", func(t *testing.T) {
		e := newEnv(t, withFakeBlockOptions, withAutoCreate(5))
		_, nodes := e.topology(3, "/dev/sdb")
		before := e.freeSpace(nodes)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: "volume start", Delay: time.Hour, Reached: reached})
		if r := e.do("POST", "/blockvolumes", `{"size":1}`); r.status != 202 {
			t.Fatalf("create: %d %q", r.status, r.body)
		}
		waitReached(t, "volume start", reached)
		if n := len(e.fake.Volumes()); n != 1 {
			t.Fatalf("expected the hosting gluster volume on the nodes before volume start, found %d", n)
		}
		e.crash()
		remove()
		e.start()
		e.assertNoLeaks(3)
		if got := e.freeSpace(nodes); !reflect.DeepEqual(got, before) {
			t.Fatalf("free space not restored:\nexpected %v\ngot      %v", before, got)
		}
		expect(t, "no volume", e.do("GET", "/volumes", nil), 200, "{\"volumes\":[]}\n")
		if n := pendingOps(t, e); n != 0 {
			t.Fatalf("expected no pending operations after recovery, got %d", n)
		}
	})
	t.Run("delete interrupted", func(t *testing.T) {
		e := newEnv(t, withFakeBlockOptions)
		e.topology(3, "/dev/sdb")
		hv := e.mustCreateVolume(hostingBody)
		bv := e.mustCreateBlockVolume(`{"size":2}`)
		reached := make(chan struct{}, 1)
		remove := e.fake.Inject(fakeexec.Fault{Match: "^gluster-block delete", Delay: time.Hour, Reached: reached})
		if r := e.do("DELETE", "/blockvolumes/"+bv.ID, nil); r.status != 202 {
			t.Fatalf("delete: %d", r.status)
		}
		waitReached(t, "gluster-block delete", reached)
		if !opStepStarted(t, e, "gluster-block-delete") {
			t.Fatal("expected the gluster-block-delete step recorded before the command ran")
		}
		e.crash()
		remove()
		e.start()
		if n := len(e.fake.BlockVolumes()); n != 0 {
			t.Fatalf("recovery should finish the delete, %d block volumes remain", n)
		}
		expect(t, "gone", e.do("GET", "/blockvolumes/"+bv.ID, nil), 404, "Id not found\n")
		if got := e.blockInfo(hv.ID); got.FreeSize != 4 || len(got.BlockVolumes) != 0 {
			t.Fatalf("freesize not credited after recovery: %+v", got)
		}
	})
	for _, ran := range []bool{false, true} {
		name := "expand interrupted before modify rolls back"
		if ran {
			name = "expand interrupted after modify rolls forward"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, withFakeBlockOptions)
			e.topology(3, "/dev/sdb")
			hv := e.mustCreateVolume(hostingBody)
			bv := e.mustCreateBlockVolume(`{"size":1}`)
			reached := make(chan struct{}, 1)
			remove := e.fake.Inject(fakeexec.Fault{Match: "^gluster-block modify", Delay: time.Hour, Reached: reached})
			if r := e.do("POST", "/blockvolumes/"+bv.ID+"/expand", `{"new_size":3}`); r.status != 202 {
				t.Fatalf("expand: %d %q", r.status, r.body)
			}
			waitReached(t, "gluster-block modify", reached)
			if !opStepStarted(t, e, "gluster-block-modify") {
				t.Fatal("expected the gluster-block-modify step recorded before the command ran")
			}
			e.crash()
			remove()
			if ran {
				// The node did resize before the server died.
				cmd := "gluster-block modify " + hv.Name + "/" + bv.Name + "  size 3GiB --json"
				if _, err := e.fake.Run(context.Background(), "n1.example.com", []string{cmd}, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			e.start()
			want, free := 1, 3
			if ran {
				want, free = 3, 1
			}
			if x := e.blockVolume(bv.ID); x.Size != want {
				t.Fatalf("after recovery: expected size %d, got %d", want, x.Size)
			}
			if got := e.blockInfo(hv.ID); got.FreeSize != free {
				t.Fatalf("after recovery: expected freesize %d, got %+v", free, got)
			}
			if n := pendingOps(t, e); n != 0 {
				t.Fatalf("expected no pending operations after recovery, got %d", n)
			}
		})
	}
}
