// Package executors defines how Basalt talks to storage nodes.
//
// Two layers keep command text apart from how it travels:
//
//   - Transport runs an ordered list of shell command strings on one host
//     (sshexec over SSH, kubeexec through pod exec, fakeexec against an in-memory
//     model of nodes). Every transport runs the very same strings.
//   - Executor is what the application asks of a node (check glusterd, probe a
//     peer, set up a device, ...). cmdexec implements it by rendering Heketi's exact
//     command lines, sending them through a Transport and parsing the output.
package executors

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Transport runs shell commands on storage nodes.
//
// Run executes cmds on host in order, each through `/bin/bash -c` (or the
// transport's equivalent), and stops at the first command that exits non-zero.
// timeout bounds each command. The returned slice has one Result per command
// that was started, in order. The error is nil when every command exited 0;
// otherwise it is a *CommandError for the failing command, or another error
// when the host could not be reached or the context ended.
type Transport interface {
	Run(ctx context.Context, host string, cmds []string, timeout time.Duration) ([]Result, error)
}

// Result is the outcome of one command.
type Result struct {
	Command    string
	Stdout     string
	Stderr     string
	ExitStatus int
}

// CommandError reports a command that exited non-zero or timed out.
// Its Error text is what Heketi shows callers: the command's stderr
// (facts 7.1), falling back to stdout and then to a generic line.
type CommandError struct {
	Host       string
	Command    string
	ExitStatus int
	Stdout     string
	Stderr     string
	TimedOut   bool
}

func (e *CommandError) Error() string {
	if s := strings.TrimSpace(e.Stderr); s != "" {
		return s
	}
	if s := strings.TrimSpace(e.Stdout); s != "" {
		return s
	}
	if e.TimedOut {
		return "command timed out"
	}
	return fmt.Sprintf("command %q on %s failed with exit status %d", e.Command, e.Host, e.ExitStatus)
}

// DeviceRequest names a block device to set up, inspect or tear down on a node.
type DeviceRequest struct {
	ID          string   // Basalt device id; the VG is vg_<ID>
	Name        string   // device path as given by the user, e.g. /dev/sdb
	Paths       []string // known stable paths (from udev), if any
	PVUUID      string   // LVM PV uuid, once known
	DestroyData bool     // wipe existing signatures before setup (wipefs --all)
}

// DeviceInfo is what a node reports about a set-up device. Sizes are KiB.
type DeviceInfo struct {
	TotalKiB      uint64
	FreeKiB       uint64
	UsedKiB       uint64
	ExtentSizeKiB uint64
	PVUUID        string
	Paths         []string
}

// Executor is the set of node operations the application uses. Every method
// addresses a node by its manage hostname (host) and takes a context whose
// deadline or cancellation stops the remote work.
type Executor interface {
	// GlusterdCheck succeeds when glusterd runs on host.
	GlusterdCheck(ctx context.Context, host string) error
	// PeerProbe adds newNode (a storage hostname) to host's trusted pool.
	PeerProbe(ctx context.Context, host, newNode string) error
	// PeerDetach removes node (a storage hostname) from host's trusted pool.
	PeerDetach(ctx context.Context, host, node string) error
	// DeviceSetup creates the PV and vg_<id> on a device and reports its size.
	DeviceSetup(ctx context.Context, host string, dev DeviceRequest) (*DeviceInfo, error)
	// DeviceTeardown removes vg_<id> and the PV. With force, errors are ignored.
	DeviceTeardown(ctx context.Context, host string, dev DeviceRequest, force bool) error
	// DeviceInfo re-reads the size of an existing device (resync).
	DeviceInfo(ctx context.Context, host string, dev DeviceRequest) (*DeviceInfo, error)

	VolumeExecutor
	BlockExecutor
	ExaminerExecutor
}

// DeviceInitError reports a device that could not be initialised, classified the
// way Heketi classifies it after re-inspecting the device (executors/executor.go
// of Heketi): the node could not be queried, the device already carries an LVM PV,
// or it carries other data. Error returns Heketi's exact text.
type DeviceInitError struct {
	Device string
	// Reason is one of the DeviceInit* constants.
	Reason string
	// PVUUID is the uuid of the PV found on the device, for DeviceInitHasPV.
	PVUUID string
	// Cause is the text of the failing setup command (its stderr).
	Cause string
}

// Reasons for DeviceInitError.
const (
	DeviceInitCheckFailed = "check-failed" // the node could not be queried
	DeviceInitHasPV       = "has-pv"       // an LVM PV is already on the device
	DeviceInitHasData     = "has-data"     // something else is on the device
)

