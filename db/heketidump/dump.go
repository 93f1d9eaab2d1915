// Package heketidump converts between Basalt's database records and Heketi's
// JSON database dump: the document `GET /db/dump`, `heketi db export` and
// `basalt db export` write and `heketi db import` / `basalt db import` read
// (facts 11.4).
//
// The dump is one object whose keys are Heketi's entry maps (id -> entry).
// Entries use the Go field names of Heketi's entry structs (Info, Bricks,
// State, ...) and, inside Info, the json tags of the REST API types, so a
// dump Basalt writes can be read by Heketi's own tooling and a dump Heketi
// writes can be imported into Basalt.
//
// Basalt keeps a little more than Heketi does: nodes and devices can be marked
// by a pending operation, and pending operations record their phase, steps and
// last error. These travel in extra fields (a node's or device's Pending, an
// operation's Phase, Steps and Error) that are omitted when empty, so ordinary
// dumps look exactly like Heketi's and Heketi ignores them when present.
//
// Only the JSON dump is supported. A heketi.db bolt file holds gob-encoded
// records and cannot be opened or imported directly: export it with
// `heketi db export` first.
package heketidump

import (
	"github.com/basalt-storage/basalt/client/api"
)

// Dump is Heketi's JSON database dump. Every map is present (encoded as {}
// when empty) and keyed by entry id; attributes are keyed by name.
type Dump struct {
	Clusters     map[string]ClusterEntry     `json:"clusterentries"`
	Volumes      map[string]VolumeEntry      `json:"volumeentries"`
	Bricks       map[string]BrickEntry       `json:"brickentries"`
	Nodes        map[string]NodeEntry        `json:"nodeentries"`
	Devices      map[string]DeviceEntry      `json:"deviceentries"`
	BlockVolumes map[string]BlockVolumeEntry `json:"blockvolumeentries"`
	DBAttributes map[string]DBAttributeEntry `json:"dbattributeentries"`
	PendingOps   map[string]PendingOpEntry   `json:"pendingoperations"`
}

// PendingItem is Heketi's pending marker: the id of the operation that is
// creating, changing or deleting an entry, or "" when none is.
type PendingItem struct {
	ID string `json:"Id"`
}

// ClusterEntry is a cluster. Info lists every node, volume and block volume
// of the cluster, sorted, including those an operation is still working on.
type ClusterEntry struct {
	Info api.ClusterInfoResponse `json:"Info"`
}

// NodeEntry is a node with its device ids (sorted). Pending is a Basalt
// extension, present only while an operation adds or removes the node.
type NodeEntry struct {
	State   api.EntryState `json:"State"`
	Info    api.NodeInfo   `json:"Info"`
	Devices []string       `json:"Devices"`
	Pending *PendingItem   `json:"Pending,omitempty"`
}

// DeviceEntry is a device with its brick ids (sorted). Sizes are KiB. Pending
// is a Basalt extension, present only while an operation adds or removes the
// device.
type DeviceEntry struct {
	State      api.EntryState `json:"State"`
	Info       api.DeviceInfo `json:"Info"`
	Bricks     []string       `json:"Bricks"`
	NodeID     string         `json:"NodeId"`
	ExtentSize uint64         `json:"ExtentSize"`
	Pending    *PendingItem   `json:"Pending,omitempty"`
}

// BrickEntry is a brick. TpSize and PoolMetadataSize are the KiB its thin
// pool takes from the device; Info.size is the brick's virtual size.
type BrickEntry struct {
	Info             api.BrickInfo `json:"Info"`
	TpSize           uint64        `json:"TpSize"`
	PoolMetadataSize uint64        `json:"PoolMetadataSize"`
	Pending          PendingItem   `json:"Pending"`
	LvmThinPool      string        `json:"LvmThinPool"`
	LvmLv            string        `json:"LvmLv"`
	SubType          int           `json:"SubType"`
}

// VolumeEntry is a volume with its brick ids (sorted) and its effective
// gluster option list.
type VolumeEntry struct {
	Info                 api.VolumeInfo `json:"Info"`
	Bricks               []string       `json:"Bricks"`
	GlusterVolumeOptions []string       `json:"GlusterVolumeOptions"`
	Pending              PendingItem    `json:"Pending"`
}

// BlockVolumeEntry is a gluster-block volume.
type BlockVolumeEntry struct {
	Info    api.BlockVolumeInfo `json:"Info"`
	Pending PendingItem         `json:"Pending"`
}

// DBAttributeEntry is one database attribute.
type DBAttributeEntry struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// PendingAction is one change of a pending operation; the numbers are
// Heketi's change types (facts 9.3). Delta is the GiB of an expand.
type PendingAction struct {
	Change int    `json:"Change"`
	ID     string `json:"Id"`
	Delta  int    `json:"Delta"`
}

// OpStep is one side effect of a Basalt operation and how far it got.
type OpStep struct {
	Name    string `json:"Name"`
	Host    string `json:"Host,omitempty"`
	Started bool   `json:"Started,omitempty"`
	Done    bool   `json:"Done,omitempty"`
}

// PendingOpEntry is a pending operation. Type is Heketi's operation number
// (Basalt's own node and device operations use 101-104); Status is "",
// "stale" or "failed". Phase, Steps and Error are Basalt extensions.
type PendingOpEntry struct {
	ID        string          `json:"Id"`
	Timestamp int64           `json:"Timestamp"`
	Type      int             `json:"Type"`
	Actions   []PendingAction `json:"Actions"`
	Status    string          `json:"Status"`
	Phase     string          `json:"Phase,omitempty"`
	Steps     []OpStep        `json:"Steps,omitempty"`
	Error     string          `json:"Error,omitempty"`
}

// Heketi's database attribute names (facts 11.2). Heketi refuses to start on
// a database holding any other attribute, so a dump carries exactly these.
const (
	AttrBrickHasSubType     = "DB_BRICK_HAS_SUBTYPE_FIELD"
	AttrClusterHasFlags     = "DB_CLUSTER_HAS_FILE_BLOCK_FLAG"
	AttrGenerationID        = "DB_GENERATION_ID"
	AttrHasPendingOpsBucket = "DB_HAS_PENDING_OPS_BUCKET"
	AttrDeviceHasIDMeta     = "DB_DEVICE_HAS_ID_META"
)

// markerAttrs are the attributes whose value is "yes": the features Basalt's
// records always have.
var markerAttrs = []string{AttrBrickHasSubType, AttrClusterHasFlags, AttrHasPendingOpsBucket, AttrDeviceHasIDMeta}

// New returns an empty dump with every map allocated.
func New() *Dump {
	return &Dump{
		Clusters:     map[string]ClusterEntry{},
		Volumes:      map[string]VolumeEntry{},
		Bricks:       map[string]BrickEntry{},
		Nodes:        map[string]NodeEntry{},
		Devices:      map[string]DeviceEntry{},
		BlockVolumes: map[string]BlockVolumeEntry{},
		DBAttributes: map[string]DBAttributeEntry{},
		PendingOps:   map[string]PendingOpEntry{},
	}
}
