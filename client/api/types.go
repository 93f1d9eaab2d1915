// Package api holds Basalt's wire types: the JSON request and response bodies of
// the Heketi-compatible REST API, with their validation. The server and the Go
// client share them. Field order and json tags are part of the wire format: key
// order in responses matches Heketi's (facts 5), so do not reorder fields.
package api

// EntryState is the state of a node or device.
type EntryState string

// Node and device states. Heketi's CLI shows "failed" as "removed".
const (
	EntryStateOnline  EntryState = "online"
	EntryStateOffline EntryState = "offline"
	EntryStateFailed  EntryState = "failed"
)

// HealCheck is the heal-check option of a state change or brick evict.
type HealCheck string

// Heal-check choices; "" means the default (enable).
const (
	HealCheckDefault HealCheck = ""
	HealCheckEnable  HealCheck = "enable"
	HealCheckDisable HealCheck = "disable"
)

// ClusterFlags says which volume types a cluster accepts.
type ClusterFlags struct {
	Block bool `json:"block"`
	File  bool `json:"file"`
}

// ClusterCreateRequest is the body of POST /clusters. Both flags default to false.
type ClusterCreateRequest struct {
	ClusterFlags
}

// ClusterSetFlagsRequest is the body of POST /clusters/{id}/flags.
type ClusterSetFlagsRequest struct {
	ClusterFlags
}

// ClusterInfoResponse is a cluster as GET /clusters/{id} returns it.
type ClusterInfoResponse struct {
	ID      string   `json:"id"`
	Nodes   []string `json:"nodes"`
	Volumes []string `json:"volumes"`
	ClusterFlags
	BlockVolumes []string `json:"blockvolumes"`
}

// ClusterListResponse is the body of GET /clusters.
type ClusterListResponse struct {
	Clusters []string `json:"clusters"`
}

// HostAddresses are a node's management and storage hostnames. Only the first
// element of each list is used.
type HostAddresses struct {
	Manage  []string `json:"manage"`
	Storage []string `json:"storage"`
}

// NodeAddRequest is the body of POST /nodes.
type NodeAddRequest struct {
	Zone      int               `json:"zone"`
	Hostnames HostAddresses     `json:"hostnames"`
	ClusterID string            `json:"cluster"`
	Tags      map[string]string `json:"tags,omitempty"`
}

// NodeInfo is a node without its devices.
type NodeInfo struct {
	NodeAddRequest
	ID string `json:"id"`
}

// NodeInfoResponse is a node as GET /nodes/{id} returns it.
type NodeInfoResponse struct {
	NodeInfo
	State       EntryState           `json:"state"`
	DevicesInfo []DeviceInfoResponse `json:"devices"`
}

// Device is the user-given part of a device.
type Device struct {
	Name string            `json:"name"`
	Tags map[string]string `json:"tags,omitempty"`
}

// DeviceAddRequest is the body of POST /devices.
type DeviceAddRequest struct {
	Device
	NodeID      string `json:"node"`
	DestroyData bool   `json:"destroydata,omitempty"`
}

// StorageSize is a device's space in KiB.
type StorageSize struct {
	Total uint64 `json:"total"`
	Free  uint64 `json:"free"`
	Used  uint64 `json:"used"`
}

// DeviceInfo is a device without its bricks.
type DeviceInfo struct {
	Device
	Storage StorageSize `json:"storage"`
	ID      string      `json:"id"`
	Paths   []string    `json:"paths,omitempty"`
	PVUUID  string      `json:"pv_uuid,omitempty"`
}

// DeviceInfoResponse is a device as GET /devices/{id} returns it.
type DeviceInfoResponse struct {
	DeviceInfo
	State  EntryState  `json:"state"`
	Bricks []BrickInfo `json:"bricks"`
}

// DeviceDeleteOptions is the optional body of DELETE /devices/{id}.
type DeviceDeleteOptions struct {
	ForceForget bool `json:"forceforget"`
}

// BrickInfo describes a brick. Size is the brick's virtual size in KiB.
type BrickInfo struct {
	ID       string `json:"id"`
	Path     string `json:"path"`
	DeviceID string `json:"device"`
	NodeID   string `json:"node"`
	VolumeID string `json:"volume"`
	Size     uint64 `json:"size"`
}

// StateRequest is the body of POST /nodes/{id}/state and /devices/{id}/state.
type StateRequest struct {
	State     EntryState `json:"state"`
	HealCheck HealCheck  `json:"healcheck,omitempty"`
}

// TagsChangeType says how a tags request changes the tags.
type TagsChangeType string

