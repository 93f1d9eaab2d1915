package fakeexec

import (
	"time"

	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// cluster is a test cluster: nodeN.mgmt / 10.0.0.N, each with a 500 GiB
// /dev/sdb set up as vg_<devID(N)>, all in one trusted pool.
type cluster struct {
	f     *Fake
	hosts []string
	ips   []string
	devs  []string
}

func devID(i int) string { return hexID('d', i) }

func newCluster(t testing.TB, nodes int) *cluster {
	t.Helper()
	c := &cluster{f: New(Options{})}
	for i := 1; i <= nodes; i++ {
		host, ip := fmt.Sprintf("node%d.mgmt", i), fmt.Sprintf("10.0.0.%d", i)
		c.f.AddNode(host, ip).AddDisk("/dev/sdb", 500<<20)
		mustRun(t, c.f, host, deviceSetupCmds(devID(i), "/dev/sdb")...)
		if i > 1 {
			mustRun(t, c.f, c.hosts[0], "systemctl status glusterd", glusterCLI+"peer probe "+ip)
		}
		c.hosts, c.ips, c.devs = append(c.hosts, host), append(c.ips, ip), append(c.devs, devID(i))
	}
	return c
}

// brickRef is a brick made by makeBrick.
type brickRef struct {
	node       int // 0-based
	id, tp     string
	path       string // gluster brick path
	storageArg string // host:path
}

// makeBrick runs the facts 7.5 sequence for a 10 GiB brick (snapshot factor
// 1.5) with gid 2000 on node i.
func (c *cluster) makeBrick(t testing.TB, i int, id, tp string) brickRef {
	t.Helper()
	mustRun(t, c.f, c.hosts[i], brickCreateCmds(c.devs[i], id, tp, 10485760, 15728640, 81920, 2000)...)
	p := mnt(c.devs[i], id) + "/brick"
	return brickRef{node: i, id: id, tp: tp, path: p, storageArg: c.ips[i] + ":" + p}
}

func (c *cluster) destroyBrick(t testing.TB, b brickRef) {
	t.Helper()
	brickDestroy(t, c.f, c.hosts[b.node], c.devs[b.node], b.id, "brick_"+b.id, b.tp)
}

func brickArgs(bricks []brickRef) string {
	var s strings.Builder
	for _, b := range bricks {
		s.WriteString(b.storageArg + " ")
	}
	return s.String()
}

type volInfoXML struct {
	OpRet   int    `xml:"opRet"`
	OpErrno int    `xml:"opErrno"`
	OpErr   string `xml:"opErrstr"`
	Volumes []struct {
		Name     string   `xml:"name"`
		ID       string   `xml:"id"`
		Status   int      `xml:"status"`
		TypeStr  string   `xml:"typeStr"`
		Replica  int      `xml:"replicaCount"`
		Arbiter  int      `xml:"arbiterCount"`
		Disperse int      `xml:"disperseCount"`
		Dist     int      `xml:"distCount"`
		Bricks   []string `xml:"bricks>brick>name"`
		Arbiters []int    `xml:"bricks>brick>isArbiter"`
		Options  []struct {
			Name  string `xml:"name"`
			Value string `xml:"value"`
		} `xml:"options>option"`
	} `xml:"volInfo>volumes>volume"`
	Count int `xml:"volInfo>volumes>count"`
}

func parseVolInfo(t testing.TB, out string) volInfoXML {
	t.Helper()
	var v volInfoXML
	if err := xml.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("volume info XML: %v\n%s", err, out)
	}
	return v
}

