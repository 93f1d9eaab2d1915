package executors

import "context"

// BlockVolumeRequest describes a gluster-block volume to create.
type BlockVolumeRequest struct {
	// HostingVolume is the gluster name of the block-hosting volume (vol_<id>).
	HostingVolume string
	// Name is the block volume's name inside the hosting volume (blockvol_<id>).
	Name string
	// SizeGiB is the size of the block device.
	SizeGiB int
	// Hosts are the storage hostnames that export the iSCSI target, in order;
	// the ha count is len(Hosts).
	Hosts []string
	// Auth enables CHAP authentication; the credentials come back in the result.
	Auth bool
	// Prealloc is gluster-block's prealloc value; "" uses the executor's default.
	Prealloc string
}

// BlockVolumeInfo is what gluster-block reports about a block volume it has
// just created.
type BlockVolumeInfo struct {
	IQN      string   // iSCSI qualified name of the target
	Username string   // CHAP user ("" without auth)
	Password string   // CHAP secret ("" without auth)
	Portals  []string // "<host>:<port>" portals serving the target
}

// BlockExecutor is the part of the Executor that manages gluster-block
// volumes. Every method runs on one node of the hosting volume's pool,
// addressed by its manage hostname.
type BlockExecutor interface {
	// BlockVolumeCreate creates a block volume and returns its target.
	BlockVolumeCreate(ctx context.Context, host string, req BlockVolumeRequest) (*BlockVolumeInfo, error)
	// BlockVolumeDestroy deletes a block volume; one that does not exist
	// counts as deleted.
	BlockVolumeDestroy(ctx context.Context, host, hostingVolume, name string) error
	// BlockVolumeExpand grows a block volume to newSizeGiB.
	BlockVolumeExpand(ctx context.Context, host, hostingVolume, name string, newSizeGiB int) error
	// BlockVolumeSize reports the current size of a block volume in bytes,
	// and exists=false when there is no such block volume.
	BlockVolumeSize(ctx context.Context, host, hostingVolume, name string) (sizeBytes uint64, exists bool, err error)
}
