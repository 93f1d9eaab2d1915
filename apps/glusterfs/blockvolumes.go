package glusterfs

import (
	"context"
	"math/rand/v2"
	"strings"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// Step names of block volume operations.
const (
	stepBlockCreate = "gluster-block-create"
	stepBlockDelete = "gluster-block-delete"
	stepBlockExpand = "gluster-block-modify"
)

// Heketi's block volume texts (facts 5.5, 15.3).
const (
	textBlockAllocPrefix    = "Failed to allocate new block volume: "
	textBlockHostingDisable = "Block Hosting Volume Creation is disabled. Create a Block hosting volume and try again."
	textInsufficientHosts   = "insufficient block hosts online"
	textRestrictionNonBlock = "Block restrictions can only be set on block hosting volumes"
	textRestrictionInvalid  = "validation failed: restriction: must be a valid value."
)

// blockCreatePlan is a block volume create as recorded by its Build
// transaction.
type blockCreatePlan struct {
	bv      *db.BlockVolume
	hosting *db.Volume
	// placed is set when this operation also creates the hosting volume.
	placed *volumePlacement
}

// reducedSize is the part of a block-hosting volume of sizeGiB that block
// volumes may use (facts 15.1 #5: floor(size × 98 / 100)).
func reducedSize(sizeGiB int) int { return sizeGiB * 98 / 100 }

// blockHostingSize is the size of auto-created block-hosting volumes.
func (a *App) blockHostingSize() int {
	if a.cfg.BlockHostingVolumeSizeGB > 0 {
		return a.cfg.BlockHostingVolumeSizeGB
	}
	return 1024
}

// validateBlockVolumeCreate applies Heketi's request checks with ozzo's
// formatting: failing fields sorted by name, joined by "; ".
func validateBlockVolumeCreate(req *api.BlockVolumeCreateRequest) error {
	var fails []string
	if req.Hacount < 0 {
		fails = append(fails, "hacount: must be no less than 1")
	}
	if !api.ValidVolumeName(req.Name) {
		fails = append(fails, "name: must be in a valid format")
	}
	switch {
	case req.Size == 0:
		fails = append(fails, "size: cannot be blank")
	case req.Size < 0:
		fails = append(fails, "size: must be no less than 1")
	}
	if len(fails) > 0 {
		return errs.New(errs.Invalid, "validation failed: "+strings.Join(fails, "; ")+".")
	}
	return nil
}

// BlockVolumeCreate validates a request, picks (or plans) a block-hosting
// volume, reserves the space on it and records the whole plan with its
// pending operation in one transaction, then returns the job that creates
// the block volume (and first the hosting volume, when one is auto-created).
func (a *App) BlockVolumeCreate(ctx context.Context, req *api.BlockVolumeCreateRequest) (Job, error) {
	if err := validateBlockVolumeCreate(req); err != nil {
		return nil, err
	}
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	bv := &db.BlockVolume{
		ID:      idgen.New(),
		Name:    req.Name,
		SizeGiB: req.Size,
		HACount: req.Hacount,
		Auth:    req.Auth,
	}
	if bv.Name == "" {
		bv.Name = "blockvol_" + bv.ID
	}
	op := newOp(db.OpCreateBlockVolume, db.PendingAction{Change: db.ChangeAddBlockVolume, ID: bv.ID})
	bv.PendingOpID = op.ID
	var plan *blockCreatePlan
	err = a.store.Update(func(w db.Writer) error {
		var err error
		plan, err = a.planBlockVolume(w, req, bv, op)
		return err
	})
	if err != nil {
		release()
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"blockvolume": bv.ID, "name": bv.Name, "op": op.ID, "hosting_volume": plan.hosting.ID})
	log.WithField("auto_created_hosting_volume", plan.placed != nil).Debug("block volume create planned")
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer release()
		defer a.untrack(op.ID)
		a.log.WithFields(map[string]any{"blockvolume": bv.ID, "op": op.ID}).Info("Trying Create Block Volume (attempt #1/1)")
		if err := a.execBlockCreate(ctx, plan, op); err != nil {
			log.WithError(err).Error("block volume create failed")
			if rerr := a.rollbackBlockCreate(context.WithoutCancel(ctx), op); rerr != nil {
				a.markOpFailed(op, rerr)
			}
			return "", err
		}
		log.Info("block volume created")
		return "/blockvolumes/" + bv.ID, nil
	}, nil
}

