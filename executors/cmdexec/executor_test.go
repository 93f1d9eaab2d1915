package cmdexec

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/executors"
)

const (
	testDevID = "0123456789abcdef0123456789abcdef"
	testVG    = "vg_" + testDevID
	testUUID  = "fDDqEW-nV75-J70D-JobC-Lq1N-fZXS-8ZAmD4"
)

// setupRecorder scripts the inspection commands of /dev/vdb with the
// captured outputs.
func setupRecorder(t *testing.T, r Renderer) *recorder {
	rec := newRecorder()
	rec.on(r.PVsDevice("/dev/vdb"), replyOf(loadCapture(t, "03-pvs-json-vdb.txt")))
	rec.on(r.UdevadmSymlinks("/dev/vdb"), replyOf(loadCapture(t, "05-udevadm-symlink-vdb.txt")))
	rec.on(r.VGDisplay(testVG), replyOf(loadCapture(t, "04-vgdisplay-c.txt")))
	rec.on(r.VGCreate(testVG, "/dev/vdb"), replyOf(loadCapture(t, "02-vgcreate.txt")))
	return rec
}

func TestDeviceSetup(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	rec := setupRecorder(t, r)
	e := New(rec, cfg, nil)
	info, err := e.DeviceSetup(context.Background(), "gnode1", executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb"})
	if err != nil {
		t.Fatalf("DeviceSetup: %v", err)
	}
	want := executors.DeviceInfo{TotalKiB: 4059136, FreeKiB: 4059136, UsedKiB: 0, ExtentSizeKiB: 4096, PVUUID: testUUID,
		Paths: []string{"/dev/disk/by-diskseq/13", "/dev/disk/by-id/virtio-gluster-data-0", "/dev/disk/by-path/pci-0000:00:05.0", "/dev/disk/by-path/virtio-pci-0000:00:05.0", "/dev/vdb"}}
	if info.TotalKiB != want.TotalKiB || info.FreeKiB != want.FreeKiB || info.UsedKiB != want.UsedKiB ||
		info.ExtentSizeKiB != want.ExtentSizeKiB || info.PVUUID != want.PVUUID || !slices.Equal(info.Paths, want.Paths) {
		t.Fatalf("got %+v\nwant %+v", info, want)
	}
	if got, want := rec.lines(), onHost("gnode1", DeviceTimeout, r.DeviceSetupSequence(testDevID, "/dev/vdb", false)...); !slices.Equal(got, want) {
		t.Fatalf("commands\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDeviceSetupUdevadmFails(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	rec := setupRecorder(t, r)
	rec.script[r.UdevadmSymlinks("/dev/vdb")] = []reply{{res: executors.Result{ExitStatus: 2, Stderr: "Unknown device\n"}}} // synthetic
	info, err := New(rec, cfg, nil).DeviceSetup(context.Background(), "gnode1", executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb"})
	if err != nil {
		t.Fatalf("DeviceSetup: %v", err)
	}
	if !slices.Equal(info.Paths, []string{"/dev/vdb"}) || info.TotalKiB != 4059136 {
		t.Fatalf("info %+v, want paths [/dev/vdb] and total 4059136", info)
	}
}

func TestDeviceSetupInitErrors(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	// Synthetic pvcreate failure text (exit 5 like every LVM failure captured).
	pvcreateFail := reply{res: executors.Result{ExitStatus: 5,
		Stderr: "  Can't initialize physical volume \"/dev/vdb\" of volume group \"vg_other\" without -ff\n  /dev/vdb: physical volume not initialized.\n"}}
	cause := "Can't initialize physical volume \"/dev/vdb\" of volume group \"vg_other\" without -ff\n  /dev/vdb: physical volume not initialized."
	noPV := reply{res: executors.Result{ExitStatus: 5, Stderr: "  Failed to find physical volume \"/dev/vdb\".\n"}} // synthetic
	unreachable := reply{err: errors.New("dial tcp 10.0.0.9:22: connect: connection refused")}

	tests := []struct {
		name    string
		pvs     reply
		reason  string
		wantErr string
	}{
		{"has pv", replyOf(loadCapture(t, "03-pvs-json-vdb.txt")), executors.DeviceInitHasPV,
			"Initializing device /dev/vdb failed (aleady contains Physical Volume " + testUUID + "): " + cause},
		{"has data", noPV, executors.DeviceInitHasData,
			"Initializing device /dev/vdb failed (already initialized or contains data?): " + cause},
		{"empty report", replyOf(loadCapture(t, "73-extra-pvs-json-units-k-empty.txt")), executors.DeviceInitHasData,
			"Initializing device /dev/vdb failed (already initialized or contains data?): " + cause},
		{"unreachable", unreachable, executors.DeviceInitCheckFailed,
			"Initializing device /dev/vdb failed (failed to check device contents): " + cause},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder().on(r.PVCreate("/dev/vdb"), pvcreateFail).on(r.PVsDevice("/dev/vdb"), tc.pvs)
			_, err := New(rec, cfg, nil).DeviceSetup(context.Background(), "gnode1", executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb"})
			var ie *executors.DeviceInitError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v, want *DeviceInitError", err, err)
			}
			if ie.Reason != tc.reason || err.Error() != tc.wantErr {
				t.Errorf("reason %q text %q\nwant %q %q", ie.Reason, err.Error(), tc.reason, tc.wantErr)
			}
			want := onHost("gnode1", DeviceTimeout, r.PVCreate("/dev/vdb"), r.PVsDevice("/dev/vdb"))
			if tc.pvs.err == nil && tc.pvs.res.ExitStatus == 0 {
				want = append(want, onHost("gnode1", DeviceTimeout, r.UdevadmSymlinks("/dev/vdb"))...)
			}
			if got := rec.lines(); !slices.Equal(got, want) {
				t.Errorf("commands\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestDeviceSetupVGDisplayFailsTearsDown(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	rec := setupRecorder(t, r)
	rec.script[r.VGDisplay(testVG)] = []reply{replyOf(loadCapture(t, "42-err-vgdisplay-missing.txt"))}
	_, err := New(rec, cfg, nil).DeviceSetup(context.Background(), "gnode1", executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb"})
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("err %v, want the vgdisplay error", err)
	}
	lines := rec.lines()
	if last := lines[len(lines)-1]; last != "[gnode1] (5m) "+r.PVRemove("/dev/vdb") {
		t.Errorf("last command %q, want the PV removed", last)
	}
}

func TestDeviceTeardown(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	dev := executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb", PVUUID: testUUID}
	rmdir := r.Rmdir(DeviceMountDir(testDevID))

	// rmdir failure is ignored.
	rec := newRecorder().on(rmdir, reply{res: executors.Result{ExitStatus: 1, Stderr: "rmdir: failed to remove: No such file or directory\n"}})
	if err := New(rec, cfg, nil).DeviceTeardown(context.Background(), "gnode1", dev, false); err != nil {
		t.Fatalf("teardown: %v", err)
	}
	// vgremove failure stops and is returned.
	rec = newRecorder().on(r.VGRemove(testVG), replyOf(loadCapture(t, "42-err-vgdisplay-missing.txt")))
	err := New(rec, cfg, nil).DeviceTeardown(context.Background(), "gnode1", dev, false)
	if err == nil || len(rec.calls) != 1 {
		t.Fatalf("err %v after %d commands, want failure after vgremove", err, len(rec.calls))
	}
	// Force ignores every failure and runs every command.
	rec = newRecorder().on(r.VGRemove(testVG), replyOf(loadCapture(t, "42-err-vgdisplay-missing.txt")))
	if err := New(rec, cfg, nil).DeviceTeardown(context.Background(), "gnode1", dev, true); err != nil || len(rec.calls) != 3 {
		t.Fatalf("force: err %v after %d commands, want nil after 3", err, len(rec.calls))
	}
}

func TestDeviceInfoWithoutUUID(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	handle := PVUUIDPath(testUUID)
	rec := newRecorder().
		on(r.VGsPV(testVG), reply{res: executors.Result{Stdout: syntheticVGsPV}}).
		on(r.PVsDevice(handle), replyOf(loadCapture(t, "03-pvs-json-vdb.txt"))).
		on(r.UdevadmSymlinks(handle), replyOf(loadCapture(t, "05-udevadm-symlink-vdb.txt"))).
		on(r.VGDisplay(testVG), replyOf(loadCapture(t, "04-vgdisplay-c.txt")))
	info, err := New(rec, cfg, nil).DeviceInfo(context.Background(), "gnode1", executors.DeviceRequest{ID: testDevID, Name: "/dev/vdb"})
	if err != nil {
		t.Fatal(err)
	}
	if info.PVUUID != testUUID || info.TotalKiB != 4059136 || info.Paths[len(info.Paths)-1] != "/dev/vdb" {
		t.Errorf("info %+v", info)
	}
	if len(rec.calls) != 4 {
		t.Errorf("%d commands, want 4", len(rec.calls))
	}
}

// syntheticVGsPV is a hand-written (not captured) answer of
// `lvm vgs -o pv_name,pv_uuid,vg_name --reportformat=json vg_<id>`, in the
// captured pvs report's layout.
const syntheticVGsPV = `  {
      "report": [
          {
              "vg": [
                  {"pv_name":"/dev/vdb", "pv_uuid":"fDDqEW-nV75-J70D-JobC-Lq1N-fZXS-8ZAmD4", "vg_name":"vg_0123456789abcdef0123456789abcdef"}
              ]
          }
      ]
  }
`

func TestPeerDetachIgnoresFailure(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	rec := newRecorder().on(r.PeerDetach("10.0.0.1"), replyOf(loadCapture(t, "76-extra-err-volume-info-glusterd-down-xml.txt")))
	if err := New(rec, cfg, nil).PeerDetach(context.Background(), "node3.mgmt", "10.0.0.1"); err != nil {
		t.Fatalf("PeerDetach: %v, want nil", err)
	}
}

func TestGlusterdCheck(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	rec := newRecorder().on(r.GlusterdStatus(), replyOf(loadCapture(t, "23-systemctl-status-glusterd.txt")))
	if err := New(rec, cfg, nil).GlusterdCheck(context.Background(), "gnode1"); err != nil {
		t.Fatalf("running glusterd: %v", err)
	}
	rec = newRecorder().on(r.GlusterdStatus(), replyOf(loadCapture(t, "75-extra-systemctl-status-glusterd-stopped.txt")))
	err := New(rec, cfg, nil).GlusterdCheck(context.Background(), "gnode1")
	var ce *executors.CommandError
	if !errors.As(err, &ce) || ce.ExitStatus != 3 {
		t.Fatalf("stopped glusterd: %v, want exit 3", err)
	}
}

func TestPeerProbeStopsOnFailure(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SnapshotLimit = 14
	r := NewRenderer(cfg)
	rec := newRecorder().on(r.PeerProbe("10.0.0.2"), replyOf(loadCapture(t, "76-extra-err-volume-info-glusterd-down-xml.txt")))
	err := New(rec, cfg, nil).PeerProbe(context.Background(), "node1.mgmt", "10.0.0.2")
	if !IsGlusterdUnavailable(err) || len(rec.calls) != 1 {
		t.Fatalf("err %v after %d commands", err, len(rec.calls))
	}
}

// TestVolumeInfoReaders reads a clone's bricks and user.heketi.id from the
// captured `volume info --xml`, and a missing volume as not existing.
func TestVolumeInfoReaders(t *testing.T) {
	cfg := DefaultConfig()
	r := NewRenderer(cfg)
	rec := newRecorder().
		on(r.VolumeInfo("vol_clone"), replyOf(loadCapture(t, "35-volume-info-clone-xml.txt"))).
		on(r.VolumeInfo("no_such_vol"), replyOf(loadCapture(t, "39-err-volume-info-missing.txt")))
	e := New(rec, cfg, nil)
	ctx := context.Background()

	id, exists, err := e.VolumeHeketiID(ctx, "gnode1", "vol_clone")
	if err != nil || !exists || id != "0123456789abcdef0123456789abcdef" {
		t.Errorf("VolumeHeketiID(vol_clone) = %q %v %v", id, exists, err)
	}
	bricks, exists, err := e.VolumeBricks(ctx, "gnode1", "vol_clone")
	if err != nil || !exists || len(bricks) != 2 || bricks[1] != "gnode1:/run/gluster/snaps/50dfdf74b2124efda1cd3b7d8ffe62a4/brick2/brick" {
		t.Errorf("VolumeBricks(vol_clone) = %q %v %v", bricks, exists, err)
	}
	if id, exists, err := e.VolumeHeketiID(ctx, "gnode1", "no_such_vol"); err != nil || exists || id != "" {
		t.Errorf("VolumeHeketiID(no_such_vol) = %q %v %v, want not existing", id, exists, err)
	}
	if bricks, exists, err := e.VolumeBricks(ctx, "gnode1", "no_such_vol"); err != nil || exists || bricks != nil {
		t.Errorf("VolumeBricks(no_such_vol) = %q %v %v, want not existing", bricks, exists, err)
	}
}