// TestVolumeLifecycle runs brick create -> volume create -> expand -> delete
// -> brick destroy with facts 7.5-7.7 command lines, then checks that
// nothing is left.
func TestVolumeLifecycle(t *testing.T) {
	c := newCluster(t, 3)
	before := c.f.Node(c.hosts[0]).Snapshot().VGs[0].FreeExtents
	vol := "vol_" + hexID('e', 1)

	var set1 []brickRef
	for i := 0; i < 3; i++ {
		// The first brick of a set has a tp id different from its brick id.
		tp := hexID('b', i)
		if i == 0 {
			tp = hexID('c', 0)
		}
		set1 = append(set1, c.makeBrick(t, i, hexID('b', i), tp))
	}
	st := c.f.Node(c.hosts[1]).Snapshot()
	if got := st.VGs[0].FreeExtents; got != before-(15728640+81920+81920)/4096 {
		t.Errorf("free extents after one brick = %d, want %d (pool + metadata + spare)", got, before-(15728640+2*81920)/4096)
	}
	d, found := c.f.Node(c.hosts[1]).Dir(set1[1].path)
	if !found || d.GID != 2000 || d.Mode != 0o2775 {
		t.Errorf("brick dir = %+v (found %v), want gid 2000 mode 2775", d, found)
	}
	if len(st.Fstab) != 2 || len(st.Mounts) != 1 {
		t.Errorf("fstab %q mounts %+v", st.Fstab, st.Mounts)
	}

	res := mustRun(t, c.f, c.hosts[0],
		glusterCLI+"volume create "+vol+" replica 3 "+brickArgs(set1),
		glusterCLI+"volume set "+vol+" performance.readdir-ahead off",
		glusterCLI+"volume set "+vol+" user.heketi.id "+hexID('e', 1),
		glusterCLI+"volume start "+vol,
		glusterCLI+"volume info "+vol+" --xml")
	info := parseVolInfo(t, res[4].Stdout)
	if len(info.Volumes) != 1 || info.Volumes[0].TypeStr != "Replicate" || info.Volumes[0].Replica != 3 || len(info.Volumes[0].Bricks) != 3 {
		t.Fatalf("volume info: %+v", info)
	}
	if got := info.Volumes[0].Options[0]; got.Name != "user.heketi.id" || got.Value != hexID('e', 1) {
		t.Errorf("first option = %+v, want the newest (user.heketi.id)", got)
	}

	// The brick mount is busy while the volume runs.
	ce := runFail(t, c.f, c.hosts[0], "umount "+mnt(c.devs[0], set1[0].id))
	if ce.ExitStatus != 32 || !strings.Contains(ce.Stderr, "target is busy") {
		t.Errorf("umount of a running brick: %+v", ce)
	}

	// Expand by one more set, created on the first new brick's node.
	var set2 []brickRef
	for i := 0; i < 3; i++ {
		set2 = append(set2, c.makeBrick(t, (i+1)%3, hexID('f', i), hexID('f', i)))
	}
	mustRun(t, c.f, c.hosts[1],
		glusterCLI+"volume add-brick "+vol+" "+brickArgs(set2),
		glusterCLI+"volume rebalance "+vol+" start")
	v, _ := c.f.Volume(vol)
	if v.Type != "Distributed-Replicate" || len(v.Bricks) != 6 || !v.Started {
		t.Errorf("expanded volume = %+v", v)
	}

	// Delete: stop force, delete, then destroy every brick.
	mustRun(t, c.f, c.hosts[2], glusterCLI+"volume stop "+vol+" force", glusterCLI+"volume delete "+vol)
	for _, b := range append(set1, set2...) {
		c.destroyBrick(t, b)
	}
	if l := c.f.Leaks(""); len(l) != 0 {
		t.Errorf("leaks after delete:\n%s", strings.Join(l, "\n"))
	}
	if got := c.f.Node(c.hosts[0]).Snapshot().VGs[0].FreeExtents; got != before {
		t.Errorf("free extents after delete = %d, want %d", got, before)
	}
	// Device delete removes the rest.
	for i, h := range c.hosts {
		res := mustRun(t, c.f, h, "/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json /dev/sdb")
		mustRun(t, c.f, h, deviceTeardownCmds(c.devs[i], pvUUIDFromJSON(t, res[0].Stdout))...)
	}
	if l := append(c.f.Leaks(""), c.f.DeviceLeaks("")...); len(l) != 0 {
		t.Errorf("leaks after device delete:\n%s", strings.Join(l, "\n"))
	}
}

