package cmdexec

import (
	"context"
	"errors"
	"fmt"

	"github.com/basalt-storage/basalt/executors"
)

// NodeState runs the examiner's read-only commands on host, one call each so
// that a failing command does not hide the others:
//
//	gluster --mode=script --timeout=600 volume info --xml
//	/usr/sbin/lvm pvs --reportformat json --units k
//	/usr/sbin/lvm vgs --reportformat json --units k
//	/usr/sbin/lvm lvs --reportformat json --units k
//	mount
//	cat /etc/fstab
//	gluster-block list <hv> --json        (per hosting volume)
//
// A transport failure (host unreachable) or an ended context is returned as
// the error; a command that ran and failed, or printed what cannot be parsed,
// is recorded in NodeState.Errors and its part stays empty.
func (e *Executor) NodeState(ctx context.Context, host string, hostingVolumes []string) (*executors.NodeState, error) {
	st := &executors.NodeState{BlockVolumes: map[string][]string{}}
	// run returns the command's stdout and whether it can be used; a
	// non-nil error means the node cannot be examined at all.
	run := func(cmd string) (string, bool, error) {
		res, err := e.run(ctx, host, DeviceTimeout, cmd)
		if err == nil {
			return stdoutOf(res), true, nil
		}
		var ce *executors.CommandError
		if !errors.As(err, &ce) {
			if cerr := ctx.Err(); cerr != nil {
				return "", false, cerr
			}
			return "", false, err
		}
		st.Errors = append(st.Errors, fmt.Sprintf("%s: %v", cmd, err))
		return "", false, nil
	}
	note := func(cmd string, err error) {
		st.Errors = append(st.Errors, fmt.Sprintf("%s: %v", cmd, err))
	}

	cmd := e.r.VolumeInfo("")
	out, ok, err := run(cmd)
	if err != nil {
		return nil, err
	}
	if ok {
		vols, perr := ParseVolumeInfo(out)
		if perr != nil {
			note(cmd, perr)
		} else {
			st.Volumes, st.VolumesRead = examineVolumes(vols), true
		}
	}

	lvmOK := true
	for _, cmd := range []string{e.r.PVsReport(), e.r.VGsReport(), e.r.LVsReport()} {
		out, ok, err := run(cmd)
		if err != nil {
			return nil, err
		}
		if !ok {
			lvmOK = false
			continue
		}
		rep, perr := ParseLVMReport(out)
		if perr == nil {
			perr = addLVMReport(st, rep)
		}
		if perr != nil {
			note(cmd, perr)
			lvmOK = false
		}
	}
	st.LVMRead = lvmOK

	out, ok, err = run(e.r.Mounts())
	if err != nil {
		return nil, err
	}
	if ok {
		for _, m := range ParseMount(out) {
			st.Mounts = append(st.Mounts, executors.MountPoint{Device: m.Device, Path: m.Path, Type: m.Type, Options: m.Options})
		}
		st.MountsRead = true
	}

	out, ok, err = run(e.r.CatFstab())
	if err != nil {
		return nil, err
	}
	if ok {
		for _, f := range ParseFstab(out) {
			st.Fstab = append(st.Fstab, executors.MountPoint{Device: f.Device, Path: f.Path, Type: f.Type, Options: f.Options})
		}
		st.FstabRead = true
	}

	for _, hv := range hostingVolumes {
		cmd := e.r.BlockList(hv)
		res, rerr := e.run(ctx, host, BlockTimeout, cmd)
		out, have := blockOutput(res, rerr)
		if !have {
			var ce *executors.CommandError
			if rerr != nil && !errors.As(rerr, &ce) {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
				return nil, rerr
			}
			note(cmd, rerr)
			continue
		}
		names, perr := ParseBlockList(out)
		if perr != nil {
			note(cmd, perr)
			continue
		}
		if names == nil {
			names = []string{}
		}
		st.BlockVolumes[hv] = names
	}
	return st, nil
}

// examineVolumes converts parsed volume info to the executor's value type.
func examineVolumes(vols []VolumeInfo) []executors.GlusterVolume {
	out := make([]executors.GlusterVolume, 0, len(vols))
	for _, v := range vols {
		gv := executors.GlusterVolume{Name: v.Name, ID: v.ID, Status: v.StatusStr, Type: v.TypeStr, Options: map[string]string{}}
		for _, b := range v.Bricks {
			gv.Bricks = append(gv.Bricks, executors.GlusterBrick{Name: b.Name, Arbiter: b.IsArbiter == 1})
		}
		for _, o := range v.Options {
			gv.Options[o.Name] = o.Value
		}
		out = append(out, gv)
	}
	return out
}

// addLVMReport appends the rows of one pvs, vgs or lvs report to st,
// converting sizes printed with --units k to KiB.
func addLVMReport(st *executors.NodeState, rep *LVMReport) error {
	for _, p := range rep.PVs {
		size, err := ParseKiB(p.Size)
		if err != nil {
			return err
		}
		free, err := ParseKiB(p.Free)
		if err != nil {
			return err
		}
		st.PVs = append(st.PVs, executors.PhysicalVolume{Name: p.Name, UUID: p.UUID, VGName: p.VGName, SizeKiB: size, FreeKiB: free})
	}
	for _, v := range rep.VGs {
		size, err := ParseKiB(v.Size)
		if err != nil {
			return err
		}
		free, err := ParseKiB(v.Free)
		if err != nil {
			return err
		}
		st.VGs = append(st.VGs, executors.VolumeGroup{Name: v.Name, SizeKiB: size, FreeKiB: free})
	}
	for _, l := range rep.LVs {
		size, err := ParseKiB(l.Size)
		if err != nil {
			return err
		}
		st.LVs = append(st.LVs, executors.LogicalVolume{Name: l.Name, VGName: l.VGName, Attr: l.Attr, Pool: l.PoolLV, SizeKiB: size, ThinPool: l.IsThinPool()})
	}
	return nil
}
