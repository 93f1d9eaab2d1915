package glusterfs

import (
	"context"

	"github.com/basalt-storage/basalt/allocator"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
)

// VolumeDelete checks that a volume may go and returns the job that deletes
// the gluster volume, destroys its bricks and forgets it. The volume is
// hidden from reads from the moment the delete is accepted.
func (a *App) VolumeDelete(ctx context.Context, id string) (Job, error) {
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	op := newOp(db.OpDeleteVolume, db.PendingAction{Change: db.ChangeDeleteVolume, ID: id})
	var vol *db.Volume
	var bricks []*db.Brick
	firstActions := op.Actions
	// Batch: group commit with concurrent deletes; the function may run again.
	err = a.store.Batch(func(w db.Writer) error {
		op.Actions = append([]db.PendingAction(nil), firstActions...)
		// A delete always rolls forward (recovery finishes it), so its steps
		// are recorded here, for the operation's details, not one commit each.
		op.Steps = []db.OpStep{{Name: stepDestroyVol, Started: true}, {Name: stepDestroyBrks, Started: true}}
		v, err := visibleVolume(w, id)
		if err != nil {
			return err
		}
		if v.Name == heketiDBVolume {
			return errs.New(errs.Conflict, "Cannot delete volume containing the Heketi database")
		}
		bvs, err := w.VolumeBlockVolumeIDs(id)
		if err != nil {
			return err
		}
		if len(bvs) > 0 {
			return errs.New(errs.Conflict, "Cannot delete a block hosting volume containing block volumes")
		}
		if v.PendingOpID != "" {
			return errs.New(errs.Internal, "Failed to set up volume delete: "+errs.TextConflict)
		}
		if bricks, err = volumeBricks(w, id); err != nil {
			return err
		}
		for _, b := range bricks {
			if b.PendingOpID != "" {
				return errs.New(errs.Internal, "Failed to set up volume delete: "+errs.TextConflict)
			}
			op.Actions = append(op.Actions, db.PendingAction{Change: db.ChangeDeleteBrick, ID: b.ID})
		}
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		// The last run of this function is the one committed.
		vol = v
		return markVolume(w, v, bricks, op.ID)
	})
	if err != nil {
		release()
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"volume": id, "name": vol.Name, "op": op.ID})
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer release()
		defer a.untrack(op.ID)
		if err := a.execVolumeDelete(ctx, vol, bricks, op); err != nil {
			log.WithError(err).Error("volume delete failed")
			return "", err
		}
		log.Info("volume deleted")
		return "", nil
	}, nil
}