func TestLeaksReportsLeftovers(t *testing.T) {
	c := newCluster(t, 1)
	b := c.makeBrick(t, 0, hexID('b', 1), hexID('b', 1))
	mustRun(t, c.f, c.hosts[0], glusterCLI+"volume create vol_x "+b.storageArg+" ")
	leaks := strings.Join(c.f.Leaks(""), "\n")
	for _, want := range []string{"lv vg_" + c.devs[0] + "/brick_" + b.id, "lv vg_" + c.devs[0] + "/tp_" + b.tp, "mount ", "fstab line", "directory " + b.path, "gluster volume vol_x"} {
		if !strings.Contains(leaks, want) {
			t.Errorf("Leaks lacks %q:\n%s", want, leaks)
		}
	}
	if l := c.f.Leaks(c.hosts[0]); strings.Contains(strings.Join(l, "\n"), "gluster volume") {
		t.Errorf("per-host Leaks reports gluster volumes: %q", l)
	}
}

func TestVolumeCreateChecks(t *testing.T) {
	c := newCluster(t, 3)
	var bricks []brickRef
	for i := 0; i < 3; i++ {
		bricks = append(bricks, c.makeBrick(t, i, hexID('b', i), hexID('b', i)))
	}
	sameNode := c.makeBrick(t, 0, hexID('a', 9), hexID('a', 9))
	mustRun(t, c.f, c.hosts[0], "mkdir -p /srv/rootbrick")
	tests := []struct {
		name, cmd, stderr string
	}{
		{"missing dir", "volume create v1 10.0.0.1:/nope/brick ", "volume create: v1: failed: Failed to create brick directory for brick 10.0.0.1:/nope/brick. Reason : No such file or directory \n"},
		{"not a peer", "volume create v1 10.9.9.9:/b ", "volume create: v1: failed: Host 10.9.9.9 is not in 'Peer in Cluster' state\n"},
		{"root partition", "volume create v1 10.0.0.1:/srv/rootbrick ", "volume create: v1: failed: The brick 10.0.0.1:/srv/rootbrick is being created in the root partition. It is recommended that you don't use the system's root partition for storage backend. Or use 'force' at the end of the command if you want to override this behavior.\n"},
		{"same server", "volume create v1 replica 3 " + bricks[0].storageArg + " " + bricks[1].storageArg + " " + sameNode.storageArg + " ", "volume create: v1: failed: Multiple bricks of a replicate volume are present on the same server. This setup is not optimal. Bricks should be on different nodes to have best fault tolerant configuration. Use 'force' at the end of the command if you want to override this behavior. \n"},
		{"bad count", "volume create v1 replica 3 " + bricks[0].storageArg + " " + bricks[1].storageArg + " ", "number of bricks is not a multiple of replica count\n"},
		{"bad arbiter", "volume create v1 replica 2 arbiter 1 " + bricks[0].storageArg + " " + bricks[1].storageArg + " ", "For arbiter configuration, replica count must be 3 and arbiter count must be 1. The 3rd brick of the replica will be the arbiter\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ce := runFail(t, c.f, c.hosts[0], glusterCLI+tt.cmd)
			if ce.ExitStatus != 1 || ce.Stderr != tt.stderr {
				t.Errorf("exit %d stderr %q\nwant %q", ce.ExitStatus, ce.Stderr, tt.stderr)
			}
		})
	}
	if len(c.f.Volumes()) != 0 {
		t.Errorf("failed creates left volumes: %+v", c.f.Volumes())
	}

	t.Run("arbiter and disperse layouts", func(t *testing.T) {
		res := mustRun(t, c.f, c.hosts[0],
			glusterCLI+"volume create va replica 3 arbiter 1 "+brickArgs(bricks),
			glusterCLI+"volume info va --xml")
		v := parseVolInfo(t, res[1].Stdout).Volumes[0]
		if v.Arbiter != 1 || fmt.Sprint(v.Arbiters) != "[0 0 1]" {
			t.Errorf("arbiter volume: arbiterCount %d isArbiter %v", v.Arbiter, v.Arbiters)
		}
		mustRun(t, c.f, c.hosts[0], glusterCLI+"volume delete va")
		res = mustRun(t, c.f, c.hosts[0],
			glusterCLI+"volume create vd disperse-data 2 redundancy 1 "+brickArgs(bricks),
			glusterCLI+"volume info vd --xml")
		v = parseVolInfo(t, res[1].Stdout).Volumes[0]
		if v.TypeStr != "Disperse" || v.Disperse != 3 {
			t.Errorf("disperse volume: %+v", v)
		}
	})
}

