package glusterfs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/basalt-storage/basalt/allocator"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// Step names of volume operations.
const (
	stepBricks      = "bricks"         // brick creation started on the nodes
	stepVolume      = "gluster-volume" // gluster volume create started
	stepAddBricks   = "add-bricks"     // gluster add-brick started (expand)
	stepDestroyVol  = "destroy-volume"
	stepDestroyBrks = "destroy-bricks"
)

// heketiDBVolume is the name of the volume holding Heketi's own database;
// Heketi refuses to delete it.
const heketiDBVolume = "heketidbstorage"

// volumePlacement is an allocation applied to the records of one transaction.
type volumePlacement struct {
	clusterID string
	bricks    []*db.Brick // in allocation order, set by set
}

// VolumeCreate validates a request, places its bricks and records the whole
// plan (volume, bricks, reserved space, pending operation) in one
// transaction, then returns the job that creates it on the nodes. The name is
// claimed in that same transaction, so two concurrent creates of one name
// cannot both succeed.
func (a *App) VolumeCreate(ctx context.Context, req *api.VolumeCreateRequest) (Job, error) {
	if err := a.validateVolumeCreate(req); err != nil {
		return nil, err
	}
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	vol := &db.Volume{
		ID:         idgen.New(),
		Name:       req.Name,
		SizeGiB:    req.Size,
		Durability: req.Durability,
		Gid:        req.Gid,
		Options:    a.effectiveOptions(req.GlusterVolumeOptions, req.Block),
		Block:      req.Block,
		Snapshot:   req.Snapshot,
	}
	if vol.Name == "" {
		vol.Name = "vol_" + vol.ID
	}
	if vol.Block {
		vol.BlockInfo.FreeSize = vol.SizeGiB * 98 / 100
		vol.BlockInfo.ReservedSize = vol.SizeGiB - vol.BlockInfo.FreeSize
	}
	op := newOp(db.OpCreateVolume, db.PendingAction{Change: db.ChangeAddVolume, ID: vol.ID})
	vol.PendingOpID = op.ID

	var placed *volumePlacement
	firstActions := op.Actions
	// Batch coalesces concurrent creates into one commit; the function may
	// run more than once, so it starts from the same state every time.
	err = a.store.Batch(func(w db.Writer) error {
		op.Actions = append([]db.PendingAction(nil), firstActions...)
		// Brick creation is the job's first step: recording it as started
		// here saves a commit (destroying bricks that were never made is a
		// no-op for recovery).
		op.Steps = []db.OpStep{{Name: stepBricks, Started: true}}
		placed = nil
		clusters, err := a.eligibleClusters(w, req, vol.Name)
		if err != nil {
			return err
		}
		plan, err := a.place(w, clusters, vol, 0)
		if err != nil {
			return errs.Prefix("Failed to allocate new volume: ", err)
		}
		vol.ClusterID = plan.ClusterID
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		if err := w.PutVolume(vol); err != nil {
			return err
		}
		placed, err = a.recordBricks(w, vol, op, plan)
		return err
	})
	if err != nil {
		release()
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"volume": vol.ID, "name": vol.Name, "op": op.ID})
	log.WithField("bricks", len(placed.bricks)).Debug("volume create planned")
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer release()
		defer a.untrack(op.ID)
		if err := a.createVolumeWithRetries(ctx, vol, op, placed); err != nil {
			log.WithError(err).Error("volume create failed")
			return "", err
		}
		log.Info("volume created")
		return "/volumes/" + vol.ID, nil
	}, nil
}

