package cmdexec

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
)

// ConnectionFailedText is what the gluster CLI prints on stdout (exit 1) when
// glusterd is not running.
const ConnectionFailedText = "Connection failed. Please check if gluster daemon is operational."

// ErrGlusterdUnavailable is returned by the gluster parsers when the output is
// ConnectionFailedText. Its kind is errs.Unavailable.
var ErrGlusterdUnavailable = errs.New(errs.Unavailable, ConnectionFailedText)

// IsGlusterdUnavailable reports whether err is ErrGlusterdUnavailable or a
// command error whose output is the gluster CLI's connection failure text.
func IsGlusterdUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrGlusterdUnavailable) {
		return true
	}
	var ce *executors.CommandError
	if errors.As(err, &ce) {
		return strings.Contains(ce.Stdout, ConnectionFailedText) || strings.Contains(ce.Stderr, ConnectionFailedText)
	}
	return false
}

// ErrnoVolumeNotFound is the opErrno of `volume info <missing> --xml`
// (which exits 0 with opRet -1 and opErrstr "Volume does not exist").
const ErrnoVolumeNotFound = 30806

// GlusterError is a failure reported inside gluster --xml output (opRet != 0).
type GlusterError struct {
	OpRet    int
	OpErrno  int
	OpErrstr string
}

// Error returns opErrstr, or a generic text when gluster gave none.
func (e *GlusterError) Error() string {
	if e.OpErrstr != "" {
		return e.OpErrstr
	}
	return fmt.Sprintf("gluster command failed: opRet %d opErrno %d", e.OpRet, e.OpErrno)
}

// IsVolumeNotFound reports whether err is a GlusterError for a missing volume.
func IsVolumeNotFound(err error) bool {
	var ge *GlusterError
	return errors.As(err, &ge) && (ge.OpErrno == ErrnoVolumeNotFound || strings.Contains(ge.OpErrstr, "does not exist"))
}

// cliHeader is the status part of every gluster --xml document.
type cliHeader struct {
	OpRet    int    `xml:"opRet"`
	OpErrno  int    `xml:"opErrno"`
	OpErrstr string `xml:"opErrstr"`
}

func (h cliHeader) err() error {
	if h.OpRet != 0 {
		return &GlusterError{OpRet: h.OpRet, OpErrno: h.OpErrno, OpErrstr: h.OpErrstr}
	}
	return nil
}

// decodeCLI decodes a <cliOutput> document into v (which embeds cliHeader)
// and returns the header's error. Connection failure text becomes
// ErrGlusterdUnavailable.
func decodeCLI(out string, v interface{ header() cliHeader }) error {
	t := strings.TrimSpace(out)
	if strings.Contains(t, ConnectionFailedText) {
		return ErrGlusterdUnavailable
	}
	if err := xml.Unmarshal([]byte(t), v); err != nil {
		return fmt.Errorf("unable to parse gluster output: %w", err)
	}
	return v.header().err()
}

func (h cliHeader) header() cliHeader { return h }

// ParseCLIResult checks any gluster --xml output (for example of
// `--xml volume start <clone>`) and returns its opRet error, if any.
func ParseCLIResult(out string) error {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
	}
	return decodeCLI(out, &doc)
}

// VolumeBrick is a brick of a volume in volume info.
type VolumeBrick struct {
	Name      string `xml:"name"` // host:path
	HostUUID  string `xml:"hostUuid"`
	IsArbiter int    `xml:"isArbiter"`
}

// Host returns the part of Name before the first ':'.
func (b VolumeBrick) Host() string { h, _, _ := strings.Cut(b.Name, ":"); return h }

// Path returns the part of Name after the first ':'.
func (b VolumeBrick) Path() string { _, p, _ := strings.Cut(b.Name, ":"); return p }

// VolumeOption is a reconfigured option of a volume.
type VolumeOption struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

// VolumeInfo is one volume of `gluster volume info --xml`.
type VolumeInfo struct {
	Name            string         `xml:"name"`
	ID              string         `xml:"id"`
	Status          int            `xml:"status"`
	StatusStr       string         `xml:"statusStr"`
	SnapshotCount   int            `xml:"snapshotCount"`
	BrickCount      int            `xml:"brickCount"`
	DistCount       int            `xml:"distCount"`
	ReplicaCount    int            `xml:"replicaCount"`
	ArbiterCount    int            `xml:"arbiterCount"`
	DisperseCount   int            `xml:"disperseCount"`
	RedundancyCount int            `xml:"redundancyCount"`
	Type            int            `xml:"type"`
	TypeStr         string         `xml:"typeStr"`
	Transport       int            `xml:"transport"`
	Bricks          []VolumeBrick  `xml:"bricks>brick"`
	Options         []VolumeOption `xml:"options>option"`
}

// Option returns the value of the named option and whether it is set.
func (v VolumeInfo) Option(name string) (string, bool) {
	for _, o := range v.Options {
		if o.Name == name {
			return o.Value, true
		}
	}
	return "", false
}

// ParseVolumeInfo parses `gluster volume info [<vol>] --xml`. A missing volume
// (exit 0, opRet -1, opErrno 30806) is a *GlusterError for which
// IsVolumeNotFound is true; no volumes at all is an empty slice.
func ParseVolumeInfo(out string) ([]VolumeInfo, error) {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
		Volumes []VolumeInfo `xml:"volInfo>volumes>volume"`
	}
	if err := decodeCLI(out, &doc); err != nil {
		return nil, err
	}
	return doc.Volumes, nil
}

