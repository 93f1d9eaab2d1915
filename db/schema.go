package db

// Basalt's bbolt file, schema version 2. Every name below is a top-level
// bucket; there are no nested buckets.
//
//	meta                      attribute name -> string value
//	    schema_version        decimal, e.g. "1" (written by the migrations)
//	    generation_id         32 hex digits, created on first open
//	    created_at            RFC 3339 UTC time of first open
//	    <app keys>            anything the application stores with SetMeta
//
//	clusters                  <cluster id>      -> JSON Cluster
//	nodes                     <node id>         -> JSON Node
//	devices                   <device id>       -> JSON Device
//	bricks                    <brick id>        -> compact JSON Brick (brick_codec.go)
//	volumes                   <volume id>       -> JSON Volume
//	blockvolumes              <block volume id> -> JSON BlockVolume
//	pendingops                <op id>           -> JSON PendingOp
//
//	idx.cluster.nodes         <cluster id> NUL <node id>         -> ""
//	idx.cluster.volumes       <cluster id> NUL <volume id>       -> ""
//	idx.cluster.blockvolumes  <cluster id> NUL <block volume id> -> ""
//	idx.node.devices          <node id>    NUL <device id>       -> ""
//	idx.device.bricks         <device id>  NUL <brick id>        -> ""
//	idx.volume.bricks         <volume id>  NUL <brick id>        -> ""
//	idx.volume.blockvolumes   <volume id>  NUL <block volume id> -> ""
//
//	reg.hostname.manage       <manage hostname>            -> node id
//	reg.hostname.storage      <storage hostname>           -> node id
//	reg.volume.name           <cluster id> NUL <volume name> -> volume id
//
// Record values are the JSON encoding of the types in records.go (field names
// are their json tags). Records do not hold child lists: "which devices does
// node N have" is a prefix scan of idx.node.devices from "N\x00", which yields
// the device ids already sorted. Each index entry is derived from one field of
// the child record (Node.ClusterID, Volume.ClusterID, BlockVolume.ClusterID,
// Device.NodeID, Brick.DeviceID, Brick.VolumeID,
// BlockVolume.BlockHostingVolume); an empty field means no entry. The
// registrations come from Node.ManageHostnames, Node.StorageHostnames and
// (Volume.ClusterID, Volume.Name). Put* and Delete* keep all of them in step in
// the same transaction as the record, so no request ever needs a full scan of
// volumes or bricks.
//
// Why composite keys in flat buckets rather than one nested bucket per parent:
// a flat bucket is one B+tree, so adding a child is one Put and listing is one
// Seek plus a linear walk; nested buckets would add a bucket header per parent,
// bucket create/delete bookkeeping when the first child arrives or the last one
// leaves, and one more lookup on every access. The NUL separator (ids never
// contain NUL; Put* refuses one that does) keeps the prefix unambiguous even
// for ids of different lengths: "c1\x00" is not a prefix of any key of "c10".
//
// Versioning: SchemaVersion is the layout this code reads and writes. Opening a
// file runs, in order and each in its own write transaction, every migration
// step (migrate.go) whose version is above the stored schema_version, and
// records the new version in the same transaction as the step. A file whose
// version is above SchemaVersion is refused. Read-only opens never migrate and
// refuse a file that would need it.

// SchemaVersion is the version of the bucket layout and record encoding this
// code reads and writes. It equals the version of the last migration step.
const SchemaVersion = 2

// Keys of the meta bucket that Basalt itself maintains.
const (
	// MetaSchemaVersion holds the schema version in decimal. SetMeta refuses it.
	MetaSchemaVersion = "schema_version"
	// MetaGenerationID holds a random 32-hex-digit id created on first open.
	MetaGenerationID = "generation_id"
	// MetaCreatedAt holds the RFC 3339 UTC time the file was initialised.
	MetaCreatedAt = "created_at"
)

// Bucket names, unchanged since schema version 1 (unexported: only this package touches
// buckets).
const (
	bucketMeta         = "meta"
	bucketClusters     = "clusters"
	bucketNodes        = "nodes"
	bucketDevices      = "devices"
	bucketBricks       = "bricks"
	bucketVolumes      = "volumes"
	bucketBlockVolumes = "blockvolumes"
	bucketPendingOps   = "pendingops"

	bucketClusterNodes        = "idx.cluster.nodes"
	bucketClusterVolumes      = "idx.cluster.volumes"
	bucketClusterBlockVolumes = "idx.cluster.blockvolumes"
	bucketNodeDevices         = "idx.node.devices"
	bucketDeviceBricks        = "idx.device.bricks"
	bucketVolumeBricks        = "idx.volume.bricks"
	bucketVolumeBlockVolumes  = "idx.volume.blockvolumes"

	bucketManageHostnames  = "reg.hostname.manage"
	bucketStorageHostnames = "reg.hostname.storage"
	bucketVolumeNames      = "reg.volume.name"
)

// keySep separates the parts of a composite index or registration key.
const keySep = 0

// bucketID numbers the buckets so a transaction can cache their handles in
// an array instead of looking each one up by name on every call.
type bucketID int

const (
	bMeta bucketID = iota
	bClusters
	bNodes
	bDevices
	bBricks
	bVolumes
	bBlockVolumes
	bPendingOps
	bClusterNodes
	bClusterVolumes
	bClusterBlockVolumes
	bNodeDevices
	bDeviceBricks
	bVolumeBricks
	bVolumeBlockVolumes
	bManageHostnames
	bStorageHostnames
	bVolumeNames
	numBuckets
)

// bucketNames maps bucketID to the bucket's name; it lists every bucket of
// the current schema version.
var bucketNames = [numBuckets][]byte{
	bMeta:                []byte(bucketMeta),
	bClusters:            []byte(bucketClusters),
	bNodes:               []byte(bucketNodes),
	bDevices:             []byte(bucketDevices),
	bBricks:              []byte(bucketBricks),
	bVolumes:             []byte(bucketVolumes),
	bBlockVolumes:        []byte(bucketBlockVolumes),
	bPendingOps:          []byte(bucketPendingOps),
	bClusterNodes:        []byte(bucketClusterNodes),
	bClusterVolumes:      []byte(bucketClusterVolumes),
	bClusterBlockVolumes: []byte(bucketClusterBlockVolumes),
	bNodeDevices:         []byte(bucketNodeDevices),
	bDeviceBricks:        []byte(bucketDeviceBricks),
	bVolumeBricks:        []byte(bucketVolumeBricks),
	bVolumeBlockVolumes:  []byte(bucketVolumeBlockVolumes),
	bManageHostnames:     []byte(bucketManageHostnames),
	bStorageHostnames:    []byte(bucketStorageHostnames),
	bVolumeNames:         []byte(bucketVolumeNames),
}