// eligibleClusters applies Heketi's cluster filter (facts 8.1 step 2) and
// returns the candidates in request order (or id order).
func (a *App) eligibleClusters(r db.Reader, req *api.VolumeCreateRequest, name string) ([]string, error) {
	all, err := r.ClusterIDs()
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, errs.New(errs.Invalid, "No clusters configured")
	}
	candidates := req.Clusters
	if len(candidates) == 0 {
		candidates = all
	}
	type failure struct{ id, msg string }
	var fails []failure
	var ok []string
	for _, cid := range candidates {
		c, err := r.Cluster(cid)
		if errs.Is(err, errs.NotFound) {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("Cluster id %s not found", cid))
		}
		if err != nil {
			return nil, err
		}
		switch {
		case !c.Block && !c.File:
			fails = append(fails, failure{cid, "Cluster has disabled all volume types"})
			continue
		case req.Block && !c.Block, !req.Block && !c.File:
			fails = append(fails, failure{cid, "Cluster does not support requested volume type"})
			continue
		}
		if id, err := r.VolumeIDByName(cid, name); err != nil {
			return nil, err
		} else if id != "" {
			fails = append(fails, failure{cid, fmt.Sprintf("Volume name '%s' already in use", name)})
			continue
		}
		if max := a.cfg.MaxVolumesPerCluster; max > 0 {
			vols, err := r.ClusterVolumeIDs(cid)
			if err != nil {
				return nil, err
			}
			if len(vols) >= max {
				fails = append(fails, failure{cid, fmt.Sprintf("Cluster has %d volumes and limit is %d", len(vols), max)})
				continue
			}
		}
		ok = append(ok, cid)
	}
	if len(ok) > 0 {
		return ok, nil
	}
	switch len(fails) {
	case 0:
		return nil, errs.New(errs.NoSpace, "Failed to allocate new volume: "+errs.TextNoSpace)
	case 1:
		return nil, errs.New(errs.NoSpace, "Failed to allocate new volume: "+fails[0].msg)
	}
	lines := []string{"Failed to allocate new volume: No eligible cluster for volume"}
	for _, f := range fails {
		lines = append(lines, fmt.Sprintf("Cluster %s: %s", f.id, f.msg))
	}
	return nil, errs.New(errs.NoSpace, strings.Join(lines, "\n"))
}

// allocatorRequest translates a volume into a placement request.
func (a *App) allocatorRequest(vol *db.Volume, sizeGiB, existingBricks int) (allocator.Request, error) {
	arbiter, zone, tagMatch, avg, err := allocator.ParseVolumeOptions(vol.Options)
	if err != nil {
		return allocator.Request{}, err
	}
	if zone == "" {
		zone = a.cfg.ZoneChecking
	}
	if avg == 0 {
		avg = a.cfg.AverageFileSizeKB
	}
	factor := float64(vol.Snapshot.Factor)
	if !vol.Snapshot.Enable || factor < 1 {
		factor = 1
	}
	return allocator.Request{
		SizeGiB: sizeGiB,
		Durability: allocator.Durability{
			Type:       string(vol.Durability.Type),
			Replica:    vol.Durability.Replicate.Replica,
			Data:       vol.Durability.Disperse.Data,
			Redundancy: vol.Durability.Disperse.Redundancy,
		},
		Arbiter:            arbiter,
		SnapshotFactor:     factor,
		ZoneChecking:       zone,
		TagMatch:           tagMatch,
		AverageFileSizeKiB: avg,
		BrickMinKiB:        uint64(a.cfg.BrickMinSizeGB) * kibPerGiB,
		BrickMaxKiB:        uint64(a.cfg.BrickMaxSizeGB) * kibPerGiB,
		MaxBricksPerVolume: a.cfg.MaxBricksPerVolume,
		ExistingBricks:     existingBricks,
	}, nil
}

// place runs the allocator over the candidate clusters.
func (a *App) place(r db.Reader, clusterIDs []string, vol *db.Volume, existingBricks int) (*allocator.Plan, error) {
	return a.placeSize(r, clusterIDs, vol, vol.SizeGiB, existingBricks)
}

func (a *App) placeSize(r db.Reader, clusterIDs []string, vol *db.Volume, sizeGiB, existingBricks int) (*allocator.Plan, error) {
	areq, err := a.allocatorRequest(vol, sizeGiB, existingBricks)
	if err != nil {
		return nil, err
	}
	clusters := make([]allocator.Cluster, 0, len(clusterIDs))
	for _, cid := range clusterIDs {
		c, err := topologyOf(r, cid, a.NodeHealthy)
		if err != nil {
			return nil, err
		}
		clusters = append(clusters, c)
	}
	return allocator.PlaceAny(clusters, areq)
}