// StatusNode is one <node> of volume status: a brick or a daemon.
type StatusNode struct {
	Hostname string `xml:"hostname"` // host, or e.g. "Self-heal Daemon"
	Path     string `xml:"path"`     // brick path, or "localhost" for daemons
	PeerID   string `xml:"peerid"`
	Status   int    `xml:"status"` // 1 online
	Port     string `xml:"port"`   // number or "N/A"
	PID      int    `xml:"pid"`
}

// VolumeStatus is one volume of `gluster volume status [<vol>] --xml`.
type VolumeStatus struct {
	Name      string       `xml:"volName"`
	NodeCount int          `xml:"nodeCount"`
	Nodes     []StatusNode `xml:"node"`
}

// ParseVolumeStatus parses `gluster volume status [<vol>] --xml`.
func ParseVolumeStatus(out string) ([]VolumeStatus, error) {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
		Volumes []VolumeStatus `xml:"volStatus>volumes>volume"`
	}
	if err := decodeCLI(out, &doc); err != nil {
		return nil, err
	}
	return doc.Volumes, nil
}

// HealInfoNotAvailable is the brick name heal info reports for a brick it
// could not reach; Heketi skips such entries.
const HealInfoNotAvailable = "information not available"

// HealBrick is one brick of `gluster volume heal <vol> info --xml`.
type HealBrick struct {
	Name            string `xml:"name"` // host:path, or HealInfoNotAvailable
	HostUUID        string `xml:"hostUuid,attr"`
	Status          string `xml:"status"`
	NumberOfEntries string `xml:"numberOfEntries"` // a number or "-"
}

// Available reports whether heal info could reach the brick.
func (b HealBrick) Available() bool { return b.Name != HealInfoNotAvailable }

// Entries returns the number of entries to heal; ok is false for "-" or
// anything that is not a number.
func (b HealBrick) Entries() (n int, ok bool) {
	n, err := strconv.Atoi(strings.TrimSpace(b.NumberOfEntries))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// IsHealSource reports whether the brick holds data other bricks need: its
// entry count is neither "-" nor "0".
func (b HealBrick) IsHealSource() bool {
	e := strings.TrimSpace(b.NumberOfEntries)
	return e != "-" && e != "0"
}

// ParseHealInfo parses `gluster volume heal <vol> info --xml`.
func ParseHealInfo(out string) ([]HealBrick, error) {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
		Bricks []HealBrick `xml:"healInfo>bricks>brick"`
	}
	if err := decodeCLI(out, &doc); err != nil {
		return nil, err
	}
	return doc.Bricks, nil
}

// Snapshot names a gluster snapshot or clone volume in --xml output.
type Snapshot struct {
	Name   string `xml:"name"`
	UUID   string `xml:"uuid"`
	Status string `xml:"status"` // only in snapshot delete output
}

// ParseSnapshotCreate parses `--xml snapshot create` and returns snapCreate/snapshot.
func ParseSnapshotCreate(out string) (Snapshot, error) {
	return parseSnapshotOp(out, "snapCreate")
}

// ParseSnapshotActivate parses `--xml snapshot activate` and returns snapActivate/snapshot.
func ParseSnapshotActivate(out string) (Snapshot, error) {
	return parseSnapshotOp(out, "snapActivate")
}

// ParseSnapshotDeactivate parses `--xml snapshot deactivate` and returns snapDeactivate/snapshot.
func ParseSnapshotDeactivate(out string) (Snapshot, error) {
	return parseSnapshotOp(out, "snapDeactivate")
}

func parseSnapshotOp(out, element string) (Snapshot, error) {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
		Ops []struct {
			XMLName  xml.Name
			Snapshot Snapshot `xml:"snapshot"`
		} `xml:",any"`
	}
	if err := decodeCLI(out, &doc); err != nil {
		return Snapshot{}, err
	}
	for _, op := range doc.Ops {
		if op.XMLName.Local == element && op.Snapshot.Name != "" {
			return op.Snapshot, nil
		}
	}
	return Snapshot{}, fmt.Errorf("gluster output has no %s/snapshot", element)
}

// ParseSnapshotClone parses `--xml snapshot clone` and returns the new
// volume's name and uuid (CloneCreate/volume).
func ParseSnapshotClone(out string) (Snapshot, error) {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
		Volume Snapshot `xml:"CloneCreate>volume"`
	}
	if err := decodeCLI(out, &doc); err != nil {
		return Snapshot{}, err
	}
	if doc.Volume.Name == "" {
		return Snapshot{}, errors.New("gluster output has no CloneCreate/volume")
	}
	return doc.Volume, nil
}

// ParseSnapshotDelete parses `--xml snapshot delete` and returns the deleted
// snapshots with their status.
func ParseSnapshotDelete(out string) ([]Snapshot, error) {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
		Snapshots []Snapshot `xml:"snapDelete>snapshots>snapshot"`
	}
	if err := decodeCLI(out, &doc); err != nil {
		return nil, err
	}
	return doc.Snapshots, nil
}

// ParseSnapshotList parses `--xml snapshot list <vol>` and returns the
// snapshot names (empty when there are none).
func ParseSnapshotList(out string) ([]string, error) {
	var doc struct {
		XMLName xml.Name `xml:"cliOutput"`
		cliHeader
		Snapshots []string `xml:"snapList>snapshot"`
	}
	if err := decodeCLI(out, &doc); err != nil {
		return nil, err
	}
	return doc.Snapshots, nil
}
