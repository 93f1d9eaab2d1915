package cmdexec

import (
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/internal/sizing"
)

// TestRendererMatchesCaptures checks that the rendered commands are the very
// lines that produced the captured outputs, wherever the capture ran Heketi's
// form of the command.
func TestRendererMatchesCaptures(t *testing.T) {
	r := NewRenderer(DefaultConfig())
	a := NewBrick(testDevID, "aaaa0000aaaa0000aaaa0000aaaa0000", "aaaa0000aaaa0000aaaa0000aaaa0000")
	a.SizeKiB = 1024 * 1024
	a.TpSizeKiB = sizing.ThinPoolSizeKiB(a.SizeKiB, 1, 4096)
	a.PoolMetadataSizeKiB = sizing.PoolMetadataSizeKiB(a.TpSizeKiB, 4096)
	b := a
	b.LVName, b.ThinPool, b.Path = "brick_bbbb0000bbbb0000bbbb0000bbbb0000", "tp_bbbb0000bbbb0000bbbb0000bbbb0000", BrickPath(testDevID, "bbbb0000bbbb0000bbbb0000bbbb0000")
	const clone = "/run/gluster/snaps/50dfdf74b2124efda1cd3b7d8ffe62a4"

	cases := map[string]string{
		"02-vgcreate.txt":                                r.VGCreate(testVG, "/dev/vdb"),
		"03-pvs-json-vdb.txt":                            r.PVsDevice("/dev/vdb"),
		"04-vgdisplay-c.txt":                             r.VGDisplay(testVG),
		"05-udevadm-symlink-vdb.txt":                     r.UdevadmSymlinks("/dev/vdb"),
		"06-lvcreate-thin-a.txt":                         r.LVCreateThin(a),
		"07-mkfs-xfs-a.txt":                              r.MkfsXFS(a),
		"08-mkdir-mountpoint-a.txt":                      r.MkdirP(a.MountPoint()),
		"09-mount-brick-a.txt":                           r.MountBrick(a),
		"10-mkdir-brick-a.txt":                           r.Mkdir(a.Path),
		"11-lvcreate-thin-b.txt":                         r.LVCreateThin(b),
		"12-mkfs-xfs-b.txt":                              r.MkfsXFS(b),
		"13-mkdir-mountpoint-b.txt":                      r.MkdirP(b.MountPoint()),
		"14-mount-brick-b.txt":                           r.MountBrick(b),
		"15-mkdir-brick-b.txt":                           r.Mkdir(b.Path),
		"16-lvs-thin-count.txt":                          r.LVThinCount(a.VG(), a.ThinPool),
		"17-pvs-json-units-k.txt":                        r.PVsReport(),
		"18-vgs-json-units-k.txt":                        r.VGsReport(),
		"19-lvs-json-units-k.txt":                        r.LVsReport(),
		"20-mount.txt":                                   r.Mounts(),
		"21-cat-fstab.txt":                               r.CatFstab(),
		"23-systemctl-status-glusterd.txt":               r.GlusterdStatus(),
		"25-volume-set-heketi-id.txt":                    r.VolumeSetHeketiID("vol_test", testDevID),
		"26-volume-start.txt":                            r.VolumeStart("vol_test"),
		"27-volume-info-vol-test-xml.txt":                r.VolumeInfo("vol_test"),
		"28-volume-info-all-xml.txt":                     r.VolumeInfo(""),
		"29-volume-status-vol-test-xml.txt":              r.VolumeStatus("vol_test"),
		"30-volume-heal-info-xml.txt":                    r.VolumeHealInfo("vol_test"),
		"31-snapshot-create.txt":                         r.SnapshotCreate("tmpsnap_1", "vol_test"),
		"32-snapshot-activate.txt":                       r.SnapshotActivate("tmpsnap_1"),
		"33-snapshot-clone.txt":                          r.SnapshotClone("vol_clone", "tmpsnap_1"),
		"34-volume-start-clone.txt":                      r.VolumeStartXML("vol_clone"),
		"35-volume-info-clone-xml.txt":                   r.VolumeInfo("vol_clone"),
		"36-snapshot-list.txt":                           r.SnapshotList("vol_test"),
		"37-snapshot-deactivate.txt":                     r.SnapshotDeactivate("tmpsnap_1"),
		"38-snapshot-delete.txt":                         r.SnapshotDelete("tmpsnap_1"),
		"41-err-volume-stop-missing.txt":                 r.VolumeStop("no_such_vol"),
		"50-extra-err-volume-delete-started.txt":         r.VolumeDelete("vol_test"),
		"53-extra-pool-list-xml.txt":                     r.PoolListXML(),
		"54-volume-stop-clone-force.txt":                 r.VolumeStopForce("vol_clone"),
		"55-volume-delete-clone.txt":                     r.VolumeDelete("vol_clone"),
		"58-extra-err-lvremove-brick-mounted.txt":        r.LVRemove(a.VG(), a.LVName),
		"59-umount-brick-a.txt":                          r.Umount(a.MountPoint()),
		"60-umount-brick-b.txt":                          r.Umount(b.MountPoint()),
		"61-lvremove-tp-a.txt":                           r.LVRemove(a.VG(), a.ThinPool),
		"62-lvremove-tp-b.txt":                           r.LVRemove(b.VG(), b.ThinPool),
		"65-extra-umount-leftover-clone-brick1.txt":      r.Umount(Brick{Path: clone + "/brick1/brick"}.MountPoint()),
		"69-vgremove.txt":                                r.VGRemove(testVG),
		"72-extra-volume-status-all-empty-xml.txt":       r.VolumeStatus(""),
		"76-extra-err-volume-info-glusterd-down-xml.txt": r.VolumeInfo(""),
	}
	for name, want := range cases {
		if got := loadCapture(t, name).Command; got != want {
			t.Errorf("%s ran\n  %s\nrenderer gives\n  %s", name, got, want)
		}
	}
	// Where the capture was run by hand in a different form, the difference
	// is the one Heketi's form dictates.
	if got := r.PVCreate("/dev/vdb"); got != strings.Replace(loadCapture(t, "01-pvcreate.txt").Command, "/dev/vdb", "'/dev/vdb'", 1) {
		t.Errorf("pvcreate %q differs from the capture beyond quoting", got)
	}
	// The hand-run volume create added "force" where Heketi leaves the trailing space.
	create := r.VolumeCreate("vol_test", Durability{Type: DurabilityReplicate, Replica: 2}, []string{BrickArg("gnode1", a.Path), BrickArg("gnode1", b.Path)})
	if got := loadCapture(t, "24-volume-create.txt").Command; got != create+"force" {
		t.Errorf("volume create %q differs from the capture beyond the force keyword", create)
	}
	if got := r.PVRemove("/dev/vdb"); got != strings.Replace(loadCapture(t, "70-pvremove.txt").Command, "/dev/vdb", "'/dev/vdb'", 1) {
		t.Errorf("pvremove %q differs from the capture beyond quoting", got)
	}
}

