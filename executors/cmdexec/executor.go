package cmdexec

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/executors"
)

// Executor implements executors.Executor by rendering Heketi's command lines
// and sending them through a Transport. Create it with New.
type Executor struct {
	t   executors.Transport
	r   Renderer
	log *logrus.Entry
}

var _ executors.Executor = (*Executor)(nil)

// New returns an Executor sending commands through t. A nil log discards
// log output.
func New(t executors.Transport, cfg Config, log *logrus.Entry) *Executor {
	if log == nil {
		l := logrus.New()
		l.Out = io.Discard
		log = logrus.NewEntry(l)
	}
	return &Executor{t: t, r: NewRenderer(cfg), log: log}
}

// Renderer returns the renderer the executor uses.
func (e *Executor) Renderer() Renderer { return e.r }

// run sends cmds to host. Errors are returned, not logged: callers either
// return them or log the ones they ignore.
func (e *Executor) run(ctx context.Context, host string, timeout time.Duration, cmds ...string) ([]executors.Result, error) {
	return e.t.Run(ctx, host, cmds, timeout)
}

// GlusterdCheck runs `systemctl status glusterd` (10 min) on host.
func (e *Executor) GlusterdCheck(ctx context.Context, host string) error {
	_, err := e.run(ctx, host, GlusterdCheckTimeout, e.r.GlusterdStatus())
	return err
}

// PeerProbe runs on host, with the gluster timeout:
//
//	gluster --mode=script --timeout=600 peer probe <newNode>
//	gluster --mode=script --timeout=600 snapshot config snap-max-hard-limit <n>   (snapshot_limit > 0)
func (e *Executor) PeerProbe(ctx context.Context, host, newNode string) error {
	for _, cmd := range e.r.PeerProbeSequence(newNode) {
		if _, err := e.run(ctx, host, e.r.GlusterTimeout(), cmd); err != nil {
			return err
		}
	}
	return nil
}

// PeerDetach runs `gluster … peer detach <node>` on host. Like Heketi, a
// failing detach is only logged and PeerDetach returns nil; only a cancelled
// context is returned.
func (e *Executor) PeerDetach(ctx context.Context, host, node string) error {
	if _, err := e.run(ctx, host, e.r.GlusterTimeout(), e.r.PeerDetach(node)); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		e.log.WithFields(logrus.Fields{"host": host, "node": node, "error": err}).Warn("peer detach failed; ignored")
	}
	return nil
}

// DeviceSetup runs the device add sequence of heketi-facts §7.4 on host
// (5 min per command): [wipefs --all <dev>] pvcreate, vgcreate in one call;
// then pvs+udevadm; then vgdisplay -c. A failing pvcreate/vgcreate is
// classified by re-running pvs+udevadm and returned as a
// *executors.DeviceInitError. If inspection fails after the VG was created,
// the device is torn down again (errors ignored).
func (e *Executor) DeviceSetup(ctx context.Context, host string, dev executors.DeviceRequest) (*executors.DeviceInfo, error) {
	if _, err := e.run(ctx, host, DeviceTimeout, e.r.deviceCreate(dev.ID, dev.Name, dev.DestroyData)...); err != nil {
		return nil, e.classifyInitError(ctx, host, dev.Name, err)
	}
	info, err := e.inspect(ctx, host, dev.ID, dev.Name, dev.Name)
	if err != nil {
		e.log.WithFields(logrus.Fields{"host": host, "device": dev.Name, "error": err}).Warn("device inspection after setup failed; tearing down")
		_ = e.DeviceTeardown(context.WithoutCancel(ctx), host, executors.DeviceRequest{ID: dev.ID, Name: dev.Name}, true)
		return nil, err
	}
	return info, nil
}

// classifyInitError inspects the device after a failed pvcreate/vgcreate the
// way Heketi does: if the node cannot be queried the reason is "failed to
// check device contents"; if pvs finds a PV on it, "aleady contains Physical
// Volume <uuid>"; otherwise "already initialized or contains data?".
func (e *Executor) classifyInitError(ctx context.Context, host, device string, setupErr error) error {
	ie := &executors.DeviceInitError{Device: device, Reason: executors.DeviceInitCheckFailed, Cause: setupErr.Error()}
	res, err := e.run(ctx, host, DeviceTimeout, e.r.PVsDevice(device), e.r.UdevadmSymlinks(device))
	var ce *executors.CommandError
	switch {
	case len(res) > 0 && res[0].ExitStatus == 0:
		rep, perr := ParseLVMReport(res[0].Stdout)
		if perr != nil {
			return ie
		}
		if uuid := rep.PVUUID(); uuid != "" {
			ie.Reason, ie.PVUUID = executors.DeviceInitHasPV, uuid
		} else {
			ie.Reason = executors.DeviceInitHasData
		}
	case errors.As(err, &ce):
		// pvs ran and exited non-zero: the device carries no PV.
		ie.Reason = executors.DeviceInitHasData
	}
	return ie
}

