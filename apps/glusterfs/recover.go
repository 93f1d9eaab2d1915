package glusterfs

import (
	"context"
	"fmt"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
)

// RecoveryReport says what Recover did with each pending operation.
type RecoveryReport struct {
	RolledBack []string // operations undone
	Completed  []string // operations finished
	Failed     []string // operations that could not be repaired now (kept, status failed)
}

// Recover finishes or undoes every operation that a crash or stop left
// pending, so the database again matches the nodes. It must run before the
// server accepts requests that could touch the same records. Heketi only marks
// such operations stale and leaves the mess; Basalt repairs it:
//
//   - node add: detach the node if its probe may have run, drop the records;
//   - node delete: detach (errors ignored, as in Heketi) and drop the records;
//   - device add: tear down what setup may have created, drop the records;
//   - device delete: tear down (forced) and drop the records;
//   - volume create: delete the gluster volume if its creation was started,
//     destroy the planned bricks, drop the records, give the space back;
//   - volume delete: finish it (delete the gluster volume, destroy bricks);
//   - volume expand: if gluster already has every new brick, finish it;
//     otherwise destroy the new bricks and drop them.
//
// Operation types this version cannot repair are kept and marked stale.
func (a *App) Recover(ctx context.Context) (*RecoveryReport, error) {
	return a.repair(ctx, nil)
}

