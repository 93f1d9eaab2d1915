// Package db is Basalt's state store: one bbolt file holding JSON records and
// the indexes that make every lookup O(log n).
//
// The application reaches the store only through Store: View runs a function
// against a consistent read-only snapshot, Update runs a function in one atomic
// read-write transaction (all of it commits, or none). Reader and Writer are
// typed: they speak in records and ids, never in buckets or bytes, so another
// backend (for example a replicated one on etcd) can implement them without
// the application changing. The bucket layout is in schema.go.
//
// Rules for callers: no network or executor I/O inside Update (a write
// transaction blocks every other writer); records returned by a Reader are
// copies owned by the caller; the Reader or Writer handed to fn belongs to one
// goroutine and is dead once fn returns.
package db

// Store is a transactional store of Basalt's records.
type Store interface {
	// View runs fn against a consistent snapshot.
	View(fn func(Reader) error) error
	// Update runs fn in one atomic transaction; if fn returns an error nothing
	// it wrote is kept.
	Update(fn func(Writer) error) error
	// Batch is Update with group commit: concurrent calls may share one
	// transaction and one fsync. fn may run more than once, so it must only
	// read and write through the Writer.
	Batch(fn func(Writer) error) error
	// Close releases the store. It waits for running transactions.
	Close() error
}

// Reader reads records and indexes. Getters of a missing id return an error of
// kind errs.NotFound with the text "Id not found". *IDs methods return ids sorted
// ascending (never nil).
type Reader interface {
	Cluster(id string) (*Cluster, error)
	ClusterIDs() ([]string, error)
	ClusterNodeIDs(clusterID string) ([]string, error)
	ClusterVolumeIDs(clusterID string) ([]string, error)
	ClusterBlockVolumeIDs(clusterID string) ([]string, error)

	Node(id string) (*Node, error)
	NodeIDs() ([]string, error)
	// NodeIDByManageHostname and NodeIDByStorageHostname return "" when no node
	// has registered that hostname.
	NodeIDByManageHostname(host string) (string, error)
	NodeIDByStorageHostname(host string) (string, error)
	NodeDeviceIDs(nodeID string) ([]string, error)

	Device(id string) (*Device, error)
	DeviceIDs() ([]string, error)
	DeviceBrickIDs(deviceID string) ([]string, error)

	Volume(id string) (*Volume, error)
	VolumeIDs() ([]string, error)
	// VolumeIDByName returns "" when the cluster has no volume of that name.
	VolumeIDByName(clusterID, name string) (string, error)
	VolumeBrickIDs(volumeID string) ([]string, error)

	Brick(id string) (*Brick, error)
	BrickIDs() ([]string, error)

	BlockVolume(id string) (*BlockVolume, error)
	BlockVolumeIDs() ([]string, error)
	// VolumeBlockVolumeIDs lists the block volumes hosted on a volume.
	VolumeBlockVolumeIDs(volumeID string) ([]string, error)

	PendingOp(id string) (*PendingOp, error)
	PendingOpIDs() ([]string, error)

	// Revision identifies the committed state the reader sees: it changes
	// with every committed write and never goes back, so anything computed
	// from a snapshot can be cached under it.
	Revision() uint64

	// Meta returns a store attribute ("" when unset), e.g. the generation id.
	Meta(key string) (string, error)
}

// Writer is a Reader that can also change records. Put* creates or replaces a
// record and keeps every index it belongs to in step (parent links, hostname
// and name registrations); Delete* removes a record and its index entries and
// returns errs.NotFound when it does not exist. Put* refuses, with an error of
// kind errs.Conflict, a record that would take a hostname or volume name
// already registered to another record.
//
// The store never holds an orphan. Delete* refuses, with an error of kind
// errs.Conflict, a record that still has children: a cluster with nodes,
// volumes or block volumes, a node with devices, a device with bricks, a
// volume with bricks or block volumes. The caller deletes the children first,
// in the same transaction. Likewise Put* refuses, with an error of kind
// errs.NotFound, a record whose parent id (Node.ClusterID, Device.NodeID,
// Volume.ClusterID, Brick.DeviceID, Brick.VolumeID, BlockVolume.ClusterID,
// BlockVolume.BlockHostingVolume) is set to a record that does not exist, so
// parents are put before their children. An empty parent id is allowed and
// indexed nowhere. A refused Put* or Delete* changes nothing, but the
// transaction stays usable: the caller decides whether to return the error.
type Writer interface {
	Reader

	PutCluster(c *Cluster) error
	DeleteCluster(id string) error
	PutNode(n *Node) error
	DeleteNode(id string) error
	PutDevice(d *Device) error
	DeleteDevice(id string) error
	PutVolume(v *Volume) error
	DeleteVolume(id string) error
	PutBrick(b *Brick) error
	DeleteBrick(id string) error
	PutBlockVolume(bv *BlockVolume) error
	DeleteBlockVolume(id string) error
	PutPendingOp(op *PendingOp) error
	DeletePendingOp(id string) error
	SetMeta(key, value string) error
}
