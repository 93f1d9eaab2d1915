package glusterfs

import (
	"context"
	"errors"
	"fmt"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
)

// gib is one GiB in bytes.
const gib = 1 << 30

// BlockVolumeDelete marks a block volume as being deleted and returns the
// job that deletes it with gluster-block and credits its space back to the
// hosting volume. The block volume is hidden from reads from then on.
func (a *App) BlockVolumeDelete(ctx context.Context, id string) (Job, error) {
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	op := newOp(db.OpDeleteBlockVolume, db.PendingAction{Change: db.ChangeDeleteBlockVol, ID: id})
	var bv *db.BlockVolume
	var hosting *db.Volume
	err = a.store.Update(func(w db.Writer) error {
		b, err := visibleBlockVolume(w, id)
		if err != nil {
			return err
		}
		if b.PendingOpID != "" {
			return errs.New(errs.Internal, "Failed to set up block volume delete: "+errs.TextConflict)
		}
		if hosting, err = w.Volume(b.BlockHostingVolume); err != nil {
			return err
		}
		b.PendingOpID = op.ID
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		bv = b
		return w.PutBlockVolume(b)
	})
	if err != nil {
		release()
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"blockvolume": id, "name": bv.Name, "op": op.ID})
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer release()
		defer a.untrack(op.ID)
		a.log.WithFields(map[string]any{"blockvolume": id, "op": op.ID}).Info("Trying Delete Block Volume (attempt #1/1)")
		if err := a.execBlockDelete(ctx, bv, hosting, op); err != nil {
			log.WithError(err).Error("block volume delete failed")
			if stepStarted(op, stepBlockDelete) && !definiteFailure(err) {
				// gluster-block delete may have run (the node did not
				// answer): keep the operation for a cleanup to finish
				// (delete is idempotent) rather than show a block volume
				// that may be gone.
				a.markOpFailed(op, err)
				return "", err
			}
			if uerr := a.unmarkBlockVolume(bv.ID, op.ID, 0); uerr != nil {
				a.markOpFailed(op, uerr)
			}
			return "", err
		}
		log.Info("block volume deleted")
		return "", nil
	}, nil
}

// execBlockDelete runs gluster-block delete on a verified host of the
// cluster and then drops the record.
func (a *App) execBlockDelete(ctx context.Context, bv *db.BlockVolume, hosting *db.Volume, op *db.PendingOp) error {
	host, err := a.verifiedHost(ctx, hosting.ClusterID)
	if err != nil {
		return err
	}
	if err := a.startStepBatch(op, stepBlockDelete, host); err != nil {
		return err
	}
	if err := a.exec.BlockVolumeDestroy(ctx, host, hosting.Name, bv.Name); err != nil {
		return err
	}
	return a.finishBlockDelete(bv.ID, op.ID)
}

