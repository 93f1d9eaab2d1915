package glusterfs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/basalt-storage/basalt/allocator"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
)

// Step names of a brick eviction.
const (
	stepNewBrick     = "new-brick"
	stepReplaceBrick = "replace-brick"
)

// BrickEvict returns the job that moves one brick to another device chosen by
// the allocator: create the new brick, `replace-brick ... commit force`, then
// destroy the old one (facts 10).
func (a *App) BrickEvict(ctx context.Context, brickID string, req *api.BrickEvictRequest) (Job, error) {
	if err := req.Validate(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err)
	}
	if err := a.store.View(func(r db.Reader) error { _, err := r.Brick(brickID); return err }); err != nil {
		return nil, err
	}
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (string, error) {
		defer release()
		return "", a.evictBrick(ctx, brickID, req.HealCheck != api.HealCheckDisable)
	}, nil
}

// evictTarget is everything an eviction needs to know about the old brick.
type evictTarget struct {
	vol     *db.Volume
	old     *db.Brick
	peers   []*db.Brick // the other bricks of the old brick's set
	hosts   map[string]nodeHosts
	gluster string // a manage host to run gluster queries on
}

// evictBrick moves one brick. A failure before replace-brick leaves the
// volume as it was; after it, the move is finished.
func (a *App) evictBrick(ctx context.Context, brickID string, healCheck bool) error {
	t, err := a.evictTarget(ctx, brickID)
	if err != nil {
		return err
	}
	log := a.log.WithFields(map[string]any{"brick": brickID, "volume": t.vol.ID})
	oldArg := t.hosts[t.old.NodeID].storage + ":" + t.old.Path
	if healCheck {
		var peerArgs []string
		for _, p := range t.peers {
			peerArgs = append(peerArgs, t.hosts[p.NodeID].storage+":"+p.Path)
		}
		if err := a.exec.VolumeHealCheck(ctx, t.gluster, t.vol.Name, brickID, oldArg, peerArgs, durabilityOf(t.vol)); err != nil {
			return err
		}
	}

	// Build: place the replacement and record the intent.
	op := newOp(db.OpEvictBrick, db.PendingAction{Change: db.ChangeDeleteBrick, ID: brickID})
	var nb *db.Brick
	err = a.store.Update(func(w db.Writer) error {
		v, err := w.Volume(t.vol.ID)
		if err != nil {
			return err
		}
		old, err := w.Brick(brickID)
		if err != nil {
			return err
		}
		if v.PendingOpID != "" || old.PendingOpID != "" {
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		for _, p := range t.peers {
			if cur, err := w.Brick(p.ID); err == nil && cur.PendingOpID != "" {
				return errs.New(errs.Conflict, errs.TextConflict)
			}
		}
		c, err := topologyOf(w, v.ClusterID, a.NodeHealthy)
		if err != nil {
			return err
		}
		areq, err := a.allocatorRequest(v, v.SizeGiB, 0)
		if err != nil {
			return err
		}
		rr := allocator.ReplaceRequest{
			OldDeviceID:    old.DeviceID,
			SizeKiB:        old.SizeKiB,
			SnapshotFactor: areq.SnapshotFactor,
			Arbiter:        old.SubType == db.BrickSubTypeArbiter,
			ArbiterVolume:  areq.Arbiter,
			ZoneChecking:   areq.ZoneChecking,
			TagMatch:       areq.TagMatch,
		}
		for _, p := range t.peers {
			rr.SetNodeIDs = append(rr.SetNodeIDs, p.NodeID)
		}
		pb, err := allocator.PlaceReplacement(c, rr)
		if err != nil {
			return err
		}
		plan := &allocator.Plan{ClusterID: v.ClusterID, Sets: []allocator.Set{{Bricks: []allocator.Brick{*pb}}}}
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		placed, err := a.recordBricks(w, v, op, plan)
		if err != nil {
			return err
		}
		nb = placed.bricks[0]
		v.PendingOpID, old.PendingOpID = op.ID, op.ID
		if err := w.PutVolume(v); err != nil {
			return err
		}
		return w.PutBrick(old)
	})
	if err != nil {
		return err
	}
	a.track(op.ID)
	defer a.untrack(op.ID)

	// Before any node was touched, a failure only has records to undo.
	undo := func(err error) error {
		if rerr := a.rollbackEvict(context.WithoutCancel(ctx), op, nb, t.old); rerr != nil {
			a.markOpFailed(op, rerr)
		}
		return err
	}
	hosts, err := a.brickHosts([]*db.Brick{nb, t.old})
	if err != nil {
		return undo(err)
	}
	newArg := hosts[nb.NodeID].storage + ":" + nb.Path
	if err := a.startStepBatch(op, stepNewBrick, hosts[nb.NodeID].manage); err != nil {
		return undo(err)
	}
	err = a.exec.BrickCreate(ctx, hosts[nb.NodeID].manage, brickRequest(nb, t.vol.Gid))
	if err == nil {
		if err = a.startStepBatch(op, stepReplaceBrick, hosts[nb.NodeID].manage); err == nil {
			err = a.exec.VolumeReplaceBrick(ctx, hosts[nb.NodeID].manage, t.vol.Name, oldArg, newArg)
		}
	}
	if err != nil {
		bg := context.WithoutCancel(ctx)
		if stepStarted(op, stepReplaceBrick) {
			// replace-brick may have committed before the error (a dropped
			// connection, a cancelled context): gluster's view decides.
			have, exists, qerr := a.exec.VolumeBricks(bg, hosts[nb.NodeID].manage, t.vol.Name)
			if qerr != nil {
				a.markOpFailed(op, qerr)
				return err
			}
			for _, h := range have {
				if exists && h == newArg {
					a.finishEvict(bg, op, nb, t.old, hosts[t.old.NodeID].manage)
					log.WithField("new_brick", nb.ID).Warn("replace-brick reported an error but gluster has the new brick; evict finished")
					return nil
				}
			}
		}
		log.WithError(err).Error("brick evict failed; undoing")
		if rerr := a.rollbackEvict(bg, op, nb, t.old); rerr != nil {
			a.markOpFailed(op, rerr)
		}
		return err
	}
	a.finishEvict(ctx, op, nb, t.old, hosts[t.old.NodeID].manage)
	log.WithField("new_brick", nb.ID).Info("brick evicted")
	return nil
}

// evictTarget reads the brick, its volume, and finds its set in gluster's
// brick order.
func (a *App) evictTarget(ctx context.Context, brickID string) (*evictTarget, error) {
	t := &evictTarget{}
	var all []*db.Brick
	var candidates []string
	err := a.store.View(func(r db.Reader) error {
		old, err := r.Brick(brickID)
		if err != nil {
			return err
		}
		v, err := r.Volume(old.VolumeID)
		if err != nil {
			return err
		}
		t.old, t.vol = old, v
		if all, err = volumeBricks(r, v.ID); err != nil {
			return err
		}
		ids, err := r.ClusterNodeIDs(v.ClusterID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			n, err := r.Node(id)
			if err != nil {
				return err
			}
			if id != old.NodeID && n.State == api.EntryStateOnline {
				candidates = append(candidates, n.ManageHost())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t.hosts, err = a.brickHosts(all); err != nil {
		return nil, err
	}
	// Ask gluster for the brick order from a node other than the old one.
	var order []string
	var last error
	for _, h := range candidates {
		bricks, exists, err := a.exec.VolumeBricks(ctx, h, t.vol.Name)
		if err == nil && exists {
			order, t.gluster = bricks, h
			break
		}
		if err == nil {
			err = fmt.Errorf("volume %s does not exist on the nodes", t.vol.Name)
		}
		last = err
	}
	if t.gluster == "" {
		if last == nil {
			last = errs.New(errs.Internal, errs.TextNoNodes)
		}
		return nil, last
	}
	byArg := map[string]*db.Brick{}
	for _, b := range all {
		byArg[t.hosts[b.NodeID].storage+":"+b.Path] = b
	}
	oldArg := t.hosts[t.old.NodeID].storage + ":" + t.old.Path
	size := setSize(t.vol)
	for i, arg := range order {
		if arg != oldArg {
			continue
		}
		start := i / size * size
		for j := start; j < start+size && j < len(order); j++ {
			if j != i && byArg[order[j]] != nil {
				t.peers = append(t.peers, byArg[order[j]])
			}
		}
		return t, nil
	}
	return nil, errs.Newf(errs.Internal, "brick %s (%s) is not part of gluster volume %s", brickID, oldArg, t.vol.Name)
}

// rollbackEvict removes the new brick and clears the markers.
func (a *App) rollbackEvict(ctx context.Context, op *db.PendingOp, nb, old *db.Brick) error {
	hosts, err := a.brickHosts([]*db.Brick{nb})
	if err != nil {
		return err
	}
	if stepStarted(op, stepNewBrick) {
		if _, err := a.exec.BrickDestroy(ctx, hosts[nb.NodeID].manage, brickRequest(nb, 0)); err != nil {
			return err
		}
	}
	return a.store.Update(func(w db.Writer) error {
		if err := releaseBricks(w, []*db.Brick{nb}, nil); err != nil {
			return err
		}
		return a.clearEvictMarkers(w, op, old)
	})
}

func (a *App) clearEvictMarkers(w db.Writer, op *db.PendingOp, old *db.Brick) error {
	if b, err := w.Brick(old.ID); err == nil && b.PendingOpID == op.ID {
		b.PendingOpID = ""
		if err := w.PutBrick(b); err != nil {
			return err
		}
	}
	if v, err := w.Volume(old.VolumeID); err == nil && v.PendingOpID == op.ID {
		v.PendingOpID = ""
		if err := w.PutVolume(v); err != nil {
			return err
		}
	}
	if err := w.DeletePendingOp(op.ID); err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	return nil
}

// finishEvict destroys the old brick (best effort: its node may be dead) and
// makes the new one permanent.
func (a *App) finishEvict(ctx context.Context, op *db.PendingOp, nb, old *db.Brick, oldHost string) {
	if _, err := a.exec.BrickDestroy(ctx, oldHost, brickRequest(old, 0)); err != nil {
		a.log.WithError(err).WithFields(map[string]any{"brick": old.ID, "host": oldHost}).
			Warn("the old brick left the volume but could not be destroyed on its node")
	}
	err := a.store.Update(func(w db.Writer) error {
		if err := releaseBricks(w, []*db.Brick{old}, nil); err != nil {
			return err
		}
		if b, err := w.Brick(nb.ID); err == nil {
			b.PendingOpID = ""
			if err := w.PutBrick(b); err != nil {
				return err
			}
		}
		return a.clearEvictMarkers(w, op, old)
	})
	if err != nil {
		a.markOpFailed(op, err)
	}
}

// evacuateDevice evicts every brick of a device, one at a time. It stops at
// the first failure so the device can be retried (bricks already moved stay
// moved).
func (a *App) evacuateDevice(ctx context.Context, deviceID string, healCheck bool) error {
	var bricks []string
	if err := a.store.View(func(r db.Reader) error {
		var err error
		bricks, err = r.DeviceBrickIDs(deviceID)
		return err
	}); err != nil {
		return err
	}
	for _, bid := range bricks {
		if err := a.evictBrick(ctx, bid, healCheck); err != nil {
			var pe *allocator.PlacementError
			if errors.As(err, &pe) || strings.Contains(err.Error(), errs.TextNoReplacement) {
				return errs.New(errs.NoSpace, fmt.Sprintf("Unable to delete device [%s] as no device was found to replace it: %s", deviceID, err.Error()))
			}
			return err
		}
	}
	return nil
}

// recoverBrickEvict finishes an eviction whose replace-brick reached gluster
// and undoes the others.
func (a *App) recoverBrickEvict(ctx context.Context, op *db.PendingOp) (string, error) {
	var nb, old *db.Brick
	var vol *db.Volume
	err := a.store.View(func(r db.Reader) error {
		for _, act := range op.Actions {
			b, err := r.Brick(act.ID)
			if err != nil {
				continue
			}
			switch act.Change {
			case db.ChangeAddBrick:
				nb = b
			case db.ChangeDeleteBrick:
				old = b
			}
		}
		if old != nil {
			v, err := r.Volume(old.VolumeID)
			if err != nil {
				return err
			}
			vol = v
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if old == nil {
		return "rolled back", a.dropOp(op.ID)
	}
	if nb == nil {
		return "rolled back", a.store.Update(func(w db.Writer) error { return a.clearEvictMarkers(w, op, old) })
	}
	hosts, err := a.brickHosts([]*db.Brick{nb, old})
	if err != nil {
		return "", err
	}
	if stepStarted(op, stepReplaceBrick) {
		have, exists, err := a.exec.VolumeBricks(ctx, hosts[nb.NodeID].manage, vol.Name)
		if err != nil {
			return "", err
		}
		newArg := hosts[nb.NodeID].storage + ":" + nb.Path
		for _, h := range have {
			if exists && h == newArg {
				a.finishEvict(ctx, op, nb, old, hosts[old.NodeID].manage)
				return "completed", nil
			}
		}
	}
	return "rolled back", a.rollbackEvict(ctx, op, nb, old)
}

// setSize is the number of bricks in one of the volume's sets.
func setSize(v *db.Volume) int {
	switch v.Durability.Type {
	case api.DurabilityReplicate:
		if v.Durability.Replicate.Replica == 0 {
			return 2
		}
		return v.Durability.Replicate.Replica
	case api.DurabilityDisperse:
		return v.Durability.Disperse.Data + v.Durability.Disperse.Redundancy
	}
	return 1
}
