package cmdexec

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
)

func TestParseCaptureFormat(t *testing.T) {
	c := loadCapture(t, "02-vgcreate.txt")
	if c.Exit != 0 || c.Stdout != "" || c.Stderr != "  WARNING: This metadata update is NOT backed up.\n" {
		t.Fatalf("02-vgcreate parsed as %+v", c)
	}
	c = loadCapture(t, "42-err-vgdisplay-missing.txt")
	if c.Exit != 5 || !strings.Contains(c.Stderr, `Volume group "vg_missing" not found`) {
		t.Fatalf("42 parsed as %+v", c)
	}
}

func TestParseVGDisplay(t *testing.T) {
	c := loadCapture(t, "04-vgdisplay-c.txt")
	vg, err := ParseVGDisplay(c.Stdout)
	if err != nil {
		t.Fatalf("ParseVGDisplay: %v", err)
	}
	want := VGDisplay{Name: "vg_0123456789abcdef0123456789abcdef", ExtentSizeKiB: 4096, TotalExtents: 991,
		AllocatedExtents: 0, FreeExtents: 991, UUID: "c0guxe-lryg-91oT-EWDS-vKKd-QZnf-o2FU1B"}
	if vg != want {
		t.Fatalf("got %+v, want %+v", vg, want)
	}
	if vg.TotalKiB() != 4059136 || vg.FreeKiB() != 4059136 || vg.UsedKiB() != 0 {
		t.Fatalf("sizes total %d free %d used %d, want 4059136/4059136/0", vg.TotalKiB(), vg.FreeKiB(), vg.UsedKiB())
	}
	// The facts' example line.
	vg, err = ParseVGDisplay("vg_x:r/w:772:-1:0:0:0:-1:0:1:1:524156928:4096:127968:0:127968:uuid")
	if err != nil || vg.TotalKiB() != 524156928 {
		t.Fatalf("facts example: total %d err %v, want 524156928", vg.TotalKiB(), err)
	}
	for _, bad := range []string{"", loadCapture(t, "42-err-vgdisplay-missing.txt").Stdout, "a:b:c", "vg:r/w:772:-1:0:0:0:-1:0:1:1:4059136:x:991:0:991:u"} {
		if _, err := ParseVGDisplay(bad); err == nil {
			t.Errorf("ParseVGDisplay(%q) succeeded, want error", bad)
		}
	}
	if _, err := ParseVGDisplay("a:b"); err.Error() != "vgdisplay returned an invalid string" {
		t.Errorf("short line error %q, want Heketi's text", err)
	}
}

func TestParseLVMReportPVsDevice(t *testing.T) {
	rep, err := ParseLVMReport(loadCapture(t, "03-pvs-json-vdb.txt").Stdout)
	if err != nil {
		t.Fatal(err)
	}
	want := PV{Name: "/dev/vdb", UUID: "fDDqEW-nV75-J70D-JobC-Lq1N-fZXS-8ZAmD4", VGName: "vg_0123456789abcdef0123456789abcdef"}
	if len(rep.PVs) != 1 || rep.PVs[0] != want || rep.PVUUID() != want.UUID {
		t.Fatalf("got %+v, want one PV %+v", rep.PVs, want)
	}
}