func (e *DeviceInitError) Error() string {
	switch e.Reason {
	case DeviceInitHasPV:
		// "aleady" is Heketi's spelling; clients may match it.
		return fmt.Sprintf("Initializing device %s failed (aleady contains Physical Volume %s): %s", e.Device, e.PVUUID, e.Cause)
	case DeviceInitHasData:
		return fmt.Sprintf("Initializing device %s failed (already initialized or contains data?): %s", e.Device, e.Cause)
	default:
		return fmt.Sprintf("Initializing device %s failed (failed to check device contents): %s", e.Device, e.Cause)
	}
}

// BrickRequest describes one brick to create or destroy. Sizes are KiB.
type BrickRequest struct {
	ID                  string // Basalt brick id
	DeviceID            string // the brick's device; its VG is vg_<DeviceID>
	ThinPool            string // thin pool LV name, tp_<id>
	LV                  string // brick LV name, brick_<ID>
	Path                string // gluster brick path (mount point + "/brick")
	SizeKiB             uint64 // virtual size
	TpSizeKiB           uint64 // thin pool size
	PoolMetadataSizeKiB uint64 // thin pool metadata size
	Gid                 int64  // 0: no group handling
	Arbiter             bool   // arbiter brick (different mkfs)
}

// Durability is a volume's brick layout as gluster sees it.
type Durability struct {
	Type       string // "none", "replicate" or "disperse"
	Replica    int    // replicate: copies (0 means 2)
	Arbiter    bool   // replicate: third brick of each set is an arbiter
	Data       int    // disperse: data bricks per set
	Redundancy int    // disperse: redundancy bricks per set
}

// VolumeRequest describes a gluster volume to create or expand.
type VolumeRequest struct {
	ID         string     // Basalt volume id (stored as user.heketi.id)
	Name       string     // gluster volume name
	Durability Durability //
	// Bricks are "<storage host>:<brick path>" in allocation order, set by
	// set. For an expansion, only the new bricks.
	Bricks  []string
	Options []string // effective "<key> <value>" options; empty ones are skipped
}

// VolumeExecutor is the part of the Executor that manages bricks and gluster
// volumes.
type VolumeExecutor interface {
	// BrickCreate makes the thin pool, LV, XFS, fstab line, mount and brick
	// directory. On failure it tries to remove what it made on that host.
	BrickCreate(ctx context.Context, host string, b BrickRequest) error
	// BrickDestroy unmounts and removes a brick; it tolerates parts that are
	// already gone, so it can be repeated. reclaimed says whether the thin
	// pool is gone (so its space is free again).
	BrickDestroy(ctx context.Context, host string, b BrickRequest) (reclaimed bool, err error)
	// VolumeCreate creates, configures and starts a gluster volume.
	VolumeCreate(ctx context.Context, host string, v VolumeRequest) error
	// VolumeExpand adds v.Bricks to an existing volume (and rebalances when
	// configured).
	VolumeExpand(ctx context.Context, host string, v VolumeRequest) error
	// VolumeDestroy stops and deletes a gluster volume; a volume that does
	// not exist counts as destroyed.
	VolumeDestroy(ctx context.Context, host, name string) error
	// VolumeStart starts a volume; one already started counts as started.
	VolumeStart(ctx context.Context, host, name string) error
	// VolumeBricks returns the "<host>:<path>" bricks of a gluster volume in
	// gluster's order, and exists=false when there is no such volume.
	VolumeBricks(ctx context.Context, host, name string) (bricks []string, exists bool, err error)
	// VolumeHeketiID returns a gluster volume's user.heketi.id option ("" if
	// unset), and exists=false when there is no such volume.
	VolumeHeketiID(ctx context.Context, host, name string) (id string, exists bool, err error)
	// VolumeHealCheck refuses to replace oldBrick ("<host>:<path>") when it is
	// a heal source or too few of its set's other bricks (peers) are online.
	VolumeHealCheck(ctx context.Context, host, name, brickID, oldBrick string, peers []string, d Durability) error
	// VolumeReplaceBrick swaps oldBrick for newBrick ("replace-brick ...
	// commit force").
	VolumeReplaceBrick(ctx context.Context, host, name, oldBrick, newBrick string) error
	// VolumeClone snapshots src, clones the snapshot into a started volume
	// named clone and removes the snapshot. It returns the clone's gluster
	// uuid and bricks ("<host>:<path>", in gluster's order).
	VolumeClone(ctx context.Context, host, src, clone string) (*CloneResult, error)
}

// CloneResult describes a volume made by VolumeClone.
type CloneResult struct {
	UUID   string
	Bricks []string
}