// topologyOf builds the allocator's read-only view of one cluster. Nodes
// for which healthy is false (glusterd down, health.go) get no new bricks.
func topologyOf(r db.Reader, clusterID string, healthy func(nodeID string) bool) (allocator.Cluster, error) {
	c := allocator.Cluster{ID: clusterID}
	nodeIDs, err := r.ClusterNodeIDs(clusterID)
	if err != nil {
		return c, err
	}
	for _, nid := range nodeIDs {
		n, err := r.Node(nid)
		if err != nil {
			return c, err
		}
		if hidden, err := beingAdded(r, n.PendingOpID); err != nil {
			return c, err
		} else if hidden {
			continue
		}
		an := allocator.Node{ID: n.ID, Zone: n.Zone, Tags: n.Tags, Usable: n.State == api.EntryStateOnline && healthy(n.ID)}
		devIDs, err := r.NodeDeviceIDs(nid)
		if err != nil {
			return c, err
		}
		for _, did := range devIDs {
			d, err := r.Device(did)
			if err != nil {
				return c, err
			}
			an.Devices = append(an.Devices, allocator.Device{
				ID:            d.ID,
				Tags:          d.Tags,
				Usable:        d.State == api.EntryStateOnline && d.PendingOpID == "",
				FreeKiB:       d.FreeKiB,
				ExtentSizeKiB: d.ExtentSizeKiB,
			})
		}
		c.Nodes = append(c.Nodes, an)
	}
	return c, nil
}

// recordBricks writes the bricks of a plan, marked pending with op, and
// reserves their space on the devices.
func (a *App) recordBricks(w db.Writer, vol *db.Volume, op *db.PendingOp, plan *allocator.Plan) (*volumePlacement, error) {
	placed := &volumePlacement{clusterID: plan.ClusterID}
	for _, set := range plan.Sets {
		for _, pb := range set.Bricks {
			id := idgen.New()
			b := &db.Brick{
				ID:                  id,
				VolumeID:            vol.ID,
				DeviceID:            pb.DeviceID,
				NodeID:              pb.NodeID,
				Path:                fmt.Sprintf("/var/lib/heketi/mounts/vg_%s/brick_%s/brick", pb.DeviceID, id),
				SizeKiB:             pb.SizeKiB,
				TpSizeKiB:           pb.TpSizeKiB,
				PoolMetadataSizeKiB: pb.PoolMetadataKiB,
				ThinPool:            "tp_" + id,
				LV:                  "brick_" + id,
				SubType:             db.BrickSubTypeNormal,
				PendingOpID:         op.ID,
			}
			if pb.Arbiter {
				b.SubType = db.BrickSubTypeArbiter
			}
			d, err := w.Device(pb.DeviceID)
			if err != nil {
				return nil, err
			}
			need := b.TpSizeKiB + b.PoolMetadataSizeKiB
			if d.FreeKiB < need {
				return nil, errs.Newf(errs.Internal, "allocator placed a brick on device %s beyond its free space", d.ID)
			}
			d.FreeKiB -= need
			d.UsedKiB += need
			if err := w.PutDevice(d); err != nil {
				return nil, err
			}
			if err := w.PutBrick(b); err != nil {
				return nil, err
			}
			op.Actions = append(op.Actions, db.PendingAction{Change: db.ChangeAddBrick, ID: b.ID})
			placed.bricks = append(placed.bricks, b)
		}
	}
	return placed, w.PutPendingOp(op)
}

