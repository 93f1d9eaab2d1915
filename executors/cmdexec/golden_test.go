package cmdexec

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/sizing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.txt from the renderers")

// Identifiers used by the brick and volume goldens.
const (
	gDev   = "c97bd2a7e4bd4b2e9f1e0f3c5d6a7b8c"
	gBrick = "e08c0f2b6d1a4c3e8f9a0b1c2d3e4f50"
	gTp    = "73b74d5e6f708192a3b4c5d6e7f80912" // differs from the brick id, as for first bricks of a set
	gVolID = "5d1e3c0a9b8f47e6a2c4d6e8f0a1b3c5"
	gVol   = "vol_" + gVolID
)

// gBricks returns n brick arguments spread over hosts 10.0.0.1-4.
func gBricks(n, offset int) []string {
	var b []string
	for i := offset; i < offset+n; i++ {
		b = append(b, BrickArg(fmt.Sprintf("10.0.0.%d", i%4+1), BrickPath(fmt.Sprintf("%032x", i%4+1), fmt.Sprintf("%032x", 0xb000+i))))
	}
	return b
}

// dataBrick is the facts' 10 GiB brick with snapshot factor 1.5.
func dataBrick() Brick {
	b := NewBrick(gDev, gBrick, gTp)
	b.SizeKiB = 10 * 1024 * 1024
	b.TpSizeKiB = sizing.ThinPoolSizeKiB(b.SizeKiB, 1.5, sizing.DefaultExtentSizeKiB)
	b.PoolMetadataSizeKiB = sizing.PoolMetadataSizeKiB(b.TpSizeKiB, sizing.DefaultExtentSizeKiB)
	return b
}

// runExec runs f against a recorder scripted with the captured /dev/vdb
// outputs and returns the recorded golden lines.
func runExec(t *testing.T, cfg Config, f func(*Executor) error) []string {
	t.Helper()
	r := NewRenderer(cfg)
	rec := setupRecorder(t, r)
	handle := PVUUIDPath(testUUID)
	rec.on(r.PVsDevice(handle), replyOf(loadCapture(t, "03-pvs-json-vdb.txt")))
	rec.on(r.UdevadmSymlinks(handle), replyOf(loadCapture(t, "05-udevadm-symlink-vdb.txt")))
	rec.on(r.VGsPV(testVG), reply{res: executors.Result{Stdout: syntheticVGsPV}})
	if err := f(New(rec, cfg, nil)); err != nil {
		t.Fatalf("executor: %v", err)
	}
	return rec.lines()
}

