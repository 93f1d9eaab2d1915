// Package dbcheck cross-checks Basalt's records: the report of
// `GET /db/check` and `basalt db consistency-check` (facts 5.7, 11.5).
//
// The checks, per record kind:
//
//   - clusters: every node, volume and block volume the indexes list under
//     the cluster exists and names the cluster as its own;
//   - nodes: the cluster exists and lists the node; the listed devices exist
//     and name the node; every manage and storage hostname is registered to
//     the node;
//   - devices: the node exists and lists the device; the listed bricks exist
//     and name the device; Total == Free + Used; Used == the sum of the
//     bricks' thin-pool and pool-metadata sizes;
//   - volumes: the cluster exists and lists the volume; the name is
//     registered to the volume; the listed bricks and block volumes exist and
//     name the volume; a block-hosting volume's free + reserved + block
//     volume sizes equal its size;
//   - bricks: the device and volume exist and list the brick; the brick's
//     node is its device's node;
//   - block volumes: the cluster and the hosting volume exist and list it;
//     the hosting volume is a block-hosting volume;
//   - every pending marker (nodes, devices, volumes, bricks, block volumes)
//     names an existing pending operation;
//   - pending operations: each action names an existing record of the kind
//     its change implies (an added or deleted brick, a volume, a node, ...);
//   - attributes: the generation id is a 32-hex id.
//
// A record is "notok" when at least one message is about it, "pending" when
// an operation has marked it. Index entries filed under a parent id that no
// longer exists, and hostname registrations of deleted nodes, cannot be
// reached through db.Reader and are not checked.
package dbcheck

import (
	"fmt"
	"slices"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// Report is the check result, in the wire shape of GET /db/check: one
// api.DBBucketCheck per record kind plus the total number of messages.
type Report = api.DBCheckResponse

// checker holds one snapshot's records, read once.
type checker struct {
	r        db.Reader
	clusters map[string]*db.Cluster
	nodes    map[string]*db.Node
	devices  map[string]*db.Device
	volumes  map[string]*db.Volume
	bricks   map[string]*db.Brick
	bvs      map[string]*db.BlockVolume
	ops      map[string]*db.PendingOp
}

// Check runs every check against r (one consistent snapshot when r is the
// Reader of a View). It fails only when the store cannot be read or a
// record cannot be decoded.
func Check(r db.Reader) (*Report, error) {
	c := &checker{r: r}
	if err := c.load(); err != nil {
		return nil, err
	}
	rep := &Report{}
	steps := []struct {
		out *api.DBBucketCheck
		run func(*bucket) error
	}{
		{&rep.Clusters, c.checkClusters},
		{&rep.Nodes, c.checkNodes},
		{&rep.Devices, c.checkDevices},
		{&rep.Volumes, c.checkVolumes},
		{&rep.Bricks, c.checkBricks},
		{&rep.BlockVolumes, c.checkBlockVolumes},
		{&rep.PendingOperations, c.checkPendingOps},
		{&rep.DBAttributes, c.checkAttributes},
	}
	for _, s := range steps {
		b := &bucket{}
		if err := s.run(b); err != nil {
			return nil, err
		}
		*s.out = b.result
		rep.TotalInconsistencies += len(b.result.Inconsistencies)
	}
	return rep, nil
}

// bucket accumulates one record kind's result.
type bucket struct {
	result api.DBBucketCheck
	msgs   int // messages about the current record
}

// record starts the next record; pending says whether an operation marks it.
func (b *bucket) record(pending bool) {
	b.result.Total++
	if pending {
		b.result.Pending++
	}
	b.msgs = len(b.result.Inconsistencies)
}

// done ends the current record, counting it ok or notok.
func (b *bucket) done() {
	if len(b.result.Inconsistencies) > b.msgs {
		b.result.NotOK++
	} else {
		b.result.OK++
	}
}

func (b *bucket) addf(format string, args ...any) {
	b.result.Inconsistencies = append(b.result.Inconsistencies, fmt.Sprintf(format, args...))
}

// loadAll reads every record of one kind into a map.
func loadAll[T any](list func() ([]string, error), get func(string) (*T, error), kind string) (map[string]*T, error) {
	ids, err := list()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*T, len(ids))
	for _, id := range ids {
		v, err := get(id)
		if err != nil {
			return nil, fmt.Errorf("read %s %s: %w", kind, id, err)
		}
		out[id] = v
	}
	return out, nil
}