// planBlockVolume is the Build step of a block volume create: it runs inside
// the caller's transaction.
func (a *App) planBlockVolume(w db.Writer, req *api.BlockVolumeCreateRequest, bv *db.BlockVolume, op *db.PendingOp) (*blockCreatePlan, error) {
	clusters, err := blockClusters(w, req.Clusters)
	if err != nil {
		return nil, err
	}
	candidates, err := blockHostingCandidates(w, clusters, bv.SizeGiB, bv.Name)
	if err != nil {
		return nil, err
	}
	plan := &blockCreatePlan{bv: bv}
	if len(candidates) > 0 {
		plan.hosting = candidates[rand.IntN(len(candidates))]
	} else {
		if !a.cfg.AutoCreateBlockHostingVolume {
			return nil, errs.New(errs.Internal, textBlockAllocPrefix+textBlockHostingDisable)
		}
		size := a.blockHostingSize()
		if bv.SizeGiB > reducedSize(size) {
			return nil, errs.Newf(errs.Internal, textBlockAllocPrefix+"The size configured for automatic creation of block hosting volumes (%d) is too small to host the requested block volume of size %d. The available size on this block hosting volume, minus overhead, is %d. Please create a sufficiently large block hosting volume manually.",
				size, bv.SizeGiB, reducedSize(size))
		}
		if pending, err := pendingBlockHosting(w, clusters); err != nil {
			return nil, err
		} else if pending {
			// Another create is making a hosting volume; Heketi asks the
			// client to come back rather than making a second one.
			return nil, errs.New(errs.Busy, errs.TextBusy)
		}
		if plan.hosting, plan.placed, err = a.planBlockHosting(w, clusters, size, op); err != nil {
			return nil, err
		}
	}
	hv := plan.hosting
	hv.BlockInfo.FreeSize -= bv.SizeGiB
	if err := w.PutVolume(hv); err != nil {
		return nil, err
	}
	bv.ClusterID, bv.BlockHostingVolume = hv.ClusterID, hv.ID
	if err := w.PutBlockVolume(bv); err != nil {
		return nil, err
	}
	if err := w.PutPendingOp(op); err != nil {
		return nil, err
	}
	return plan, nil
}

// blockClusters returns the clusters that accept block volumes, among the
// requested ones (all when none).
func blockClusters(r db.Reader, requested []string) ([]string, error) {
	all, err := r.ClusterIDs()
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, errs.New(errs.Invalid, "No clusters configured")
	}
	candidates := requested
	if len(candidates) == 0 {
		candidates = all
	}
	var out []string
	for _, cid := range candidates {
		c, err := r.Cluster(cid)
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Newf(errs.Invalid, "Cluster id %s not found", cid)
		}
		if err != nil {
			return nil, err
		}
		if c.Block {
			out = append(out, cid)
		}
	}
	return out, nil
}

