package db

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/basalt-storage/basalt/internal/errs"
	bolt "go.etcd.io/bbolt"
)

// reader implements Reader over a bbolt transaction. It lives for one
// transaction and is used by one goroutine, so it can cache bucket handles
// and reuse a scratch buffer for lookup keys.
type reader struct {
	tx      *bolt.Tx
	buckets [numBuckets]*bolt.Bucket
	// scratch holds lookup keys (Get, Seek, Delete). It is never passed to
	// Put: bbolt keeps Put's key and value until the transaction ends.
	scratch []byte
}

// writer implements Writer over a writable bbolt transaction.
type writer struct {
	reader
}

var (
	_ Reader = (*reader)(nil)
	_ Writer = (*writer)(nil)
)

// bucket returns the bucket id, looking it up once per transaction. Open has
// verified that every bucket of the schema exists.
func (r *reader) bucket(id bucketID) *bolt.Bucket {
	b := r.buckets[id]
	if b == nil {
		b = r.tx.Bucket(bucketNames[id])
		r.buckets[id] = b
	}
	return b
}

// lookupKey returns s as bytes in the scratch buffer.
func (r *reader) lookupKey(s string) []byte {
	r.scratch = append(r.scratch[:0], s...)
	return r.scratch
}

// lookupPair returns a NUL b in the scratch buffer; with b == "" it is the
// prefix of all a's composite keys.
func (r *reader) lookupPair(a, b string) []byte {
	r.scratch = append(append(append(r.scratch[:0], a...), keySep), b...)
	return r.scratch
}

// pairKey returns a fresh a NUL b, for Put.
func pairKey(a, b string) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	return append(append(append(k, a...), keySep), b...)
}

// getRecord decodes the record key of bucket id into a new T.
func getRecord[T any](r *reader, id bucketID, key string) (*T, error) {
	data := r.bucket(id).Get(r.lookupKey(key))
	if data == nil {
		return nil, errs.ErrNotFound
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decode %s record %s: %w", bucketNames[id], key, err)
	}
	return v, nil
}

// scanIDs returns the keys of b that start with prefix, with the prefix cut
// off, in key order. It walks the range twice: once to count ids and bytes,
// once to copy them into a single strings.Builder sized exactly, so listing
// 10,000 ids costs two allocations (the slice and one block of text that
// every id is a substring of) instead of one per id plus regrowth. Strings a
// Builder has returned are never modified by later writes. The cost: one id
// kept long after the list is dropped keeps the whole block (33 bytes per id
// listed) alive; strings.Clone it if that matters.
func scanIDs(b *bolt.Bucket, prefix []byte) []string {
	c := b.Cursor()
	n, size := 0, 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
		size += len(k) - len(prefix)
	}
	ids := make([]string, 0, n)
	if n == 0 {
		return ids
	}
	var sb strings.Builder
	sb.Grow(size)
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		start := sb.Len()
		sb.Write(k[len(prefix):])
		ids = append(ids, sb.String()[start:])
	}
	return ids
}

// keys lists the keys of bucket id, which bbolt keeps sorted.
func (r *reader) keys(id bucketID) ([]string, error) {
	return scanIDs(r.bucket(id), nil), nil
}

// children lists the child ids of parent in index bucket id: a prefix scan
// from "parent\x00", sorted by bbolt.
func (r *reader) children(id bucketID, parent string) ([]string, error) {
	return scanIDs(r.bucket(id), r.lookupPair(parent, "")), nil
}