// repair repairs the pending operations named by ids (all when ids is nil),
// skipping those a running job is working on.
func (a *App) repair(ctx context.Context, ids map[string]bool) (*RecoveryReport, error) {
	var ops []*db.PendingOp
	err := a.store.View(func(r db.Reader) error {
		all, err := r.PendingOpIDs()
		if err != nil {
			return err
		}
		for _, id := range all {
			if (ids != nil && !ids[id]) || a.isTracked(id) {
				continue
			}
			op, err := r.PendingOp(id)
			if err != nil {
				return err
			}
			ops = append(ops, op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep := &RecoveryReport{}
	for _, op := range ops {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if !a.tryTrack(op.ID) {
			continue // another repair or job owns it now
		}
		// Re-read it: it may have been finished since the listing.
		if err := a.store.View(func(r db.Reader) error {
			cur, err := r.PendingOp(op.ID)
			if err == nil {
				op = cur
			}
			return err
		}); err != nil {
			a.untrack(op.ID)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			return rep, err
		}
		done, rerr, known := a.repairOne(ctx, op)
		a.untrack(op.ID)
		log := a.log.WithFields(map[string]any{"op": op.ID, "type": int(op.Type)})
		switch {
		case !known:
			log.Warn("pending operation of a type this version cannot repair; marking it stale")
			op.Status = db.OpStatusStale
			if err := a.store.Update(func(w db.Writer) error { return w.PutPendingOp(op) }); err != nil {
				return rep, err
			}
			rep.Failed = append(rep.Failed, op.ID)
		case rerr != nil:
			log.WithError(rerr).Error("cannot repair pending operation; it is kept as failed")
			a.markOpFailed(op, rerr)
			rep.Failed = append(rep.Failed, op.ID)
		case done == "completed":
			log.Info("finished an interrupted operation")
			rep.Completed = append(rep.Completed, op.ID)
		default:
			log.Info("rolled back an interrupted operation")
			rep.RolledBack = append(rep.RolledBack, op.ID)
		}
	}
	return rep, nil
}

// repairOne finishes or undoes one operation; known is false for types this
// version cannot repair.
func (a *App) repairOne(ctx context.Context, op *db.PendingOp) (done string, err error, known bool) {
	switch op.Type {
	case db.OpAddNode:
		return "rolled back", a.recoverNodeAdd(ctx, op), true
	case db.OpDeleteNode:
		return "completed", a.recoverNodeDelete(ctx, op), true
	case db.OpAddDevice:
		return "rolled back", a.recoverDeviceAdd(ctx, op), true
	case db.OpDeleteDevice:
		return "completed", a.recoverDeviceDelete(ctx, op), true
	case db.OpCreateVolume:
		return "rolled back", a.recoverVolumeCreate(ctx, op), true
	case db.OpDeleteVolume:
		return "completed", a.recoverVolumeDelete(ctx, op), true
	case db.OpExpandVolume:
		done, err := a.recoverVolumeExpand(ctx, op)
		return done, err, true
	case db.OpCreateBlockVolume:
		return "rolled back", a.recoverBlockCreate(ctx, op), true
	case db.OpDeleteBlockVolume:
		return "completed", a.recoverBlockDelete(ctx, op), true
	case db.OpExpandBlockVolume:
		done, err := a.recoverBlockExpand(ctx, op)
		return done, err, true
	case db.OpEvictBrick:
		done, err := a.recoverBrickEvict(ctx, op)
		return done, err, true
	case db.OpCloneVolume:
		return "rolled back", a.recoverClone(ctx, op), true
	}
	return "", nil, false
}

// actionID returns the id of the op's first action of the given change.
func actionID(op *db.PendingOp, c db.ChangeType) (string, error) {
	for _, a := range op.Actions {
		if a.Change == c {
			return a.ID, nil
		}
	}
	return "", fmt.Errorf("operation %s has no action of change %d", op.ID, c)
}

func (a *App) recoverNodeAdd(ctx context.Context, op *db.PendingOp) error {
	nodeID, err := actionID(op, db.ChangeAddNode)
	if err != nil {
		return err
	}
	var node *db.Node
	var prober *db.Node
	err = a.store.View(func(r db.Reader) error {
		n, err := r.Node(nodeID)
		if err != nil {
			return err
		}
		node = n
		for _, s := range op.Steps {
			if s.Name == stepPeerProbe && s.Host != "" {
				id, err := r.NodeIDByManageHostname(s.Host)
				if err != nil {
					return err
				}
				if id != "" {
					if prober, err = r.Node(id); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return a.dropOp(op.ID)
	}
	if err != nil {
		return err
	}
	a.rollbackNodeAdd(ctx, node, op, prober)
	return nil
}

func (a *App) recoverNodeDelete(ctx context.Context, op *db.PendingOp) error {
	nodeID, err := actionID(op, db.ChangeDeleteNode)
	if err != nil {
		return err
	}
	var node *db.Node
	err = a.store.View(func(r db.Reader) error {
		node, err = r.Node(nodeID)
		return err
	})
	if errs.Is(err, errs.NotFound) {
		return a.dropOp(op.ID)
	}
	if err != nil {
		return err
	}
	op.Steps = nil
	return a.leavePool(ctx, node, op)
}

func (a *App) recoverDeviceAdd(ctx context.Context, op *db.PendingOp) error {
	devID, err := actionID(op, db.ChangeAddDevice)
	if err != nil {
		return err
	}
	dev, node, err := a.deviceAndNode(devID)
	if errs.Is(err, errs.NotFound) {
		return a.dropOp(op.ID)
	}
	if err != nil {
		return err
	}
	if stepStarted(op, stepDeviceSetup) {
		// Setup may have created the PV and vg_<id>; both are Basalt's own.
		req := executors.DeviceRequest{ID: dev.ID, Name: dev.Name, Paths: dev.Paths, PVUUID: dev.PVUUID}
		if err := a.exec.DeviceTeardown(ctx, node.ManageHost(), req, true); err != nil {
			return err
		}
	}
	a.forgetDevice(dev.ID, op.ID)
	return nil
}

func (a *App) recoverDeviceDelete(ctx context.Context, op *db.PendingOp) error {
	devID, err := actionID(op, db.ChangeDeleteDevice)
	if err != nil {
		return err
	}
	dev, node, err := a.deviceAndNode(devID)
	if errs.Is(err, errs.NotFound) {
		return a.dropOp(op.ID)
	}
	if err != nil {
		return err
	}
	op.Steps = nil
	return a.teardownDevice(ctx, node, dev, op, true)
}

func (a *App) deviceAndNode(devID string) (*db.Device, *db.Node, error) {
	var dev *db.Device
	var node *db.Node
	err := a.store.View(func(r db.Reader) error {
		var err error
		if dev, err = r.Device(devID); err != nil {
			return err
		}
		node, err = r.Node(dev.NodeID)
		return err
	})
	return dev, node, err
}

// dropOp deletes an operation whose records are already gone.
func (a *App) dropOp(id string) error {
	return a.store.Update(func(w db.Writer) error {
		if err := w.DeletePendingOp(id); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// opBricks reads the bricks an operation marked, and the volume.
func (a *App) opVolume(op *db.PendingOp, change db.ChangeType) (*db.Volume, []*db.Brick, error) {
	volID, err := actionID(op, change)
	if err != nil {
		return nil, nil, err
	}
	var vol *db.Volume
	var bricks []*db.Brick
	err = a.store.View(func(r db.Reader) error {
		v, err := r.Volume(volID)
		if err != nil {
			return err
		}
		vol = v
		all, err := volumeBricks(r, volID)
		if err != nil {
			return err
		}
		for _, b := range all {
			if b.PendingOpID == op.ID {
				bricks = append(bricks, b)
			}
		}
		return nil
	})
	return vol, bricks, err
}

func (a *App) recoverVolumeCreate(ctx context.Context, op *db.PendingOp) error {
	vol, bricks, err := a.opVolume(op, db.ChangeAddVolume)
	if errs.Is(err, errs.NotFound) {
		return a.dropOp(op.ID)
	}
	if err != nil {
		return err
	}
	placed := &volumePlacement{clusterID: vol.ClusterID, bricks: bricks}
	destroy := stepStarted(op, stepVolume)
	if destroy {
		// The crash may have come before gluster made the volume, and a
		// volume of the same name made since by someone else is not ours
		// to delete: only one built on our bricks is.
		if destroy, err = a.glusterVolumeOnBricks(ctx, vol.Name, bricks); err != nil {
			return err
		}
	}
	if err := a.rollbackBricks(ctx, op, placed, destroy, vol); err != nil {
		return err
	}
	return a.forgetVolume(vol.ID, op.ID)
}

// glusterVolumeOnBricks reports whether a gluster volume called name exists
// with at least one of bricks among its own. Every node of the bricks is
// asked: a create that failed half-way may leave the volume defined on some
// peers and not on others, so one node's "no such volume" proves nothing.
// It answers false only when every node answered and none has it on our
// bricks; if a node could not answer, it returns that error (recovery tries
// again later; destroying the bricks needs every node up anyway).
func (a *App) glusterVolumeOnBricks(ctx context.Context, name string, bricks []*db.Brick) (bool, error) {
	if len(bricks) == 0 {
		return false, nil
	}
	hosts, err := a.brickHosts(bricks)
	if err != nil {
		return false, err
	}
	ours := map[string]bool{}
	for _, b := range bricks {
		ours[hosts[b.NodeID].storage+":"+b.Path] = true
	}
	var failed error
	foreign := false
	asked := map[string]bool{}
	for _, b := range bricks {
		h := hosts[b.NodeID].manage
		if asked[h] {
			continue
		}
		asked[h] = true
		have, exists, err := a.exec.VolumeBricks(ctx, h, name)
		if err != nil {
			failed = err
			continue
		}
		if !exists {
			continue
		}
		for _, hb := range have {
			if ours[hb] {
				return true, nil
			}
		}
		foreign = true
	}
	if failed != nil {
		return false, failed
	}
	if foreign {
		a.log.WithField("volume", name).Warn("a gluster volume of this name exists on other bricks: not ours, left alone")
	}
	return false, nil
}

func (a *App) recoverVolumeDelete(ctx context.Context, op *db.PendingOp) error {
	vol, bricks, err := a.opVolume(op, db.ChangeDeleteVolume)
	if errs.Is(err, errs.NotFound) {
		return a.dropOp(op.ID)
	}
	if err != nil {
		return err
	}
	op.Steps = nil
	if err := a.destroyGlusterVolume(ctx, vol); err != nil {
		return err
	}
	return a.finishVolumeDelete(ctx, vol, bricks, op)
}

func (a *App) recoverVolumeExpand(ctx context.Context, op *db.PendingOp) (string, error) {
	vol, bricks, err := a.opVolume(op, db.ChangeExpandVolume)
	if errs.Is(err, errs.NotFound) {
		return "rolled back", a.dropOp(op.ID)
	}
	if err != nil {
		return "", err
	}
	delta := 0
	for _, act := range op.Actions {
		if act.Change == db.ChangeExpandVolume {
			delta = act.Delta
		}
	}
	return a.settleExpand(ctx, vol, op, &volumePlacement{clusterID: vol.ClusterID, bricks: bricks}, delta)
}

// settleExpand ends an expand that did not finish. Before add-brick started
// the new bricks are simply removed. After, gluster decides: with every new
// brick in the volume the expand is finished; with none it is undone; with
// some (add-brick runs in chunks) nothing is destroyed and the operation is
// kept failed for an operator, since bricks gluster serves must not go.
func (a *App) settleExpand(ctx context.Context, vol *db.Volume, op *db.PendingOp, placed *volumePlacement, delta int) (string, error) {
	if !stepStarted(op, stepAddBricks) || len(placed.bricks) == 0 {
		return "rolled back", a.rollbackExpand(ctx, vol, op, placed)
	}
	hosts, err := a.brickHosts(placed.bricks)
	if err != nil {
		return "", err
	}
	have, exists, err := a.exec.VolumeBricks(ctx, hosts[placed.bricks[0].NodeID].manage, vol.Name)
	if err != nil {
		return "", err
	}
	in := map[string]bool{}
	for _, h := range have {
		in[h] = true
	}
	added := 0
	for _, b := range placed.bricks {
		if exists && in[hosts[b.NodeID].storage+":"+b.Path] {
			added++
		}
	}
	switch added {
	case len(placed.bricks):
		return "completed", a.finalizeExpand(vol.ID, op, delta)
	case 0:
		return "rolled back", a.rollbackExpand(ctx, vol, op, placed)
	}
	return "", errs.Newf(errs.Internal, "expand of volume %s stopped half-way: gluster has %d of its %d new bricks; they are kept for an operator", vol.Name, added, len(placed.bricks))
}
