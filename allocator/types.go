package allocator

// Cluster is the read-only snapshot of one cluster.
type Cluster struct {
	ID    string
	Nodes []Node
}

// Node is a storage node of a cluster snapshot.
type Node struct {
	ID   string
	Zone int
	// Tags are the node's tags; device tags override them.
	Tags map[string]string
	// Usable is true when the node is online and healthy.
	Usable  bool
	Devices []Device
}

// Device is a device of a node in a cluster snapshot.
type Device struct {
	ID   string
	Tags map[string]string
	// Usable is true when the device is online.
	Usable bool
	// FreeKiB is the space left in the device's volume group.
	FreeKiB uint64
	// ExtentSizeKiB is the volume group's extent size; 0 means 4096.
	ExtentSizeKiB uint64
}

// Durability types of a volume.
const (
	DurabilityNone      = "none"
	DurabilityReplicate = "replicate"
	DurabilityDisperse  = "disperse"
)

// Zone checking strategies.
const (
	ZoneCheckingNone   = "none"
	ZoneCheckingStrict = "strict"
)

// Defaults applied to zero Request limits (Heketi's configuration defaults).
const (
	DefaultBrickMinKiB        = 1024 * 1024        // brick_min_size_gb 1
	DefaultBrickMaxKiB        = 4096 * 1024 * 1024 // brick_max_size_gb 4096
	DefaultMaxBricksPerVolume = 32                 // max_bricks_per_volume
	DefaultReplica            = 2                  // replica 0 means 2, as in Heketi
)

// Durability describes how the bricks of a set protect data.
type Durability struct {
	// Type is none, replicate or disperse; "" means none.
	Type string
	// Replica is the replica count; 0 means 2 as in Heketi.
	Replica int
	// Data and Redundancy are the disperse counts.
	Data, Redundancy int
}

// Request asks for the bricks of a new volume or of an expansion.
type Request struct {
	// SizeGiB is the size to place (the expansion size for an expansion).
	SizeGiB    int
	Durability Durability
	// Arbiter places the third brick of each set as an arbiter brick.
	Arbiter bool
	// SnapshotFactor scales thin pools; 0 means 1 (snapshots off).
	SnapshotFactor float64
	// ZoneChecking is none or strict; anything else behaves as none.
	ZoneChecking string
	// TagMatch is the raw user.heketi.device-tag-match value; "" means none.
	TagMatch string
	// AverageFileSizeKiB sizes arbiter bricks; 0 means 64.
	AverageFileSizeKiB uint64
	// BrickMinKiB and BrickMaxKiB bound the data brick size; 0 means the
	// defaults (1 GiB and 4 TiB).
	BrickMinKiB, BrickMaxKiB uint64
	// MaxBricksPerVolume bounds the volume's brick count; 0 means 32.
	MaxBricksPerVolume int
	// ExistingBricks is the number of bricks the volume already has.
	ExistingBricks int
}

// Plan is the placement of a volume (or expansion) in one cluster.
type Plan struct {
	ClusterID string
	// BrickSizeKiB is the data brick size.
	BrickSizeKiB uint64
	Sets         []Set
}

// Set is one replica or disperse set; bricks are in set position order.
type Set struct {
	Bricks []Brick
}

// Brick is one planned brick.
type Brick struct {
	NodeID, DeviceID string
	// SizeKiB is the brick (logical volume) size.
	SizeKiB uint64
	// TpSizeKiB and PoolMetadataKiB are the thin pool and its metadata;
	// their sum is the space the brick takes from the device.
	TpSizeKiB, PoolMetadataKiB uint64
	// Arbiter marks the arbiter brick of a set (position 2).
	Arbiter bool
}

// SpaceKiB returns the device space the brick consumes.
func (b Brick) SpaceKiB() uint64 { return b.TpSizeKiB + b.PoolMetadataKiB }

// ReplaceRequest asks for a device to hold a replacement brick when a brick
// is evicted from a device being removed.
type ReplaceRequest struct {
	// OldDeviceID is the device the brick leaves; only it is excluded.
	OldDeviceID string
	// SetNodeIDs are the nodes of the other bricks of the brick's set.
	SetNodeIDs []string
	// SizeKiB is the brick size (the arbiter size for an arbiter brick).
	SizeKiB uint64
	// SnapshotFactor scales the thin pool; 0 means 1.
	SnapshotFactor float64
	// Arbiter is true when the brick is the set's arbiter brick.
	Arbiter bool
	// ArbiterVolume is true when the volume uses arbiter placement (implied
	// by Arbiter): its data bricks then avoid arbiter=required devices.
	ArbiterVolume bool
	// ZoneChecking and TagMatch are as in Request.
	ZoneChecking, TagMatch string
}