// blockHostingCandidates returns the block-hosting volumes of the clusters
// that can take a new block volume: not pending, not restricted, enough free
// space and the name unused among their block volumes.
func blockHostingCandidates(r db.Reader, clusters []string, sizeGiB int, name string) ([]*db.Volume, error) {
	var out []*db.Volume
	for _, cid := range clusters {
		vids, err := r.ClusterVolumeIDs(cid)
		if err != nil {
			return nil, err
		}
		for _, vid := range vids {
			v, err := r.Volume(vid)
			if err != nil {
				return nil, err
			}
			if !v.Block || v.PendingOpID != "" || v.BlockInfo.Restriction != api.Unrestricted || v.BlockInfo.FreeSize < sizeGiB {
				continue
			}
			taken, err := blockNameTaken(r, vid, name)
			if err != nil {
				return nil, err
			}
			if !taken {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// blockNameTaken reports whether a hosting volume already has a block
// volume of that name.
func blockNameTaken(r db.Reader, volID, name string) (bool, error) {
	ids, err := r.VolumeBlockVolumeIDs(volID)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		bv, err := r.BlockVolume(id)
		if err != nil {
			return false, err
		}
		if bv.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// pendingBlockHosting reports whether a block-hosting volume is being
// created in one of the clusters.
func pendingBlockHosting(r db.Reader, clusters []string) (bool, error) {
	for _, cid := range clusters {
		vids, err := r.ClusterVolumeIDs(cid)
		if err != nil {
			return false, err
		}
		for _, vid := range vids {
			v, err := r.Volume(vid)
			if err != nil {
				return false, err
			}
			if !v.Block {
				continue
			}
			if adding, err := beingAdded(r, v.PendingOpID); err != nil {
				return false, err
			} else if adding {
				return true, nil
			}
		}
	}
	return false, nil
}

// planBlockHosting records a replica-3 block-hosting volume of sizeGiB and
// its bricks, marked pending with op, in the caller's transaction.
func (a *App) planBlockHosting(w db.Writer, clusters []string, sizeGiB int, op *db.PendingOp) (*db.Volume, *volumePlacement, error) {
	vol := &db.Volume{
		ID:      idgen.New(),
		SizeGiB: sizeGiB,
		Durability: api.VolumeDurabilityInfo{
			Type:      api.DurabilityReplicate,
			Replicate: api.ReplicaDurability{Replica: 3},
		},
		Options:     a.effectiveOptions(nil, true),
		Block:       true,
		Snapshot:    api.VolumeSnapshot{Factor: 1},
		PendingOpID: op.ID,
	}
	vol.Name = "vol_" + vol.ID
	vol.BlockInfo.FreeSize = reducedSize(sizeGiB)
	vol.BlockInfo.ReservedSize = sizeGiB - vol.BlockInfo.FreeSize
	if len(clusters) == 0 {
		return nil, nil, errs.New(errs.NoSpace, textBlockAllocPrefix+"No eligible cluster for volume")
	}
	eligible, err := a.eligibleClusters(w, &api.VolumeCreateRequest{Clusters: clusters, Name: vol.Name, Block: true}, vol.Name)
	if err != nil {
		return nil, nil, err
	}
	plan, err := a.place(w, eligible, vol, 0)
	if err != nil {
		return nil, nil, errs.Prefix(textBlockAllocPrefix, err)
	}
	vol.ClusterID = plan.ClusterID
	op.Actions = append(op.Actions, db.PendingAction{Change: db.ChangeAddVolume, ID: vol.ID})
	if err := w.PutPendingOp(op); err != nil {
		return nil, nil, err
	}
	if err := w.PutVolume(vol); err != nil {
		return nil, nil, err
	}
	placed, err := a.recordBricks(w, vol, op, plan)
	if err != nil {
		return nil, nil, err
	}
	return vol, placed, nil
}

// execBlockCreate creates the hosting volume when planned, chooses the
// target hosts and creates the block volume.
func (a *App) execBlockCreate(ctx context.Context, plan *blockCreatePlan, op *db.PendingOp) error {
	if plan.placed != nil {
		a.log.WithFields(map[string]any{"volume": plan.hosting.ID, "op": op.ID}).Info("creating a block hosting volume for the block volume")
		if err := a.execVolumeCreate(ctx, plan.hosting, op, plan.placed); err != nil {
			return err
		}
	}
	bv := plan.bv
	host, targets, err := a.blockTargets(ctx, plan.hosting.ClusterID, bv.HACount)
	if err != nil {
		return err
	}
	bv.Hosts, bv.HACount = targets, len(targets)
	if err := a.startBlockStep(op, stepBlockCreate, host, bv); err != nil {
		return err
	}
	info, err := a.exec.BlockVolumeCreate(ctx, host, executors.BlockVolumeRequest{
		HostingVolume: plan.hosting.Name,
		Name:          bv.Name,
		SizeGiB:       bv.SizeGiB,
		Hosts:         targets,
		Auth:          bv.Auth,
		Prealloc:      a.cfg.BlockPrealloc,
	})
	if err != nil {
		return err
	}
	return a.finalizeBlockCreate(op, bv.ID, info)
}

// startBlockStep records, in one commit, the hosts chosen for a block
// volume and that a step on it starts.
func (a *App) startBlockStep(op *db.PendingOp, name, host string, bv *db.BlockVolume) error {
	op.Steps = append(op.Steps, db.OpStep{Name: name, Host: host, Started: true})
	opCopy := *op
	opCopy.Steps = append([]db.OpStep(nil), op.Steps...)
	hosts := append([]string(nil), bv.Hosts...)
	return a.store.Batch(func(w db.Writer) error {
		cur, err := w.BlockVolume(bv.ID)
		if err != nil {
			return err
		}
		cur.Hosts, cur.HACount = hosts, bv.HACount
		if err := w.PutBlockVolume(cur); err != nil {
			return err
		}
		return w.PutPendingOp(&opCopy)
	})
}

// clusterNode is a node's identity for block target selection.
type clusterNode struct{ manage, storage string }

// onlineNodes lists a cluster's online nodes (not being added) in id order.
func (a *App) onlineNodes(clusterID string) ([]clusterNode, error) {
	var out []clusterNode
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
			if n.State != api.EntryStateOnline {
				continue
			}
			if adding, err := beingAdded(r, n.PendingOpID); err != nil {
				return err
			} else if !adding {
				out = append(out, clusterNode{n.ManageHost(), n.StorageHost()})
			}
		}
		return nil
	})
	return out, err
}

// blockTargets chooses where a block volume is created and exported from
// (facts 15.3): with 0 < hacount ≤ #nodes, hacount random nodes whose
// glusterd check passes; otherwise every node. Commands run on the first
// node by id whose glusterd check passes.
func (a *App) blockTargets(ctx context.Context, clusterID string, hacount int) (host string, targets []string, err error) {
	nodes, err := a.onlineNodes(clusterID)
	if err != nil {
		return "", nil, err
	}
	if len(nodes) == 0 {
		return "", nil, errs.New(errs.Internal, errs.TextNoNodes)
	}
	checked := map[string]error{}
	up := func(n clusterNode) bool {
		e, ok := checked[n.manage]
		if !ok {
			e = a.exec.GlusterdCheck(ctx, n.manage)
			checked[n.manage] = e
		}
		return e == nil
	}
	if hacount > 0 && hacount <= len(nodes) {
		for _, i := range rand.Perm(len(nodes)) {
			if len(targets) == hacount {
				break
			}
			if up(nodes[i]) {
				targets = append(targets, nodes[i].storage)
			}
		}
		if len(targets) < hacount {
			return "", nil, errs.New(errs.Internal, textInsufficientHosts)
		}
	} else {
		for _, n := range nodes {
			targets = append(targets, n.storage)
		}
	}
	for _, n := range nodes {
		if up(n) {
			return n.manage, targets, nil
		}
	}
	return "", nil, errs.Newf(errs.Internal, "no node of cluster %s has glusterd running", clusterID)
}

// verifiedHost returns the manage hostname of the first online node of a
// cluster (by id) whose glusterd check passes.
func (a *App) verifiedHost(ctx context.Context, clusterID string) (string, error) {
	nodes, err := a.onlineNodes(clusterID)
	if err != nil {
		return "", err
	}
	var last error
	for _, n := range nodes {
		if last = a.exec.GlusterdCheck(ctx, n.manage); last == nil {
			return n.manage, nil
		}
	}
	if last == nil {
		return "", errs.New(errs.Internal, errs.TextNoNodes)
	}
	return "", errs.Newf(errs.Internal, "no node of cluster %s has glusterd running", clusterID)
}

// finalizeBlockCreate stores the target and makes the block volume (and a
// hosting volume created with it) visible.
func (a *App) finalizeBlockCreate(op *db.PendingOp, bvID string, info *executors.BlockVolumeInfo) error {
	volID, _ := actionID(op, db.ChangeAddVolume)
	return a.store.Batch(func(w db.Writer) error {
		bv, err := w.BlockVolume(bvID)
		if err != nil {
			return err
		}
		bv.IQN, bv.Username, bv.Password, bv.LUN = info.IQN, info.Username, info.Password, 0
		bv.PendingOpID = ""
		if err := w.PutBlockVolume(bv); err != nil {
			return err
		}
		if volID != "" {
			v, err := w.Volume(volID)
			if err != nil {
				return err
			}
			bricks, err := volumeBricks(w, volID)
			if err != nil {
				return err
			}
			if err := markVolume(w, v, bricks, ""); err != nil {
				return err
			}
		}
		if err := w.DeletePendingOp(op.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// stepHost returns the host a started step was recorded with.
func stepHost(op *db.PendingOp, name string) string {
	for i := len(op.Steps) - 1; i >= 0; i-- {
		if op.Steps[i].Name == name && op.Steps[i].Started {
			return op.Steps[i].Host
		}
	}
	return ""
}

// rollbackBlockCreate undoes a (partial) block volume create: delete the
// block volume if its creation was started, tear down a hosting volume the
// operation was creating, then drop the records and give the reserved space
// back. It is idempotent, so recovery uses it too.
func (a *App) rollbackBlockCreate(ctx context.Context, op *db.PendingOp) error {
	bvID, err := actionID(op, db.ChangeAddBlockVolume)
	if err != nil {
		return err
	}
	newVolID, _ := actionID(op, db.ChangeAddVolume)
	var bv *db.BlockVolume
	var hosting, newVol *db.Volume
	var bricks []*db.Brick
	err = a.store.View(func(r db.Reader) error {
		b, err := r.BlockVolume(bvID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		bv = b
		if bv != nil {
			if hosting, err = r.Volume(bv.BlockHostingVolume); err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		if newVolID != "" {
			v, err := r.Volume(newVolID)
			if errs.Is(err, errs.NotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			newVol = v
			all, err := volumeBricks(r, newVolID)
			if err != nil {
				return err
			}
			for _, b := range all {
				if b.PendingOpID == op.ID {
					bricks = append(bricks, b)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if bv != nil && hosting != nil && stepStarted(op, stepBlockCreate) {
		host := stepHost(op, stepBlockCreate)
		if host == "" {
			if host, err = a.verifiedHost(ctx, hosting.ClusterID); err != nil {
				return err
			}
		}
		if err := a.exec.BlockVolumeDestroy(ctx, host, hosting.Name, bv.Name); err != nil {
			return err
		}
	}
	if newVol != nil {
		placed := &volumePlacement{clusterID: newVol.ClusterID, bricks: bricks}
		if err := a.rollbackBricks(ctx, op, placed, stepStarted(op, stepVolume), newVol); err != nil {
			return err
		}
	}
	return a.store.Update(func(w db.Writer) error {
		if old, err := w.BlockVolume(bvID); err == nil {
			if err := w.DeleteBlockVolume(bvID); err != nil {
				return err
			}
			if old.BlockHostingVolume != newVolID {
				if err := creditBlockSpace(w, old.BlockHostingVolume, old.SizeGiB); err != nil {
					return err
				}
			}
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if newVolID != "" {
			if err := w.DeleteVolume(newVolID); err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		if err := w.DeletePendingOp(op.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
}

// creditBlockSpace gives GiB back to a hosting volume's free size.
func creditBlockSpace(w db.Writer, volID string, gib int) error {
	v, err := w.Volume(volID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	v.BlockInfo.FreeSize += gib
	return w.PutVolume(v)
}

// visibleBlockVolume reads a block volume that no create or delete is
// working on (an expanding one stays visible).
func visibleBlockVolume(r db.Reader, id string) (*db.BlockVolume, error) {
	bv, err := r.BlockVolume(id)
	if err != nil {
		return nil, err
	}
	if bv.PendingOpID != "" {
		op, err := r.PendingOp(bv.PendingOpID)
		if err == nil && op.Type != db.OpExpandBlockVolume {
			return nil, errs.ErrNotFound
		}
	}
	return bv, nil
}

// BlockVolumeList lists the ids of visible block volumes, sorted.
func (a *App) BlockVolumeList() (*api.BlockVolumeListResponse, error) {
	out := &api.BlockVolumeListResponse{BlockVolumes: []string{}}
	err := a.store.View(func(r db.Reader) error {
		ids, err := r.BlockVolumeIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := visibleBlockVolume(r, id); errs.Is(err, errs.NotFound) {
				continue
			} else if err != nil {
				return err
			}
			out.BlockVolumes = append(out.BlockVolumes, id)
		}
		return nil
	})
	return out, err
}

// BlockVolumeInfo describes a visible block volume (facts 5.5).
func (a *App) BlockVolumeInfo(id string) (*api.BlockVolumeInfoResponse, error) {
	var out *api.BlockVolumeInfoResponse
	err := a.store.View(func(r db.Reader) error {
		bv, err := visibleBlockVolume(r, id)
		if err != nil {
			return err
		}
		out = blockVolumeInfo(bv)
		return nil
	})
	return out, err
}

func blockVolumeInfo(bv *db.BlockVolume) *api.BlockVolumeInfoResponse {
	hosts := bv.Hosts
	if hosts == nil {
		hosts = []string{}
	}
	usable := bv.UsableSizeGiB
	if usable == 0 {
		usable = bv.SizeGiB
	}
	return &api.BlockVolumeInfoResponse{BlockVolumeInfo: api.BlockVolumeInfo{
		BlockVolumeCreateRequest: api.BlockVolumeCreateRequest{
			Size:    bv.SizeGiB,
			Name:    bv.Name,
			Hacount: bv.HACount,
			Auth:    bv.Auth,
		},
		ID: bv.ID,
		BlockVolume: api.BlockVolumeTarget{
			Hosts:    hosts,
			Iqn:      bv.IQN,
			Lun:      bv.LUN,
			Username: bv.Username,
			Password: bv.Password,
		},
		Cluster:            bv.ClusterID,
		BlockHostingVolume: bv.BlockHostingVolume,
		UsableSize:         usable,
	}}
}
