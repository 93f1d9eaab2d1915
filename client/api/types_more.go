package api

// This file holds the wire types beyond clusters, nodes, devices and volumes:
// block volumes, operations and pending operations, logging, admin mode, the
// database check and the client-side topology. Field order and json tags are
// the wire format (facts 5.5, 5.7, 12.1); do not reorder fields.

// BlockVolumeCreateRequest is the body of POST /blockvolumes.
type BlockVolumeCreateRequest struct {
	Size     int      `json:"size"`
	Clusters []string `json:"clusters,omitempty"`
	Name     string   `json:"name"`
	Hacount  int      `json:"hacount,omitempty"`
	Auth     bool     `json:"auth,omitempty"`
}

// BlockVolumeTarget is how an initiator reaches a block volume over iSCSI.
type BlockVolumeTarget struct {
	Hosts    []string `json:"hosts"`
	Iqn      string   `json:"iqn"`
	Lun      int      `json:"lun"`
	Username string   `json:"username"`
	Password string   `json:"password"`
}

// BlockVolumeInfo is a block volume as the server reports it.
type BlockVolumeInfo struct {
	BlockVolumeCreateRequest
	ID                 string            `json:"id"`
	BlockVolume        BlockVolumeTarget `json:"blockvolume"`
	Cluster            string            `json:"cluster,omitempty"`
	BlockHostingVolume string            `json:"blockhostingvolume,omitempty"`
	UsableSize         int               `json:"usablesize,omitempty"`
}

// BlockVolumeInfoResponse is a block volume as GET /blockvolumes/{id} returns it.
type BlockVolumeInfoResponse struct {
	BlockVolumeInfo
}

// BlockVolumeListResponse is the body of GET /blockvolumes.
type BlockVolumeListResponse struct {
	BlockVolumes []string `json:"blockvolumes"`
}

// BlockVolumeExpandRequest is the body of POST /blockvolumes/{id}/expand;
// NewSize is the absolute new size in GiB.
type BlockVolumeExpandRequest struct {
	NewSize int `json:"new_size"`
}

// OperationsInfo is the body of GET /operations: counts of pending operations
// in the database by status, and of operations running in this server.
type OperationsInfo struct {
	Total    uint64 `json:"total"`
	InFlight uint64 `json:"in_flight"`
	Stale    uint64 `json:"stale"`
	Failed   uint64 `json:"failed"`
	New      uint64 `json:"new"`
}

// PendingOperationInfo summarises one pending operation. Status is "" (new),
// "stale" or "failed"; SubStatus is "in-flight" while this server runs it.
type PendingOperationInfo struct {
	ID        string `json:"id"`
	TypeName  string `json:"type_name"`
	Status    string `json:"status"`
	SubStatus string `json:"sub_status"`
}

// PendingChangeInfo is one change a pending operation makes, e.g. "Add brick".
type PendingChangeInfo struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// PendingOperationDetails is the body of GET /operations/pending/{id}.
type PendingOperationDetails struct {
	PendingOperationInfo
	Changes []PendingChangeInfo `json:"changes"`
}

// PendingOperationListResponse is the body of GET /operations/pending.
type PendingOperationListResponse struct {
	PendingOperations []PendingOperationInfo `json:"pendingoperations"`
}

// PendingOperationsCleanRequest is the body of POST /operations/pending/cleanup.
// No ids means every stale or failed operation.
type PendingOperationsCleanRequest struct {
	Operations []string `json:"operations,omitempty"`
}

// LogLevelInfo is the body of GET and POST /internal/logging, e.g.
// {"loglevel":{"glusterfs":"debug"}}.
type LogLevelInfo struct {
	LogLevel map[string]string `json:"loglevel"`
}

// AdminState is the server's admin mode.
type AdminState string

// Admin modes: normal, read-only (only GET and HEAD), local-client (writes only
// from the local host).
const (
	AdminStateNormal   AdminState = "normal"
	AdminStateReadOnly AdminState = "read-only"
	AdminStateLocal    AdminState = "local-client"
)

// AdminStatus is the body of GET and POST /admin.
type AdminStatus struct {
	State AdminState `json:"state"`
}

// DBBucketCheck is the consistency report of one database bucket.
type DBBucketCheck struct {
	Total           int      `json:"total"`
	Pending         int      `json:"pending"`
	OK              int      `json:"ok"`
	NotOK           int      `json:"notok"`
	Inconsistencies []string `json:"inconsistencies"`
}

// DBCheckResponse is the body of GET /db/check.
type DBCheckResponse struct {
	Clusters             DBBucketCheck `json:"clusters"`
	Volumes              DBBucketCheck `json:"volumes"`
	Bricks               DBBucketCheck `json:"bricks"`
	Nodes                DBBucketCheck `json:"nodes"`
	Devices              DBBucketCheck `json:"devices"`
	BlockVolumes         DBBucketCheck `json:"blockvolumes"`
	DBAttributes         DBBucketCheck `json:"dbattributes"`
	PendingOperations    DBBucketCheck `json:"pendingoperations"`
	TotalInconsistencies int           `json:"totalinconsistencies"`
}

// TopologyCluster is one cluster of a topology, with its volumes and nodes
// expanded. BlockVolumes is not filled by the client (as in Heketi).
type TopologyCluster struct {
	Volumes []VolumeInfoResponse `json:"volumes"`
	Nodes   []NodeInfoResponse   `json:"nodes"`
	ID      string               `json:"id"`
	ClusterFlags
	BlockVolumes []BlockVolumeInfoResponse `json:"blockvolumes,omitempty"`
}

// TopologyInfoResponse is the whole topology as the client assembles it
// (there is no /topology route).
type TopologyInfoResponse struct {
	ClusterList []TopologyCluster `json:"clusters"`
}
