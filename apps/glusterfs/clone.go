package glusterfs

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// stepClone is recorded before the clone sequence starts on a node.
const stepClone = "clone"

// VolumeClone records a clone of a volume and returns the job that makes it
// with a gluster snapshot (facts 7.8). The clone shares its source's thin
// pools, so it reserves no device space; it is hidden until it exists.
func (a *App) VolumeClone(ctx context.Context, srcID string, req *api.VolumeCloneRequest) (Job, error) {
	if !api.ValidVolumeName(req.Name) {
		return nil, errs.New(errs.Invalid, "validation failed: name: must be in a valid format.")
	}
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	clone := &db.Volume{ID: idgen.New()}
	op := newOp(db.OpCloneVolume,
		db.PendingAction{Change: db.ChangeCloneVolume, ID: srcID},
		db.PendingAction{Change: db.ChangeAddVolumeClone, ID: clone.ID})
	var src *db.Volume
	err = a.store.Update(func(w db.Writer) error {
		v, err := visibleVolume(w, srcID)
		if err != nil {
			return err
		}
		if v.Block {
			return errs.New(errs.Internal, fmt.Sprintf("Failed clone volume %s: Cloning of block hosting volumes is not supported", srcID))
		}
		if v.PendingOpID != "" {
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		src = v
		*clone = db.Volume{
			ID: clone.ID, ClusterID: v.ClusterID, Name: req.Name, SizeGiB: v.SizeGiB, Durability: v.Durability,
			Gid: v.Gid, Options: append([]string(nil), v.Options...), Snapshot: v.Snapshot, PendingOpID: op.ID,
		}
		if clone.Name == "" {
			clone.Name = "vol_" + clone.ID
		}
		if id, err := w.VolumeIDByName(v.ClusterID, clone.Name); err != nil {
			return err
		} else if id != "" {
			return errs.New(errs.Conflict, fmt.Sprintf("Failed clone volume %s: Volume name '%s' already in use", srcID, clone.Name))
		}
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		return w.PutVolume(clone)
	})
	if err != nil {
		release()
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"volume": srcID, "clone": clone.ID, "op": op.ID})
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer release()
		defer a.untrack(op.ID)
		if err := a.execClone(ctx, src, clone, op); err != nil {
			log.WithError(err).Error("volume clone failed")
			return "", err
		}
		log.Info("volume cloned")
		return "/volumes/" + clone.ID, nil
	}, nil
}

// execClone runs the clone on the first online node of the cluster and
// records the clone's bricks.
func (a *App) execClone(ctx context.Context, src, clone *db.Volume, op *db.PendingOp) error {
	var host string
	var srcBricks []*db.Brick
	err := a.store.View(func(r db.Reader) error {
		ids, err := r.ClusterNodeIDs(src.ClusterID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			n, err := r.Node(id)
			if err != nil {
				return err
			}
			if n.State == api.EntryStateOnline && host == "" {
				host = n.ManageHost()
			}
		}
		srcBricks, err = volumeBricks(r, src.ID)
		return err
	})
	// Before the clone started on a node, a failure only has records to undo.
	undo := func(err error) error {
		op.Steps = nil
		if rerr := a.rollbackClone(context.WithoutCancel(ctx), host, clone, op); rerr != nil {
			a.markOpFailed(op, rerr)
		}
		return err
	}
	if err != nil {
		return undo(err)
	}
	if host == "" {
		return undo(errs.New(errs.Internal, errs.TextNoNodes))
	}
	if err := a.startStepBatch(op, stepClone, host); err != nil {
		return undo(err)
	}
	res, err := a.exec.VolumeClone(ctx, host, src.Name, clone.Name)
	if err == nil {
		err = a.recordClone(ctx, host, src, clone, op, srcBricks, res.UUID, res.Bricks)
	}
	if err != nil {
		bg := context.WithoutCancel(ctx)
		// Only a clone gluster reported making (it has a uuid) is ours to
		// destroy: a failure before that may mean the name was taken.
		if res == nil || res.UUID == "" {
			op.Steps = nil
		}
		rerr := a.rollbackClone(bg, host, clone, op)
		if rerr == nil && res != nil && res.UUID != "" {
			// gluster volume delete leaves a clone's snapshot bricks mounted.
			rerr = a.destroyCloneBricks(bg, host, src, srcBricks, res.UUID)
		}
		if rerr != nil {
			a.markOpFailed(op, rerr)
		}
		return err
	}
	return nil
}

// destroyCloneBricks removes the snapshot bricks of a clone that never got
// database records: brick i of the clone sits at
// /run/gluster/snaps/<uuid>/brick<i+1> on the node of its source's brick i.
func (a *App) destroyCloneBricks(ctx context.Context, host string, src *db.Volume, srcBricks []*db.Brick, uuid string) error {
	order, _, err := a.exec.VolumeBricks(ctx, host, src.Name)
	if err != nil {
		return err
	}
	hosts, err := a.brickHosts(srcBricks)
	if err != nil {
		return err
	}
	byArg := map[string]*db.Brick{}
	for _, b := range srcBricks {
		byArg[hosts[b.NodeID].storage+":"+b.Path] = b
	}
	dir := strings.ReplaceAll(uuid, "-", "")
	var bricks []*db.Brick
	for i, arg := range order {
		sb := byArg[arg]
		if sb == nil {
			continue
		}
		p := fmt.Sprintf("/run/gluster/snaps/%s/brick%d/brick", dir, i+1)
		bricks = append(bricks, &db.Brick{ID: "clone", DeviceID: sb.DeviceID, NodeID: sb.NodeID, Path: p, ThinPool: sb.ThinPool, LV: cloneLV(uuid, p)})
	}
	return a.destroyBricks(ctx, bricks, hosts)
}

