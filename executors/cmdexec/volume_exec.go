package cmdexec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/basalt-storage/basalt/executors"
)

// brickOf converts a request into the renderer's Brick.
func brickOf(b executors.BrickRequest) Brick {
	return Brick{
		DeviceID:            b.DeviceID,
		LVName:              b.LV,
		ThinPool:            b.ThinPool,
		Path:                b.Path,
		SizeKiB:             b.SizeKiB,
		TpSizeKiB:           b.TpSizeKiB,
		PoolMetadataSizeKiB: b.PoolMetadataSizeKiB,
		Gid:                 b.Gid,
		Arbiter:             b.Arbiter,
	}
}

// BrickCreate runs the brick create sequence of facts 7.5 on host (10 min):
//
//	mkdir -p <mountpoint>
//	/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize <m>K --chunksize 256K --size <tp>K --thin vg_<did>/tp_<tid> --virtualsize <size>K --name brick_<bid>
//	mkfs.xfs -i size=512 -n size=8192 /dev/mapper/vg_<did>-brick_<bid>
//	awk "BEGIN {print \"<dev> <mountpoint> xfs <opts> 1 2\" >> \"/etc/fstab\"}"
//	mount -o <opts> <dev> <mountpoint>
//	mkdir <mountpoint>/brick
//	chown :<gid> <path>; chmod 2775 <path>      (gid != 0)
//
// If a command fails, the brick destroy sequence is attempted on the same
// host so nothing half-made stays behind; the create error is returned.
func (e *Executor) BrickCreate(ctx context.Context, host string, b executors.BrickRequest) error {
	_, err := e.run(ctx, host, BrickCreateTimeout, e.r.BrickCreateSequence(brickOf(b))...)
	if err == nil {
		return nil
	}
	if _, derr := e.BrickDestroy(context.WithoutCancel(ctx), host, b); derr != nil {
		e.log.WithError(derr).WithFields(map[string]any{"host": host, "brick": b.ID}).Warn("cleaning up a failed brick create failed")
	}
	return err
}

// BrickDestroy runs the brick destroy sequence of facts 7.6 on host, one
// command at a time so each failure can be judged:
//
//	umount <mountpoint>                           (failure ignored when <mountpoint> is not mounted)
//	sed -i.save "/brick_<bid>/d" /etc/fstab       (not for /run/gluster snapshot bricks)
//	/usr/sbin/lvm lvremove --autobackup=n -f vg_<did>/brick_<bid>     ("not found" tolerated)
//	/usr/sbin/lvm lvs --noheadings --options=thin_count vg_<did>/tp_<tid>
//	/usr/sbin/lvm lvremove --autobackup=n -f vg_<did>/tp_<tid>        (only when thin_count is 0)
//	rmdir <mountpoint>                            (failure ignored)
func (e *Executor) BrickDestroy(ctx context.Context, host string, b executors.BrickRequest) (bool, error) {
	br := brickOf(b)
	log := e.log.WithFields(map[string]any{"host": host, "brick": b.ID})
	if _, err := e.run(ctx, host, BrickDestroyTimeout, e.r.Umount(br.MountPoint())); err != nil {
		if isTransportError(err) {
			return false, err
		}
		res, merr := e.run(ctx, host, BrickDestroyTimeout, e.r.Mounts())
		if merr != nil {
			return false, merr
		}
		if IsMounted(stdoutOf(res), br.MountPoint()) {
			if e.r.cfg.DebugUmountFailures {
				if out, lerr := e.run(ctx, host, BrickDestroyTimeout, e.r.Lsof(br.MountPoint())); lerr == nil {
					log.WithField("lsof", stdoutOf(out)).Warn("umount failed; open files")
				}
			}
			return false, err
		}
	}
	if !br.IsSnapshotBrick() {
		if _, err := e.run(ctx, host, BrickDestroyTimeout, e.r.FstabRemove(br.LVName)); err != nil {
			return false, err
		}
	}
	if _, err := e.run(ctx, host, BrickDestroyTimeout, e.r.LVRemove(br.VG(), br.LVName)); err != nil && !lvmNotFound(err) {
		return false, err
	}
	reclaimed := false
	res, err := e.run(ctx, host, BrickDestroyTimeout, e.r.LVThinCount(br.VG(), br.ThinPool))
	switch {
	case err != nil && lvmNotFound(err):
		reclaimed = true // the pool is already gone
	case err != nil:
		return false, err
	default:
		n, perr := ParseThinCount(stdoutOf(res))
		if perr != nil {
			return false, perr
		}
		if n == 0 {
			if _, err := e.run(ctx, host, BrickDestroyTimeout, e.r.LVRemove(br.VG(), br.ThinPool)); err != nil && !lvmNotFound(err) {
				return false, err
			}
			reclaimed = true
		}
	}
	if _, err := e.run(ctx, host, BrickDestroyTimeout, e.r.Rmdir(br.MountPoint())); err != nil {
		log.WithError(err).Debug("rmdir of brick mount point failed (ignored)")
	}
	return reclaimed, nil
}