// volumeBricks reads the bricks of a volume.
func volumeBricks(r db.Reader, volID string) ([]*db.Brick, error) {
	ids, err := r.VolumeBrickIDs(volID)
	if err != nil {
		return nil, err
	}
	out := make([]*db.Brick, 0, len(ids))
	for _, id := range ids {
		b, err := r.Brick(id)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// markVolume sets (or, with opID "", clears) the pending marker of a volume
// and its bricks.
func markVolume(w db.Writer, v *db.Volume, bricks []*db.Brick, opID string) error {
	v.PendingOpID = opID
	if err := w.PutVolume(v); err != nil {
		return err
	}
	for _, b := range bricks {
		b.PendingOpID = opID
		if err := w.PutBrick(b); err != nil {
			return err
		}
	}
	return nil
}

// execVolumeDelete deletes the gluster volume from any node of the cluster,
// then the bricks, then the records. If the gluster volume cannot be deleted
// the volume is kept as it was; if bricks cannot be destroyed afterwards the
// operation is kept (failed) and retried by recovery, since the gluster
// volume is already gone.
func (a *App) execVolumeDelete(ctx context.Context, vol *db.Volume, bricks []*db.Brick, op *db.PendingOp) error {
	if err := a.destroyGlusterVolume(ctx, vol); err != nil {
		// The delete stops the volume first; give it back running.
		if host := a.anyOnlineHost(vol.ClusterID); host != "" {
			if serr := a.exec.VolumeStart(context.WithoutCancel(ctx), host, vol.Name); serr != nil {
				a.log.WithError(serr).WithField("volume", vol.ID).Warn("could not restart the volume after a failed delete")
			}
		}
		uerr := a.store.Update(func(w db.Writer) error {
			v, err := w.Volume(vol.ID)
			if err != nil {
				return err
			}
			current, err := volumeBricks(w, vol.ID)
			if err != nil {
				return err
			}
			if err := markVolume(w, v, current, ""); err != nil {
				return err
			}
			return w.DeletePendingOp(op.ID)
		})
		if uerr != nil {
			a.markOpFailed(op, uerr)
		}
		return err
	}
	return a.finishVolumeDelete(ctx, vol, bricks, op)
}

// finishVolumeDelete destroys the bricks and removes the records.
func (a *App) finishVolumeDelete(ctx context.Context, vol *db.Volume, bricks []*db.Brick, op *db.PendingOp) error {
	hosts, err := a.brickHosts(bricks)
	if err != nil {
		return err
	}
	kept, err := a.destroyBricksKept(ctx, bricks, hosts)
	if err != nil {
		a.markOpFailed(op, err)
		return err
	}
	return a.store.Batch(func(w db.Writer) error {
		current, err := volumeBricks(w, vol.ID)
		if err != nil {
			return err
		}
		if err := releaseBricksKeepingPools(w, current, kept); err != nil {
			return err
		}
		if err := w.DeleteVolume(vol.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := w.DeletePendingOp(op.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// destroyGlusterVolume stops and deletes a volume from the first cluster node
// that can do it (facts 7.7: any node, next one on failure).
func (a *App) destroyGlusterVolume(ctx context.Context, vol *db.Volume) error {
	hosts, err := a.onlineHosts(vol.ClusterID)
	if err != nil {
		return err
	}
	if len(hosts) == 0 {
		return errs.New(errs.Internal, errs.TextNoNodes)
	}
	var last error
	for _, h := range hosts {
		if last = a.exec.VolumeDestroy(ctx, h, vol.Name); last == nil {
			return nil
		}
		a.log.WithError(last).WithField("host", h).Warn("volume delete failed on this node; trying the next")
	}
	return last
}

// VolumeExpand places new bricks for expandSize more GiB on the volume's
// cluster and returns the job that adds them.
func (a *App) VolumeExpand(ctx context.Context, id string, req *api.VolumeExpandRequest) (Job, error) {
	switch {
	case req.Size == 0:
		return nil, errs.New(errs.Invalid, "validation failed: expand_size: cannot be blank.")
	case req.Size < 0:
		return nil, errs.New(errs.Invalid, "validation failed: expand_size: must be no less than 1.")
	}
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	op := newOp(db.OpExpandVolume, db.PendingAction{Change: db.ChangeExpandVolume, ID: id, Delta: req.Size})
	var vol *db.Volume
	var placed *volumePlacement
	err = a.store.Update(func(w db.Writer) error {
		v, err := visibleVolume(w, id)
		if err != nil {
			return err
		}
		if v.PendingOpID != "" {
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		existing, err := w.VolumeBrickIDs(id)
		if err != nil {
			return err
		}
		plan, err := a.placeSize(w, []string{v.ClusterID}, v, req.Size, len(existing))
		if err != nil {
			return errs.Prefix("Failed to allocate volume expansion: ", err)
		}
		v.PendingOpID = op.ID
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		if err := w.PutVolume(v); err != nil {
			return err
		}
		vol = v
		placed, err = a.recordBricks(w, v, op, plan)
		return err
	})
	if err != nil {
		release()
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"volume": id, "op": op.ID, "expand_gib": req.Size})
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer release()
		defer a.untrack(op.ID)
		a.log.WithFields(map[string]any{"volume": id, "op": op.ID}).Info("Trying Expand Volume (attempt #1/1)")
		if err := a.execVolumeExpand(ctx, vol, op, placed); err != nil {
			log.WithError(err).Error("volume expand failed")
			// add-brick may have added some chunks before failing: let
			// gluster's view decide what may be destroyed.
			if done, rerr := a.settleExpand(context.WithoutCancel(ctx), vol, op, placed, req.Size); rerr != nil {
				a.markOpFailed(op, rerr)
			} else if done == "completed" {
				return "/volumes/" + id, nil
			}
			return "", err
		}
		if err := a.finalizeExpand(vol.ID, op, req.Size); err != nil {
			return "", err
		}
		log.Info("volume expanded")
		return "/volumes/" + id, nil
	}, nil
}

func (a *App) execVolumeExpand(ctx context.Context, vol *db.Volume, op *db.PendingOp, placed *volumePlacement) error {
	if err := a.startStepBatch(op, stepBricks, ""); err != nil {
		return err
	}
	hosts, err := a.brickHosts(placed.bricks)
	if err != nil {
		return err
	}
	if err := a.createBricks(ctx, vol, placed.bricks, hosts); err != nil {
		return err
	}
	host := hosts[placed.bricks[0].NodeID].manage
	if err := a.startStepBatch(op, stepAddBricks, host); err != nil {
		return err
	}
	req := volumeRequest(vol)
	for _, b := range placed.bricks {
		req.Bricks = append(req.Bricks, hosts[b.NodeID].storage+":"+b.Path)
	}
	return a.exec.VolumeExpand(ctx, host, req)
}

// rollbackExpand destroys new bricks that are not part of the gluster volume
// and restores the volume's visibility.
func (a *App) rollbackExpand(ctx context.Context, vol *db.Volume, op *db.PendingOp, placed *volumePlacement) error {
	if err := a.rollbackBricks(ctx, op, placed, false, vol); err != nil {
		return err
	}
	return a.store.Update(func(w db.Writer) error {
		v, err := w.Volume(vol.ID)
		if err != nil {
			return err
		}
		if v.PendingOpID == op.ID {
			v.PendingOpID = ""
			if err := w.PutVolume(v); err != nil {
				return err
			}
		}
		if err := w.DeletePendingOp(op.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// finalizeExpand grows the volume and makes its new bricks permanent.
func (a *App) finalizeExpand(volID string, op *db.PendingOp, delta int) error {
	return a.store.Batch(func(w db.Writer) error {
		v, err := w.Volume(volID)
		if err != nil {
			return err
		}
		if v.PendingOpID != op.ID {
			return nil // already finalized by an earlier run of this batch
		}
		bricks, err := volumeBricks(w, volID)
		if err != nil {
			return err
		}
		for _, b := range bricks {
			if b.PendingOpID == op.ID {
				b.PendingOpID = ""
				if err := w.PutBrick(b); err != nil {
					return err
				}
			}
		}
		v.SizeGiB += delta
		if v.Block {
			add := delta * 98 / 100
			v.BlockInfo.FreeSize += add
			v.BlockInfo.ReservedSize += delta - add
		}
		v.PendingOpID = ""
		if err := w.PutVolume(v); err != nil {
			return err
		}
		return w.DeletePendingOp(op.ID)
	})
}

func volumeRequest(vol *db.Volume) executors.VolumeRequest {
	return executors.VolumeRequest{ID: vol.ID, Name: vol.Name, Durability: durabilityOf(vol), Options: vol.Options}
}

// PlacementBrick is one brick of a dry-run placement.
type PlacementBrick struct {
	NodeID          string `json:"node"`
	ManageHostname  string `json:"manage_hostname"`
	StorageHostname string `json:"storage_hostname"`
	Zone            int    `json:"zone"`
	DeviceID        string `json:"device"`
	DeviceName      string `json:"device_name"`
	SizeKiB         uint64 `json:"size"`
	TpSizeKiB       uint64 `json:"thin_pool_size"`
	PoolMetaKiB     uint64 `json:"pool_metadata_size"`
	Arbiter         bool   `json:"arbiter,omitempty"`
}

// PlacementResponse is the answer of a dry run: where a volume would go.
type PlacementResponse struct {
	Cluster      string             `json:"cluster"`
	BrickSizeKiB uint64             `json:"brick_size"`
	BrickSets    [][]PlacementBrick `json:"brick_sets"`
}

// VolumePlacement answers where a volume create request would place its
// bricks, without creating anything or reserving space. Its errors are the
// ones VolumeCreate would give.
func (a *App) VolumePlacement(req *api.VolumeCreateRequest) (*PlacementResponse, error) {
	if err := a.validateVolumeCreate(req); err != nil {
		return nil, err
	}
	vol := &db.Volume{Name: req.Name, SizeGiB: req.Size, Durability: req.Durability, Snapshot: req.Snapshot,
		Options: a.effectiveOptions(req.GlusterVolumeOptions, req.Block), Block: req.Block}
	if vol.Name == "" {
		vol.Name = "vol_placement_dry_run"
	}
	var out *PlacementResponse
	err := a.store.View(func(r db.Reader) error {
		clusters, err := a.eligibleClusters(r, req, vol.Name)
		if err != nil {
			return err
		}
		plan, err := a.place(r, clusters, vol, 0)
		if err != nil {
			return errs.Prefix("Failed to allocate new volume: ", err)
		}
		out, err = placementResponse(r, plan)
		return err
	})
	return out, err
}

func placementResponse(r db.Reader, plan *allocator.Plan) (*PlacementResponse, error) {
	out := &PlacementResponse{Cluster: plan.ClusterID, BrickSizeKiB: plan.BrickSizeKiB, BrickSets: [][]PlacementBrick{}}
	for _, set := range plan.Sets {
		var bs []PlacementBrick
		for _, b := range set.Bricks {
			n, err := r.Node(b.NodeID)
			if err != nil {
				return nil, err
			}
			d, err := r.Device(b.DeviceID)
			if err != nil {
				return nil, err
			}
			bs = append(bs, PlacementBrick{
				NodeID: n.ID, ManageHostname: n.ManageHost(), StorageHostname: n.StorageHost(), Zone: n.Zone,
				DeviceID: d.ID, DeviceName: d.Name, SizeKiB: b.SizeKiB, TpSizeKiB: b.TpSizeKiB, PoolMetaKiB: b.PoolMetadataKiB, Arbiter: b.Arbiter,
			})
		}
		out.BrickSets = append(out.BrickSets, bs)
	}
	return out, nil
}

// onlineHosts returns the manage hosts of a cluster's online nodes, in node
// id order.
func (a *App) onlineHosts(clusterID string) ([]string, error) {
	var hosts []string
	err := a.store.View(func(r db.Reader) error {
		ids, err := r.ClusterNodeIDs(clusterID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			n, err := r.Node(id)
			if err != nil {
				return err
			}
			if n.State == api.EntryStateOnline {
				hosts = append(hosts, n.ManageHost())
			}
		}
		return nil
	})
	return hosts, err
}

// anyOnlineHost returns the first online node's manage host, or "".
func (a *App) anyOnlineHost(clusterID string) string {
	if hosts, err := a.onlineHosts(clusterID); err == nil && len(hosts) > 0 {
		return hosts[0]
	}
	return ""
}
