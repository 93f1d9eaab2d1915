package cmdexec

import (
	"fmt"
	"strings"
)

// Brick describes one brick for the brick create and destroy renderers. Sizes
// are KiB (see sizing.ThinPoolSizeKiB and sizing.PoolMetadataSizeKiB for how Heketi derives
// them).
type Brick struct {
	DeviceID string // the brick's device; the VG is vg_<DeviceID>
	LVName   string // brick_<brickid>, or <clone uuid without dashes>_0 for clone bricks
	ThinPool string // thin pool LV, tp_<id> (may differ from the brick id)
	// Path is the gluster brick path: the mount point plus "/brick". Clone
	// bricks live under /run/gluster/snaps/<clone uuid>/brickN/brick.
	Path                string
	SizeKiB             uint64 // virtual size of the brick LV
	TpSizeKiB           uint64 // thin pool size
	PoolMetadataSizeKiB uint64 // thin pool metadata size
	Gid                 int64  // 0: no group handling
	Arbiter             bool   // arbiter bricks get a different mkfs and chunk size
}

// NewBrick returns a Brick with Heketi's names and paths for a brick created
// on device deviceID: LV brick_<brickID> in thin pool tp_<tpID>, mounted at
// /var/lib/heketi/mounts/vg_<deviceID>/brick_<brickID>.
func NewBrick(deviceID, brickID, tpID string) Brick {
	return Brick{
		DeviceID: deviceID,
		LVName:   BrickLVName(brickID),
		ThinPool: ThinPoolName(tpID),
		Path:     BrickPath(deviceID, brickID),
	}
}

// VG returns the brick's volume group, vg_<DeviceID>.
func (b Brick) VG() string { return VGName(b.DeviceID) }

// MountPoint returns the brick path without its trailing "/brick".
func (b Brick) MountPoint() string { return strings.TrimSuffix(b.Path, "/brick") }

// DevicePath returns /dev/mapper/vg_<did>-<lv>.
func (b Brick) DevicePath() string { return DeviceMapperPath(b.VG(), b.LVName) }

// IsSnapshotBrick reports whether the brick lives under /run/gluster/ or
// /var/run/gluster/ (snapshot and clone bricks, which are not in fstab).
func (b Brick) IsSnapshotBrick() bool {
	return strings.HasPrefix(b.Path, "/run/gluster/") || strings.HasPrefix(b.Path, "/var/run/gluster/")
}

// MkdirP renders:
//
//	mkdir -p /var/lib/heketi/mounts/vg_<did>/brick_<bid>
func (r Renderer) MkdirP(path string) string { return "mkdir -p " + path }

// Mkdir renders:
//
//	mkdir /var/lib/heketi/mounts/vg_<did>/brick_<bid>/brick
func (r Renderer) Mkdir(path string) string { return "mkdir " + path }

// LVCreateThin renders the thin pool and brick LV creation (one lvcreate):
//
//	/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 81920K --chunksize 256K --size 15728640K --thin vg_<did>/tp_<tid> --virtualsize 10485760K --name brick_<bid>
//
// The chunk size is Config.LVChunkSize for data bricks and always 256K for
// arbiter bricks.
func (r Renderer) LVCreateThin(b Brick) string {
	chunk := r.cfg.LVChunkSize
	if b.Arbiter {
		chunk = "256K"
	}
	return r.lvm(fmt.Sprintf("lvcreate -qq --autobackup=%s --poolmetadatasize %dK --chunksize %s --size %dK --thin %s/%s --virtualsize %dK --name %s",
		r.autobackup(), b.PoolMetadataSizeKiB, chunk, b.TpSizeKiB, b.VG(), b.ThinPool, b.SizeKiB, b.LVName))
}

// MkfsXFS renders the brick file system creation. Data bricks:
//
//	mkfs.xfs -i size=512 -n size=8192 /dev/mapper/vg_<did>-brick_<bid>
//
// with xfs_su and xfs_sw both set:
//
//	mkfs.xfs -i size=512 -d su=<su>,sw=<sw> -n size=8192 /dev/mapper/vg_<did>-brick_<bid>
//
// arbiter bricks (su/sw ignored):
//
//	mkfs.xfs -i maxpct=100 -n size=8192 /dev/mapper/vg_<did>-brick_<bid>
func (r Renderer) MkfsXFS(b Brick) string {
	switch {
	case b.Arbiter:
		return "mkfs.xfs -i maxpct=100 -n size=8192 " + b.DevicePath()
	case r.cfg.XFSSu != 0 && r.cfg.XFSSw != 0:
		return fmt.Sprintf("mkfs.xfs -i size=512 -d su=%d,sw=%d -n size=8192 %s", r.cfg.XFSSu, r.cfg.XFSSw, b.DevicePath())
	default:
		return "mkfs.xfs -i size=512 -n size=8192 " + b.DevicePath()
	}
}

// FstabAppend renders the awk line appending the brick mount to the fstab:
//
//	awk "BEGIN {print \"/dev/mapper/vg_<did>-brick_<bid> /var/lib/heketi/mounts/vg_<did>/brick_<bid> xfs rw,inode64,noatime,nouuid 1 2\" >> \"/etc/fstab\"}"
func (r Renderer) FstabAppend(b Brick) string {
	return fmt.Sprintf(`awk "BEGIN {print \"%s %s xfs %s 1 2\" >> \"%s\"}"`,
		b.DevicePath(), b.MountPoint(), r.cfg.MountOpts, r.cfg.Fstab)
}

