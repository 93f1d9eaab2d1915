package glusterfs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// defaultExtentKiB is LVM's default extent size, used until a node reports one.
const defaultExtentKiB = 4096

// DeviceAdd records the intent to add a device and returns the job that
// initialises it (pvcreate, vgcreate, size read). The device appears in node
// info only once the job succeeds.
func (a *App) DeviceAdd(ctx context.Context, req *api.DeviceAddRequest) (Job, error) {
	if err := req.Validate(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err)
	}
	dev := &db.Device{
		ID:            idgen.New(),
		NodeID:        req.NodeID,
		Name:          req.Name,
		Tags:          req.Tags,
		State:         api.EntryStateOnline,
		ExtentSizeKiB: defaultExtentKiB,
	}
	op := newOp(db.OpAddDevice, db.PendingAction{Change: db.ChangeAddDevice, ID: dev.ID})
	dev.PendingOpID = op.ID
	var node *db.Node
	err := a.store.Update(func(w db.Writer) error {
		n, err := w.Node(req.NodeID)
		if err == nil {
			var hidden bool
			if hidden, err = beingAdded(w, n.PendingOpID); err == nil && hidden {
				err = errs.ErrNotFound
			}
		}
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.NotFound, errs.TextNodeIDNotFound)
		}
		if err != nil {
			return err
		}
		if n.PendingOpID != "" {
			// The node is being deleted (or otherwise changed).
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		node = n
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		return w.PutDevice(dev)
	})
	if err != nil {
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"device": dev.ID, "node": node.ID, "name": dev.Name, "op": op.ID})
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer a.untrack(op.ID)
		if err := a.setupDevice(ctx, node, dev, op, req.DestroyData); err != nil {
			log.WithError(err).Error("device add failed")
			return "", err
		}
		log.Info("device added")
		return "", nil
	}, nil
}

// setupDevice initialises the device on its node and stores its size. With
// destroyData a failed first attempt is retried after wiping the device, but
// only when that cannot destroy a device Basalt manages (facts 7.4).
func (a *App) setupDevice(ctx context.Context, node *db.Node, dev *db.Device, op *db.PendingOp, destroyData bool) error {
	host := node.ManageHost()
	req := executors.DeviceRequest{ID: dev.ID, Name: dev.Name}
	if err := a.startStep(op, stepDeviceSetup, host); err != nil {
		return err
	}
	info, err := a.exec.DeviceSetup(ctx, host, req)
	if err != nil && destroyData {
		if werr := a.wipeAllowed(err); werr != nil {
			err = werr
		} else {
			req.DestroyData = true
			info, err = a.exec.DeviceSetup(ctx, host, req)
		}
	}
	if err != nil {
		// Nothing of ours is on the device unless setup got past pvcreate; the
		// executor's setup leaves nothing half-made on failure, so only the
		// records go.
		a.forgetDevice(dev.ID, op.ID)
		return err
	}
	err = a.store.Update(func(w db.Writer) error {
		d, err := w.Device(dev.ID)
		if err != nil {
			return err
		}
		d.TotalKiB, d.FreeKiB, d.UsedKiB = info.TotalKiB, info.FreeKiB, info.UsedKiB
		if info.ExtentSizeKiB > 0 {
			d.ExtentSizeKiB = info.ExtentSizeKiB
		}
		d.PVUUID, d.Paths = info.PVUUID, info.Paths
		d.PendingOpID = ""
		if err := w.PutDevice(d); err != nil {
			return err
		}
		return w.DeletePendingOp(op.ID)
	})
	if err != nil {
		// The node has a VG the database does not know: tear it down again.
		req.PVUUID = info.PVUUID
		if terr := a.exec.DeviceTeardown(ctx, host, req, false); terr != nil {
			a.log.WithError(terr).WithField("device", dev.ID).Error("cannot tear down device after failed save")
			a.markOpFailed(op, err)
			return err
		}
		a.forgetDevice(dev.ID, op.ID)
	}
	return err
}