// inspect runs pvs+udevadm on handle (udevadm failure tolerated: paths become
// [name]) and vgdisplay -c on vg_<id>.
func (e *Executor) inspect(ctx context.Context, host, deviceID, handle, name string) (*executors.DeviceInfo, error) {
	res, err := e.run(ctx, host, DeviceTimeout, e.r.PVsDevice(handle), e.r.UdevadmSymlinks(handle))
	if len(res) == 0 || res[0].ExitStatus != 0 {
		if err == nil {
			err = errors.New("pvs returned no result")
		}
		return nil, err
	}
	rep, perr := ParseLVMReport(res[0].Stdout)
	if perr != nil {
		return nil, perr
	}
	info := &executors.DeviceInfo{PVUUID: rep.PVUUID()}
	if err == nil && len(res) > 1 {
		info.Paths = ParseUdevadmSymlinks(res[1].Stdout, name)
	} else {
		info.Paths = []string{name}
	}
	res, err = e.run(ctx, host, DeviceTimeout, e.r.VGDisplay(VGName(deviceID)))
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, ErrInvalidVGDisplay
	}
	vg, err := ParseVGDisplay(res[0].Stdout)
	if err != nil {
		return nil, err
	}
	info.TotalKiB, info.FreeKiB, info.UsedKiB = vg.TotalKiB(), vg.FreeKiB(), vg.UsedKiB()
	info.ExtentSizeKiB = vg.ExtentSizeKiB
	return info, nil
}

// DeviceTeardown removes vg_<id> and the PV (5 min). Normally vgremove and
// pvremove run in one call whose error is returned, then rmdir of the device
// mount directory whose failure is ignored. With force (forceforget) rmdir
// runs first and every command runs separately with its error ignored.
// The PV is addressed by DeviceHandle.
func (e *Executor) DeviceTeardown(ctx context.Context, host string, dev executors.DeviceRequest, force bool) error {
	cmds := e.r.DeviceTeardownSequence(dev.ID, DeviceHandle(dev.Name, dev.Paths, dev.PVUUID), force)
	if force {
		for _, c := range cmds {
			if _, err := e.run(ctx, host, DeviceTimeout, c); err != nil {
				e.log.WithFields(logrus.Fields{"host": host, "command": c, "error": err}).Debug("forced device teardown: error ignored")
			}
		}
		return ctx.Err()
	}
	if _, err := e.run(ctx, host, DeviceTimeout, cmds[:2]...); err != nil {
		return err
	}
	if _, err := e.run(ctx, host, DeviceTimeout, cmds[2]); err != nil {
		e.log.WithFields(logrus.Fields{"host": host, "command": cmds[2], "error": err}).Debug("rmdir of device mount directory failed; ignored")
	}
	return nil
}

// DeviceInfo re-reads an existing device (resync, 5 min): when no PV uuid is
// known it first runs `lvm vgs -o pv_name,pv_uuid,vg_name --reportformat=json
// vg_<id>` to find it; then pvs and udevadm on the device handle (the PV uuid
// link when known) and vgdisplay -c.
func (e *Executor) DeviceInfo(ctx context.Context, host string, dev executors.DeviceRequest) (*executors.DeviceInfo, error) {
	uuid := dev.PVUUID
	if uuid == "" {
		res, err := e.run(ctx, host, DeviceTimeout, e.r.VGsPV(VGName(dev.ID)))
		if err != nil {
			return nil, err
		}
		if len(res) > 0 {
			rep, perr := ParseLVMReport(res[0].Stdout)
			if perr != nil {
				return nil, perr
			}
			uuid = rep.PVUUID()
		}
	}
	info, err := e.inspect(ctx, host, dev.ID, DeviceHandle(dev.Name, dev.Paths, uuid), dev.Name)
	if err != nil {
		return nil, err
	}
	if info.PVUUID == "" {
		info.PVUUID = uuid
	}
	return info, nil
}