func TestParseLVMReportUnitsK(t *testing.T) {
	rep, err := ParseLVMReport(loadCapture(t, "17-pvs-json-units-k.txt").Stdout)
	if err != nil || len(rep.PVs) != 1 {
		t.Fatalf("pvs: %+v %v", rep, err)
	}
	pv := rep.PVs[0]
	if pv.Attr != "a--" || pv.Fmt != "lvm2" || pv.UUID != "" {
		t.Errorf("pv %+v", pv)
	}
	if n, err := ParseKiB(pv.Size); err != nil || n != 4059136 {
		t.Errorf("pv_size %q -> %d, %v; want 4059136", pv.Size, n, err)
	}
	if n, _ := ParseKiB(pv.Free); n != 1937408 {
		t.Errorf("pv_free %q -> %d, want 1937408", pv.Free, n)
	}

	rep, err = ParseLVMReport(loadCapture(t, "18-vgs-json-units-k.txt").Stdout)
	if err != nil || len(rep.VGs) != 1 {
		t.Fatalf("vgs: %+v %v", rep, err)
	}
	if vg := rep.VGs[0]; vg.Name != "vg_0123456789abcdef0123456789abcdef" || vg.LVCount != "4" || vg.Size != "4059136.00k" || vg.Free != "1937408.00k" {
		t.Errorf("vg %+v", vg)
	}

	rep, err = ParseLVMReport(loadCapture(t, "19-lvs-json-units-k.txt").Stdout)
	if err != nil || len(rep.LVs) != 4 {
		t.Fatalf("lvs: %+v %v", rep, err)
	}
	var pools, thin int
	for _, lv := range rep.LVs {
		if lv.IsThinPool() {
			pools++
		} else if lv.PoolLV != "" {
			thin++
		}
	}
	if pools != 2 || thin != 2 {
		t.Errorf("lvs: %d pools %d thin LVs, want 2 and 2", pools, thin)
	}
	if lv := rep.LVs[0]; lv.Name != "brick_aaaa0000aaaa0000aaaa0000aaaa0000" || lv.PoolLV != "tp_aaaa0000aaaa0000aaaa0000aaaa0000" || lv.Size != "1048576.00k" {
		t.Errorf("first lv %+v", lv)
	}

	for _, name := range []string{"49-extra-lvs-json-units-k-with-clone.txt", "63-extra-lvs-json-after-failed-lvremove.txt"} {
		rep, err = ParseLVMReport(loadCapture(t, name).Stdout)
		if err != nil || len(rep.LVs) != 6 || rep.LVs[0].Name != "50dfdf74b2124efda1cd3b7d8ffe62a4_0" {
			t.Errorf("%s: %+v %v", name, rep, err)
		}
	}

	rep, err = ParseLVMReport(loadCapture(t, "73-extra-pvs-json-units-k-empty.txt").Stdout)
	if err != nil || len(rep.PVs) != 0 || rep.PVUUID() != "" {
		t.Errorf("empty pvs: %+v %v", rep, err)
	}
	if _, err := ParseLVMReport("  Failed to find physical volume \"/dev/sdz\".\n"); err == nil {
		t.Error("non-JSON report parsed without error")
	}
}

