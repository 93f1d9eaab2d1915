package db

import "github.com/basalt-storage/basalt/client/api"

// Records are stored as JSON, one per key, in the bucket of their kind (see
// schema.go). Child lists (a cluster's nodes, a node's devices, ...) are not part
// of the records: they live in index buckets and are read with the Reader's
// *IDs methods, so adding a volume never rewrites a growing parent record.
//
// PendingOpID marks a record that an unfinished operation is creating, changing
// or deleting (Heketi's Pending.Id). The application hides such records from
// API reads and start-up recovery finishes or undoes them.

// Cluster is a set of nodes that share a gluster trusted pool.
type Cluster struct {
	ID    string `json:"id"`
	Block bool   `json:"block"`
	File  bool   `json:"file"`
}

// Node is a storage host.
type Node struct {
	ID               string            `json:"id"`
	ClusterID        string            `json:"cluster"`
	Zone             int               `json:"zone"`
	ManageHostnames  []string          `json:"manage_hostnames"`
	StorageHostnames []string          `json:"storage_hostnames"`
	Tags             map[string]string `json:"tags,omitempty"`
	State            api.EntryState    `json:"state"`
	PendingOpID      string            `json:"pending_op,omitempty"`
}

// ManageHost is the hostname commands are sent to.
func (n *Node) ManageHost() string { return first(n.ManageHostnames) }

// StorageHost is the hostname gluster uses for the node's bricks and peering.
func (n *Node) StorageHost() string { return first(n.StorageHostnames) }

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Device is a block device given to Basalt on a node; its VG is vg_<ID>.
// Sizes are KiB.
type Device struct {
	ID            string            `json:"id"`
	NodeID        string            `json:"node"`
	Name          string            `json:"name"`
	Tags          map[string]string `json:"tags,omitempty"`
	State         api.EntryState    `json:"state"`
	TotalKiB      uint64            `json:"total_kib"`
	FreeKiB       uint64            `json:"free_kib"`
	UsedKiB       uint64            `json:"used_kib"`
	ExtentSizeKiB uint64            `json:"extent_size_kib"`
	Paths         []string          `json:"paths,omitempty"`
	PVUUID        string            `json:"pv_uuid,omitempty"`
	PendingOpID   string            `json:"pending_op,omitempty"`
}

// Brick sub-types.
const (
	BrickSubTypeUnknown = 0
	BrickSubTypeNormal  = 1
	BrickSubTypeArbiter = 2
)

// Brick is one LV + XFS + mount on a device that backs part of a volume.
type Brick struct {
	ID                  string `json:"id"`
	VolumeID            string `json:"volume"`
	DeviceID            string `json:"device"`
	NodeID              string `json:"node"`
	Path                string `json:"path"`
	SizeKiB             uint64 `json:"size_kib"`
	TpSizeKiB           uint64 `json:"tp_size_kib"`
	PoolMetadataSizeKiB uint64 `json:"pool_metadata_size_kib"`
	ThinPool            string `json:"thin_pool"`
	LV                  string `json:"lv,omitempty"`
	SubType             int    `json:"sub_type"`
	PendingOpID         string `json:"pending_op,omitempty"`
}

// Volume is a gluster volume. Options is the effective option list (facts 5.4).
type Volume struct {
	ID          string                   `json:"id,omitempty"` // not stored: it is the key
	ClusterID   string                   `json:"cluster"`
	Name        string                   `json:"name"`
	SizeGiB     int                      `json:"size_gib"`
	Durability  api.VolumeDurabilityInfo `json:"durability"`
	Gid         int64                    `json:"gid,omitempty"`
	Options     []string                 `json:"options"`
	Block       bool                     `json:"block,omitempty"`
	Snapshot    api.VolumeSnapshot       `json:"snapshot"`
	BlockInfo   api.BlockInfo            `json:"block_info"`
	PendingOpID string                   `json:"pending_op,omitempty"`
}