// VolumeCreate runs the volume create sequence of facts 7.7 on host: volume
// create with the first brick set, add-brick for the rest, one volume set per
// option, user.heketi.id, volume start.
func (e *Executor) VolumeCreate(ctx context.Context, host string, v executors.VolumeRequest) error {
	spec := VolumeSpec{Name: v.Name, ID: v.ID, Durability: durabilityOf(v.Durability), Bricks: v.Bricks, Options: v.Options}
	_, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeCreateSequence(spec)...)
	return err
}

// VolumeExpand runs add-brick for the new bricks and then, when
// rebalance_on_expansion is on, `volume rebalance <name> start` (whose
// failure is only logged, as in Heketi).
func (e *Executor) VolumeExpand(ctx context.Context, host string, v executors.VolumeRequest) error {
	d := durabilityOf(v.Durability)
	for _, cmd := range e.r.addBrickCommands(v.Name, d, v.Bricks) {
		if _, err := e.run(ctx, host, e.r.GlusterTimeout(), cmd); err != nil {
			return err
		}
	}
	if e.r.cfg.RebalanceOnExpansion {
		if _, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeRebalanceStart(v.Name)); err != nil {
			e.log.WithError(err).WithField("volume", v.Name).Warn("rebalance after expansion failed (ignored)")
		}
	}
	return nil
}

// VolumeDestroy runs `volume stop <name> force` (failure ignored) and
// `volume delete <name>` ("does not exist" counts as success).
func (e *Executor) VolumeDestroy(ctx context.Context, host, name string) error {
	if _, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeStopForce(name)); err != nil && isTransportError(err) {
		return err
	}
	_, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeDelete(name))
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		return nil
	}
	return err
}

func durabilityOf(d executors.Durability) Durability {
	return Durability{Type: d.Type, Replica: d.Replica, Arbiter: d.Arbiter, Data: d.Data, Redundancy: d.Redundancy}
}

// isTransportError reports whether err means the host could not be reached
// (as opposed to a command that ran and failed).
func isTransportError(err error) bool {
	var ce *executors.CommandError
	return !errors.As(err, &ce)
}

// lvmNotFound reports whether err is an LVM "not found" failure.
func lvmNotFound(err error) bool {
	var ce *executors.CommandError
	if !errors.As(err, &ce) {
		return false
	}
	return IsLVMNotFound(ce.Stderr) || IsLVMNotFound(ce.Stdout)
}

func stdoutOf(res []executors.Result) string {
	if len(res) == 0 {
		return ""
	}
	return res[len(res)-1].Stdout
}

// VolumeBricks runs `gluster --mode=script --timeout=600 volume info <name> --xml`
// and returns the volume's bricks in order. A missing volume (which gluster
// reports with exit 0 and opRet -1) gives exists=false.
func (e *Executor) VolumeBricks(ctx context.Context, host, name string) ([]string, bool, error) {
	v, exists, err := e.volumeInfo(ctx, host, name)
	if err != nil || !exists {
		return nil, exists, err
	}
	out := make([]string, 0, len(v.Bricks))
	for _, b := range v.Bricks {
		out = append(out, b.Name)
	}
	return out, true, nil
}

// VolumeHeketiID runs `gluster --mode=script --timeout=600 volume info <name> --xml`
// and returns the volume's user.heketi.id option.
func (e *Executor) VolumeHeketiID(ctx context.Context, host, name string) (string, bool, error) {
	v, exists, err := e.volumeInfo(ctx, host, name)
	if err != nil || !exists {
		return "", exists, err
	}
	id, _ := v.Option("user.heketi.id")
	return id, true, nil
}

// volumeInfo reads one volume's info; exists=false when there is none.
func (e *Executor) volumeInfo(ctx context.Context, host, name string) (VolumeInfo, bool, error) {
	res, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeInfo(name))
	if err != nil {
		return VolumeInfo{}, false, err
	}
	vols, err := ParseVolumeInfo(stdoutOf(res))
	if IsVolumeNotFound(err) {
		return VolumeInfo{}, false, nil
	}
	if err != nil {
		return VolumeInfo{}, false, err
	}
	for _, v := range vols {
		if v.Name == name {
			return v, true, nil
		}
	}
	return VolumeInfo{}, false, nil
}

// VolumeHealCheck runs `gluster --mode=script --timeout=600 volume heal <name> info --xml`
// and applies Heketi's replace-brick rules (facts 7.8): the old brick must
// not be a heal source and enough of its set's other bricks must be online.
func (e *Executor) VolumeHealCheck(ctx context.Context, host, name, brickID, oldBrick string, peers []string, d executors.Durability) error {
	res, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeHealInfo(name))
	if err != nil {
		return err
	}
	heal, err := ParseHealInfo(stdoutOf(res))
	if err != nil {
		return err
	}
	return CheckReplaceBrick(heal, brickID, oldBrick, peers, durabilityOf(d))
}