func TestParseKiB(t *testing.T) {
	for in, want := range map[string]uint64{"4059136.00k": 4059136, "<1048576.00k": 1048576, "0k": 0, "12": 12, " 8.50k ": 8} {
		if got, err := ParseKiB(in); err != nil || got != want {
			t.Errorf("ParseKiB(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "k", "1.0g", "-4k", "NaN", "+Inf"} {
		if _, err := ParseKiB(bad); err == nil {
			t.Errorf("ParseKiB(%q) succeeded, want error", bad)
		}
	}
}

func TestParseThinCount(t *testing.T) {
	for name, want := range map[string]int{"16-lvs-thin-count.txt": 1, "48-extra-lvs-thin-count-with-clone.txt": 2} {
		if n, err := ParseThinCount(loadCapture(t, name).Stdout); err != nil || n != want {
			t.Errorf("%s: %d, %v; want %d", name, n, err, want)
		}
	}
	if n, err := ParseThinCount("  0\n"); err != nil || n != 0 {
		t.Errorf("0: %d %v", n, err)
	}
	if _, err := ParseThinCount(""); err == nil {
		t.Error("empty thin_count parsed")
	}
}

func TestParseUdevadmSymlinks(t *testing.T) {
	out := loadCapture(t, "05-udevadm-symlink-vdb.txt").Stdout
	got := ParseUdevadmSymlinks(out, "/dev/vdb")
	want := []string{"/dev/disk/by-diskseq/13", "/dev/disk/by-id/virtio-gluster-data-0",
		"/dev/disk/by-path/pci-0000:00:05.0", "/dev/disk/by-path/virtio-pci-0000:00:05.0", "/dev/vdb"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// The name is not appended twice when udev already lists it.
	if got := ParseUdevadmSymlinks("disk/by-id/x vdb", "/dev/vdb"); !slices.Equal(got, []string{"/dev/disk/by-id/x", "/dev/vdb"}) {
		t.Errorf("got %q", got)
	}
	if got := ParseUdevadmSymlinks("", "/dev/sdb"); !slices.Equal(got, []string{"/dev/sdb"}) {
		t.Errorf("empty output: got %q", got)
	}
}

func TestParseMount(t *testing.T) {
	out := loadCapture(t, "20-mount.txt").Stdout
	entries := ParseMount(out)
	if len(entries) != 26 {
		t.Fatalf("%d entries, want 26", len(entries))
	}
	last := entries[len(entries)-1]
	want := MountEntry{
		Device:  "/dev/mapper/vg_0123456789abcdef0123456789abcdef-brick_bbbb0000bbbb0000bbbb0000bbbb0000",
		Path:    "/var/lib/heketi/mounts/vg_0123456789abcdef0123456789abcdef/brick_bbbb0000bbbb0000bbbb0000bbbb0000",
		Type:    "xfs",
		Options: "rw,noatime,nouuid,attr2,inode64,logbufs=8,logbsize=256k,sunit=512,swidth=512,noquota",
	}
	if last != want {
		t.Errorf("last entry %+v\nwant %+v", last, want)
	}
	if !IsMounted(out, BrickMountPoint("0123456789abcdef0123456789abcdef", "aaaa0000aaaa0000aaaa0000aaaa0000")) {
		t.Error("brick a not reported mounted")
	}
	if IsMounted(out, "/var/lib/heketi/mounts/not_mounted") || IsMounted(out, "/var/lib/heketi") {
		t.Error("unmounted path reported mounted")
	}
	leftover := loadCapture(t, "64-extra-mount-leftover-clone-bricks.txt").Stdout
	if !IsMounted(leftover, "/run/gluster/snaps/50dfdf74b2124efda1cd3b7d8ffe62a4/brick2/") {
		t.Error("clone brick 2 not reported mounted")
	}
	if got := MountsUnder(leftover, "/run/gluster/snaps/50dfdf74b2124efda1cd3b7d8ffe62a4/"); len(got) != 2 ||
		got[1].Device != "/dev/mapper/vg_0123456789abcdef0123456789abcdef-50dfdf74b2124efda1cd3b7d8ffe62a4_1" {
		t.Errorf("MountsUnder clone dir: %+v", got)
	}
	if got := MountsUnder(out, "/run/gluster/snaps/50dfdf74b2124efda1cd3b7d8ffe62a4"); len(got) != 0 {
		t.Errorf("MountsUnder on a node without clone mounts: %+v", got)
	}
	if !IsMounted(out, "/") {
		t.Error("root not reported mounted")
	}
	// umount of an unmounted path exits 32; the caller checks mount output.
	if c := loadCapture(t, "44-err-umount-not-mounted.txt"); c.Exit != 32 || IsMounted(out, "/var/lib/heketi/mounts/not_mounted") {
		t.Error("not-mounted umount capture inconsistent")
	}
}

func TestParseFstab(t *testing.T) {
	got := ParseFstab("# comment\n\n" + loadCapture(t, "21-cat-fstab.txt").Stdout +
		"/dev/mapper/vg_a-brick_b /var/lib/heketi/mounts/vg_a/brick_b xfs rw,inode64,noatime,nouuid 1 2\nshort /x\n")
	want := []FstabEntry{
		{"/dev/vda", "/", "ext4", "defaults,errors=remount-ro", "0", "1"},
		{"/dev/mapper/vg_a-brick_b", "/var/lib/heketi/mounts/vg_a/brick_b", "xfs", "rw,inode64,noatime,nouuid", "1", "2"},
		{Device: "short", Path: "/x"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestParseVolumeInfo(t *testing.T) {
	vols, err := ParseVolumeInfo(loadCapture(t, "27-volume-info-vol-test-xml.txt").Stdout)
	if err != nil || len(vols) != 1 {
		t.Fatalf("got %d volumes, %v; want 1", len(vols), err)
	}
	v := vols[0]
	if v.Name != "vol_test" || v.ID != "32d8ff84-ce90-45d9-9615-3affa1fc45d2" || v.Status != 1 || v.StatusStr != "Started" ||
		v.BrickCount != 2 || v.ReplicaCount != 2 || v.TypeStr != "Replicate" || len(v.Bricks) != 2 || len(v.Options) != 6 {
		t.Fatalf("volume %+v", v)
	}
	b := v.Bricks[1]
	if b.Name != "gnode1:/var/lib/heketi/mounts/vg_0123456789abcdef0123456789abcdef/brick_bbbb0000bbbb0000bbbb0000bbbb0000/brick" ||
		b.Host() != "gnode1" || b.Path() != BrickPath("0123456789abcdef0123456789abcdef", "bbbb0000bbbb0000bbbb0000bbbb0000") ||
		b.HostUUID != "ae313946-1272-4c12-be18-7c9c3cbed5c1" || b.IsArbiter != 0 {
		t.Errorf("brick %+v", b)
	}
	if id, ok := v.Option("user.heketi.id"); !ok || id != "0123456789abcdef0123456789abcdef" {
		t.Errorf("user.heketi.id = %q, %v", id, ok)
	}

	all, err := ParseVolumeInfo(loadCapture(t, "28-volume-info-all-xml.txt").Stdout)
	if err != nil || !reflect.DeepEqual(all, vols) {
		t.Errorf("all-volumes info differs from single: %v", err)
	}
	two, err := ParseVolumeInfo(loadCapture(t, "45-extra-volume-info-all-two-vols-xml.txt").Stdout)
	if err != nil || len(two) != 2 || two[0].Name != "vol_clone" || two[1].Name != "vol_test" {
		t.Fatalf("two volumes: %+v %v", two, err)
	}
	if v, ok := two[1].Option("features.barrier"); !ok || v != "disable" {
		t.Errorf("snapshotted source lacks features.barrier disable")
	}
	clone, err := ParseVolumeInfo(loadCapture(t, "35-volume-info-clone-xml.txt").Stdout)
	if err != nil || len(clone) != 1 || clone[0].Bricks[0].Path() != "/run/gluster/snaps/50dfdf74b2124efda1cd3b7d8ffe62a4/brick1/brick" {
		t.Errorf("clone info: %+v %v", clone, err)
	}
	empty, err := ParseVolumeInfo(loadCapture(t, "71-extra-volume-info-all-empty-xml.txt").Stdout)
	if err != nil || len(empty) != 0 {
		t.Errorf("empty: %+v %v", empty, err)
	}
}

func TestParseVolumeInfoMissing(t *testing.T) {
	c := loadCapture(t, "39-err-volume-info-missing.txt")
	if c.Exit != 0 {
		t.Fatalf("capture exit %d, want 0", c.Exit)
	}
	_, err := ParseVolumeInfo(c.Stdout)
	var ge *GlusterError
	if !errors.As(err, &ge) || ge.OpRet != -1 || ge.OpErrno != ErrnoVolumeNotFound || err.Error() != "Volume does not exist" {
		t.Fatalf("err %#v, want GlusterError -1/30806 'Volume does not exist'", err)
	}
	if !IsVolumeNotFound(err) {
		t.Error("IsVolumeNotFound false")
	}
}

func TestParseGlusterdDown(t *testing.T) {
	c := loadCapture(t, "76-extra-err-volume-info-glusterd-down-xml.txt")
	if c.Exit != 1 || strings.TrimSpace(c.Stdout) != ConnectionFailedText || c.Stderr != "" {
		t.Fatalf("capture %+v", c)
	}
	if _, err := ParseVolumeInfo(c.Stdout); !errors.Is(err, ErrGlusterdUnavailable) || !errs.Is(err, errs.Unavailable) {
		t.Errorf("ParseVolumeInfo err %v, want ErrGlusterdUnavailable", err)
	}
	if _, err := ParseHealInfo(c.Stdout); !errors.Is(err, ErrGlusterdUnavailable) {
		t.Errorf("ParseHealInfo err %v", err)
	}
	ce := &executors.CommandError{Command: "gluster", ExitStatus: c.Exit, Stdout: c.Stdout, Stderr: c.Stderr}
	if !IsGlusterdUnavailable(ce) || ce.Error() != ConnectionFailedText {
		t.Errorf("CommandError %q not recognised as glusterd down", ce.Error())
	}
	if IsGlusterdUnavailable(errors.New("x")) || IsGlusterdUnavailable(nil) {
		t.Error("unrelated error recognised as glusterd down")
	}
	// systemctl status of a stopped glusterd exits 3.
	if c := loadCapture(t, "75-extra-systemctl-status-glusterd-stopped.txt"); c.Exit != 3 {
		t.Errorf("stopped status exit %d, want 3", c.Exit)
	}
}

func TestParseVolumeStatus(t *testing.T) {
	vols, err := ParseVolumeStatus(loadCapture(t, "29-volume-status-vol-test-xml.txt").Stdout)
	if err != nil || len(vols) != 1 || vols[0].Name != "vol_test" || vols[0].NodeCount != 3 || len(vols[0].Nodes) != 3 {
		t.Fatalf("status %+v %v", vols, err)
	}
	n := vols[0].Nodes[0]
	if n.Hostname != "gnode1" || n.Port != "56480" || n.PID != 970 || n.Status != 1 || !strings.HasSuffix(n.Path, "brick_aaaa0000aaaa0000aaaa0000aaaa0000/brick") {
		t.Errorf("node %+v", n)
	}
	if d := vols[0].Nodes[2]; d.Hostname != "Self-heal Daemon" || d.Port != "N/A" || d.Path != "localhost" {
		t.Errorf("daemon %+v", d)
	}
	vols, err = ParseVolumeStatus(loadCapture(t, "46-extra-volume-status-vol-clone-xml.txt").Stdout)
	if err != nil || len(vols) != 1 || vols[0].Name != "vol_clone" {
		t.Errorf("clone status %+v %v", vols, err)
	}
	vols, err = ParseVolumeStatus(loadCapture(t, "72-extra-volume-status-all-empty-xml.txt").Stdout)
	if err != nil || len(vols) != 0 {
		t.Errorf("empty status %+v %v", vols, err)
	}
}

func TestParseHealInfo(t *testing.T) {
	bricks, err := ParseHealInfo(loadCapture(t, "30-volume-heal-info-xml.txt").Stdout)
	if err != nil || len(bricks) != 2 {
		t.Fatalf("heal info %+v %v", bricks, err)
	}
	b := bricks[0]
	if n, ok := b.Entries(); !ok || n != 0 || b.IsHealSource() || !b.Available() || b.Status != "Connected" ||
		b.HostUUID != "ae313946-1272-4c12-be18-7c9c3cbed5c1" {
		t.Errorf("brick %+v", b)
	}
	// Synthetic (hand-written, not captured): a brick with pending entries, an
	// unknown count and an unreachable brick, shaped like gluster's output.
	const synthetic = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cliOutput><healInfo><bricks>
<brick hostUuid="u1"><name>h1:/b1</name><status>Connected</status><numberOfEntries>12</numberOfEntries></brick>
<brick hostUuid="u2"><name>h2:/b2</name><status>Transport endpoint is not connected</status><numberOfEntries>-</numberOfEntries></brick>
<brick hostUuid="-"><name>information not available</name><status>-</status><numberOfEntries>-</numberOfEntries></brick>
</bricks></healInfo><opRet>0</opRet><opErrno>0</opErrno><opErrstr/></cliOutput>`
	bricks, err = ParseHealInfo(synthetic)
	if err != nil || len(bricks) != 3 {
		t.Fatalf("synthetic heal info %+v %v", bricks, err)
	}
	if n, ok := bricks[0].Entries(); !ok || n != 12 || !bricks[0].IsHealSource() {
		t.Errorf("brick 0 %+v", bricks[0])
	}
	if _, ok := bricks[1].Entries(); ok || bricks[1].IsHealSource() {
		t.Errorf("brick 1 %+v: '-' must be unknown and not a heal source", bricks[1])
	}
	if bricks[2].Available() {
		t.Errorf("brick 2 %+v reported available", bricks[2])
	}
}

func TestParseSnapshots(t *testing.T) {
	want := Snapshot{Name: "tmpsnap_1", UUID: "a8b08e3b-32eb-44c5-ac9d-8b061c1f1a07"}
	for name, parse := range map[string]func(string) (Snapshot, error){
		"31-snapshot-create.txt":     ParseSnapshotCreate,
		"32-snapshot-activate.txt":   ParseSnapshotActivate,
		"37-snapshot-deactivate.txt": ParseSnapshotDeactivate,
	} {
		if got, err := parse(loadCapture(t, name).Stdout); err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
		}
	}
	if _, err := ParseSnapshotActivate(loadCapture(t, "31-snapshot-create.txt").Stdout); err == nil {
		t.Error("create output accepted as activate output")
	}
	clone, err := ParseSnapshotClone(loadCapture(t, "33-snapshot-clone.txt").Stdout)
	if err != nil || clone != (Snapshot{Name: "vol_clone", UUID: "50dfdf74-b212-4efd-a1cd-3b7d8ffe62a4"}) {
		t.Errorf("clone %+v %v", clone, err)
	}
	del, err := ParseSnapshotDelete(loadCapture(t, "38-snapshot-delete.txt").Stdout)
	if err != nil || len(del) != 1 || del[0] != (Snapshot{Name: "tmpsnap_1", UUID: want.UUID, Status: "Success"}) {
		t.Errorf("delete %+v %v", del, err)
	}
	list, err := ParseSnapshotList(loadCapture(t, "36-snapshot-list.txt").Stdout)
	if err != nil || !slices.Equal(list, []string{"tmpsnap_1"}) {
		t.Errorf("list %q %v", list, err)
	}
	list, err = ParseSnapshotList(loadCapture(t, "47-extra-snapshot-list-empty.txt").Stdout)
	if err != nil || len(list) != 0 {
		t.Errorf("empty list %q %v", list, err)
	}
	if err := ParseCLIResult(loadCapture(t, "34-volume-start-clone.txt").Stdout); err != nil {
		t.Errorf("volume start --xml: %v", err)
	}
	if err := ParseCLIResult(loadCapture(t, "39-err-volume-info-missing.txt").Stdout); !IsVolumeNotFound(err) {
		t.Errorf("ParseCLIResult on missing volume: %v", err)
	}
}

func TestPlainGlusterErrors(t *testing.T) {
	// Non-XML gluster failures reach callers as CommandError with stderr text.
	for name, want := range map[string]string{
		"40-err-volume-start-already-started.txt":     "volume start: vol_test: failed: Volume vol_test already started",
		"41-err-volume-stop-missing.txt":              "volume stop: no_such_vol: failed: Volume no_such_vol does not exist",
		"50-extra-err-volume-delete-started.txt":      "volume delete: vol_test: failed: Volume vol_test has been started.Volume needs to be stopped before deletion.",
		"43-err-lvremove-missing.txt":                 `Failed to find logical volume "vg_0123456789abcdef0123456789abcdef/tp_missing"`,
		"58-extra-err-lvremove-brick-mounted.txt":     "Logical volume vg_0123456789abcdef0123456789abcdef/brick_aaaa0000aaaa0000aaaa0000aaaa0000 contains a filesystem in use.",
		"52-extra-err-umount-brick-busy.txt":          "umount: /var/lib/heketi/mounts/vg_0123456789abcdef0123456789abcdef/brick_aaaa0000aaaa0000aaaa0000aaaa0000: target is busy.",
		"51-extra-err-volume-create-brick-in-use.txt": "volume create: vol_dup: failed: Brick: gnode1:/var/lib/heketi/mounts/vg_0123456789abcdef0123456789abcdef/brick_aaaa0000aaaa0000aaaa0000aaaa0000/brick not available. Brick may be containing or be contained by an existing brick.",
	} {
		c := loadCapture(t, name)
		ce := &executors.CommandError{ExitStatus: c.Exit, Stdout: c.Stdout, Stderr: c.Stderr}
		if c.Exit == 0 || ce.Error() != want {
			t.Errorf("%s: exit %d text %q, want %q", name, c.Exit, ce.Error(), want)
		}
	}
	if !IsLVMNotFound(loadCapture(t, "43-err-lvremove-missing.txt").Stderr) ||
		!IsLVMNotFound(loadCapture(t, "42-err-vgdisplay-missing.txt").Stderr) ||
		IsLVMNotFound(loadCapture(t, "61-lvremove-tp-a.txt").Stderr) {
		t.Error("IsLVMNotFound misclassifies captured LVM errors")
	}
	vd := loadCapture(t, "41-err-volume-stop-missing.txt")
	if !IsBlockNotExist(vd.Stderr) {
		t.Error("does-not-exist text not recognised")
	}
}

func TestParsersRejectGarbage(t *testing.T) {
	for _, in := range []string{"", "garbage", "<cliOutput><opRet>x</opRet></cliOutput>", "{", "<cliOutput>"} {
		if _, err := ParseVolumeInfo(in); err == nil {
			t.Errorf("ParseVolumeInfo(%q) succeeded", in)
		}
		if _, err := ParseSnapshotCreate(in); err == nil {
			t.Errorf("ParseSnapshotCreate(%q) succeeded", in)
		}
		if _, err := ParseBlockResult(in); err == nil {
			t.Errorf("ParseBlockResult(%q) succeeded", in)
		}
	}
}
