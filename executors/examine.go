package executors

import "context"

// ExaminerExecutor reads what a storage node holds, without changing it, so
// that the application can compare the database with the nodes
// (GET /internal/state/examine/gluster, basalt offline state examine gluster).
type ExaminerExecutor interface {
	// NodeState runs Heketi's read-only examiner commands on host:
	//
	//	gluster --mode=script --timeout=<t> volume info --xml
	//	lvm pvs --reportformat json --units k
	//	lvm vgs --reportformat json --units k
	//	lvm lvs --reportformat json --units k
	//	mount
	//	cat <fstab>
	//	gluster-block list <hv> --json        (once per name in hostingVolumes)
	//
	// It returns an error only when host cannot be reached at all; a command
	// that runs and fails leaves its part empty and adds a line to
	// NodeState.Errors.
	NodeState(ctx context.Context, host string, hostingVolumes []string) (*NodeState, error)
}

// NodeState is a read-only picture of one storage node. Sizes are KiB.
type NodeState struct {
	// Volumes are the gluster volumes of the node's trusted pool.
	Volumes []GlusterVolume `json:"volumes"`
	// VolumesRead is true when `gluster volume info` ran and parsed, so an
	// empty Volumes means the pool has no volumes.
	VolumesRead bool             `json:"volumes_read"`
	PVs         []PhysicalVolume `json:"pvs"`
	VGs         []VolumeGroup    `json:"vgs"`
	LVs         []LogicalVolume  `json:"lvs"`
	// LVMRead is true when all three LVM reports ran and parsed.
	LVMRead bool         `json:"lvm_read"`
	Mounts  []MountPoint `json:"mounts"`
	// MountsRead is true when `mount` ran.
	MountsRead bool         `json:"mounts_read"`
	Fstab      []MountPoint `json:"fstab"`
	// FstabRead is true when the fstab file was read.
	FstabRead bool `json:"fstab_read"`
	// BlockVolumes maps each block-hosting volume asked for to the names of
	// the block volumes gluster-block lists in it; a volume whose listing
	// failed is absent.
	BlockVolumes map[string][]string `json:"block_volumes"`
	// Errors describe the commands that ran and failed, one line each.
	Errors []string `json:"errors"`
}

// GlusterVolume is one volume of `gluster volume info`.
type GlusterVolume struct {
	Name    string            `json:"name"`
	ID      string            `json:"id"`
	Status  string            `json:"status"` // Started, Stopped, Created
	Type    string            `json:"type"`   // Replicate, Distribute, Disperse, ...
	Bricks  []GlusterBrick    `json:"bricks"`
	Options map[string]string `json:"options"`
}

// GlusterBrick is one brick of a gluster volume.
type GlusterBrick struct {
	Name    string `json:"name"` // "<host>:<path>"
	Arbiter bool   `json:"arbiter,omitempty"`
}

// PhysicalVolume is one row of `lvm pvs`.
type PhysicalVolume struct {
	Name    string `json:"name"`
	UUID    string `json:"uuid"`
	VGName  string `json:"vg_name"`
	SizeKiB uint64 `json:"size_kib"`
	FreeKiB uint64 `json:"free_kib"`
}

// VolumeGroup is one row of `lvm vgs`.
type VolumeGroup struct {
	Name    string `json:"name"`
	SizeKiB uint64 `json:"size_kib"`
	FreeKiB uint64 `json:"free_kib"`
}

// LogicalVolume is one row of `lvm lvs`.
type LogicalVolume struct {
	Name     string `json:"name"`
	VGName   string `json:"vg_name"`
	Attr     string `json:"attr"`
	Pool     string `json:"pool,omitempty"` // thin pool of a thin LV
	SizeKiB  uint64 `json:"size_kib"`
	ThinPool bool   `json:"thin_pool,omitempty"` // the LV is itself a thin pool
}

// MountPoint is one line of `mount` output or of the fstab file.
type MountPoint struct {
	Device  string `json:"device"`
	Path    string `json:"path"`
	Type    string `json:"type"`
	Options string `json:"options"`
}