// BlockVolume is a gluster-block volume inside a block-hosting volume.
type BlockVolume struct {
	ID                 string   `json:"id"`
	ClusterID          string   `json:"cluster"`
	BlockHostingVolume string   `json:"block_hosting_volume"`
	Name               string   `json:"name"`
	SizeGiB            int      `json:"size_gib"`
	UsableSizeGiB      int      `json:"usable_size_gib,omitempty"`
	HACount            int      `json:"hacount,omitempty"`
	Auth               bool     `json:"auth,omitempty"`
	Hosts              []string `json:"hosts,omitempty"`
	IQN                string   `json:"iqn,omitempty"`
	LUN                int      `json:"lun"`
	Username           string   `json:"username,omitempty"`
	Password           string   `json:"password,omitempty"`
	PendingOpID        string   `json:"pending_op,omitempty"`
}

// OpType is a pending operation's type; the numbers are Heketi's (facts 9.3).
type OpType int

// Operation types.
const (
	OpUnknown           OpType = 0
	OpCreateVolume      OpType = 1
	OpDeleteVolume      OpType = 2
	OpExpandVolume      OpType = 3
	OpCreateBlockVolume OpType = 4
	OpDeleteBlockVolume OpType = 5
	OpRemoveDevice      OpType = 6
	OpCloneVolume       OpType = 7
	OpEvictBrick        OpType = 8
	OpExpandBlockVolume OpType = 9
	// Basalt-only types (Heketi has no pending record for these).
	OpAddNode      OpType = 101
	OpDeleteNode   OpType = 102
	OpAddDevice    OpType = 103
	OpDeleteDevice OpType = 104
)

// ChangeType is what one action of a pending operation does; numbers are Heketi's.
type ChangeType int

// Change types.
const (
	ChangeUnknown        ChangeType = 0
	ChangeAddBrick       ChangeType = 1
	ChangeAddVolume      ChangeType = 2
	ChangeDeleteBrick    ChangeType = 3
	ChangeDeleteVolume   ChangeType = 4
	ChangeExpandVolume   ChangeType = 5
	ChangeAddBlockVolume ChangeType = 6
	ChangeDeleteBlockVol ChangeType = 7
	ChangeRemoveDevice   ChangeType = 8
	ChangeCloneVolume    ChangeType = 9
	ChangeSnapshotVolume ChangeType = 10
	ChangeAddVolumeClone ChangeType = 11
	ChangeChildOp        ChangeType = 12
	ChangeParentOp       ChangeType = 13
	ChangeExpandBlockVol ChangeType = 14
	// Basalt-only changes.
	ChangeAddNode      ChangeType = 101
	ChangeDeleteNode   ChangeType = 102
	ChangeAddDevice    ChangeType = 103
	ChangeDeleteDevice ChangeType = 104
)

// PendingAction is one change a pending operation makes.
type PendingAction struct {
	Change ChangeType `json:"change"`
	ID     string     `json:"id"`
	Delta  int        `json:"delta,omitempty"`
}

// Operation statuses (Heketi's): "" while new, then stale or failed.
const (
	OpStatusNew    = ""
	OpStatusStale  = "stale"
	OpStatusFailed = "failed"
)

// PendingOp is the persisted intent of an operation that changes nodes. It is
// written before the first command runs and deleted when the operation has
// been finalized or rolled back. Steps record progress so that start-up
// recovery knows exactly which side effects may exist.
type PendingOp struct {
	ID        string          `json:"id"`
	Type      OpType          `json:"type"`
	Timestamp int64           `json:"timestamp"`
	Status    string          `json:"status"`
	Actions   []PendingAction `json:"actions"`
	// Phase is where the operation is: "exec", "rollback" or "finalize".
	Phase string `json:"phase,omitempty"`
	// Steps are named side effects and whether each has started/finished.
	Steps []OpStep `json:"steps,omitempty"`
	// Error is the last error the operation met, if any.
	Error string `json:"error,omitempty"`
}

// OpStep is one side effect of an operation.
type OpStep struct {
	Name    string `json:"name"`
	Host    string `json:"host,omitempty"`
	Started bool   `json:"started,omitempty"`
	Done    bool   `json:"done,omitempty"`
}