// Tag change types: set replaces, update merges, delete removes the listed keys.
const (
	SetTags    TagsChangeType = "set"
	UpdateTags TagsChangeType = "update"
	DeleteTags TagsChangeType = "delete"
)

// TagsChangeRequest is the body of POST /nodes/{id}/tags and /devices/{id}/tags.
type TagsChangeRequest struct {
	Tags   map[string]string `json:"tags"`
	Change TagsChangeType    `json:"change_type"`
}

// BrickEvictRequest is the optional body of POST /bricks/to-evict/{id}.
type BrickEvictRequest struct {
	HealCheck HealCheck `json:"healcheck,omitempty"`
}

// DurabilityType is a volume's data protection scheme.
type DurabilityType string

// Durability types; "" is read as none.
const (
	DurabilityNone       DurabilityType = "none"
	DurabilityReplicate  DurabilityType = "replicate"
	DurabilityDisperse   DurabilityType = "disperse"
	DurabilityUnassigned DurabilityType = ""
)

// ReplicaDurability is the replicate part of a durability.
type ReplicaDurability struct {
	Replica int `json:"replica,omitempty"`
}

// DisperseDurability is the disperse (erasure coding) part of a durability.
type DisperseDurability struct {
	Data       int `json:"data,omitempty"`
	Redundancy int `json:"redundancy,omitempty"`
}

// VolumeDurabilityInfo is a volume's durability; both sub-objects are always
// present on the wire.
type VolumeDurabilityInfo struct {
	Type      DurabilityType     `json:"type,omitempty"`
	Replicate ReplicaDurability  `json:"replicate"`
	Disperse  DisperseDurability `json:"disperse"`
}

// VolumeSnapshot is a volume's snapshot setting.
type VolumeSnapshot struct {
	Enable bool    `json:"enable"`
	Factor float32 `json:"factor"`
}

// VolumeCreateRequest is the body of POST /volumes.
type VolumeCreateRequest struct {
	Size                 int                  `json:"size"`
	Clusters             []string             `json:"clusters,omitempty"`
	Name                 string               `json:"name"`
	Durability           VolumeDurabilityInfo `json:"durability,omitempty"`
	Gid                  int64                `json:"gid,omitempty"`
	GlusterVolumeOptions []string             `json:"glustervolumeoptions,omitempty"`
	Block                bool                 `json:"block,omitempty"`
	Snapshot             VolumeSnapshot       `json:"snapshot"`
}

// GlusterFSMount is how a client mounts a volume with the glusterfs FUSE client.
type GlusterFSMount struct {
	Hosts      []string          `json:"hosts"`
	MountPoint string            `json:"device"`
	Options    map[string]string `json:"options"`
}

// VolumeMount holds a volume's mount information.
type VolumeMount struct {
	GlusterFS GlusterFSMount `json:"glusterfs"`
}

// BlockRestriction locks a block-hosting volume against new block volumes.
type BlockRestriction string

// Block restrictions.
const (
	Unrestricted   BlockRestriction = ""
	Locked         BlockRestriction = "locked"
	LockedByUpdate BlockRestriction = "locked-by-update"
)

// BlockInfo is the block-hosting part of a volume.
type BlockInfo struct {
	FreeSize     int              `json:"freesize,omitempty"`
	ReservedSize int              `json:"reservedsize,omitempty"`
	BlockVolumes []string         `json:"blockvolume,omitempty"`
	Restriction  BlockRestriction `json:"restriction,omitempty"`
}

// VolumeInfo is a volume without its bricks.
type VolumeInfo struct {
	VolumeCreateRequest
	ID        string      `json:"id"`
	Cluster   string      `json:"cluster"`
	Mount     VolumeMount `json:"mount"`
	BlockInfo BlockInfo   `json:"blockinfo"`
}

// VolumeInfoResponse is a volume as GET /volumes/{id} returns it.
type VolumeInfoResponse struct {
	VolumeInfo
	Bricks []BrickInfo `json:"bricks"`
}

// VolumeListResponse is the body of GET /volumes.
type VolumeListResponse struct {
	Volumes []string `json:"volumes"`
}

// VolumeExpandRequest is the body of POST /volumes/{id}/expand.
type VolumeExpandRequest struct {
	Size int `json:"expand_size"`
}

// VolumeCloneRequest is the body of POST /volumes/{id}/clone.
type VolumeCloneRequest struct {
	Name string `json:"name,omitempty"`
}

// VolumeBlockRestrictionRequest is the body of POST /volumes/{id}/block-restriction.
type VolumeBlockRestrictionRequest struct {
	Restriction BlockRestriction `json:"restriction"`
}