func TestVolumeStateErrors(t *testing.T) {
	c := newCluster(t, 1)
	b := c.makeBrick(t, 0, hexID('b', 1), hexID('b', 1))
	h := c.hosts[0]
	mustRun(t, c.f, h, glusterCLI+"volume create v1 "+b.storageArg+" ", glusterCLI+"volume start v1")
	tests := []struct{ cmd, stderr string }{
		{"volume start v1", "volume start: v1: failed: Volume v1 already started\n"},
		{"volume delete v1", "volume delete: v1: failed: Volume v1 has been started.Volume needs to be stopped before deletion.\n"},
		{"volume stop nope", "volume stop: nope: failed: Volume nope does not exist\n"},
		{"volume delete nope", "volume delete: nope: failed: Volume nope does not exist\n"},
		{"volume set nope user.x y", "volume set: failed: Volume nope does not exist\n"},
		{"volume create v1 " + b.storageArg + " force", "volume create: v1: failed: Volume v1 already exists\n"},
		{"volume create v2 " + b.storageArg + " force", "volume create: v2: failed: Brick: " + b.storageArg + " not available. Brick may be containing or be contained by an existing brick.\n"},
		{"volume rebalance v1 start", "volume rebalance: v1: failed: Volume v1 is not a distribute volume or contains only 1 brick.\nNot performing rebalance\n"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			ce := runFail(t, c.f, h, glusterCLI+tt.cmd)
			if ce.ExitStatus != 1 || ce.Stderr != tt.stderr {
				t.Errorf("exit %d stderr %q\nwant %q", ce.ExitStatus, ce.Stderr, tt.stderr)
			}
		})
	}
	// A stopped volume whose brick is unmounted cannot start.
	mustRun(t, c.f, h, glusterCLI+"volume stop v1 force", "umount "+mnt(c.devs[0], b.id))
	ce := runFail(t, c.f, h, glusterCLI+"volume start v1")
	if !strings.Contains(ce.Stderr, "Failed to find brick directory") {
		t.Errorf("start with an unmounted brick: %q", ce.Stderr)
	}
	// Deleting a missing volume, as cmdexec does, reports "does not exist".
	ce = runFail(t, c.f, h, glusterCLI+"volume delete vol_gone")
	if !strings.Contains(ce.Error(), "does not exist") {
		t.Errorf("delete of a missing volume: %q", ce.Error())
	}
}