func (c *checker) load() error {
	var err error
	if c.clusters, err = loadAll(c.r.ClusterIDs, c.r.Cluster, "cluster"); err != nil {
		return err
	}
	if c.nodes, err = loadAll(c.r.NodeIDs, c.r.Node, "node"); err != nil {
		return err
	}
	if c.devices, err = loadAll(c.r.DeviceIDs, c.r.Device, "device"); err != nil {
		return err
	}
	if c.volumes, err = loadAll(c.r.VolumeIDs, c.r.Volume, "volume"); err != nil {
		return err
	}
	if c.bricks, err = loadAll(c.r.BrickIDs, c.r.Brick, "brick"); err != nil {
		return err
	}
	if c.bvs, err = loadAll(c.r.BlockVolumeIDs, c.r.BlockVolume, "block volume"); err != nil {
		return err
	}
	c.ops, err = loadAll(c.r.PendingOpIDs, c.r.PendingOp, "pending operation")
	return err
}

// sorted returns the keys of m in order, so messages come out stably.
func sorted[T any](m map[string]*T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pendingMarker reports a marker naming a missing operation.
func (c *checker) pendingMarker(b *bucket, kind, id, opID string) {
	if opID != "" && c.ops[opID] == nil {
		b.addf("%s %s is marked by pending operation %s, which does not exist", kind, id, opID)
	}
}

// children checks that each child listed under a parent exists and names
// the parent.
func children[T any](b *bucket, kind, id, childKind string, listed []string, all map[string]*T, parentOf func(*T) string) {
	for _, cid := range listed {
		child := all[cid]
		switch {
		case child == nil:
			b.addf("%s %s lists %s %s, which does not exist", kind, id, childKind, cid)
		case parentOf(child) != id:
			b.addf("%s %s lists %s %s, but that %s belongs to %s %q", kind, id, childKind, cid, childKind, kind, parentOf(child))
		}
	}
}

// listedBy checks that a record's parent exists and lists it.
func (c *checker) listedBy(b *bucket, kind, id, parentKind, parentID string, exists bool, list func(string) ([]string, error)) error {
	if parentID == "" {
		return nil
	}
	if !exists {
		b.addf("%s %s refers to %s %s, which does not exist", kind, id, parentKind, parentID)
		return nil
	}
	ids, err := list(parentID)
	if err != nil {
		return err
	}
	if _, found := slices.BinarySearch(ids, id); !found {
		b.addf("%s %s refers to %s %s, which does not list it", kind, id, parentKind, parentID)
	}
	return nil
}

func (c *checker) checkClusters(b *bucket) error {
	for _, id := range sorted(c.clusters) {
		b.record(false)
		nodes, err := c.r.ClusterNodeIDs(id)
		if err != nil {
			return err
		}
		children(b, "cluster", id, "node", nodes, c.nodes, func(n *db.Node) string { return n.ClusterID })
		vols, err := c.r.ClusterVolumeIDs(id)
		if err != nil {
			return err
		}
		children(b, "cluster", id, "volume", vols, c.volumes, func(v *db.Volume) string { return v.ClusterID })
		bvs, err := c.r.ClusterBlockVolumeIDs(id)
		if err != nil {
			return err
		}
		children(b, "cluster", id, "block volume", bvs, c.bvs, func(v *db.BlockVolume) string { return v.ClusterID })
		b.done()
	}
	return nil
}

func (c *checker) checkNodes(b *bucket) error {
	for _, id := range sorted(c.nodes) {
		n := c.nodes[id]
		b.record(n.PendingOpID != "")
		if n.ClusterID == "" {
			b.addf("node %s belongs to no cluster", id)
		}
		if err := c.listedBy(b, "node", id, "cluster", n.ClusterID, c.clusters[n.ClusterID] != nil, c.r.ClusterNodeIDs); err != nil {
			return err
		}
		devs, err := c.r.NodeDeviceIDs(id)
		if err != nil {
			return err
		}
		children(b, "node", id, "device", devs, c.devices, func(d *db.Device) string { return d.NodeID })
		for _, h := range n.ManageHostnames {
			owner, err := c.r.NodeIDByManageHostname(h)
			if err != nil {
				return err
			}
			if owner != id {
				b.addf("node %s manage hostname %s is registered to node %q", id, h, owner)
			}
		}
		for _, h := range n.StorageHostnames {
			owner, err := c.r.NodeIDByStorageHostname(h)
			if err != nil {
				return err
			}
			if owner != id {
				b.addf("node %s storage hostname %s is registered to node %q", id, h, owner)
			}
		}
		c.pendingMarker(b, "node", id, n.PendingOpID)
		b.done()
	}
	return nil
}

func (c *checker) checkDevices(b *bucket) error {
	for _, id := range sorted(c.devices) {
		d := c.devices[id]
		b.record(d.PendingOpID != "")
		if err := c.listedBy(b, "device", id, "node", d.NodeID, c.nodes[d.NodeID] != nil, c.r.NodeDeviceIDs); err != nil {
			return err
		}
		brickIDs, err := c.r.DeviceBrickIDs(id)
		if err != nil {
			return err
		}
		children(b, "device", id, "brick", brickIDs, c.bricks, func(br *db.Brick) string { return br.DeviceID })
		if d.TotalKiB != d.FreeKiB+d.UsedKiB {
			b.addf("Device %s size values differ Total(%d) != Free(%d) + Used(%d)", id, d.TotalKiB, d.FreeKiB, d.UsedKiB)
		}
		var sum uint64
		for _, bid := range brickIDs {
			if br := c.bricks[bid]; br != nil {
				sum += br.TpSizeKiB + br.PoolMetadataSizeKiB
			}
		}
		if d.UsedKiB != sum {
			b.addf("Device %s size values differ Used(%d) != aggregateBricksSize(%d)", id, d.UsedKiB, sum)
		}
		c.pendingMarker(b, "device", id, d.PendingOpID)
		b.done()
	}
	return nil
}

func (c *checker) checkVolumes(b *bucket) error {
	for _, id := range sorted(c.volumes) {
		v := c.volumes[id]
		b.record(v.PendingOpID != "")
		if err := c.listedBy(b, "volume", id, "cluster", v.ClusterID, c.clusters[v.ClusterID] != nil, c.r.ClusterVolumeIDs); err != nil {
			return err
		}
		if v.ClusterID != "" && v.Name != "" {
			owner, err := c.r.VolumeIDByName(v.ClusterID, v.Name)
			if err != nil {
				return err
			}
			if owner != id {
				b.addf("volume %s name %s is registered to volume %q in cluster %s", id, v.Name, owner, v.ClusterID)
			}
		}
		brickIDs, err := c.r.VolumeBrickIDs(id)
		if err != nil {
			return err
		}
		children(b, "volume", id, "brick", brickIDs, c.bricks, func(br *db.Brick) string { return br.VolumeID })
		bvIDs, err := c.r.VolumeBlockVolumeIDs(id)
		if err != nil {
			return err
		}
		children(b, "volume", id, "block volume", bvIDs, c.bvs, func(bv *db.BlockVolume) string { return bv.BlockHostingVolume })
		if v.Block {
			used := 0
			for _, bvID := range bvIDs {
				if bv := c.bvs[bvID]; bv != nil {
					used += bv.SizeGiB
				}
			}
			if got := v.BlockInfo.FreeSize + v.BlockInfo.ReservedSize + used; got != v.SizeGiB {
				b.addf("Block hosting volume %s size values differ Size(%d) != FreeSize(%d) + ReservedSize(%d) + blockVolumesSize(%d)",
					id, v.SizeGiB, v.BlockInfo.FreeSize, v.BlockInfo.ReservedSize, used)
			}
		}
		c.pendingMarker(b, "volume", id, v.PendingOpID)
		b.done()
	}
	return nil
}

func (c *checker) checkBricks(b *bucket) error {
	for _, id := range sorted(c.bricks) {
		br := c.bricks[id]
		b.record(br.PendingOpID != "")
		if br.DeviceID == "" {
			b.addf("brick %s is on no device", id)
		}
		if br.VolumeID == "" {
			b.addf("brick %s belongs to no volume", id)
		}
		dev := c.devices[br.DeviceID]
		if err := c.listedBy(b, "brick", id, "device", br.DeviceID, dev != nil, c.r.DeviceBrickIDs); err != nil {
			return err
		}
		if err := c.listedBy(b, "brick", id, "volume", br.VolumeID, c.volumes[br.VolumeID] != nil, c.r.VolumeBrickIDs); err != nil {
			return err
		}
		if dev != nil && br.NodeID != dev.NodeID {
			b.addf("brick %s is on node %s, but its device %s is on node %s", id, br.NodeID, br.DeviceID, dev.NodeID)
		}
		c.pendingMarker(b, "brick", id, br.PendingOpID)
		b.done()
	}
	return nil
}

func (c *checker) checkBlockVolumes(b *bucket) error {
	for _, id := range sorted(c.bvs) {
		bv := c.bvs[id]
		b.record(bv.PendingOpID != "")
		if err := c.listedBy(b, "block volume", id, "cluster", bv.ClusterID, c.clusters[bv.ClusterID] != nil, c.r.ClusterBlockVolumeIDs); err != nil {
			return err
		}
		host := c.volumes[bv.BlockHostingVolume]
		if err := c.listedBy(b, "block volume", id, "volume", bv.BlockHostingVolume, host != nil, c.r.VolumeBlockVolumeIDs); err != nil {
			return err
		}
		if host != nil && !host.Block {
			b.addf("block volume %s is hosted on volume %s, which is not a block-hosting volume", id, host.ID)
		}
		c.pendingMarker(b, "block volume", id, bv.PendingOpID)
		b.done()
	}
	return nil
}

// targetKind names the record kind a change refers to ("" when its target is
// not checked).
func targetKind(ch db.ChangeType) string {
	switch ch {
	case db.ChangeAddBrick, db.ChangeDeleteBrick:
		return "brick"
	case db.ChangeAddVolume, db.ChangeDeleteVolume, db.ChangeExpandVolume, db.ChangeCloneVolume,
		db.ChangeSnapshotVolume, db.ChangeAddVolumeClone:
		return "volume"
	case db.ChangeAddBlockVolume, db.ChangeDeleteBlockVol, db.ChangeExpandBlockVol:
		return "block volume"
	case db.ChangeRemoveDevice, db.ChangeAddDevice, db.ChangeDeleteDevice:
		return "device"
	case db.ChangeAddNode, db.ChangeDeleteNode:
		return "node"
	case db.ChangeChildOp, db.ChangeParentOp:
		return "pending operation"
	}
	return ""
}

// exists reports whether a record of the kind exists.
func (c *checker) exists(kind, id string) bool {
	switch kind {
	case "brick":
		return c.bricks[id] != nil
	case "volume":
		return c.volumes[id] != nil
	case "block volume":
		return c.bvs[id] != nil
	case "device":
		return c.devices[id] != nil
	case "node":
		return c.nodes[id] != nil
	case "pending operation":
		return c.ops[id] != nil
	}
	return true
}

func (c *checker) checkPendingOps(b *bucket) error {
	for _, id := range sorted(c.ops) {
		op := c.ops[id]
		b.record(true)
		for _, a := range op.Actions {
			kind := targetKind(a.Change)
			if kind != "" && !c.exists(kind, a.ID) {
				b.addf("pending operation %s refers to %s %s (change %d), which does not exist", id, kind, a.ID, a.Change)
			}
		}
		b.done()
	}
	return nil
}

// checkAttributes checks the store attributes Basalt maintains; the count is
// of Heketi's attributes a dump carries (four feature markers and the
// generation id), which Basalt derives and so are always present.
func (c *checker) checkAttributes(b *bucket) error {
	gen, err := c.r.Meta(db.MetaGenerationID)
	if err != nil {
		return err
	}
	for range 4 {
		b.record(false)
		b.done()
	}
	b.record(false)
	if !idgen.Valid(gen) {
		b.addf("database generation id %q is not a 32-hex-digit id", gen)
	}
	b.done()
	return nil
}
