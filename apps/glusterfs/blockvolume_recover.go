package glusterfs

import (
	"context"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
)

// recoverBlockCreate undoes an interrupted block volume create: the block
// volume (if its creation started), a hosting volume created with it, the
// records and the reserved space.
func (a *App) recoverBlockCreate(ctx context.Context, op *db.PendingOp) error {
	return a.rollbackBlockCreate(ctx, op)
}

// recoverBlockDelete finishes an interrupted block volume delete: the delete
// is repeated (a block volume already gone counts as deleted) and the record
// dropped with its space credited back.
func (a *App) recoverBlockDelete(ctx context.Context, op *db.PendingOp) error {
	bvID, err := actionID(op, db.ChangeDeleteBlockVol)
	if err != nil {
		return err
	}
	bv, hosting, err := a.blockVolumeAndHost(bvID)
	if errs.Is(err, errs.NotFound) {
		return a.finishBlockDelete(bvID, op.ID)
	}
	if err != nil {
		return err
	}
	op.Steps = nil
	if err := a.execBlockDelete(ctx, bv, hosting, op); err != nil {
		return err
	}
	return nil
}

// recoverBlockExpand settles an interrupted block volume expand: when
// gluster-block modify may have run, gluster-block info tells whether the
// block volume already has its new size (finish) or not (roll back).
func (a *App) recoverBlockExpand(ctx context.Context, op *db.PendingOp) (string, error) {
	var bvID string
	delta := 0
	for _, act := range op.Actions {
		if act.Change == db.ChangeExpandBlockVol {
			bvID, delta = act.ID, act.Delta
		}
	}
	if bvID == "" {
		return "rolled back", a.dropOp(op.ID)
	}
	bv, hosting, err := a.blockVolumeAndHost(bvID)
	if errs.Is(err, errs.NotFound) {
		return "rolled back", a.dropOp(op.ID)
	}
	if err != nil {
		return "", err
	}
	if bv.PendingOpID != op.ID {
		return "rolled back", a.dropOp(op.ID)
	}
	if stepStarted(op, stepBlockExpand) {
		host := stepHost(op, stepBlockExpand)
		if host == "" {
			if host, err = a.verifiedHost(ctx, hosting.ClusterID); err != nil {
				return "", err
			}
		}
		size, exists, err := a.exec.BlockVolumeSize(ctx, host, hosting.Name, bv.Name)
		if err != nil {
			return "", err
		}
		if exists && size >= uint64(bv.SizeGiB+delta)*gib {
			return "completed", a.finalizeBlockExpand(bv.ID, op.ID, delta)
		}
	}
	return "rolled back", a.unmarkBlockVolume(bv.ID, op.ID, delta)
}

// blockVolumeAndHost reads a block volume and its hosting volume.
func (a *App) blockVolumeAndHost(bvID string) (*db.BlockVolume, *db.Volume, error) {
	var bv *db.BlockVolume
	var hosting *db.Volume
	err := a.store.View(func(r db.Reader) error {
		var err error
		if bv, err = r.BlockVolume(bvID); err != nil {
			return err
		}
		hosting, err = r.Volume(bv.BlockHostingVolume)
		return err
	})
	return bv, hosting, err
}