// wipeAllowed decides whether a failed setup may be retried with wipefs. It
// returns nil when wiping is safe, or the error to report.
func (a *App) wipeAllowed(setupErr error) error {
	var ie *executors.DeviceInitError
	if !errors.As(setupErr, &ie) || ie.Reason == executors.DeviceInitCheckFailed {
		return setupErr
	}
	var unsafe []string
	var owner string
	err := a.store.View(func(r db.Reader) error {
		ids, err := r.DeviceIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			d, err := r.Device(id)
			if err != nil {
				return err
			}
			switch {
			case d.PendingOpID != "" && d.PVUUID == "":
				// a device being added right now has no uuid yet; it is not this one
			case d.PVUUID == "":
				unsafe = append(unsafe, id)
			case ie.Reason == executors.DeviceInitHasPV && d.PVUUID == ie.PVUUID:
				owner = id
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case owner != "":
		return errs.New(errs.Conflict, fmt.Sprintf("Device already in use (ID: %s)", owner))
	case len(unsafe) > 0:
		return errs.New(errs.Conflict, fmt.Sprintf("Can not destroy device, destroy may not be safe: devices without a recorded PV uuid: %s", strings.Join(unsafe, ", ")))
	}
	return nil
}

// forgetDevice removes a device record and its operation, logging failures.
func (a *App) forgetDevice(deviceID, opID string) {
	err := a.store.Update(func(w db.Writer) error {
		if err := w.DeleteDevice(deviceID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := w.DeletePendingOp(opID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		a.log.WithError(err).WithField("device", deviceID).Error("cannot remove device record")
	}
}

// DeviceInfo describes a device with its bricks.
func (a *App) DeviceInfo(id string) (*api.DeviceInfoResponse, error) {
	var info *api.DeviceInfoResponse
	err := a.store.View(func(r db.Reader) error {
		d, err := visibleDevice(r, id)
		if err != nil {
			return err
		}
		info, err = deviceInfo(r, d)
		return err
	})
	return info, err
}

// visibleDevice reads a device that is not still being added.
func visibleDevice(r db.Reader, id string) (*db.Device, error) {
	d, err := r.Device(id)
	if err != nil {
		return nil, err
	}
	if hidden, err := beingAdded(r, d.PendingOpID); err != nil {
		return nil, err
	} else if hidden {
		return nil, errs.ErrNotFound
	}
	return d, nil
}

func deviceInfo(r db.Reader, d *db.Device) (*api.DeviceInfoResponse, error) {
	info := &api.DeviceInfoResponse{
		DeviceInfo: api.DeviceInfo{
			Device:  api.Device{Name: d.Name, Tags: d.Tags},
			Storage: api.StorageSize{Total: d.TotalKiB, Free: d.FreeKiB, Used: d.UsedKiB},
			ID:      d.ID,
			Paths:   d.Paths,
			PVUUID:  d.PVUUID,
		},
		State: d.State,
	}
	brickIDs, err := r.DeviceBrickIDs(d.ID)
	if err != nil {
		return nil, err
	}
	info.Bricks = make([]api.BrickInfo, 0, len(brickIDs))
	for _, bid := range brickIDs {
		b, err := r.Brick(bid)
		if err != nil {
			return nil, err
		}
		info.Bricks = append(info.Bricks, api.BrickInfo{
			ID: b.ID, Path: b.Path, DeviceID: b.DeviceID, NodeID: b.NodeID, VolumeID: b.VolumeID, Size: b.SizeKiB,
		})
	}
	return info, nil
}

// DeviceDelete checks that a device is failed and empty and returns the job
// that tears it down on its node and forgets it.
func (a *App) DeviceDelete(ctx context.Context, id string, opts api.DeviceDeleteOptions) (Job, error) {
	op := newOp(db.OpDeleteDevice, db.PendingAction{Change: db.ChangeDeleteDevice, ID: id})
	var dev *db.Device
	var node *db.Node
	err := a.store.Update(func(w db.Writer) error {
		d, err := visibleDevice(w, id)
		if err != nil {
			return err
		}
		if d.State != api.EntryStateFailed {
			return errs.New(errs.Invalid, fmt.Sprintf("device: %s is not in failed state", id))
		}
		if d.PendingOpID != "" {
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		bricks, err := w.DeviceBrickIDs(id)
		if err != nil {
			return err
		}
		if len(bricks) > 0 {
			return errs.New(errs.Conflict, fmt.Sprintf("Unable to delete device [%s] because it contains bricks", id))
		}
		if node, err = w.Node(d.NodeID); err != nil {
			return err
		}
		d.PendingOpID = op.ID
		dev = d
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		return w.PutDevice(d)
	})
	if err != nil {
		return nil, err
	}
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer a.untrack(op.ID)
		return "", a.teardownDevice(ctx, node, dev, op, opts.ForceForget)
	}, nil
}

// teardownDevice removes the VG and PV from the node and then the records.
// Without force a failed teardown keeps the device (its operation is cleared
// so the user may retry); with force node errors are ignored.
func (a *App) teardownDevice(ctx context.Context, node *db.Node, dev *db.Device, op *db.PendingOp, force bool) error {
	log := a.log.WithFields(map[string]any{"device": dev.ID, "op": op.ID})
	host := node.ManageHost()
	if err := a.startStep(op, stepDeviceRemove, host); err != nil {
		return err
	}
	req := executors.DeviceRequest{ID: dev.ID, Name: dev.Name, Paths: dev.Paths, PVUUID: dev.PVUUID}
	if err := a.exec.DeviceTeardown(ctx, host, req, force); err != nil && !force {
		log.WithError(err).Error("device teardown failed")
		uerr := a.store.Update(func(w db.Writer) error {
			d, err := w.Device(dev.ID)
			if err != nil {
				return err
			}
			d.PendingOpID = ""
			if err := w.PutDevice(d); err != nil {
				return err
			}
			return w.DeletePendingOp(op.ID)
		})
		if uerr != nil {
			log.WithError(uerr).Error("cannot clear device delete operation")
		}
		return err
	}
	err := a.store.Update(func(w db.Writer) error {
		if err := w.DeleteDevice(dev.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return w.DeletePendingOp(op.ID)
	})
	if err == nil {
		log.Info("device deleted")
	}
	return err
}

// DeviceSetState validates a state change and returns the job that performs
// it. Removing a device (state failed) moves each of its bricks to another
// device first; it is throttled like other operations that move data.
func (a *App) DeviceSetState(ctx context.Context, id string, req *api.StateRequest) (Job, error) {
	return a.stateJob(req, func() error { _, err := a.DeviceInfo(id); return err },
		func(ctx context.Context, healCheck bool) error {
			return a.deviceSetState(ctx, id, req.State, healCheck)
		})
}

// stateJob validates a node or device state change, checks that the entry
// exists, and returns the job that applies the transition. Removal (state
// failed) moves data, so it takes a throttle slot as Heketi's does.
func (a *App) stateJob(req *api.StateRequest, exists func() error, apply func(ctx context.Context, healCheck bool) error) (Job, error) {
	if err := req.Validate(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err)
	}
	if err := exists(); err != nil {
		return nil, err
	}
	release := func() {}
	if req.State == api.EntryStateFailed {
		var err error
		if release, err = a.acquire(); err != nil {
			return nil, err
		}
	}
	healCheck := req.HealCheck != api.HealCheckDisable
	return func(ctx context.Context) (string, error) {
		defer release()
		return "", apply(ctx, healCheck)
	}, nil
}

func (a *App) deviceSetState(ctx context.Context, id string, to api.EntryState, healCheck bool) error {
	var from api.EntryState
	err := a.store.Update(func(w db.Writer) error {
		d, err := w.Device(id)
		if err != nil {
			return err
		}
		if d.PendingOpID != "" {
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		from = d.State
		switch {
		case from == to:
			return nil
		case from == api.EntryStateOnline && to == api.EntryStateFailed:
			return errs.New(errs.Invalid, fmt.Sprintf("Device must be offline before remove operation is performed, device:%s", id))
		case from == api.EntryStateFailed && to == api.EntryStateOnline:
			return errs.New(errs.Invalid, "Cannot move a failed/removed device to online state")
		case to == api.EntryStateFailed:
			return nil // after evacuation, below
		default:
			d.State = to
			a.log.WithFields(map[string]any{"device": id, "from": from, "to": to}).Info("device state changed")
			return w.PutDevice(d)
		}
	})
	if err != nil || to != api.EntryStateFailed || from == api.EntryStateFailed {
		return err
	}
	return a.removeDevice(ctx, id, healCheck)
}

// removeDevice moves every brick off a device and marks it failed.
func (a *App) removeDevice(ctx context.Context, id string, healCheck bool) error {
	if err := a.evacuateDevice(ctx, id, healCheck); err != nil {
		return err
	}
	return a.store.Update(func(w db.Writer) error { return markDeviceFailed(w, id) })
}

// markDeviceFailed marks an emptied device failed ("removed").
func markDeviceFailed(w db.Writer, id string) error {
	d, err := w.Device(id)
	if err != nil {
		return err
	}
	bricks, err := w.DeviceBrickIDs(id)
	if err != nil {
		return err
	}
	if len(bricks) > 0 {
		return errs.New(errs.Conflict, fmt.Sprintf("Unable to remove device [%s]: %d bricks are still on it", id, len(bricks)))
	}
	d.State = api.EntryStateFailed
	return w.PutDevice(d)
}

// DeviceResync returns the job that re-reads a device's size from its node.
func (a *App) DeviceResync(ctx context.Context, id string) (Job, error) {
	if _, err := a.DeviceInfo(id); err != nil {
		return nil, err
	}
	return func(ctx context.Context) (string, error) {
		var dev *db.Device
		var node *db.Node
		brickCount := 0
		err := a.store.View(func(r db.Reader) error {
			d, err := r.Device(id)
			if err != nil {
				return err
			}
			if d.PendingOpID != "" {
				return errs.New(errs.Conflict, errs.TextConflict)
			}
			bids, err := r.DeviceBrickIDs(id)
			if err != nil {
				return err
			}
			brickCount = len(bids)
			for _, bid := range bids {
				b, err := r.Brick(bid)
				if err != nil {
					return err
				}
				if b.PendingOpID != "" {
					return errs.New(errs.Conflict, errs.TextConflict)
				}
			}
			dev = d
			node, err = r.Node(d.NodeID)
			return err
		})
		if err != nil {
			return "", err
		}
		info, err := a.exec.DeviceInfo(ctx, node.ManageHost(), executors.DeviceRequest{ID: dev.ID, Name: dev.Name, Paths: dev.Paths, PVUUID: dev.PVUUID})
		if err != nil {
			return "", err
		}
		return "", a.store.Update(func(w db.Writer) error {
			d, err := w.Device(id)
			if err != nil {
				return err
			}
			// Space may have been reserved while the node answered: then
			// the node's figures are already out of date.
			bids, err := w.DeviceBrickIDs(id)
			if err != nil {
				return err
			}
			if len(bids) != brickCount {
				return errs.New(errs.Conflict, errs.TextConflict)
			}
			for _, bid := range bids {
				if b, err := w.Brick(bid); err != nil || b.PendingOpID != "" {
					return errs.New(errs.Conflict, errs.TextConflict)
				}
			}
			d.TotalKiB, d.FreeKiB, d.UsedKiB = info.TotalKiB, info.FreeKiB, info.UsedKiB
			if info.ExtentSizeKiB > 0 {
				d.ExtentSizeKiB = info.ExtentSizeKiB
			}
			if info.PVUUID != "" {
				d.PVUUID = info.PVUUID
			}
			if len(info.Paths) > 0 {
				d.Paths = info.Paths
			}
			a.log.WithFields(map[string]any{"device": id, "total_kib": d.TotalKiB, "free_kib": d.FreeKiB}).Info("device resynced")
			return w.PutDevice(d)
		})
	}, nil
}

// DeviceSetTags changes a device's tags and returns the resulting tag map.
func (a *App) DeviceSetTags(id string, req *api.TagsChangeRequest) (map[string]string, error) {
	if err := req.Validate(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err)
	}
	var out map[string]string
	err := a.store.Update(func(w db.Writer) error {
		d, err := visibleDevice(w, id)
		if err != nil {
			return err
		}
		if d.Tags, err = applyTags(d.Tags, req); err != nil {
			return err
		}
		out = d.Tags
		return w.PutDevice(d)
	})
	if out == nil && err == nil {
		out = map[string]string{}
	}
	return out, err
}