// MountBrick renders:
//
//	mount -o rw,inode64,noatime,nouuid /dev/mapper/vg_<did>-brick_<bid> /var/lib/heketi/mounts/vg_<did>/brick_<bid>
func (r Renderer) MountBrick(b Brick) string {
	return fmt.Sprintf("mount -o %s %s %s", r.cfg.MountOpts, b.DevicePath(), b.MountPoint())
}

// Chown renders the brick directory group change:
//
//	chown :2000 /var/lib/heketi/mounts/vg_<did>/brick_<bid>/brick
func (r Renderer) Chown(path string, gid int64) string { return fmt.Sprintf("chown :%d %s", gid, path) }

// Chmod renders the setgid group-writable mode of a brick directory:
//
//	chmod 2775 /var/lib/heketi/mounts/vg_<did>/brick_<bid>/brick
func (r Renderer) Chmod(path string) string { return "chmod 2775 " + path }

// BrickCreateSequence renders the brick create sequence (heketi-facts §7.5),
// run on the brick node in one call with BrickCreateTimeout:
//
//	mkdir -p /var/lib/heketi/mounts/vg_<did>/brick_<bid>
//	/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 81920K --chunksize 256K --size 15728640K --thin vg_<did>/tp_<tid> --virtualsize 10485760K --name brick_<bid>
//	mkfs.xfs -i size=512 -n size=8192 /dev/mapper/vg_<did>-brick_<bid>
//	awk "BEGIN {print \"/dev/mapper/vg_<did>-brick_<bid> /var/lib/heketi/mounts/vg_<did>/brick_<bid> xfs rw,inode64,noatime,nouuid 1 2\" >> \"/etc/fstab\"}"
//	mount -o rw,inode64,noatime,nouuid /dev/mapper/vg_<did>-brick_<bid> /var/lib/heketi/mounts/vg_<did>/brick_<bid>
//	mkdir /var/lib/heketi/mounts/vg_<did>/brick_<bid>/brick
//	chown :2000 /var/lib/heketi/mounts/vg_<did>/brick_<bid>/brick      (only if gid != 0)
//	chmod 2775 /var/lib/heketi/mounts/vg_<did>/brick_<bid>/brick       (only if gid != 0)
func (r Renderer) BrickCreateSequence(b Brick) []string {
	cmds := []string{
		r.MkdirP(b.MountPoint()),
		r.LVCreateThin(b),
		r.MkfsXFS(b),
		r.FstabAppend(b),
		r.MountBrick(b),
		r.Mkdir(b.Path),
	}
	if b.Gid != 0 {
		cmds = append(cmds, r.Chown(b.Path, b.Gid), r.Chmod(b.Path))
	}
	return cmds
}

// Umount renders:
//
//	umount /var/lib/heketi/mounts/vg_<did>/brick_<bid>
func (r Renderer) Umount(path string) string { return "umount " + path }

// Lsof renders the diagnostic run after a failed umount when
// debug_umount_failures is set:
//
//	lsof /var/lib/heketi/mounts/vg_<did>/brick_<bid>
func (r Renderer) Lsof(path string) string { return "lsof " + path }

// FstabRemove renders the fstab clean-up of a brick (the pattern is the LV name):
//
//	sed -i.save "/brick_<bid>/d" /etc/fstab
func (r Renderer) FstabRemove(lvName string) string {
	return fmt.Sprintf(`sed -i.save "/%s/d" %s`, lvName, r.cfg.Fstab)
}

// LVRemove renders:
//
//	/usr/sbin/lvm lvremove --autobackup=n -f vg_<did>/<lv>
func (r Renderer) LVRemove(vg, lv string) string {
	return r.lvm(fmt.Sprintf("lvremove --autobackup=%s -f %s/%s", r.autobackup(), vg, lv))
}

// LVThinCount renders the thin pool user count query:
//
//	/usr/sbin/lvm lvs --noheadings --options=thin_count vg_<did>/tp_<tid>
func (r Renderer) LVThinCount(vg, thinPool string) string {
	return r.lvm(fmt.Sprintf("lvs --noheadings --options=thin_count %s/%s", vg, thinPool))
}

// BrickDestroySequence renders the brick destroy commands (heketi-facts §7.6)
// in the order they run, on the path where every step is needed (BrickDestroyTimeout):
//
//	umount /var/lib/heketi/mounts/vg_<did>/brick_<bid>
//	sed -i.save "/brick_<bid>/d" /etc/fstab        (skipped for /run/gluster/ and /var/run/gluster/ bricks)
//	/usr/sbin/lvm lvremove --autobackup=n -f vg_<did>/brick_<bid>
//	/usr/sbin/lvm lvs --noheadings --options=thin_count vg_<did>/tp_<tid>
//	/usr/sbin/lvm lvremove --autobackup=n -f vg_<did>/tp_<tid>     (only when thin_count is 0)
//	rmdir /var/lib/heketi/mounts/vg_<did>/brick_<bid>
//
// The caller runs them one by one: a failed umount is ignored when ParseMount
// shows the path unmounted, LV "not found" errors are tolerated
// (IsLVMNotFound) and the thin pool removal depends on ParseThinCount.
func (r Renderer) BrickDestroySequence(b Brick) []string {
	cmds := []string{r.Umount(b.MountPoint())}
	if !b.IsSnapshotBrick() {
		cmds = append(cmds, r.FstabRemove(b.LVName))
	}
	return append(cmds,
		r.LVRemove(b.VG(), b.LVName),
		r.LVThinCount(b.VG(), b.ThinPool),
		r.LVRemove(b.VG(), b.ThinPool),
		r.Rmdir(b.MountPoint()),
	)
}