// createVolumeWithRetries runs the create; a failed attempt is rolled back
// and re-planned on a fresh allocation, as Heketi does (facts 9.2).
func (a *App) createVolumeWithRetries(ctx context.Context, vol *db.Volume, op *db.PendingOp, placed *volumePlacement) error {
	attempts := a.cfg.VolumeCreateRetries + 1
	for attempt := 1; ; attempt++ {
		a.log.WithFields(map[string]any{"volume": vol.ID, "op": op.ID}).Infof("Trying Create Volume (attempt #%d/%d)", attempt, attempts)
		err := a.execVolumeCreate(ctx, vol, op, placed)
		if err == nil {
			return a.finalizeCreate(vol, op)
		}
		// A gluster volume that already existed under this name is not ours
		// to destroy.
		ours := stepStarted(op, stepVolume) && !strings.Contains(err.Error(), "already exists")
		if rerr := a.rollbackBricks(context.WithoutCancel(ctx), op, placed, ours, vol); rerr != nil {
			a.markOpFailed(op, rerr)
			return err
		}
		if attempt >= attempts || ctx.Err() != nil {
			if derr := a.forgetVolume(vol.ID, op.ID); derr != nil {
				a.markOpFailed(op, derr)
			}
			return err
		}
		// Re-plan on the same cluster with the same volume record.
		op.Steps = []db.OpStep{{Name: stepBricks, Started: true}} // recorded with the new bricks
		var next *volumePlacement
		perr := a.store.Update(func(w db.Writer) error {
			plan, err := a.place(w, []string{vol.ClusterID}, vol, 0)
			if err != nil {
				return err
			}
			next, err = a.recordBricks(w, vol, op, plan)
			return err
		})
		if perr != nil {
			if derr := a.forgetVolume(vol.ID, op.ID); derr != nil {
				a.markOpFailed(op, derr)
			}
			return err
		}
		placed = next
	}
}

// execVolumeCreate creates the bricks (nodes in parallel, one node's bricks in
// order) and then the gluster volume.
func (a *App) execVolumeCreate(ctx context.Context, vol *db.Volume, op *db.PendingOp, placed *volumePlacement) error {
	if !stepStarted(op, stepBricks) {
		if err := a.startStepBatch(op, stepBricks, ""); err != nil {
			return err
		}
	}
	hosts, err := a.brickHosts(placed.bricks)
	if err != nil {
		return err
	}
	if err := a.createBricks(ctx, vol, placed.bricks, hosts); err != nil {
		return err
	}
	if err := a.startStepBatch(op, stepVolume, hosts[placed.bricks[0].NodeID].manage); err != nil {
		return err
	}
	req := executors.VolumeRequest{ID: vol.ID, Name: vol.Name, Durability: durabilityOf(vol), Options: vol.Options}
	for _, b := range placed.bricks {
		req.Bricks = append(req.Bricks, hosts[b.NodeID].storage+":"+b.Path)
	}
	return a.exec.VolumeCreate(ctx, hosts[placed.bricks[0].NodeID].manage, req)
}

// nodeHosts are a node's manage and storage hostnames.
type nodeHosts struct{ manage, storage string }

func (a *App) brickHosts(bricks []*db.Brick) (map[string]nodeHosts, error) {
	hosts := map[string]nodeHosts{}
	err := a.store.View(func(r db.Reader) error {
		for _, b := range bricks {
			if _, ok := hosts[b.NodeID]; ok {
				continue
			}
			n, err := r.Node(b.NodeID)
			if err != nil {
				return err
			}
			hosts[b.NodeID] = nodeHosts{n.ManageHost(), n.StorageHost()}
		}
		return nil
	})
	return hosts, err
}

func brickRequest(b *db.Brick, gid int64) executors.BrickRequest {
	return executors.BrickRequest{
		ID: b.ID, DeviceID: b.DeviceID, ThinPool: b.ThinPool, LV: b.LV, Path: b.Path,
		SizeKiB: b.SizeKiB, TpSizeKiB: b.TpSizeKiB, PoolMetadataSizeKiB: b.PoolMetadataSizeKiB,
		Gid: gid, Arbiter: b.SubType == db.BrickSubTypeArbiter,
	}
}