// hasChildren reports whether parent has any entry in index bucket id.
func (r *reader) hasChildren(id bucketID, parent string) bool {
	prefix := r.lookupPair(parent, "")
	k, _ := r.bucket(id).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// exists reports whether bucket id has key.
func (r *reader) exists(id bucketID, key string) bool {
	return r.bucket(id).Get(r.lookupKey(key)) != nil
}

// registered returns the value of key in registration bucket id, or "".
func (r *reader) registered(id bucketID, key []byte) string {
	return string(r.bucket(id).Get(key))
}

// Cluster returns the cluster id.
func (r *reader) Cluster(id string) (*Cluster, error) { return getRecord[Cluster](r, bClusters, id) }

// ClusterIDs lists all clusters.
func (r *reader) ClusterIDs() ([]string, error) { return r.keys(bClusters) }

// ClusterNodeIDs lists the nodes of a cluster.
func (r *reader) ClusterNodeIDs(clusterID string) ([]string, error) {
	return r.children(bClusterNodes, clusterID)
}

// ClusterVolumeIDs lists the volumes of a cluster.
func (r *reader) ClusterVolumeIDs(clusterID string) ([]string, error) {
	return r.children(bClusterVolumes, clusterID)
}

// ClusterBlockVolumeIDs lists the block volumes of a cluster.
func (r *reader) ClusterBlockVolumeIDs(clusterID string) ([]string, error) {
	return r.children(bClusterBlockVolumes, clusterID)
}

// Node returns the node id.
func (r *reader) Node(id string) (*Node, error) { return getRecord[Node](r, bNodes, id) }

// NodeIDs lists all nodes.
func (r *reader) NodeIDs() ([]string, error) { return r.keys(bNodes) }

// NodeIDByManageHostname returns the node registered with manage hostname
// host, or "".
func (r *reader) NodeIDByManageHostname(host string) (string, error) {
	return r.registered(bManageHostnames, r.lookupKey(host)), nil
}

// NodeIDByStorageHostname returns the node registered with storage hostname
// host, or "".
func (r *reader) NodeIDByStorageHostname(host string) (string, error) {
	return r.registered(bStorageHostnames, r.lookupKey(host)), nil
}

// NodeDeviceIDs lists the devices of a node.
func (r *reader) NodeDeviceIDs(nodeID string) ([]string, error) {
	return r.children(bNodeDevices, nodeID)
}

// Device returns the device id.
func (r *reader) Device(id string) (*Device, error) { return getRecord[Device](r, bDevices, id) }

// DeviceIDs lists all devices.
func (r *reader) DeviceIDs() ([]string, error) { return r.keys(bDevices) }

// DeviceBrickIDs lists the bricks on a device.
func (r *reader) DeviceBrickIDs(deviceID string) ([]string, error) {
	return r.children(bDeviceBricks, deviceID)
}

// Volume returns the volume id.
func (r *reader) Volume(id string) (*Volume, error) {
	v, err := getRecord[Volume](r, bVolumes, id)
	if err == nil {
		v.ID = id // schema 2 stores it only as the key
	}
	return v, err
}

// VolumeIDs lists all volumes.
func (r *reader) VolumeIDs() ([]string, error) { return r.keys(bVolumes) }

// VolumeIDByName returns the volume of cluster clusterID named name, or "".
func (r *reader) VolumeIDByName(clusterID, name string) (string, error) {
	return r.registered(bVolumeNames, r.lookupPair(clusterID, name)), nil
}

// VolumeBrickIDs lists the bricks of a volume.
func (r *reader) VolumeBrickIDs(volumeID string) ([]string, error) {
	return r.children(bVolumeBricks, volumeID)
}

// Brick returns the brick id.
func (r *reader) Brick(id string) (*Brick, error) {
	data := r.bucket(bBricks).Get(r.lookupKey(id))
	if data == nil {
		return nil, errs.ErrNotFound
	}
	b, err := decodeBrick(id, data)
	if err != nil {
		return nil, fmt.Errorf("decode %s record %s: %w", bucketBricks, id, err)
	}
	return b, nil
}

// BrickIDs lists all bricks.
func (r *reader) BrickIDs() ([]string, error) { return r.keys(bBricks) }

// BlockVolume returns the block volume id.
func (r *reader) BlockVolume(id string) (*BlockVolume, error) {
	return getRecord[BlockVolume](r, bBlockVolumes, id)
}

// BlockVolumeIDs lists all block volumes.
func (r *reader) BlockVolumeIDs() ([]string, error) { return r.keys(bBlockVolumes) }

// VolumeBlockVolumeIDs lists the block volumes hosted on a volume.
func (r *reader) VolumeBlockVolumeIDs(volumeID string) ([]string, error) {
	return r.children(bVolumeBlockVolumes, volumeID)
}

// PendingOp returns the pending operation id.
func (r *reader) PendingOp(id string) (*PendingOp, error) {
	return getRecord[PendingOp](r, bPendingOps, id)
}

// PendingOpIDs lists all pending operations.
func (r *reader) PendingOpIDs() ([]string, error) { return r.keys(bPendingOps) }

// Meta returns the meta attribute key, or "".
// Revision is bbolt's transaction id: in a read transaction, the id of the
// last committed write; it grows with every commit.
func (r *reader) Revision() uint64 { return uint64(r.tx.ID()) }

func (r *reader) Meta(key string) (string, error) {
	return string(r.bucket(bMeta).Get(r.lookupKey(key))), nil
}

// The fields of each record that indexes derive from. Put* decodes only these
// from the stored record to diff old against new; their json tags must match
// records.go (the index cross-check in the tests would catch a mismatch).
type (
	nodeKeys struct {
		ClusterID        string   `json:"cluster"`
		ManageHostnames  []string `json:"manage_hostnames"`
		StorageHostnames []string `json:"storage_hostnames"`
	}
	deviceKeys struct {
		NodeID string `json:"node"`
	}
	volumeKeys struct {
		ClusterID string `json:"cluster"`
		Name      string `json:"name"`
	}
	brickKeys struct {
		VolumeID string `json:"volume"`
		DeviceID string `json:"device"`
	}
	blockVolumeKeys struct {
		ClusterID          string `json:"cluster"`
		BlockHostingVolume string `json:"block_hosting_volume"`
	}
)

// kindNames names the record buckets in error texts.
var kindNames = [numBuckets]string{
	bClusters:     "cluster",
	bNodes:        "node",
	bDevices:      "device",
	bBricks:       "brick",
	bVolumes:      "volume",
	bBlockVolumes: "block volume",
	bPendingOps:   "pending operation",
}

// errNilRecord is Put*'s answer to a nil record.
func errNilRecord(kind bucketID) error {
	return errs.Newf(errs.Invalid, "nil %s record", kindNames[kind])
}

// checkID refuses ids that cannot be stored: empty, or containing the
// composite key separator.
func checkID(kind bucketID, id string) error {
	switch {
	case id == "":
		return errs.Newf(errs.Invalid, "%s record has no id", kindNames[kind])
	case strings.IndexByte(id, keySep) >= 0:
		return errs.Newf(errs.Invalid, "%s id %q contains a NUL byte", kindNames[kind], id)
	}
	return nil
}

// loadKeys decodes the stored record id of bucket kind into keys; it reports
// false when there is none.
func (w *writer) loadKeys(kind bucketID, id string, keys any) (bool, error) {
	data := w.bucket(kind).Get(w.lookupKey(id))
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, keys); err != nil {
		return true, fmt.Errorf("decode %s record %s: %w", bucketNames[kind], id, err)
	}
	return true, nil
}