// VolumeReplaceBrick runs:
//
//	gluster --mode=script --timeout=600 volume replace-brick <name> <old> <new> commit force
func (e *Executor) VolumeReplaceBrick(ctx context.Context, host, name, oldBrick, newBrick string) error {
	_, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeReplaceBrick(name, oldBrick, newBrick))
	return err
}

// VolumeClone runs Heketi's clone sequence (facts 7.8) on host, one command
// at a time so each output is checked:
//
//	gluster --mode=script --timeout=600 volume info <src> --xml
//	gluster --mode=script --timeout=600 --xml snapshot create tmpsnap_<id> <src> no-timestamp
//	gluster --mode=script --timeout=600 --xml snapshot activate tmpsnap_<id>
//	gluster --mode=script --timeout=600 --xml snapshot clone <clone> tmpsnap_<id>
//	gluster --mode=script --timeout=600 --xml volume start <clone>
//	gluster --mode=script --timeout=600 volume info <clone> --xml
//	gluster --mode=script --timeout=600 --xml snapshot deactivate tmpsnap_<id>
//	gluster --mode=script --timeout=600 --xml snapshot delete tmpsnap_<id>
//
// Once the snapshot exists, it is deactivated and deleted whatever happens
// next. A clone volume left by a later failure is the caller's to destroy:
// the error then comes with a result that carries the clone's uuid.
func (e *Executor) VolumeClone(ctx context.Context, host, src, clone string) (*executors.CloneResult, error) {
	t := e.r.GlusterTimeout()
	out := func(cmd string) (string, error) {
		res, err := e.run(ctx, host, t, cmd)
		if err != nil {
			return "", err
		}
		return stdoutOf(res), nil
	}
	o, err := out(e.r.VolumeInfo(src))
	if err != nil {
		return nil, err
	}
	if _, err := ParseVolumeInfo(o); err != nil {
		return nil, err
	}
	snap := "tmpsnap_" + randomID()
	if o, err = out(e.r.SnapshotCreate(snap, src)); err != nil {
		return nil, err
	}
	if _, err := ParseSnapshotCreate(o); err != nil {
		return nil, err
	}
	defer func() {
		bg := context.WithoutCancel(ctx)
		if _, err := e.run(bg, host, t, e.r.SnapshotDeactivate(snap)); err != nil {
			e.log.WithError(err).WithField("snapshot", snap).Debug("snapshot deactivate after clone")
		}
		if _, err := e.run(bg, host, t, e.r.SnapshotDelete(snap)); err != nil {
			e.log.WithError(err).WithField("snapshot", snap).Warn("temporary clone snapshot could not be deleted")
		}
	}()
	if o, err = out(e.r.SnapshotActivate(snap)); err != nil {
		return nil, err
	}
	if _, err := ParseSnapshotActivate(o); err != nil {
		return nil, err
	}
	if o, err = out(e.r.SnapshotClone(clone, snap)); err != nil {
		return nil, err
	}
	c, err := ParseSnapshotClone(o)
	if err != nil {
		return nil, err
	}
	// From here on the clone exists: failures return its uuid so the caller
	// can remove it and the snapshot bricks it mounted.
	partial := &executors.CloneResult{UUID: c.UUID}
	if o, err = out(e.r.VolumeStartXML(clone)); err != nil {
		return partial, err
	}
	if err := ParseCLIResult(o); err != nil {
		return partial, err
	}
	bricks, exists, err := e.VolumeBricks(ctx, host, clone)
	if err != nil {
		return partial, err
	}
	if !exists {
		return partial, fmt.Errorf("clone %s does not exist after snapshot clone", clone)
	}
	return &executors.CloneResult{UUID: c.UUID, Bricks: bricks}, nil
}

// randomID returns 32 random hex characters, like Heketi's ids.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// VolumeStart runs `gluster --mode=script --timeout=600 volume start <name>`;
// "already started" counts as success.
func (e *Executor) VolumeStart(ctx context.Context, host, name string) error {
	_, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeStart(name))
	if err != nil && strings.Contains(err.Error(), "already started") {
		return nil
	}
	return err
}

// VolumeOptions runs `gluster --mode=script --timeout=600 volume info <name> --xml`
// and returns the volume's reconfigured options; exists is false for a
// missing volume.
func (e *Executor) VolumeOptions(ctx context.Context, host, name string) (map[string]string, bool, error) {
	res, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeInfo(name))
	if err != nil {
		return nil, false, err
	}
	vols, err := ParseVolumeInfo(stdoutOf(res))
	if IsVolumeNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, v := range vols {
		if v.Name == name {
			out := map[string]string{}
			for _, o := range v.Options {
				out[o.Name] = o.Value
			}
			return out, true, nil
		}
	}
	return nil, false, nil
}

// VolumeSet runs `gluster --mode=script --timeout=600 volume set <name> <option>`
// for an option given as "<key> <value>".
func (e *Executor) VolumeSet(ctx context.Context, host, name, option string) error {
	_, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.VolumeSet(name, option))
	return err
}