// finishBlockDelete removes a deleted block volume's record and credits its
// size back to the hosting volume, in one transaction (so it is idempotent).
func (a *App) finishBlockDelete(bvID, opID string) error {
	return a.store.Update(func(w db.Writer) error {
		bv, err := w.BlockVolume(bvID)
		switch {
		case errs.Is(err, errs.NotFound):
		case err != nil:
			return err
		default:
			if err := w.DeleteBlockVolume(bvID); err != nil {
				return err
			}
			if err := creditBlockSpace(w, bv.BlockHostingVolume, bv.SizeGiB); err != nil {
				return err
			}
		}
		if err := w.DeletePendingOp(opID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// unmarkBlockVolume clears a block volume's pending marker, gives credit GiB
// back to its hosting volume and deletes the operation.
func (a *App) unmarkBlockVolume(bvID, opID string, credit int) error {
	return a.store.Update(func(w db.Writer) error {
		bv, err := w.BlockVolume(bvID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if bv != nil && bv.PendingOpID == opID {
			bv.PendingOpID = ""
			if err := w.PutBlockVolume(bv); err != nil {
				return err
			}
			if credit > 0 {
				if err := creditBlockSpace(w, bv.BlockHostingVolume, credit); err != nil {
					return err
				}
			}
		}
		if err := w.DeletePendingOp(opID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// BlockVolumeExpand grows a block volume to req.NewSize GiB (an absolute
// size), reserving the difference on its hosting volume, and returns the job
// that runs gluster-block modify.
func (a *App) BlockVolumeExpand(ctx context.Context, id string, req *api.BlockVolumeExpandRequest) (Job, error) {
	switch {
	case req.NewSize == 0:
		return nil, errs.New(errs.Invalid, "validation failed: new_size: cannot be blank.")
	case req.NewSize < 0:
		return nil, errs.New(errs.Invalid, "validation failed: new_size: must be no less than 1.")
	}
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	op := newOp(db.OpExpandBlockVolume)
	var bv *db.BlockVolume
	var hosting *db.Volume
	err = a.store.Update(func(w db.Writer) error {
		b, err := visibleBlockVolume(w, id)
		if err != nil {
			return err
		}
		if b.PendingOpID != "" {
			return errs.New(errs.Internal, errs.TextConflict)
		}
		switch {
		case req.NewSize < b.SizeGiB:
			return errs.Newf(errs.Internal, "Requested new-size %d is less than current block volume size %d, shrinking is not allowed.", req.NewSize, b.SizeGiB)
		case req.NewSize == b.SizeGiB:
			return errs.Newf(errs.Internal, "Requested new-size %d is same as current block volume size %d, nothing to be done.", req.NewSize, b.SizeGiB)
		}
		delta := req.NewSize - b.SizeGiB
		hv, err := w.Volume(b.BlockHostingVolume)
		if err != nil {
			return err
		}
		if hv.BlockInfo.FreeSize < delta {
			return errs.New(errs.NoSpace, errs.TextNoSpace)
		}
		hv.BlockInfo.FreeSize -= delta
		if err := w.PutVolume(hv); err != nil {
			return err
		}
		op.Actions = append(op.Actions, db.PendingAction{Change: db.ChangeExpandBlockVol, ID: id, Delta: delta})
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		b.PendingOpID = op.ID
		bv, hosting = b, hv
		return w.PutBlockVolume(b)
	})
	if err != nil {
		release()
		return nil, err
	}
	delta := req.NewSize - bv.SizeGiB
	log := a.log.WithFields(map[string]any{"blockvolume": id, "op": op.ID, "new_size_gib": req.NewSize})
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer release()
		defer a.untrack(op.ID)
		a.log.WithFields(map[string]any{"blockvolume": id, "op": op.ID}).Info("Trying Expand Block Volume (attempt #1/1)")
		err := a.execBlockExpand(ctx, bv, hosting, op, req.NewSize)
		if err != nil {
			log.WithError(err).Error("block volume expand failed")
			if stepStarted(op, stepBlockExpand) {
				// gluster-block modify may have run: its size decides.
				done, rerr := a.recoverBlockExpand(context.WithoutCancel(ctx), op)
				if rerr != nil {
					a.markOpFailed(op, rerr)
				} else if done == "completed" {
					return "/blockvolumes/" + id, nil
				}
				return "", err
			}
			if uerr := a.unmarkBlockVolume(bv.ID, op.ID, delta); uerr != nil {
				a.markOpFailed(op, uerr)
			}
			return "", err
		}
		if err := a.finalizeBlockExpand(bv.ID, op.ID, delta); err != nil {
			return "", err
		}
		log.Info("block volume expanded")
		return "/blockvolumes/" + id, nil
	}, nil
}

func (a *App) execBlockExpand(ctx context.Context, bv *db.BlockVolume, hosting *db.Volume, op *db.PendingOp, newSize int) error {
	host, err := a.verifiedHost(ctx, hosting.ClusterID)
	if err != nil {
		return err
	}
	if err := a.startStepBatch(op, stepBlockExpand, host); err != nil {
		return err
	}
	return a.exec.BlockVolumeExpand(ctx, host, hosting.Name, bv.Name, newSize)
}

// finalizeBlockExpand grows the block volume record by delta GiB.
func (a *App) finalizeBlockExpand(bvID, opID string, delta int) error {
	return a.store.Batch(func(w db.Writer) error {
		bv, err := w.BlockVolume(bvID)
		if err != nil {
			return err
		}
		if bv.PendingOpID != opID {
			return nil // already finalized by an earlier run of this batch
		}
		bv.SizeGiB += delta
		if bv.UsableSizeGiB != 0 {
			bv.UsableSizeGiB = bv.SizeGiB
		}
		bv.PendingOpID = ""
		if err := w.PutBlockVolume(bv); err != nil {
			return err
		}
		if err := w.DeletePendingOp(opID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// VolumeSetBlockRestriction validates a restriction change and returns the
// job that applies it (facts 5.4): "" unlocks, "locked" locks a
// block-hosting volume against new block volumes. Unlocking a volume locked
// by an update first reserves Heketi's 2% when it was never reserved.
func (a *App) VolumeSetBlockRestriction(ctx context.Context, id string, req *api.VolumeBlockRestrictionRequest) (Job, error) {
	switch req.Restriction {
	case api.Unrestricted, api.Locked:
	default:
		return nil, errs.New(errs.Invalid, textRestrictionInvalid)
	}
	err := a.store.View(func(r db.Reader) error {
		_, err := visibleVolume(r, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	want := req.Restriction
	return func(ctx context.Context) (string, error) {
		defer release()
		err := a.store.Update(func(w db.Writer) error {
			v, err := visibleVolume(w, id)
			if err != nil {
				return err
			}
			if !v.Block {
				return errs.New(errs.Internal, textRestrictionNonBlock)
			}
			if v.BlockInfo.Restriction == api.LockedByUpdate && v.BlockInfo.ReservedSize == 0 {
				need := v.SizeGiB - reducedSize(v.SizeGiB)
				if v.BlockInfo.FreeSize < need {
					return errs.New(errs.Internal, fmt.Sprintf("Can not unlock volume. %dGiB free space is required, but found %dGiB", need, v.BlockInfo.FreeSize))
				}
				v.BlockInfo.FreeSize -= need
				v.BlockInfo.ReservedSize += need
			}
			v.BlockInfo.Restriction = want
			return w.PutVolume(v)
		})
		if err != nil {
			return "", err
		}
		a.log.WithFields(map[string]any{"volume": id, "restriction": string(want)}).Info("block restriction set")
		return "/volumes/" + id, nil
	}, nil
}

// definiteFailure reports whether err is a command that ran and refused (so
// nothing changed), as opposed to a transport failure or a timeout, after
// which the command may or may not have run.
func definiteFailure(err error) bool {
	var ce *executors.CommandError
	return errors.As(err, &ce) && !ce.TimedOut
}