// TestCloneSequence runs the facts 7.8 clone sequence and the clone's delete,
// including the leftover clone brick mounts the captures show.
func TestCloneSequence(t *testing.T) {
	c := newCluster(t, 3)
	var bricks []brickRef
	for i := 0; i < 3; i++ {
		bricks = append(bricks, c.makeBrick(t, i, hexID('b', i), hexID('b', i)))
	}
	h := c.hosts[0]
	mustRun(t, c.f, h, glusterCLI+"volume create vol_src replica 3 "+brickArgs(bricks), glusterCLI+"volume start vol_src")
	res := mustRun(t, c.f, h,
		glusterCLI+"volume info vol_src --xml",
		glusterCLI+"--xml snapshot create tmpsnap_1 vol_src no-timestamp",
		glusterCLI+"--xml snapshot activate tmpsnap_1",
		glusterCLI+"--xml snapshot clone vol_clone tmpsnap_1",
		glusterCLI+"--xml volume start vol_clone",
		glusterCLI+"volume info vol_clone --xml",
		glusterCLI+"--xml snapshot deactivate tmpsnap_1",
		glusterCLI+"--xml snapshot delete tmpsnap_1")
	var clone struct {
		Name string `xml:"CloneCreate>volume>name"`
		UUID string `xml:"CloneCreate>volume>uuid"`
	}
	if err := xml.Unmarshal([]byte(res[3].Stdout), &clone); err != nil || clone.Name != "vol_clone" {
		t.Fatalf("clone XML: %v %+v", err, clone)
	}
	nd := strings.ReplaceAll(clone.UUID, "-", "")
	info := parseVolInfo(t, res[5].Stdout).Volumes[0]
	for i, b := range info.Bricks {
		want := fmt.Sprintf("%s:/run/gluster/snaps/%s/brick%d/brick", c.ips[i], nd, i+1)
		if b != want {
			t.Errorf("clone brick %d = %q, want %q", i, b, want)
		}
	}
	if src, _ := c.f.Volume("vol_src"); src.Options[0] != (Option{"features.barrier", "disable"}) {
		t.Errorf("source options after snapshot: %+v", src.Options)
	}
	if len(c.f.Snapshots()) != 0 {
		t.Errorf("snapshots left: %+v", c.f.Snapshots())
	}
	// Clone LVs live in the original bricks' pools.
	for i := range bricks {
		st := c.f.Node(c.hosts[i]).Snapshot()
		lvName := fmt.Sprintf("%s_%d", nd, i)
		found := false
		for _, l := range st.LVs {
			if l.Name == lvName && l.Pool == "tp_"+bricks[i].tp && l.Mounted {
				found = true
			}
		}
		if !found {
			t.Errorf("node %d: no mounted clone LV %s in tp_%s: %+v", i, lvName, bricks[i].tp, st.LVs)
		}
	}

	// Deleting the clone volume leaves its brick LVs mounted, so removing
	// the source pool fails until they are unmounted (captures 61-68).
	mustRun(t, c.f, h, glusterCLI+"volume stop vol_clone force", glusterCLI+"volume delete vol_clone",
		glusterCLI+"volume stop vol_src force", glusterCLI+"volume delete vol_src")
	b0 := bricks[0]
	mustRun(t, c.f, h, "umount "+mnt(c.devs[0], b0.id), `sed -i.save "/brick_`+b0.id+`/d" /etc/fstab`, "/usr/sbin/lvm lvremove --autobackup=n -f vg_"+c.devs[0]+"/brick_"+b0.id)
	res = mustRun(t, c.f, h, "/usr/sbin/lvm lvs --noheadings --options=thin_count vg_"+c.devs[0]+"/tp_"+b0.tp)
	if strings.TrimSpace(res[0].Stdout) != "1" {
		t.Errorf("thin_count with the clone LV = %q, want 1", res[0].Stdout)
	}
	ce := runFail(t, c.f, h, "/usr/sbin/lvm lvremove --autobackup=n -f vg_"+c.devs[0]+"/tp_"+b0.tp)
	if want := fmt.Sprintf("  Logical volume vg_%s/%s_0 contains a filesystem in use.\n", c.devs[0], nd); ce.ExitStatus != 5 || ce.Stderr != want {
		t.Errorf("lvremove pool with mounted clone: %d %q, want %q", ce.ExitStatus, ce.Stderr, want)
	}
	// A clean clone delete unmounts the clone brick (cmdexec's job).
	for i, b := range bricks {
		host, dev := c.hosts[i], c.devs[i]
		mustRun(t, c.f, host,
			fmt.Sprintf("umount /run/gluster/snaps/%s/brick%d", nd, i+1),
			fmt.Sprintf("rmdir /run/gluster/snaps/%s/brick%d", nd, i+1),
			fmt.Sprintf("/usr/sbin/lvm lvremove --autobackup=n -f vg_%s/%s_%d", dev, nd, i))
		if i > 0 {
			c.destroyBrick(t, b)
		} else {
			mustRun(t, c.f, host, "/usr/sbin/lvm lvremove --autobackup=n -f vg_"+dev+"/tp_"+b.tp, "rmdir "+mnt(dev, b.id))
		}
	}
	if l := c.f.Leaks(""); len(l) != 0 {
		t.Errorf("leaks after the clone and its source are gone:\n%s", strings.Join(l, "\n"))
	}
}