// initErrorLines runs a DeviceSetup whose pvcreate fails (exit 5, synthetic
// stderr) on a device carrying a PV, and returns the recorded lines.
func initErrorLines(t *testing.T) []string {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	rec := setupRecorder(t, r).on(r.PVCreate("/dev/vdb"), reply{res: executors.Result{ExitStatus: 5, Stderr: "  Can't initialize physical volume \"/dev/vdb\" of volume group \"vg_other\" without -ff\n"}})
	_, err := New(rec, cfg, nil).DeviceSetup(context.Background(), "gnode1", executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb"})
	if err == nil {
		t.Fatal("DeviceSetup succeeded, want an init error")
	}
	return rec.lines()
}

func goldenCases(t *testing.T) map[string][]string {
	ctx := context.Background()
	def := DefaultConfig()
	r := NewRenderer(def)
	gt := r.GlusterTimeout()
	vdb := executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb"}
	known := executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb", PVUUID: testUUID}

	wrapped := def
	wrapped.LVMWrapper = "/usr/local/bin/lvm-in-host"
	wrapped.BackupLVMMetadata = true
	wrapped.PVDataAlignment = "1M"
	wrapped.VGPhysicalExtentSize = "8M"

	snapLimit := def
	snapLimit.SnapshotLimit = 14

	noRebalance := def
	noRebalance.RebalanceOnExpansion = false

	susw := def
	susw.XFSSu = 64
	susw.XFSSw = 4

	gid := dataBrick()
	gid.Gid = 2000

	arb := NewBrick(gDev, gBrick, gTp)
	arb.Arbiter = true
	arb.SizeKiB, _ = sizing.ArbiterBrickSizeKiB(2*1024*1024, 64)
	arb.TpSizeKiB = sizing.ThinPoolSizeKiB(arb.SizeKiB, 1, sizing.DefaultExtentSizeKiB)
	arb.PoolMetadataSizeKiB = sizing.PoolMetadataSizeKiB(arb.TpSizeKiB, sizing.DefaultExtentSizeKiB)

	cloneBrick := Brick{DeviceID: gDev, LVName: "50dfdf74b2124efda1cd3b7d8ffe62a4_0", ThinPool: ThinPoolName(gTp),
		Path: "/run/gluster/snaps/50dfdf74b2124efda1cd3b7d8ffe62a4/brick1/brick"}

	opts := []string{"", "performance.readdir-ahead off", ""}

	oldBrick := dataBrick()
	newBrick := NewBrick("d00dd00dd00dd00dd00dd00dd00dd00d", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1")
	newBrick.SizeKiB, newBrick.TpSizeKiB, newBrick.PoolMetadataSizeKiB = oldBrick.SizeKiB, oldBrick.TpSizeKiB, oldBrick.PoolMetadataSizeKiB
	var replace []string
	replace = append(replace, onHost("node1.mgmt", GlusterdCheckTimeout, r.GlusterdStatus())...)
	replace = append(replace, onHost("node1.mgmt", gt, r.VolumeInfo(gVol), r.VolumeHealInfo(gVol))...)
	replace = append(replace, onHost("node4.mgmt", BrickCreateTimeout, r.BrickCreateSequence(newBrick)...)...)
	replace = append(replace, onHost("node4.mgmt", GlusterdCheckTimeout, r.GlusterdStatus())...)
	replace = append(replace, onHost("node4.mgmt", gt, r.VolumeReplaceBrick(gVol, BrickArg("10.0.0.1", oldBrick.Path), BrickArg("10.0.0.4", newBrick.Path)))...)
	replace = append(replace, onHost("node1.mgmt", BrickDestroyTimeout, r.BrickDestroySequence(oldBrick)...)...)

	block := BlockVolumeSpec{HostingVolume: gVol, Name: "blockvol_8a7b6c5d4e3f20119a8b7c6d5e4f3a2b", HA: 3,
		Hosts: []string{"10.0.0.4", "10.0.0.2", "10.0.0.3"}, SizeGiB: 1}

	return map[string][]string{
		"glusterd-check": runExec(t, def, func(e *Executor) error { return e.GlusterdCheck(ctx, "node1.mgmt") }),
		"peer-probe": runExec(t, def, func(e *Executor) error {
			if err := e.GlusterdCheck(ctx, "node1.mgmt"); err != nil {
				return err
			}
			return e.PeerProbe(ctx, "node1.mgmt", "10.0.0.2")
		}),
		"peer-probe-snapshot-limit": runExec(t, snapLimit, func(e *Executor) error { return e.PeerProbe(ctx, "node1.mgmt", "10.0.0.2") }),
		"peer-detach":               runExec(t, def, func(e *Executor) error { return e.PeerDetach(ctx, "node3.mgmt", "10.0.0.1") }),

		"device-setup": runExec(t, def, func(e *Executor) error { _, err := e.DeviceSetup(ctx, "gnode1", vdb); return err }),
		"device-setup-destroydata": runExec(t, def, func(e *Executor) error {
			d := vdb
			d.DestroyData = true
			_, err := e.DeviceSetup(ctx, "gnode1", d)
			return err
		}),
		"device-setup-lvm-wrapper-autobackup": runExec(t, wrapped, func(e *Executor) error { _, err := e.DeviceSetup(ctx, "gnode1", vdb); return err }),
		"device-setup-init-error":             initErrorLines(t),
		"device-teardown":                     runExec(t, def, func(e *Executor) error { return e.DeviceTeardown(ctx, "gnode1", known, false) }),
		"device-teardown-force":               runExec(t, def, func(e *Executor) error { return e.DeviceTeardown(ctx, "gnode1", known, true) }),
		"device-resync":                       runExec(t, def, func(e *Executor) error { _, err := e.DeviceInfo(ctx, "gnode1", known); return err }),
		"device-resync-no-uuid":               runExec(t, def, func(e *Executor) error { _, err := e.DeviceInfo(ctx, "gnode1", vdb); return err }),

		"brick-create":         onHost("node2.mgmt", BrickCreateTimeout, r.BrickCreateSequence(dataBrick())...),
		"brick-create-gid":     onHost("node2.mgmt", BrickCreateTimeout, r.BrickCreateSequence(gid)...),
		"brick-create-arbiter": onHost("node2.mgmt", BrickCreateTimeout, r.BrickCreateSequence(arb)...),
		"brick-create-su-sw":   onHost("node2.mgmt", BrickCreateTimeout, NewRenderer(susw).BrickCreateSequence(dataBrick())...),
		"brick-destroy":        onHost("node2.mgmt", BrickDestroyTimeout, r.BrickDestroySequence(dataBrick())...),
		"brick-destroy-clone":  onHost("node2.mgmt", BrickDestroyTimeout, r.BrickDestroySequence(cloneBrick)...),

		"volume-create-none": onHost("node2.mgmt", gt, r.VolumeCreateSequence(VolumeSpec{Name: gVol, ID: gVolID,
			Durability: Durability{Type: DurabilityNone}, Bricks: gBricks(17, 0), Options: opts})...),
		"volume-create-replicate": onHost("node2.mgmt", gt, r.VolumeCreateSequence(VolumeSpec{Name: gVol, ID: gVolID,
			Durability: Durability{Type: DurabilityReplicate, Replica: 3}, Bricks: gBricks(21, 0), Options: opts})...),
		"volume-create-arbiter": onHost("node2.mgmt", gt, r.VolumeCreateSequence(VolumeSpec{Name: gVol, ID: gVolID,
			Durability: Durability{Type: DurabilityReplicate, Replica: 3, Arbiter: true}, Bricks: gBricks(6, 0), Options: opts})...),
		"volume-create-disperse": onHost("node2.mgmt", gt, r.VolumeCreateSequence(VolumeSpec{Name: gVol, ID: gVolID,
			Durability: Durability{Type: DurabilityDisperse, Data: 4, Redundancy: 2}, Bricks: gBricks(18, 0), Options: opts})...),
		"volume-expand": onHost("node4.mgmt", gt, r.VolumeExpandSequence(gVol, Durability{Type: DurabilityReplicate, Replica: 3}, gBricks(3, 3))...),
		"volume-expand-no-rebalance": onHost("node4.mgmt", gt,
			NewRenderer(noRebalance).VolumeExpandSequence(gVol, Durability{Type: DurabilityReplicate, Replica: 3}, gBricks(3, 3))...),
		"volume-delete": onHost("node1.mgmt", gt, r.VolumeDeleteSequence(gVol)...),
		"volume-clone":  onHost("node1.mgmt", gt, r.CloneSequence(gVol, "vol_clone", "tmpsnap_1f2e3d4c5b6a79880f1e2d3c4b5a6978")...),
		"replace-brick": replace,

		"block-create": onHost("node1.mgmt", BlockTimeout, r.BlockCreate(block)),
		"block-modify": onHost("node1.mgmt", BlockTimeout, r.BlockModifySize(block.HostingVolume, block.Name, 2)),
		"block-delete": onHost("node1.mgmt", BlockTimeout, r.BlockDelete(block.HostingVolume, block.Name)),
	}
}

func TestGolden(t *testing.T) {
	cases := goldenCases(t)
	dir := filepath.Join("testdata", "golden")
	for name, lines := range cases {
		t.Run(name, func(t *testing.T) {
			got := strings.Join(lines, "\n") + "\n"
			path := filepath.Join(dir, name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the rendered commands\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
	// Every golden file must belong to a case.
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	for _, f := range files {
		if _, ok := cases[strings.TrimSuffix(filepath.Base(f), ".txt")]; !ok {
			t.Errorf("stale golden file %s", f)
		}
	}
}