// forEachNode runs fn for the bricks of each node: nodes in parallel, the
// bricks of one node in order. It returns the first error (by brick order).
func forEachNode(bricks []*db.Brick, fn func(b *db.Brick) error) error {
	byNode := map[string][]*db.Brick{}
	var order []string
	for _, b := range bricks {
		if _, ok := byNode[b.NodeID]; !ok {
			order = append(order, b.NodeID)
		}
		byNode[b.NodeID] = append(byNode[b.NodeID], b)
	}
	errCh := make(chan error, len(order))
	for _, nid := range order {
		go func(list []*db.Brick) {
			var first error
			for _, b := range list {
				if err := fn(b); err != nil && first == nil {
					first = err
				}
			}
			errCh <- first
		}(byNode[nid])
	}
	var first error
	for range order {
		if err := <-errCh; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (a *App) createBricks(ctx context.Context, vol *db.Volume, bricks []*db.Brick, hosts map[string]nodeHosts) error {
	return forEachNode(bricks, func(b *db.Brick) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return a.exec.BrickCreate(ctx, hosts[b.NodeID].manage, brickRequest(b, vol.Gid))
	})
}

// destroyBricks removes bricks from their nodes (tolerating parts already
// gone) and returns the first error.
func (a *App) destroyBricks(ctx context.Context, bricks []*db.Brick, hosts map[string]nodeHosts) error {
	_, err := a.destroyBricksKept(ctx, bricks, hosts)
	return err
}

// destroyBricksKept is destroyBricks that also says which bricks' thin pools
// are still there (another LV, such as a clone's, uses them).
func (a *App) destroyBricksKept(ctx context.Context, bricks []*db.Brick, hosts map[string]nodeHosts) (map[string]bool, error) {
	var mu sync.Mutex
	kept := map[string]bool{}
	err := forEachNode(bricks, func(b *db.Brick) error {
		reclaimed, err := a.exec.BrickDestroy(ctx, hosts[b.NodeID].manage, brickRequest(b, 0))
		if err == nil && !reclaimed {
			mu.Lock()
			kept[b.ID] = true
			mu.Unlock()
		}
		return err
	})
	return kept, err
}

// releaseBricksKeepingPools deletes bricks like releaseBricks, except that a
// brick whose thin pool survived (a clone still uses it) gives no space back:
// its pool's accounting moves to another brick in the same pool, which gives
// it back when the pool finally goes. Without such a brick the space stays
// counted as used, which is what the device really has.
func releaseBricksKeepingPools(w db.Writer, bricks []*db.Brick, kept map[string]bool) error {
	leaving := map[string]bool{}
	for _, b := range bricks {
		leaving[b.ID] = true
	}
	var normal []*db.Brick
	for _, b := range bricks {
		if !kept[b.ID] || b.TpSizeKiB+b.PoolMetadataSizeKiB == 0 {
			normal = append(normal, b)
			continue
		}
		ids, err := w.DeviceBrickIDs(b.DeviceID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if leaving[id] {
				continue
			}
			heir, err := w.Brick(id)
			if err != nil {
				return err
			}
			if heir.ThinPool == b.ThinPool {
				heir.TpSizeKiB += b.TpSizeKiB
				heir.PoolMetadataSizeKiB += b.PoolMetadataSizeKiB
				if err := w.PutBrick(heir); err != nil {
					return err
				}
				break
			}
		}
		if err := w.DeleteBrick(b.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return releaseBricks(w, normal, nil)
}

func durabilityOf(v *db.Volume) executors.Durability {
	d := executors.Durability{Type: string(v.Durability.Type)}
	switch v.Durability.Type {
	case api.DurabilityReplicate:
		d.Replica = v.Durability.Replicate.Replica
		arbiter, _, _, _, _ := allocator.ParseVolumeOptions(v.Options)
		d.Arbiter = arbiter
	case api.DurabilityDisperse:
		d.Data, d.Redundancy = v.Durability.Disperse.Data, v.Durability.Disperse.Redundancy
	}
	return d
}

// startStepBatch is startStep with group commit.
func (a *App) startStepBatch(op *db.PendingOp, name, host string) error {
	op.Steps = append(op.Steps, db.OpStep{Name: name, Host: host, Started: true})
	snapshot := *op
	snapshot.Steps = append([]db.OpStep(nil), op.Steps...)
	return a.store.Batch(func(w db.Writer) error { return w.PutPendingOp(&snapshot) })
}

// finalizeCreate makes the volume and its bricks visible.
func (a *App) finalizeCreate(vol *db.Volume, op *db.PendingOp) error {
	return a.store.Batch(func(w db.Writer) error {
		v, err := w.Volume(vol.ID)
		if err != nil {
			return err
		}
		bids, err := w.VolumeBrickIDs(vol.ID)
		if err != nil {
			return err
		}
		for _, bid := range bids {
			b, err := w.Brick(bid)
			if err != nil {
				return err
			}
			if b.PendingOpID == op.ID {
				b.PendingOpID = ""
				if err := w.PutBrick(b); err != nil {
					return err
				}
			}
		}
		v.PendingOpID = ""
		if err := w.PutVolume(v); err != nil {
			return err
		}
		if err := w.DeletePendingOp(op.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// rollbackBricks undoes a (partial) create or expand: destroy the gluster
// volume when its creation was started, destroy the planned bricks, then
// delete their records and give their space back.
func (a *App) rollbackBricks(ctx context.Context, op *db.PendingOp, placed *volumePlacement, destroyVolume bool, vol *db.Volume) error {
	hosts, err := a.brickHosts(placed.bricks)
	if err != nil {
		return err
	}
	if destroyVolume && len(placed.bricks) > 0 {
		// Any node of the pool can delete it: the one that ran the create
		// may be the one whose glusterd is down (found by the e2e run).
		if err := a.destroyGlusterVolume(ctx, vol); err != nil {
			return err
		}
	}
	if stepStarted(op, stepBricks) {
		if err := a.destroyBricks(ctx, placed.bricks, hosts); err != nil {
			return err
		}
	}
	return a.store.Update(func(w db.Writer) error {
		return releaseBricks(w, placed.bricks, op)
	})
}

// releaseBricks deletes brick records and credits their space back.
func releaseBricks(w db.Writer, bricks []*db.Brick, op *db.PendingOp) error {
	drop := map[string]bool{}
	for _, b := range bricks {
		drop[b.ID] = true
		if err := w.DeleteBrick(b.ID); err != nil {
			if errs.Is(err, errs.NotFound) {
				continue
			}
			return err
		}
		d, err := w.Device(b.DeviceID)
		if err != nil {
			return err
		}
		credit(d, b.TpSizeKiB+b.PoolMetadataSizeKiB)
		if err := w.PutDevice(d); err != nil {
			return err
		}
	}
	if op != nil {
		kept := op.Actions[:0]
		for _, act := range op.Actions {
			if !(act.Change == db.ChangeAddBrick && drop[act.ID]) {
				kept = append(kept, act)
			}
		}
		op.Actions = kept
		if _, err := w.PendingOp(op.ID); err == nil {
			return w.PutPendingOp(op)
		}
	}
	return nil
}

// credit returns space to a device, never beyond its total.
func credit(d *db.Device, kib uint64) {
	if kib > d.UsedKiB {
		kib = d.UsedKiB
	}
	d.UsedKiB -= kib
	d.FreeKiB += kib
	if d.TotalKiB > 0 && d.FreeKiB > d.TotalKiB {
		d.FreeKiB = d.TotalKiB
	}
}

// forgetVolume deletes a volume record whose bricks are already gone, and
// its operation.
func (a *App) forgetVolume(volID, opID string) error {
	return a.store.Update(func(w db.Writer) error {
		if err := w.DeleteVolume(volID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := w.DeletePendingOp(opID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// pendingVolumes returns the ids of volumes and block volumes an unfinished
// create, clone or delete is working on (hidden from API reads). It reads the few pending
// operations, not every volume.
func pendingVolumes(r db.Reader) (map[string]bool, error) {
	ids, err := r.PendingOpIDs()
	if err != nil {
		return nil, err
	}
	hidden := map[string]bool{}
	for _, id := range ids {
		op, err := r.PendingOp(id)
		if err != nil {
			return nil, err
		}
		for _, act := range op.Actions {
			switch act.Change {
			case db.ChangeAddVolume, db.ChangeDeleteVolume, db.ChangeAddVolumeClone,
				db.ChangeAddBlockVolume, db.ChangeDeleteBlockVol:
				hidden[act.ID] = true
			}
		}
	}
	return hidden, nil
}

// VolumeList lists the ids of visible volumes, sorted.
func (a *App) VolumeList() (*api.VolumeListResponse, error) {
	out := &api.VolumeListResponse{Volumes: []string{}}
	err := a.store.View(func(r db.Reader) error {
		ids, err := r.VolumeIDs()
		if err != nil {
			return err
		}
		hidden, err := pendingVolumes(r)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !hidden[id] {
				out.Volumes = append(out.Volumes, id)
			}
		}
		return nil
	})
	return out, err
}

// VolumeInfo describes a visible volume.
func (a *App) VolumeInfo(id string) (*api.VolumeInfoResponse, error) {
	var info *api.VolumeInfoResponse
	err := a.store.View(func(r db.Reader) error {
		v, err := visibleVolume(r, id)
		if err != nil {
			return err
		}
		info, err = volumeInfo(r, v)
		return err
	})
	return info, err
}

// visibleVolume reads a volume that no create, clone or delete is working on.
func visibleVolume(r db.Reader, id string) (*db.Volume, error) {
	v, err := r.Volume(id)
	if err != nil {
		return nil, err
	}
	if v.PendingOpID != "" {
		op, err := r.PendingOp(v.PendingOpID)
		if err == nil && (op.Type == db.OpCreateVolume || op.Type == db.OpCloneVolume || op.Type == db.OpDeleteVolume) {
			return nil, errs.ErrNotFound
		}
	}
	return v, nil
}

// volumeInfo builds Heketi's volume response (facts 5.4).
func volumeInfo(r db.Reader, v *db.Volume) (*api.VolumeInfoResponse, error) {
	info := &api.VolumeInfoResponse{
		VolumeInfo: api.VolumeInfo{
			VolumeCreateRequest: api.VolumeCreateRequest{
				Size:                 v.SizeGiB,
				Name:                 v.Name,
				Durability:           v.Durability,
				Gid:                  v.Gid,
				GlusterVolumeOptions: v.Options,
				Block:                v.Block,
				Snapshot:             v.Snapshot,
			},
			ID:        v.ID,
			Cluster:   v.ClusterID,
			BlockInfo: v.BlockInfo,
		},
		Bricks: []api.BrickInfo{},
	}
	hosts, err := mountHosts(r, v.ClusterID)
	if err != nil {
		return nil, err
	}
	info.Mount.GlusterFS.Hosts = hosts
	info.Mount.GlusterFS.Options = map[string]string{"backup-volfile-servers": ""}
	if len(hosts) > 0 {
		info.Mount.GlusterFS.MountPoint = hosts[0] + ":" + v.Name
		info.Mount.GlusterFS.Options["backup-volfile-servers"] = strings.Join(hosts[1:], ",")
	}
	bvs, err := r.VolumeBlockVolumeIDs(v.ID)
	if err != nil {
		return nil, err
	}
	if len(bvs) > 0 {
		info.BlockInfo.BlockVolumes = bvs
	}
	bids, err := r.VolumeBrickIDs(v.ID)
	if err != nil {
		return nil, err
	}
	for _, bid := range bids {
		b, err := r.Brick(bid)
		if err != nil {
			return nil, err
		}
		info.Bricks = append(info.Bricks, api.BrickInfo{ID: b.ID, Path: b.Path, DeviceID: b.DeviceID, NodeID: b.NodeID, VolumeID: b.VolumeID, Size: b.SizeKiB})
	}
	return info, nil
}

// mountHosts are the storage hostnames of every node of a cluster, in node id
// order (facts 15.1 #6).
func mountHosts(r db.Reader, clusterID string) ([]string, error) {
	ids, err := r.ClusterNodeIDs(clusterID)
	if err != nil {
		return nil, err
	}
	hosts := make([]string, 0, len(ids))
	for _, id := range ids {
		n, err := r.Node(id)
		if err != nil {
			return nil, err
		}
		if hidden, err := beingAdded(r, n.PendingOpID); err != nil {
			return nil, err
		} else if !hidden {
			hosts = append(hosts, n.StorageHost())
		}
	}
	return hosts, nil
}

// sortedIDs returns the ids of bricks, sorted.
func sortedIDs(bricks []*db.Brick) []string {
	ids := make([]string, len(bricks))
	for i, b := range bricks {
		ids[i] = b.ID
	}
	sort.Strings(ids)
	return ids
}