func TestReplaceBrickAndHeal(t *testing.T) {
	c := newCluster(t, 4)
	var bricks []brickRef
	for i := 0; i < 3; i++ {
		bricks = append(bricks, c.makeBrick(t, i, hexID('b', i), hexID('b', i)))
	}
	h := c.hosts[0]
	mustRun(t, c.f, h, glusterCLI+"volume create vol_r replica 3 "+brickArgs(bricks), glusterCLI+"volume start vol_r")
	if err := c.f.SetHealEntries("vol_r", bricks[1].storageArg, "4"); err != nil {
		t.Fatal(err)
	}
	res := mustRun(t, c.f, h, "systemctl status glusterd", glusterCLI+"volume info vol_r --xml", glusterCLI+"volume heal vol_r info --xml")
	var heal struct {
		Bricks []struct {
			Name    string `xml:"name"`
			Status  string `xml:"status"`
			Entries string `xml:"numberOfEntries"`
		} `xml:"healInfo>bricks>brick"`
	}
	if err := xml.Unmarshal([]byte(res[2].Stdout), &heal); err != nil || len(heal.Bricks) != 3 {
		t.Fatalf("heal info: %v\n%s", err, res[2].Stdout)
	}
	if heal.Bricks[1].Entries != "4" || heal.Bricks[0].Entries != "0" || heal.Bricks[0].Status != "Connected" {
		t.Errorf("heal info bricks: %+v", heal.Bricks)
	}
	c.f.Node(c.hosts[2]).SetGlusterd(false)
	res = mustRun(t, c.f, h, glusterCLI+"volume heal vol_r info --xml")
	if !strings.Contains(res[0].Stdout, "<numberOfEntries>-</numberOfEntries>") {
		t.Errorf("heal info with a node down:\n%s", res[0].Stdout)
	}
	c.f.Node(c.hosts[2]).SetGlusterd(true)

	nb := c.makeBrick(t, 3, hexID('a', 3), hexID('a', 3))
	mustRun(t, c.f, c.hosts[3], "systemctl status glusterd")
	mustRun(t, c.f, h, glusterCLI+"volume replace-brick vol_r "+bricks[2].storageArg+" "+nb.storageArg+" commit force")
	c.destroyBrick(t, bricks[2])
	v, _ := c.f.Volume("vol_r")
	if v.Bricks[2] != nb.storageArg {
		t.Errorf("bricks after replace = %q", v.Bricks)
	}
	ce := runFail(t, c.f, h, glusterCLI+"volume replace-brick vol_r "+bricks[2].storageArg+" "+nb.storageArg+" commit force")
	if !strings.Contains(ce.Stderr, "does not exist in volume") {
		t.Errorf("replace of a missing brick: %q", ce.Stderr)
	}
}

func TestBlockVolumes(t *testing.T) {
	c := newCluster(t, 3)
	var bricks []brickRef
	for i := 0; i < 3; i++ {
		bricks = append(bricks, c.makeBrick(t, i, hexID('b', i), hexID('b', i)))
	}
	h := c.hosts[0]
	mustRun(t, c.f, h, glusterCLI+"volume create vol_bhv replica 3 "+brickArgs(bricks), glusterCLI+"volume start vol_bhv")
	res := mustRun(t, c.f, h,
		"gluster-block create vol_bhv/blockvol_1 ha 3 auth enable prealloc full 10.0.0.1,10.0.0.2,10.0.0.3 1GiB --json",
		"gluster-block modify vol_bhv/blockvol_1  size 2GiB --json",
		"gluster-block info vol_bhv/blockvol_1 --json",
		"gluster-block list vol_bhv --json")
	var created map[string]any
	if err := json.Unmarshal([]byte(res[0].Stdout), &created); err != nil {
		t.Fatalf("create JSON: %v\n%s", err, res[0].Stdout)
	}
	for _, k := range []string{"IQN", "USERNAME", "PASSWORD", "PORTAL(S)", "RESULT"} {
		if _, found := created[k]; !found {
			t.Errorf("create JSON lacks %s: %s", k, res[0].Stdout)
		}
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(res[2].Stdout), &info); err != nil || info["SIZE"] != "2.0 GiB" || info["HA"] != float64(3) {
		t.Errorf("info JSON: %v %s", err, res[2].Stdout)
	}
	if !strings.Contains(res[3].Stdout, `"blockvol_1"`) {
		t.Errorf("list: %s", res[3].Stdout)
	}
	ce := runFail(t, c.f, h, "gluster-block create vol_bhv/blockvol_1 ha 3 auth disable prealloc full 10.0.0.1,10.0.0.2,10.0.0.3 1GiB --json")
	if !strings.Contains(ce.Stdout, `"RESULT":"FAIL"`) {
		t.Errorf("duplicate create: %q", ce.Stdout)
	}
	mustRun(t, c.f, h, "gluster-block delete vol_bhv/blockvol_1 --json")
	ce = runFail(t, c.f, h, "gluster-block delete vol_bhv/blockvol_1 --json")
	if !strings.Contains(ce.Error(), "doesn't exist") {
		t.Errorf("second delete: %q", ce.Error())
	}
	if len(c.f.BlockVolumes()) != 0 {
		t.Errorf("block volumes left: %+v", c.f.BlockVolumes())
	}
}

