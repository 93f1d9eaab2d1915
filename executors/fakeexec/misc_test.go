package fakeexec

import (
	"strings"
	"testing"
)

// TestMountMkfsLsofErrors checks the failure texts of mount, mkfs.xfs,
// umount, lsof and LVM removal on a node with one brick.
func TestMountMkfsLsofErrors(t *testing.T) {
	c := newCluster(t, 2)
	b := c.makeBrick(t, 0, hexID('b', 1), hexID('b', 1))
	h, vg := c.hosts[0], "vg_"+c.devs[0]
	dev := "/dev/mapper/" + vg + "-brick_" + b.id
	m := mnt(c.devs[0], b.id)
	mustRun(t, c.f, h, glusterCLI+"volume create v "+b.storageArg+" ", glusterCLI+"volume start v")
	tests := []struct {
		name, cmd string
		exit      int
		stderr    string
		stdout    string
	}{
		{name: "mount missing mount point", cmd: "mount -o rw " + dev + " /nope", exit: 32, stderr: "mount: /nope: mount point does not exist.\n"},
		{name: "mount missing device", cmd: "mount -o rw /dev/mapper/" + vg + "-brick_x " + m, exit: 32, stderr: "mount: " + m + ": special device /dev/mapper/" + vg + "-brick_x does not exist.\n"},
		{name: "mount twice", cmd: "mount -o rw " + dev + " /tmp", exit: 32, stderr: "mount: /tmp: " + dev + " already mounted on " + m + ".\n"},
		{name: "mkfs on mounted", cmd: "mkfs.xfs -i size=512 -n size=8192 " + dev, exit: 1, stderr: "mkfs.xfs: " + dev + " contains a mounted filesystem\nUsage: mkfs.xfs [options] <device>\n"},
		{name: "umount busy", cmd: "umount " + m, exit: 32, stderr: "umount: " + m + ": target is busy.\n"},
		{name: "umount by device busy", cmd: "umount " + dev, exit: 32, stderr: "umount: " + dev + ": target is busy.\n"},
		{name: "umount existing dir not mounted", cmd: "umount /var", exit: 32, stderr: "umount: /var: not mounted.\n"},
		{name: "lsof of a busy brick", cmd: "lsof " + m, stdout: "glusterfs"},
		{name: "lsof of an idle path", cmd: "lsof /var", exit: 1},
		{name: "rmdir mount point", cmd: "rmdir " + m, exit: 1, stderr: "rmdir: failed to remove '" + m + "': Device or resource busy\n"},
		{name: "vgremove with LVs", cmd: "/usr/sbin/lvm vgremove -qq " + vg, exit: 5, stderr: "  Logical volume " + vg + "/brick_" + b.id + " contains a filesystem in use.\n"},
		{name: "detach a peer with bricks", cmd: glusterCLI + "peer detach 10.0.0.1", exit: 1, stderr: "peer detach: failed: 10.0.0.1 is localhost\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := c.f.Run(t.Context(), h, []string{tt.cmd}, 0)
			r := res[0]
			if r.ExitStatus != tt.exit || r.Stderr != tt.stderr || !strings.Contains(r.Stdout, tt.stdout) {
				t.Errorf("exit %d stderr %q stdout %q\nwant exit %d stderr %q stdout containing %q", r.ExitStatus, r.Stderr, r.Stdout, tt.exit, tt.stderr, tt.stdout)
			}
		})
	}
	ce := runFail(t, c.f, c.hosts[1], glusterCLI+"peer detach 10.0.0.1")
	if !strings.Contains(ce.Stderr, "hosts one or more bricks") {
		t.Errorf("detach of a brick host: %q", ce.Stderr)
	}
	// After the volume stops the brick can be torn down; vgremove with
	// unmounted LVs still refuses under -qq.
	mustRun(t, c.f, h, glusterCLI+"volume stop v force", glusterCLI+"volume delete v", "umount "+dev)
	ce = runFail(t, c.f, h, "/usr/sbin/lvm vgremove -qq "+vg)
	if !strings.Contains(ce.Stderr, "not removed") {
		t.Errorf("vgremove -qq with LVs: %q", ce.Stderr)
	}
	ce = runFail(t, c.f, h, "mkfs.xfs -i size=512 -n size=8192 "+dev)
	if !strings.Contains(ce.Stderr, "appears to contain an existing filesystem (xfs)") {
		t.Errorf("mkfs over xfs: %q", ce.Stderr)
	}
}