// checkParent verifies that a child's new parent exists when it is being set
// or changed (an unchanged parent exists: Delete* refuses parents with
// children).
func (w *writer) checkParent(childKind bucketID, childID string, parentKind bucketID, oldParent, newParent string, existed bool) error {
	if newParent == "" || (existed && oldParent == newParent) {
		return nil
	}
	if !w.exists(parentKind, newParent) {
		return errs.Newf(errs.NotFound, "%s %s refers to %s %s, which does not exist",
			kindNames[childKind], childID, kindNames[parentKind], newParent)
	}
	return nil
}

// relink moves child's entry in index bucket idx from oldParent to
// newParent ("" meaning no entry).
func (w *writer) relink(idx bucketID, oldParent, newParent, child string, existed bool) error {
	if existed && oldParent == newParent {
		return nil
	}
	b := w.bucket(idx)
	if existed && oldParent != "" {
		if err := b.Delete(w.lookupPair(oldParent, child)); err != nil {
			return err
		}
	}
	if newParent != "" {
		return b.Put(pairKey(newParent, child), []byte{})
	}
	return nil
}

// unlink removes child's entry under parent in index bucket idx.
func (w *writer) unlink(idx bucketID, parent, child string) error {
	if parent == "" {
		return nil
	}
	return w.bucket(idx).Delete(w.lookupPair(parent, child))
}

// checkHostnames refuses hostnames registered in reg to a node other than id.
func (w *writer) checkHostnames(reg bucketID, hosts []string, id string) error {
	for _, h := range hosts {
		if owner := w.registered(reg, w.lookupKey(h)); owner != "" && owner != id {
			return errs.Newf(errs.Conflict, "Hostname %s already used by node with id %s", h, owner)
		}
	}
	return nil
}

// reregister makes the registrations of node id in reg exactly hosts,
// removing those of old that hosts no longer has.
func (w *writer) reregister(reg bucketID, old, hosts []string, id string) error {
	b := w.bucket(reg)
	for _, h := range old {
		if contains(hosts, h) {
			continue
		}
		if err := w.unregister(reg, w.lookupKey(h), id); err != nil {
			return err
		}
	}
	for _, h := range hosts {
		if contains(old, h) && w.registered(reg, w.lookupKey(h)) == id {
			continue
		}
		if err := b.Put([]byte(h), []byte(id)); err != nil {
			return err
		}
	}
	return nil
}