// TestAutoNodesMockMode drives what `executor: mock` sees: nodes are never
// added explicitly, manage and storage hostnames differ, and bricks are
// named by storage hostname.
func TestAutoNodesMockMode(t *testing.T) {
	f := New(Options{AutoNodes: true, AutoDiskSizeKiB: 500 << 20})
	hosts := []string{"node1.mgmt", "node2.mgmt", "node3.mgmt"}
	ips := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}
	mustRun(t, f, hosts[0], "systemctl status glusterd")
	for i := 1; i < 3; i++ {
		mustRun(t, f, hosts[0], "systemctl status glusterd", glusterCLI+"peer probe "+ips[i])
	}
	var bricks []string
	for i, h := range hosts {
		mustRun(t, f, h, deviceSetupCmds(devID(i), "/dev/sdb")...)
		id := hexID('b', i)
		mustRun(t, f, h, brickCreateCmds(devID(i), id, id, 1048576, 1048576, 8192, 0)...)
		bricks = append(bricks, ips[i]+":"+mnt(devID(i), id)+"/brick")
	}
	mustRun(t, f, hosts[1],
		glusterCLI+"volume create vol_m replica 3 "+strings.Join(bricks, " ")+" ",
		glusterCLI+"volume start vol_m")
	for i, h := range hosts {
		if got := f.Node(h).StorageHost(); got != ips[i] {
			t.Errorf("%s storage host = %q, want %q", h, got, ips[i])
		}
	}
	if got := len(f.Hosts()); got != 3 {
		t.Errorf("%d nodes (%q), want the 3 manage hosts", got, f.Hosts())
	}
	mustRun(t, f, hosts[2], glusterCLI+"volume stop vol_m force", glusterCLI+"volume delete vol_m")
	for i, h := range hosts {
		id := hexID('b', i)
		brickDestroy(t, f, h, devID(i), id, "brick_"+id, id)
	}
	if l := f.Leaks(""); len(l) != 0 {
		t.Errorf("leaks: %q", l)
	}
}

func TestVolumeSetGroup(t *testing.T) {
	f := New(Options{})
	f.AddNode("h1", "s1")
	f.Node("h1").AddDisk("/dev/sdb", 4<<20)
	cmds := []string{
		"mkdir -p /bricks/b1/brick",
		"gluster --mode=script --timeout=600 volume create v1 s1:/bricks/b1/brick force",
	}
	if _, err := f.Run(t.Context(), "h1", cmds, time.Minute); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if _, err := f.Run(t.Context(), "h1", []string{"gluster --mode=script --timeout=600 volume set v1 group gluster-block"}, time.Minute); err != nil {
		t.Fatalf("volume set group: %v", err)
	}
	if _, err := f.Run(t.Context(), "h1", []string{"gluster --mode=script --timeout=600 volume set v1 bogus on"}, time.Minute); err == nil {
		t.Fatal("an option without a dot that is not group must fail")
	}
}