func TestRendererOptions(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LVChunkSize = "512K"
	cfg.XFSSu, cfg.XFSSw = 64, 4
	cfg.Fstab = "/var/lib/heketi/fstab"
	cfg.MountOpts = "rw,noatime"
	cfg.BlockPrealloc = "no"
	r := NewRenderer(cfg)
	b := NewBrick("d", "b", "t")
	b.SizeKiB, b.TpSizeKiB, b.PoolMetadataSizeKiB = 1, 2, 3
	arb := b
	arb.Arbiter = true

	for _, tc := range []struct{ name, got, want string }{
		{"data chunk", r.LVCreateThin(b), "/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 3K --chunksize 512K --size 2K --thin vg_d/tp_t --virtualsize 1K --name brick_b"},
		{"arbiter chunk", r.LVCreateThin(arb), "/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 3K --chunksize 256K --size 2K --thin vg_d/tp_t --virtualsize 1K --name brick_b"},
		{"su/sw", r.MkfsXFS(b), "mkfs.xfs -i size=512 -d su=64,sw=4 -n size=8192 /dev/mapper/vg_d-brick_b"},
		{"arbiter ignores su/sw", r.MkfsXFS(arb), "mkfs.xfs -i maxpct=100 -n size=8192 /dev/mapper/vg_d-brick_b"},
		{"fstab", r.FstabAppend(b), `awk "BEGIN {print \"/dev/mapper/vg_d-brick_b /var/lib/heketi/mounts/vg_d/brick_b xfs rw,noatime 1 2\" >> \"/var/lib/heketi/fstab\"}"`},
		{"fstab remove", r.FstabRemove(b.LVName), `sed -i.save "/brick_b/d" /var/lib/heketi/fstab`},
		{"cat fstab", r.CatFstab(), "cat /var/lib/heketi/fstab"},
		{"mount", r.MountBrick(b), "mount -o rw,noatime /dev/mapper/vg_d-brick_b /var/lib/heketi/mounts/vg_d/brick_b"},
		{"prealloc auth", r.BlockCreate(BlockVolumeSpec{HostingVolume: "vol_h", Name: "blockvol_x", HA: 1, Auth: true, Hosts: []string{"h1"}, SizeGiB: 5}),
			"gluster-block create vol_h/blockvol_x ha 1 auth enable prealloc no h1 5GiB --json"},
		{"block info", r.BlockInfo("vol_h", "blockvol_x"), "gluster-block info vol_h/blockvol_x --json"},
		{"block list", r.BlockList("vol_h"), "gluster-block list vol_h --json"},
		{"quote", r.PVCreate("/dev/it's"), `/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/it'\''s'`},
		{"lsof", r.Lsof("/x"), "lsof /x"},
		{"replica 0 means 2", r.VolumeCreate("v", Durability{Type: DurabilityReplicate}, []string{"h:/p1", "h:/p2"}),
			"gluster --mode=script --timeout=600 volume create v replica 2 h:/p1 h:/p2 "},
	} {
		if tc.got != tc.want {
			t.Errorf("%s:\n got  %s\n want %s", tc.name, tc.got, tc.want)
		}
	}
}

