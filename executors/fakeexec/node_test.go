package fakeexec

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors"
)

func TestSplitLine(t *testing.T) {
	tests := []struct {
		line string
		want [][]string
	}{
		{"mkdir -p /a/b", [][]string{{"mkdir", "-p", "/a/b"}}},
		{"/usr/sbin/lvm pvcreate -qq '/dev/sdb'", [][]string{{"/usr/sbin/lvm", "pvcreate", "-qq", "/dev/sdb"}}},
		{`awk "BEGIN {print \"x y\" >> \"/etc/fstab\"}"`, [][]string{{"awk", `BEGIN {print "x y" >> "/etc/fstab"}`}}},
		{`sed -i.save "/brick_1/d" /etc/fstab`, [][]string{{"sed", "-i.save", "/brick_1/d", "/etc/fstab"}}},
		{`echo a\ b 'it'\''s'`, [][]string{{"echo", "a b", "it's"}}},
		{"true && false || echo x; echo y", [][]string{{"true"}, {"false"}, {"echo", "x"}, {"echo", "y"}}},
		{"lsof /x 2>/dev/null", [][]string{{"lsof", "/x"}}},
		{"cat /etc/fstab >/tmp/out 2>&1", [][]string{{"cat", "/etc/fstab"}}},
		{"gluster volume create v  h:/b ", [][]string{{"gluster", "volume", "create", "v", "h:/b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			steps, err := splitLine(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, s := range steps {
				got = append(got, s.args)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if strings.Join(got[i], "\x00") != strings.Join(tt.want[i], "\x00") {
					t.Fatalf("step %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
	if _, err := splitLine("echo 'unterminated"); err == nil {
		t.Error("unterminated quote: want an error")
	}
}

func TestShellPrefixesAndUnknownCommands(t *testing.T) {
	f := New(Options{})
	n := f.AddNode("n1", "")
	n.AddDisk("/dev/sdb", 10<<20)
	tests := []struct {
		cmd    string
		exit   int
		stdout string
		stderr string
	}{
		{cmd: "sudo /usr/sbin/lvm pvcreate -qq '/dev/sdb'"},
		{cmd: "sudo -n /usr/sbin/exec-on-host /usr/sbin/lvm pvs --noheadings -o pv_name", stdout: "  /dev/sdb\n"},
		{cmd: "nsenter --mount=/rootfs/proc/1/ns/mnt -- /usr/bin/udevadm info --query=name --name=/dev/sdb", stdout: "sdb\n"},
		{cmd: "frobnicate --now", exit: 127, stderr: "bash: frobnicate: command not found\n"},
		{cmd: "sudo frobnicate", exit: 127, stderr: "bash: frobnicate: command not found\n"},
		{cmd: "false || echo recovered", stdout: "recovered\n"},
		{cmd: "echo 'a", exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			res, _ := f.Run(context.Background(), "n1", []string{tt.cmd}, time.Minute)
			r := res[0]
			if r.ExitStatus != tt.exit {
				t.Fatalf("exit = %d, want %d (stderr %q)", r.ExitStatus, tt.exit, r.Stderr)
			}
			if tt.exit == 0 && r.Stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", r.Stdout, tt.stdout)
			}
			if tt.stderr != "" && r.Stderr != tt.stderr {
				t.Errorf("stderr = %q, want %q", r.Stderr, tt.stderr)
			}
		})
	}
}

// TestDeviceAddResyncDelete runs facts 7.4 command lines and checks the model
// and what Heketi parses from the outputs.
func TestDeviceAddResyncDelete(t *testing.T) {
	const devID = "c97b1e0b7c1e4d2a8f4f0e1d2c3b4a59"
	f := New(Options{})
	n := f.AddNode("node1.mgmt", "10.0.0.1")
	n.AddDisk("/dev/sdb", 500<<20) // 500 GiB

	res := mustRun(t, f, "node1.mgmt", deviceSetupCmds(devID, "/dev/sdb")...)
	uuid := pvUUIDFromJSON(t, res[2].Stdout)
	if !reLVMUUID.MatchString(uuid) {
		t.Fatalf("pv_uuid %q does not look like an LVM uuid", uuid)
	}
	links := strings.Fields(res[3].Stdout)
	if !contains(links, "disk/by-id/lvm-pv-uuid-"+uuid) {
		t.Errorf("udevadm symlinks %q lack the PV uuid link", links)
	}
	fields := strings.Split(strings.TrimSpace(res[4].Stdout), ":")
	if len(fields) != 17 {
		t.Fatalf("vgdisplay -c has %d fields, want 17 like capture 04: %q", len(fields), res[4].Stdout)
	}
	ext, _ := strconv.ParseUint(fields[12], 10, 64)
	total, _ := strconv.ParseUint(fields[13], 10, 64)
	alloc, _ := strconv.ParseUint(fields[14], 10, 64)
	free, _ := strconv.ParseUint(fields[15], 10, 64)
	if ext != 4096 || alloc != 0 || free != total || total != (500<<20-132096)/4096 {
		t.Errorf("vgdisplay extent=%d total=%d alloc=%d free=%d", ext, total, alloc, free)
	}

	st := n.Snapshot()
	if len(st.PVs) != 1 || st.PVs[0].UUID != uuid || st.PVs[0].VG != "vg_"+devID {
		t.Errorf("PVs = %+v", st.PVs)
	}
	if len(st.VGs) != 1 || st.VGs[0].ExtentSizeKiB != 4096 || st.VGs[0].TotalExtents != total {
		t.Errorf("VGs = %+v", st.VGs)
	}

	// Resync addresses the device by its PV uuid link.
	byID := "/dev/disk/by-id/lvm-pv-uuid-" + uuid
	res = mustRun(t, f, "node1.mgmt",
		"/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json "+byID,
		"/usr/bin/udevadm info --query=symlink --name="+byID,
		"/usr/sbin/lvm vgdisplay -c vg_"+devID,
		"/usr/sbin/lvm vgs -o pv_name,pv_uuid,vg_name --reportformat=json vg_"+devID)
	if got := pvUUIDFromJSON(t, res[0].Stdout); got != uuid {
		t.Errorf("resync pv_uuid = %q, want %q", got, uuid)
	}
	if !strings.Contains(res[3].Stdout, `"vg": [`) || !strings.Contains(res[3].Stdout, uuid) {
		t.Errorf("vgs -o pv_uuid report: %s", res[3].Stdout)
	}

	// Teardown; the rmdir fails (no brick was ever made) and Heketi ignores it.
	cmds := deviceTeardownCmds(devID, uuid)
	mustRun(t, f, "node1.mgmt", cmds[:2]...)
	ce := runFail(t, f, "node1.mgmt", cmds[2])
	if ce.ExitStatus != 1 || !strings.Contains(ce.Stderr, "No such file or directory") {
		t.Errorf("rmdir of a missing dir: %+v", ce)
	}
	if l := f.DeviceLeaks(""); len(l) != 0 {
		t.Errorf("device leaks after teardown: %q", l)
	}
}

func TestDeviceErrors(t *testing.T) {
	const vgA, vgB = "vg_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "vg_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	tests := []struct {
		name   string
		setup  func(n *Node, f *Fake)
		cmd    string
		exit   int
		stderr string
	}{
		{
			name:   "pvcreate missing device",
			cmd:    "/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/sdz'",
			exit:   5,
			stderr: "  Cannot use /dev/sdz: device not found\n",
		},
		{
			name: "pvcreate device already in a VG",
			setup: func(n *Node, f *Fake) {
				mustRun(t, f, "n1", "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n "+vgA+" /dev/sdb")
			},
			cmd:    "/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/sdb'",
			exit:   5,
			stderr: "  Can't initialize physical volume \"/dev/sdb\" of volume group \"" + vgA + "\" without -ff\n  /dev/sdb: physical volume not initialized.\n",
		},
		{
			name:   "pvcreate device with a filesystem",
			setup:  func(n *Node, f *Fake) { _ = n.SetDiskSignature("/dev/sdb", "xfs") },
			cmd:    "/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/sdb'",
			exit:   5,
			stderr: "WARNING: xfs signature detected on /dev/sdb at offset 0. Wipe it? [y/n]: [n]\n  Aborted wiping of xfs.\n  1 existing signature left on the device.\n",
		},
		{
			name: "vgcreate name taken",
			setup: func(n *Node, f *Fake) {
				n.AddDisk("/dev/sdc", 10<<20)
				mustRun(t, f, "n1", "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n "+vgA+" /dev/sdc")
			},
			cmd:    "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n " + vgA + " /dev/sdb",
			exit:   5,
			stderr: "  A volume group called " + vgA + " already exists.\n",
		},
		{
			name: "vgcreate PV of another VG",
			setup: func(n *Node, f *Fake) {
				mustRun(t, f, "n1", "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n "+vgA+" /dev/sdb")
			},
			cmd:    "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n " + vgB + " /dev/sdb",
			exit:   5,
			stderr: "  Physical volume '/dev/sdb' is already in volume group '" + vgA + "'\n  Unable to add physical volume '/dev/sdb' to volume group '" + vgA + "'\n  /dev/sdb: physical volume not initialized.\n",
		},
		{
			name:   "vgremove missing",
			cmd:    "/usr/sbin/lvm vgremove -qq " + vgB,
			exit:   5,
			stderr: "  Volume group \"" + vgB + "\" not found\n  Cannot process volume group " + vgB + "\n",
		},
		{
			name:   "pvremove not a PV",
			cmd:    "/usr/sbin/lvm pvremove -qq '/dev/sdb'",
			exit:   5,
			stderr: "  No PV found on device /dev/sdb.\n",
		},
		{
			name: "lvcreate without space",
			setup: func(n *Node, f *Fake) {
				mustRun(t, f, "n1", "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n "+vgA+" /dev/sdb")
			},
			cmd:    "/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 81920K --chunksize 256K --size 15728640K --thin " + vgA + "/tp_1 --virtualsize 10485760K --name brick_1",
			exit:   5,
			stderr: "  Volume group \"" + vgA + "\" has insufficient free space (2559 extents): 3880 required.\n",
		},
		{
			name:   "udevadm unknown device",
			cmd:    "/usr/bin/udevadm info --query=symlink --name=/dev/sdz",
			exit:   1,
			stderr: "Unknown device \"/dev/sdz\": No such device\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(Options{})
			n := f.AddNode("n1", "")
			n.AddDisk("/dev/sdb", 10<<20)
			if tt.setup != nil {
				tt.setup(n, f)
			}
			ce := runFail(t, f, "n1", tt.cmd)
			if ce.ExitStatus != tt.exit || ce.Stderr != tt.stderr {
				t.Errorf("got exit %d stderr %q\nwant exit %d stderr %q", ce.ExitStatus, ce.Stderr, tt.exit, tt.stderr)
			}
			if ce.Error() != strings.TrimSpace(tt.stderr) {
				t.Errorf("CommandError.Error() = %q, want the stderr", ce.Error())
			}
		})
	}
}

func TestWipefsThenSetup(t *testing.T) {
	f := New(Options{})
	n := f.AddNode("n1", "")
	n.AddDisk("/dev/sdb", 10<<20)
	_ = n.SetDiskSignature("/dev/sdb", "xfs")
	if _, err := f.Run(context.Background(), "n1", deviceSetupCmds("d1", "/dev/sdb"), time.Minute); err == nil {
		t.Fatal("setup on a device with a filesystem succeeded")
	}
	cmds := append([]string{"wipefs --all /dev/sdb"}, deviceSetupCmds("d1", "/dev/sdb")...)
	res := mustRun(t, f, "n1", cmds...)
	if !strings.Contains(res[0].Stdout, "(xfs)") {
		t.Errorf("wipefs output %q does not mention the xfs signature", res[0].Stdout)
	}
	if st := n.Snapshot(); len(st.VGs) != 1 || st.Disks[0].Signature != "" {
		t.Errorf("after wipefs and setup: %+v", st)
	}
}

func TestAutoNodesAndDisks(t *testing.T) {
	f := New(Options{AutoNodes: true, AutoDiskSizeKiB: 100 << 20})
	res := mustRun(t, f, "auto1", append([]string{"systemctl status glusterd"}, deviceSetupCmds("d1", "/dev/sdq")...)...)
	if !strings.Contains(res[0].Stdout, "active (running)") {
		t.Errorf("auto node glusterd: %q", res[0].Stdout)
	}
	if n := f.Node("auto1"); n == nil || len(n.Snapshot().VGs) != 1 {
		t.Fatalf("auto node has no VG")
	}
	// Device-mapper paths and PV-uuid links never become disks.
	runFail(t, f, "auto1", "/usr/sbin/lvm pvcreate -qq /dev/disk/by-id/lvm-pv-uuid-nope")
	runFail(t, f, "auto1", "/usr/sbin/lvm pvcreate -qq /dev/mapper/vg_x-brick_y")

	strict := New(Options{})
	_, err := strict.Run(context.Background(), "ghost", []string{"true"}, time.Minute)
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("unknown host without AutoNodes: err = %v, want ErrUnreachable", err)
	}
}

// TestPeerProbeDetach runs facts 7.3 node add / remove command lines.
func TestPeerProbeDetach(t *testing.T) {
	f := New(Options{})
	for i := 1; i <= 3; i++ {
		f.AddNode("node"+strconv.Itoa(i)+".mgmt", "10.0.0."+strconv.Itoa(i))
	}
	mustRun(t, f, "node1.mgmt", "systemctl status glusterd")
	for _, ip := range []string{"10.0.0.2", "10.0.0.3"} {
		res := mustRun(t, f, "node1.mgmt",
			"systemctl status glusterd",
			glusterCLI+"peer probe "+ip,
			glusterCLI+"snapshot config snap-max-hard-limit 14")
		if res[1].Stdout != "peer probe: success\n" {
			t.Errorf("probe %s: %q", ip, res[1].Stdout)
		}
	}
	if got := f.Node("node3.mgmt").Snapshot().Peers; strings.Join(got, ",") != "10.0.0.1,10.0.0.2" {
		t.Errorf("node3 peers = %q", got)
	}
	res := mustRun(t, f, "node2.mgmt", glusterCLI+"peer probe 10.0.0.3", glusterCLI+"pool list --xml")
	if !strings.Contains(res[0].Stdout, "already in peer list") {
		t.Errorf("second probe: %q", res[0].Stdout)
	}
	if c := strings.Count(res[1].Stdout, "<peer>"); c != 3 {
		t.Errorf("pool list shows %d peers, want 3", c)
	}
	ce := runFail(t, f, "node1.mgmt", glusterCLI+"peer probe 10.9.9.9")
	if !strings.Contains(ce.Stderr, "Transport endpoint is not connected") {
		t.Errorf("probe of unknown host: %q", ce.Stderr)
	}

	// Node delete runs the detach on another node.
	res = mustRun(t, f, "node3.mgmt", glusterCLI+"peer detach 10.0.0.1")
	if res[0].Stdout != "peer detach: success\n" {
		t.Errorf("detach: %q", res[0].Stdout)
	}
	if got := f.Node("node1.mgmt").Snapshot().Peers; len(got) != 0 {
		t.Errorf("detached node still has peers %q", got)
	}
	if got := f.Node("node2.mgmt").Snapshot().Peers; strings.Join(got, ",") != "10.0.0.3" {
		t.Errorf("node2 peers after detach = %q", got)
	}
	ce = runFail(t, f, "node3.mgmt", glusterCLI+"peer detach 10.0.0.1")
	if ce.Stderr != "peer detach: failed: 10.0.0.1 is not part of cluster\n" {
		t.Errorf("second detach: %q", ce.Stderr)
	}
}

func TestGlusterdDown(t *testing.T) {
	f := New(Options{})
	n := f.AddNode("n1", "")
	f.AddNode("n2", "")
	n.SetGlusterd(false)

	ce := runFail(t, f, "n1", "systemctl status glusterd")
	if ce.ExitStatus != 3 || !strings.Contains(ce.Stdout, "Active: inactive (dead)") {
		t.Errorf("status while down: exit %d stdout %q", ce.ExitStatus, ce.Stdout)
	}
	for _, cmd := range []string{
		glusterCLI + "volume info --xml",
		glusterCLI + "peer probe n2",
		glusterCLI + "--xml snapshot list vol_x",
		glusterCLI + "volume create v n1:/b",
	} {
		ce := runFail(t, f, "n1", cmd)
		if ce.ExitStatus != 1 || ce.Stdout != connFailed || ce.Stderr != "" {
			t.Errorf("%s while glusterd is down: exit %d stdout %q stderr %q", cmd, ce.ExitStatus, ce.Stdout, ce.Stderr)
		}
		if ce.Error() != strings.TrimSpace(connFailed) {
			t.Errorf("error text %q", ce.Error())
		}
	}
	// Probing a node whose glusterd is down fails on the prober.
	ce = runFail(t, f, "n2", glusterCLI+"peer probe n1")
	if !strings.Contains(ce.Stderr, "not connected") {
		t.Errorf("probe of a down node: %q", ce.Stderr)
	}
	mustRun(t, f, "n1", "systemctl start glusterd", "systemctl status glusterd", glusterCLI+"volume info --xml")
	if !n.Snapshot().GlusterdUp {
		t.Error("glusterd still down after systemctl start")
	}
}

func TestFstabAndDirectories(t *testing.T) {
	f := New(Options{})
	n := f.AddNode("n1", "")
	cmds := []struct {
		cmd    string
		exit   int
		stderr string
	}{
		{cmd: "mkdir /var/lib/heketi/x", exit: 1, stderr: "mkdir: cannot create directory ‘/var/lib/heketi/x’: No such file or directory\n"},
		{cmd: "mkdir -p /var/lib/heketi/x/y"},
		{cmd: "mkdir /var/lib/heketi/x/y", exit: 1, stderr: "mkdir: cannot create directory ‘/var/lib/heketi/x/y’: File exists\n"},
		{cmd: "rmdir /var/lib/heketi/x", exit: 1, stderr: "rmdir: failed to remove '/var/lib/heketi/x': Directory not empty\n"},
		{cmd: "rmdir /var/lib/heketi/x/y"},
		{cmd: "rmdir /var/lib/heketi/x/y", exit: 1, stderr: "rmdir: failed to remove '/var/lib/heketi/x/y': No such file or directory\n"},
		{cmd: "chown :2000 /nope", exit: 1, stderr: "chown: cannot access '/nope': No such file or directory\n"},
		{cmd: `awk "BEGIN {print \"/dev/mapper/a-brick_1 /m/brick_1 xfs rw 1 2\" >> \"/etc/fstab\"}"`},
		{cmd: `awk "BEGIN {print \"/dev/mapper/a-brick_2 /m/brick_2 xfs rw 1 2\" >> \"/etc/fstab\"}"`},
		{cmd: `sed -i.save "/brick_1/d" /etc/fstab`},
		{cmd: `sed -i.save "/brick_1/d" /etc/nope`, exit: 2, stderr: "sed: can't read /etc/nope: No such file or directory\n"},
		{cmd: "cat /etc/nope", exit: 1, stderr: "cat: /etc/nope: No such file or directory\n"},
	}
	for _, c := range cmds {
		res, _ := f.Run(context.Background(), "n1", []string{c.cmd}, time.Minute)
		if r := res[0]; r.ExitStatus != c.exit || r.Stderr != c.stderr {
			t.Errorf("%s: exit %d stderr %q, want %d %q", c.cmd, r.ExitStatus, r.Stderr, c.exit, c.stderr)
		}
	}
	st := n.Snapshot()
	if len(st.Fstab) != 2 || st.Fstab[1] != "/dev/mapper/a-brick_2 /m/brick_2 xfs rw 1 2" {
		t.Errorf("fstab = %q", st.Fstab)
	}
	res := mustRun(t, f, "n1", "cat /etc/fstab.save")
	if !strings.Contains(res[0].Stdout, "brick_1") {
		t.Errorf("sed -i.save kept no backup: %q", res[0].Stdout)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var _ = executors.Result{}

func TestPVCreateWithGivenUUID(t *testing.T) {
	f := New(Options{AutoNodes: true, AutoDiskSizeKiB: 4 << 20})
	const uuid = "AbCdEf-1234-5678-9abc-defg-hijk-lmnopq"
	if _, err := f.Run(t.Context(), "h1", []string{"/usr/sbin/lvm pvcreate -qq --uuid " + uuid + " --norestorefile --metadatasize=128M --dataalignment=256K '/dev/sdb'"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	pvs := f.Node("h1").Snapshot().PVs
	if len(pvs) != 1 || pvs[0].UUID != uuid {
		t.Fatalf("expected one PV with uuid %s, got %+v", uuid, pvs)
	}
}

// TestSedBrickFastPathMatchesScan checks that deleting by a brick_<id>
// pattern through the index removes exactly the lines a full scan would, and
// that the -i.save backup shows the file as it was.
func TestSedBrickFastPathMatchesScan(t *testing.T) {
	f := New(Options{AutoNodes: true})
	n := f.lookup("h1", true)
	id := func(i int) string { return strings.Repeat(strconv.Itoa(i%10), 32) }
	var lines []string
	for i := 0; i < 50; i++ {
		lines = append(lines, "/dev/mapper/vg_x-brick_"+id(i)+" /var/lib/heketi/mounts/vg_x/brick_"+id(i)+" xfs rw 1 2")
	}
	lines = append(lines, "# a comment mentioning brick_"+id(3)+"f and more", "/dev/sda1 / ext4 defaults 0 1")
	n.files["/etc/fstab"] = newTextFile(lines...)
	// Build the index with a first delete, then append one more line
	// through awk's path: the index must follow.
	n.sed([]string{"-i", "/brick_" + strings.Repeat("f", 32) + "/d", "/etc/fstab"})
	extra := "/dev/mapper/vg_y-brick_" + id(3) + " /mnt/y xfs rw 1 2"
	n.files["/etc/fstab"].append(extra)
	before := append(append([]string(nil), lines...), extra)

	pattern := "brick_" + id(3)
	var want []string
	for _, l := range before {
		if !strings.Contains(l, pattern) {
			want = append(want, l)
		}
	}
	if out := n.sed([]string{"-i.save", "/" + pattern + "/d", "/etc/fstab"}); out.code != 0 {
		t.Fatalf("sed: %+v", out)
	}
	if got := n.files["/etc/fstab"].Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fast path kept\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := n.files["/etc/fstab.save"].Lines(); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Fatalf("the -i.save backup must hold the file as it was (%d lines), has %d", len(before), len(got))
	}
	// A second delete of the same pattern finds nothing and keeps the file.
	n.sed([]string{"-i", "/" + pattern + "/d", "/etc/fstab"})
	if got := n.files["/etc/fstab"].Lines(); len(got) != len(want) {
		t.Fatalf("a repeated delete must change nothing: %d lines, want %d", len(got), len(want))
	}
}

// TestTextFileBackupViews drives a file through many deletes and appends,
// each delete leaving a -i.save backup as Basalt's fstab clean-up does, and
// checks every file and backup against a plain model, including a backup
// that is never replaced and one that is written to.
func TestTextFileBackupViews(t *testing.T) {
	line := func(i int) string { return fmt.Sprintf("/dev/mapper/vg-brick_%032x /m/%d xfs rw 0 2", i, i) }
	var model []string
	for i := 0; i < 40; i++ {
		model = append(model, line(i))
	}
	f := newTextFile(model...)
	files := map[string]*textFile{"fstab": f}
	models := map[string][]string{"fstab": model}
	check := func(step string) {
		t.Helper()
		for name, m := range models {
			if got := files[name].Lines(); strings.Join(got, "\n") != strings.Join(m, "\n") {
				t.Fatalf("%s: %s is\n%s\nwant\n%s", step, name, strings.Join(got, "\n"), strings.Join(m, "\n"))
			}
		}
	}
	remove := func(m []string, sub string) []string {
		var out []string
		for _, l := range m {
			if !strings.Contains(l, sub) {
				out = append(out, l)
			}
		}
		return out
	}
	edit := func(backup string, pattern string) {
		if backup != "" {
			files[backup] = f.backup(files[backup])
			models[backup] = append([]string(nil), models["fstab"]...)
		}
		f.deleteMatching(pattern)
		models["fstab"] = remove(models["fstab"], pattern)
	}
	edit(".bak", fmt.Sprintf("brick_%032x", 5)) // a backup nobody replaces
	check("first delete")
	next := 40
	for i := 0; i < 35; i++ {
		edit(".save", fmt.Sprintf("brick_%032x", i*7%40))
		if i%3 == 0 {
			f.append(line(next))
			models["fstab"] = append(models["fstab"], line(next))
			next++
		}
		check(fmt.Sprintf("delete %d", i))
	}
	// A non-brick pattern takes the scanning path.
	edit(".save", "/m/4")
	check("scan delete")
	// Writing to a backup makes it a file of its own.
	files[".save"].append("extra")
	models[".save"] = append(models[".save"], "extra")
	edit("", fmt.Sprintf("brick_%032x", 41))
	check("after writing the backup")
	if len(f.lines) > 2*len(models["fstab"])+len(models[".bak"]) {
		t.Errorf("removed lines must be dropped once no backup shows them: %d stored for %d present", len(f.lines), len(models["fstab"]))
	}
}