// unregister deletes key from registration bucket reg if it belongs to id.
func (w *writer) unregister(reg bucketID, key []byte, id string) error {
	b := w.bucket(reg)
	if string(b.Get(key)) != id {
		return nil
	}
	return b.Delete(key)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// putRecord stores v as JSON under id in bucket kind.
func (w *writer) putRecord(kind bucketID, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s record %s: %w", bucketNames[kind], id, err)
	}
	return w.bucket(kind).Put([]byte(id), data)
}

// deleteRecord removes id from bucket kind.
func (w *writer) deleteRecord(kind bucketID, id string) error {
	return w.bucket(kind).Delete(w.lookupKey(id))
}

// refuseChildren returns a Conflict error when parent still has entries in
// any of the index buckets idx.
func (w *writer) refuseChildren(kind bucketID, id string, idx ...bucketID) error {
	for _, b := range idx {
		if w.hasChildren(b, id) {
			return errs.Newf(errs.Conflict, "%s %s still has %s; delete them first",
				kindNames[kind], id, childNoun[b])
		}
	}
	return nil
}

var childNoun = [numBuckets]string{
	bClusterNodes:        "nodes",
	bClusterVolumes:      "volumes",
	bClusterBlockVolumes: "block volumes",
	bNodeDevices:         "devices",
	bDeviceBricks:        "bricks",
	bVolumeBricks:        "bricks",
	bVolumeBlockVolumes:  "block volumes",
}

// PutCluster creates or replaces a cluster.
func (w *writer) PutCluster(c *Cluster) error {
	if c == nil {
		return errNilRecord(bClusters)
	}
	if err := checkID(bClusters, c.ID); err != nil {
		return err
	}
	return w.putRecord(bClusters, c.ID, c)
}

// DeleteCluster deletes a cluster that has no nodes, volumes or block
// volumes.
func (w *writer) DeleteCluster(id string) error {
	if !w.exists(bClusters, id) {
		return errs.ErrNotFound
	}
	if err := w.refuseChildren(bClusters, id, bClusterNodes, bClusterVolumes, bClusterBlockVolumes); err != nil {
		return err
	}
	return w.deleteRecord(bClusters, id)
}

// PutNode creates or replaces a node, moving it between clusters and
// re-registering its hostnames as needed.
func (w *writer) PutNode(n *Node) error {
	if n == nil {
		return errNilRecord(bNodes)
	}
	if err := checkID(bNodes, n.ID); err != nil {
		return err
	}
	var old nodeKeys
	existed, err := w.loadKeys(bNodes, n.ID, &old)
	if err != nil {
		return err
	}
	// Every check before the first write, so a refused Put changes nothing.
	if err := w.checkParent(bNodes, n.ID, bClusters, old.ClusterID, n.ClusterID, existed); err != nil {
		return err
	}
	if err := w.checkHostnames(bManageHostnames, n.ManageHostnames, n.ID); err != nil {
		return err
	}
	if err := w.checkHostnames(bStorageHostnames, n.StorageHostnames, n.ID); err != nil {
		return err
	}
	if err := w.relink(bClusterNodes, old.ClusterID, n.ClusterID, n.ID, existed); err != nil {
		return err
	}
	if err := w.reregister(bManageHostnames, old.ManageHostnames, n.ManageHostnames, n.ID); err != nil {
		return err
	}
	if err := w.reregister(bStorageHostnames, old.StorageHostnames, n.StorageHostnames, n.ID); err != nil {
		return err
	}
	return w.putRecord(bNodes, n.ID, n)
}

// DeleteNode deletes a node that has no devices, with its hostname
// registrations.
func (w *writer) DeleteNode(id string) error {
	var old nodeKeys
	existed, err := w.loadKeys(bNodes, id, &old)
	if err != nil {
		return err
	}
	if !existed {
		return errs.ErrNotFound
	}
	if err := w.refuseChildren(bNodes, id, bNodeDevices); err != nil {
		return err
	}
	if err := w.unlink(bClusterNodes, old.ClusterID, id); err != nil {
		return err
	}
	for _, h := range old.ManageHostnames {
		if err := w.unregister(bManageHostnames, w.lookupKey(h), id); err != nil {
			return err
		}
	}
	for _, h := range old.StorageHostnames {
		if err := w.unregister(bStorageHostnames, w.lookupKey(h), id); err != nil {
			return err
		}
	}
	return w.deleteRecord(bNodes, id)
}

