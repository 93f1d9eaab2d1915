// Package cmdexec renders the exact command lines Heketi runs on storage nodes
// (lvm, udevadm, mkfs.xfs, mount, gluster, gluster-block, ...), sends them
// through an executors.Transport and parses their output into typed values.
//
// The package has three layers:
//
//   - Renderer: pure functions, one per external command, each returning the
//     command string (documented with the line it produces), plus sequence
//     renderers for the documented multi-command operations (heketi-facts §7).
//   - Parsers: Parse* functions turning captured command output into typed
//     results; they never panic on malformed input.
//   - Executor: the executors.Executor implementation for node and device
//     operations, built on the two layers above.
package cmdexec

import (
	"fmt"
	"strings"
	"time"
)

// Fixed timeouts of the node operations (heketi-facts §7.1). Gluster CLI
// calls use GlusterTimeout instead.
const (
	DeviceTimeout        = 5 * time.Minute  // device setup, teardown, info
	BrickCreateTimeout   = 10 * time.Minute // the brick create sequence
	BrickDestroyTimeout  = 5 * time.Minute  // the brick destroy sequence
	GlusterdCheckTimeout = 10 * time.Minute // systemctl status glusterd
	BlockTimeout         = 10 * time.Minute // every gluster-block call
)

// Binary paths used by the rendered commands (heketi-facts §7.1).
const (
	lvmPath     = "/usr/sbin/lvm"
	udevadmPath = "/usr/bin/udevadm"
)

// Renderer renders command lines for one executor configuration. Its methods
// are pure: they only format strings. The zero value is not useful; use
// NewRenderer.
type Renderer struct {
	cfg Config
}

// NewRenderer returns a Renderer for cfg.
func NewRenderer(cfg Config) Renderer {
	return Renderer{cfg: cfg}
}

// Config returns the configuration the renderer uses.
func (r Renderer) Config() Config { return r.cfg }

// GlusterTimeout is the per-command timeout of gluster CLI calls:
// max(10, 1+(cli_timeout+1)/60) minutes, 11 minutes with the default 600 s.
func (r Renderer) GlusterTimeout() time.Duration {
	m := 1 + (r.cfg.GlusterCLITimeout+1)/60
	if m < 10 {
		m = 10
	}
	return time.Duration(m) * time.Minute
}

// lvm returns "[<wrapper> ]/usr/sbin/lvm <args>".
func (r Renderer) lvm(args string) string {
	return wrap(r.cfg.LVMWrapper, lvmPath+" "+args)
}

// udevadm returns "[<wrapper> ]/usr/bin/udevadm <args>".
func (r Renderer) udevadm(args string) string {
	return wrap(r.cfg.LVMWrapper, udevadmPath+" "+args)
}

func wrap(wrapper, cmd string) string {
	if wrapper == "" {
		return cmd
	}
	return wrapper + " " + cmd
}

// gluster returns "gluster --mode=script --timeout=<cli_timeout> <args>".
func (r Renderer) gluster(args string) string {
	return fmt.Sprintf("gluster --mode=script --timeout=%d %s", r.cfg.GlusterCLITimeout, args)
}

// autobackup returns "y" or "n" for --autobackup=.
func (r Renderer) autobackup() string {
	if r.cfg.BackupLVMMetadata {
		return "y"
	}
	return "n"
}

// shellQuote wraps s in single quotes for bash; an embedded single quote
// closes the quoting, is escaped and reopens it. Plain device paths come out
// as '/dev/sdb'.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Names and paths (heketi-facts §7.2).

// MountsDir is the directory under which brick mount points live.
const MountsDir = "/var/lib/heketi/mounts"

// PVUUIDLinkPrefix is the udev symlink prefix naming a device by its LVM PV uuid.
const PVUUIDLinkPrefix = "/dev/disk/by-id/lvm-pv-uuid-"

// VGName returns the volume group of a device: vg_<deviceID>.
func VGName(deviceID string) string { return "vg_" + deviceID }

// ThinPoolName returns the thin pool LV name for id: tp_<id>.
func ThinPoolName(id string) string { return "tp_" + id }

// BrickLVName returns the brick LV name for brickID: brick_<brickID>.
func BrickLVName(brickID string) string { return "brick_" + brickID }

// DeviceMountDir returns /var/lib/heketi/mounts/vg_<deviceID>, the parent of
// the device's brick mount points.
func DeviceMountDir(deviceID string) string { return MountsDir + "/" + VGName(deviceID) }

// BrickMountPoint returns /var/lib/heketi/mounts/vg_<deviceID>/brick_<brickID>.
func BrickMountPoint(deviceID, brickID string) string {
	return DeviceMountDir(deviceID) + "/" + BrickLVName(brickID)
}

// BrickPath returns the gluster brick path: the mount point plus "/brick".
func BrickPath(deviceID, brickID string) string { return BrickMountPoint(deviceID, brickID) + "/brick" }

// DeviceMapperPath returns /dev/mapper/<vg>-<lv>.
func DeviceMapperPath(vg, lv string) string { return "/dev/mapper/" + vg + "-" + lv }

// PVUUIDPath returns /dev/disk/by-id/lvm-pv-uuid-<uuid>.
func PVUUIDPath(uuid string) string { return PVUUIDLinkPrefix + uuid }

// DeviceHandle returns the path Heketi uses to address an existing device:
// the PV uuid link when the uuid is known, else the first stored path, else
// the name given by the user.
func DeviceHandle(name string, paths []string, pvUUID string) string {
	switch {
	case pvUUID != "":
		return PVUUIDPath(pvUUID)
	case len(paths) > 0 && paths[0] != "":
		return paths[0]
	default:
		return name
	}
}