func TestSnapshotErrors(t *testing.T) {
	c := newCluster(t, 1)
	b := c.makeBrick(t, 0, hexID('b', 1), hexID('b', 1))
	h := c.hosts[0]
	mustRun(t, c.f, h, "mkdir -p /srv/plain", glusterCLI+"volume create v "+b.storageArg+" ", glusterCLI+"volume create vroot 10.0.0.1:/srv/plain force")
	tests := []struct{ cmd, stderr string }{
		{"snapshot create s1 v no-timestamp", "snapshot create: failed: volume v is not started\n"},
		{"snapshot create s1 nope no-timestamp", "snapshot create: failed: Volume (nope) does not exist\n"},
		{"snapshot activate nope", "snapshot activate: failed: Snapshot (nope) does not exist\n"},
	}
	for _, tt := range tests {
		ce := runFail(t, c.f, h, glusterCLI+tt.cmd)
		if ce.Stderr != tt.stderr {
			t.Errorf("%s: %q, want %q", tt.cmd, ce.Stderr, tt.stderr)
		}
	}
	mustRun(t, c.f, h, glusterCLI+"volume start vroot")
	ce := runFail(t, c.f, h, glusterCLI+"--xml snapshot create s0 vroot no-timestamp")
	if !strings.Contains(ce.Stdout, "<opRet>-1</opRet>") || !strings.Contains(ce.Stdout, "thinly provisioned LV") {
		t.Errorf("snapshot of a non-thin brick: %q", ce.Stdout)
	}
	mustRun(t, c.f, h, glusterCLI+"volume start v", glusterCLI+"snapshot config snap-max-hard-limit 1", glusterCLI+"snapshot create s1 v no-timestamp")
	ce = runFail(t, c.f, h, glusterCLI+"snapshot create s2 v no-timestamp")
	if !strings.Contains(ce.Stderr, "maximum limit of 1") {
		t.Errorf("snapshot over the limit: %q", ce.Stderr)
	}
	ce = runFail(t, c.f, h, glusterCLI+"--xml snapshot clone c1 s1")
	if !strings.Contains(ce.Stdout, "is not activated") {
		t.Errorf("clone of an inactive snapshot: %q", ce.Stdout)
	}
	mustRun(t, c.f, h, glusterCLI+"volume stop v force")
	ce = runFail(t, c.f, h, glusterCLI+"volume delete v")
	if !strings.Contains(ce.Stderr, "as it has 1 snapshots") {
		t.Errorf("delete with a snapshot: %q", ce.Stderr)
	}
	res := mustRun(t, c.f, h, glusterCLI+"snapshot list", glusterCLI+"snapshot delete s1", glusterCLI+"snapshot list", glusterCLI+"volume info v")
	if res[0].Stdout != "s1\n" || res[2].Stdout != "No snapshots present\n" {
		t.Errorf("snapshot list text: %q / %q", res[0].Stdout, res[2].Stdout)
	}
	if !strings.Contains(res[3].Stdout, "Volume Name: v\n") || !strings.Contains(res[3].Stdout, "features.barrier: disable") {
		t.Errorf("volume info text:\n%s", res[3].Stdout)
	}
	// The snapshot's LV is gone again.
	for _, l := range c.f.Node(h).Snapshot().LVs {
		if l.Kind == lvThin.String() && l.Name != "brick_"+b.id {
			t.Errorf("snapshot LV left: %+v", l)
		}
	}
}

func TestWipefsOnPV(t *testing.T) {
	c := newCluster(t, 1)
	h := c.hosts[0]
	c.makeBrick(t, 0, hexID('b', 1), hexID('b', 1))
	ce := runFail(t, c.f, h, "wipefs --all /dev/sdb")
	if !strings.Contains(ce.Stderr, "Device or resource busy") {
		t.Errorf("wipefs of a PV with LVs: %q", ce.Stderr)
	}
	f := New(Options{})
	f.AddNode("n1", "").AddDisk("/dev/sdb", 10<<20)
	mustRun(t, f, "n1", deviceSetupCmds("d1", "/dev/sdb")...)
	res := mustRun(t, f, "n1", "wipefs --all /dev/sdb")
	if !strings.Contains(res[0].Stdout, "LVM2_member") || len(f.DeviceLeaks("n1")) != 0 {
		t.Errorf("wipefs of an idle PV: %q, leaks %q", res[0].Stdout, f.DeviceLeaks("n1"))
	}
}

// TestTextOutputs covers the non-XML gluster outputs Basalt's examiner and
// humans read.
func TestTextOutputs(t *testing.T) {
	c := newCluster(t, 2)
	var bricks []brickRef
	for i := 0; i < 2; i++ {
		bricks = append(bricks, c.makeBrick(t, i, hexID('b', i), hexID('b', i)))
	}
	h := c.hosts[0]
	mustRun(t, c.f, h, glusterCLI+"volume create v "+brickArgs(bricks), glusterCLI+"volume start v")
	tests := []struct{ cmd, want string }{
		{glusterCLI + "peer status", "Number of Peers: 1\n\nHostname: 10.0.0.2\n"},
		{glusterCLI + "pool list", "localhost\tConnected"},
		{glusterCLI + "volume status v", "Status of volume: v\n"},
		{glusterCLI + "volume list", "v\n"},
		{glusterCLI + "volume rebalance v start", "volume rebalance: v: success: Rebalance on v has been started successfully."},
		{glusterCLI + "volume rebalance v status", "volume rebalance: v: success"},
		{glusterCLI + "volume info", "Type: Distribute\n"},
		{glusterCLI + "snapshot config", "snap-max-hard-limit : 256"},
		{"systemctl is-active glusterd", "active\n"},
		{"/usr/sbin/lvm vgdisplay vg_" + c.devs[0], "  --- Volume group ---\n  VG Name               vg_" + c.devs[0]},
		{"/usr/sbin/lvm lvs", "  LV "},
		{"/usr/sbin/lvm vgs --units g vg_" + c.devs[0], "499.87g"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			res := mustRun(t, c.f, h, tt.cmd)
			if !strings.Contains(res[0].Stdout, tt.want) {
				t.Errorf("stdout lacks %q:\n%s", tt.want, res[0].Stdout)
			}
		})
	}
}