func TestGlusterTimeout(t *testing.T) {
	for cli, want := range map[int]time.Duration{600: 11 * time.Minute, 0: 10 * time.Minute, 120: 10 * time.Minute, 1199: 21 * time.Minute, 3600: 61 * time.Minute} {
		cfg := DefaultConfig()
		cfg.GlusterCLITimeout = cli
		if got := NewRenderer(cfg).GlusterTimeout(); got != want {
			t.Errorf("cli_timeout %d: %v, want %v", cli, got, want)
		}
	}
	cfg := DefaultConfig()
	cfg.GlusterCLITimeout = 120
	if got := NewRenderer(cfg).VolumeStart("v"); got != "gluster --mode=script --timeout=120 volume start v" {
		t.Errorf("prefix %q", got)
	}
}

func TestBrickPaths(t *testing.T) {
	b := NewBrick("d", "b", "t")
	if b.Path != "/var/lib/heketi/mounts/vg_d/brick_b/brick" || b.MountPoint() != "/var/lib/heketi/mounts/vg_d/brick_b" || b.IsSnapshotBrick() {
		t.Errorf("brick %+v", b)
	}
	for _, p := range []string{"/run/gluster/snaps/x/brick1/brick", "/var/run/gluster/snaps/x/brick2/brick"} {
		if !(Brick{Path: p}).IsSnapshotBrick() {
			t.Errorf("%s not a snapshot brick", p)
		}
	}
	r := NewRenderer(DefaultConfig())
	for _, p := range []string{"/var/run/gluster/snaps/x/brick2/brick"} {
		for _, c := range r.BrickDestroySequence(Brick{DeviceID: "d", LVName: "x_0", ThinPool: "tp_t", Path: p}) {
			if strings.HasPrefix(c, "sed ") {
				t.Errorf("fstab edited for snapshot brick %s", p)
			}
		}
	}
	if got := DeviceHandle("/dev/sdb", []string{"/dev/disk/by-id/x"}, ""); got != "/dev/disk/by-id/x" {
		t.Errorf("handle %q", got)
	}
	if got := DeviceHandle("/dev/sdb", nil, ""); got != "/dev/sdb" {
		t.Errorf("handle %q", got)
	}
}