// recordClone maps the clone's bricks to its source's (same position in
// gluster's order) and makes the clone visible.
func (a *App) recordClone(ctx context.Context, host string, src, clone *db.Volume, op *db.PendingOp, srcBricks []*db.Brick, uuid string, cloneBricks []string) error {
	order, _, err := a.exec.VolumeBricks(ctx, host, src.Name)
	if err != nil {
		return err
	}
	hosts, err := a.brickHosts(srcBricks)
	if err != nil {
		return err
	}
	byArg := map[string]*db.Brick{}
	for _, b := range srcBricks {
		byArg[hosts[b.NodeID].storage+":"+b.Path] = b
	}
	if len(order) != len(cloneBricks) {
		return errs.Newf(errs.Internal, "clone %s has %d bricks, its source %d", clone.Name, len(cloneBricks), len(order))
	}
	var records []*db.Brick
	for i, arg := range order {
		sb := byArg[arg]
		if sb == nil {
			return errs.Newf(errs.Internal, "brick %s of volume %s is not in the database", arg, src.Name)
		}
		_, p, _ := strings.Cut(cloneBricks[i], ":")
		records = append(records, &db.Brick{
			ID: idgen.New(), VolumeID: clone.ID, DeviceID: sb.DeviceID, NodeID: sb.NodeID, Path: p,
			SizeKiB: sb.SizeKiB, ThinPool: sb.ThinPool, LV: cloneLV(uuid, p), SubType: sb.SubType,
		})
	}
	return a.store.Update(func(w db.Writer) error {
		for _, b := range records {
			if err := w.PutBrick(b); err != nil {
				return err
			}
		}
		v, err := w.Volume(clone.ID)
		if err != nil {
			return err
		}
		v.PendingOpID = ""
		if err := w.PutVolume(v); err != nil {
			return err
		}
		return w.DeletePendingOp(op.ID)
	})
}

// cloneLV names a clone brick's LV from its mount path
// /run/gluster/snaps/<uuid>/brick<N>/brick: <uuid without dashes>_<N-1>, as
// the captures show (facts 7.6 says _0 for every brick; real gluster counts).
func cloneLV(uuid, brickPath string) string {
	n := 1
	if dir := path.Base(path.Dir(brickPath)); strings.HasPrefix(dir, "brick") {
		if v, err := strconv.Atoi(strings.TrimPrefix(dir, "brick")); err == nil && v > 0 {
			n = v
		}
	}
	return strings.ReplaceAll(uuid, "-", "") + "_" + strconv.Itoa(n-1)
}

// rollbackClone deletes a half-made clone volume and its record.
func (a *App) rollbackClone(ctx context.Context, host string, clone *db.Volume, op *db.PendingOp) error {
	if stepStarted(op, stepClone) {
		if err := a.exec.VolumeDestroy(ctx, host, clone.Name); err != nil {
			return err
		}
	}
	return a.store.Update(func(w db.Writer) error {
		bricks, err := volumeBricks(w, clone.ID)
		if err != nil {
			return err
		}
		for _, b := range bricks {
			if err := w.DeleteBrick(b.ID); err != nil {
				return err
			}
		}
		if err := w.DeleteVolume(clone.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return w.DeletePendingOp(op.ID)
	})
}

// recoverClone undoes a clone interrupted by a stop.
func (a *App) recoverClone(ctx context.Context, op *db.PendingOp) error {
	cloneID, err := actionID(op, db.ChangeAddVolumeClone)
	if err != nil {
		return err
	}
	var clone *db.Volume
	err = a.store.View(func(r db.Reader) error {
		clone, err = r.Volume(cloneID)
		return err
	})
	if errs.Is(err, errs.NotFound) {
		return a.dropOp(op.ID)
	}
	if err != nil {
		return err
	}
	host := ""
	for _, s := range op.Steps {
		if s.Name == stepClone {
			host = s.Host
		}
	}
	if stepStarted(op, stepClone) {
		// The crash may have come before gluster made the clone, and a
		// volume of that name made since by someone else is not ours to
		// delete. A clone carries its source's user.heketi.id (gluster
		// copies the options), so that says whether it is ours.
		srcID, err := actionID(op, db.ChangeCloneVolume)
		if err != nil {
			return err
		}
		id, exists, err := a.exec.VolumeHeketiID(ctx, host, clone.Name)
		if err != nil {
			return err
		}
		if !exists || (id != srcID && id != clone.ID) {
			if exists {
				a.log.WithField("volume", clone.Name).Warn("a gluster volume of this name exists but is not this clone: left alone")
			}
			op.Steps = nil
		}
	}
	return a.rollbackClone(ctx, host, clone, op)
}