// PutDevice creates or replaces a device.
func (w *writer) PutDevice(d *Device) error {
	if d == nil {
		return errNilRecord(bDevices)
	}
	if err := checkID(bDevices, d.ID); err != nil {
		return err
	}
	var old deviceKeys
	existed, err := w.loadKeys(bDevices, d.ID, &old)
	if err != nil {
		return err
	}
	if err := w.checkParent(bDevices, d.ID, bNodes, old.NodeID, d.NodeID, existed); err != nil {
		return err
	}
	if err := w.relink(bNodeDevices, old.NodeID, d.NodeID, d.ID, existed); err != nil {
		return err
	}
	return w.putRecord(bDevices, d.ID, d)
}

// DeleteDevice deletes a device that has no bricks.
func (w *writer) DeleteDevice(id string) error {
	var old deviceKeys
	existed, err := w.loadKeys(bDevices, id, &old)
	if err != nil {
		return err
	}
	if !existed {
		return errs.ErrNotFound
	}
	if err := w.refuseChildren(bDevices, id, bDeviceBricks); err != nil {
		return err
	}
	if err := w.unlink(bNodeDevices, old.NodeID, id); err != nil {
		return err
	}
	return w.deleteRecord(bDevices, id)
}

// PutVolume creates or replaces a volume, keeping its name registration.
func (w *writer) PutVolume(v *Volume) error {
	if v == nil {
		return errNilRecord(bVolumes)
	}
	if err := checkID(bVolumes, v.ID); err != nil {
		return err
	}
	var old volumeKeys
	existed, err := w.loadKeys(bVolumes, v.ID, &old)
	if err != nil {
		return err
	}
	if err := w.checkParent(bVolumes, v.ID, bClusters, old.ClusterID, v.ClusterID, existed); err != nil {
		return err
	}
	nameChanged := !existed || old.ClusterID != v.ClusterID || old.Name != v.Name
	if nameChanged && v.ClusterID != "" && v.Name != "" {
		if owner := w.registered(bVolumeNames, w.lookupPair(v.ClusterID, v.Name)); owner != "" && owner != v.ID {
			return errs.Newf(errs.Conflict, "volume name %s already used by volume with id %s in cluster %s",
				v.Name, owner, v.ClusterID)
		}
	}
	if err := w.relink(bClusterVolumes, old.ClusterID, v.ClusterID, v.ID, existed); err != nil {
		return err
	}
	if nameChanged {
		if existed && old.ClusterID != "" && old.Name != "" {
			if err := w.unregister(bVolumeNames, w.lookupPair(old.ClusterID, old.Name), v.ID); err != nil {
				return err
			}
		}
		if v.ClusterID != "" && v.Name != "" {
			if err := w.bucket(bVolumeNames).Put(pairKey(v.ClusterID, v.Name), []byte(v.ID)); err != nil {
				return err
			}
		}
	}
	stored := *v
	stored.ID = "" // the key says it (schema 2)
	return w.putRecord(bVolumes, v.ID, &stored)
}

// DeleteVolume deletes a volume that has no bricks or block volumes, with its
// name registration.
func (w *writer) DeleteVolume(id string) error {
	var old volumeKeys
	existed, err := w.loadKeys(bVolumes, id, &old)
	if err != nil {
		return err
	}
	if !existed {
		return errs.ErrNotFound
	}
	if err := w.refuseChildren(bVolumes, id, bVolumeBricks, bVolumeBlockVolumes); err != nil {
		return err
	}
	if err := w.unlink(bClusterVolumes, old.ClusterID, id); err != nil {
		return err
	}
	if old.ClusterID != "" && old.Name != "" {
		if err := w.unregister(bVolumeNames, w.lookupPair(old.ClusterID, old.Name), id); err != nil {
			return err
		}
	}
	return w.deleteRecord(bVolumes, id)
}

// PutBrick creates or replaces a brick.
func (w *writer) PutBrick(b *Brick) error {
	if b == nil {
		return errNilRecord(bBricks)
	}
	if err := checkID(bBricks, b.ID); err != nil {
		return err
	}
	var old brickKeys
	existed, err := w.loadKeys(bBricks, b.ID, &old)
	if err != nil {
		return err
	}
	if err := w.checkParent(bBricks, b.ID, bDevices, old.DeviceID, b.DeviceID, existed); err != nil {
		return err
	}
	if err := w.checkParent(bBricks, b.ID, bVolumes, old.VolumeID, b.VolumeID, existed); err != nil {
		return err
	}
	if err := w.relink(bDeviceBricks, old.DeviceID, b.DeviceID, b.ID, existed); err != nil {
		return err
	}
	if err := w.relink(bVolumeBricks, old.VolumeID, b.VolumeID, b.ID, existed); err != nil {
		return err
	}
	data, err := encodeBrick(b)
	if err != nil {
		return fmt.Errorf("encode %s record %s: %w", bucketBricks, b.ID, err)
	}
	return w.bucket(bBricks).Put([]byte(b.ID), data)
}

// DeleteBrick deletes a brick.
func (w *writer) DeleteBrick(id string) error {
	var old brickKeys
	existed, err := w.loadKeys(bBricks, id, &old)
	if err != nil {
		return err
	}
	if !existed {
		return errs.ErrNotFound
	}
	if err := w.unlink(bDeviceBricks, old.DeviceID, id); err != nil {
		return err
	}
	if err := w.unlink(bVolumeBricks, old.VolumeID, id); err != nil {
		return err
	}
	return w.deleteRecord(bBricks, id)
}

// PutBlockVolume creates or replaces a block volume.
func (w *writer) PutBlockVolume(bv *BlockVolume) error {
	if bv == nil {
		return errNilRecord(bBlockVolumes)
	}
	if err := checkID(bBlockVolumes, bv.ID); err != nil {
		return err
	}
	var old blockVolumeKeys
	existed, err := w.loadKeys(bBlockVolumes, bv.ID, &old)
	if err != nil {
		return err
	}
	if err := w.checkParent(bBlockVolumes, bv.ID, bClusters, old.ClusterID, bv.ClusterID, existed); err != nil {
		return err
	}
	if err := w.checkParent(bBlockVolumes, bv.ID, bVolumes, old.BlockHostingVolume, bv.BlockHostingVolume, existed); err != nil {
		return err
	}
	if err := w.relink(bClusterBlockVolumes, old.ClusterID, bv.ClusterID, bv.ID, existed); err != nil {
		return err
	}
	if err := w.relink(bVolumeBlockVolumes, old.BlockHostingVolume, bv.BlockHostingVolume, bv.ID, existed); err != nil {
		return err
	}
	return w.putRecord(bBlockVolumes, bv.ID, bv)
}

// DeleteBlockVolume deletes a block volume.
func (w *writer) DeleteBlockVolume(id string) error {
	var old blockVolumeKeys
	existed, err := w.loadKeys(bBlockVolumes, id, &old)
	if err != nil {
		return err
	}
	if !existed {
		return errs.ErrNotFound
	}
	if err := w.unlink(bClusterBlockVolumes, old.ClusterID, id); err != nil {
		return err
	}
	if err := w.unlink(bVolumeBlockVolumes, old.BlockHostingVolume, id); err != nil {
		return err
	}
	return w.deleteRecord(bBlockVolumes, id)
}

// PutPendingOp creates or replaces a pending operation.
func (w *writer) PutPendingOp(op *PendingOp) error {
	if op == nil {
		return errNilRecord(bPendingOps)
	}
	if err := checkID(bPendingOps, op.ID); err != nil {
		return err
	}
	return w.putRecord(bPendingOps, op.ID, op)
}

// DeletePendingOp deletes a pending operation.
func (w *writer) DeletePendingOp(id string) error {
	if !w.exists(bPendingOps, id) {
		return errs.ErrNotFound
	}
	return w.deleteRecord(bPendingOps, id)
}

// SetMeta sets a meta attribute; an empty value deletes it. The schema
// version is owned by the migrations and cannot be set.
func (w *writer) SetMeta(key, value string) error {
	switch key {
	case "":
		return errs.New(errs.Invalid, "empty meta attribute name")
	case MetaSchemaVersion:
		return errs.Newf(errs.Invalid, "meta attribute %s is maintained by the store", key)
	}
	b := w.bucket(bMeta)
	if value == "" {
		return b.Delete(w.lookupKey(key))
	}
	return b.Put([]byte(key), []byte(value))
}
