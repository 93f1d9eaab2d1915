package fakeexec

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Node is a handle on one node of a Fake, for setting it up and inspecting it.
type Node struct {
	f *Fake
	n *node
}

// Option is a gluster volume option.
type Option struct {
	Name  string
	Value string
}

// Disk is a block device of a node.
type Disk struct {
	Path      string
	SizeKiB   uint64
	Symlinks  []string // udev symlinks, without the /dev/ prefix
	Signature string   // non-LVM signature such as "xfs", or ""
}

// PV is an LVM physical volume.
type PV struct {
	Device string
	UUID   string
	VG     string // "" for an orphan PV
}

// VG is an LVM volume group.
type VG struct {
	Name          string
	PV            string
	ExtentSizeKiB uint64
	TotalExtents  uint64
	FreeExtents   uint64
	SizeKiB       uint64
	FreeKiB       uint64
	LVCount       int
}

// LV is an LVM logical volume: a thin pool, a thin LV or a linear LV.
type LV struct {
	VG          string
	Name        string
	Kind        string // "pool", "thin" or "linear"
	Pool        string // thin LVs: the pool
	Origin      string // thin snapshots: the origin LV
	SizeKiB     uint64 // pool data size, or thin virtual size
	MetadataKiB uint64 // pools only
	ThinCount   int    // pools only
	Filesystem  string // "xfs" after mkfs.xfs, else ""
	Mounted     bool
	Active      bool
}

// Mount is a filesystem mounted by commands (the base system's mounts are
// not listed).
type Mount struct {
	Source string
	Target string
	FSType string
}

// Dir is a directory visible on a node, with its owner and mode.
type Dir struct {
	Path string
	UID  int
	GID  int
	Mode uint32
}

// NodeState is a point-in-time copy of a node's model.
type NodeState struct {
	ManageHost    string
	StorageHost   string
	UUID          string
	GlusterdUp    bool
	Peers         []string // storage hostnames of the other pool members
	Disks         []Disk
	PVs           []PV
	VGs           []VG
	LVs           []LV
	Mounts        []Mount
	Fstab         []string // lines of /etc/fstab
	Dirs          []Dir    // every visible directory, sorted by path
	RunningBricks []string // brick paths served by brick processes
}

// Volume is a gluster volume as its pool sees it.
type Volume struct {
	Name       string
	ID         string
	Type       string // gluster typeStr, e.g. "Replicate"
	Replica    int
	Arbiter    int
	Disperse   int
	Redundancy int
	Bricks     []string // host:path, in order
	Options    []Option // most recently added first, like gluster
	Started    bool
	Snapshots  []string
	Pool       []string // manage hostnames of the pool members
}

// Snapshot is a gluster volume snapshot.
type Snapshot struct {
	Name   string
	UUID   string
	Volume string
	Active bool
}

// BlockVolume is a gluster-block volume.
type BlockVolume struct {
	Name      string
	Volume    string
	SizeBytes uint64
	HA        int
	Hosts     []string
}

// Host returns the node's manage hostname.
func (h *Node) Host() string { return h.n.manage }

// StorageHost returns the node's storage hostname.
func (h *Node) StorageHost() string {
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	return h.n.storage
}

// AddDisk adds (or resizes) a block device at path with size KiB.
func (h *Node) AddDisk(path string, sizeKiB uint64) {
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	h.n.addDisk(path, sizeKiB)
}

// SetDiskSignature puts a non-LVM signature (e.g. "xfs") on a disk, so that
// pvcreate refuses it until `wipefs --all`. An empty sig clears it.
func (h *Node) SetDiskSignature(path, sig string) error {
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	d := h.n.disks[path]
	if d == nil {
		return fmt.Errorf("fakeexec: no disk %s on %s", path, h.n.manage)
	}
	d.signature = sig
	return nil
}

// SetGlusterd starts or stops glusterd on the node.
func (h *Node) SetGlusterd(up bool) {
	h.n.mu.Lock()
	h.n.glusterdUp = up
	h.n.mu.Unlock()
}

// Snapshot returns a copy of the node's state.
func (h *Node) Snapshot() NodeState {
	h.f.gmu.Lock()
	var peers []string
	if h.n.pool != nil {
		for _, m := range h.n.pool.members {
			if m != h.n {
				peers = append(peers, m.storage)
			}
		}
	}
	h.f.gmu.Unlock()
	sort.Strings(peers)

	n := h.n
	n.mu.Lock()
	defer n.mu.Unlock()
	st := NodeState{ManageHost: n.manage, StorageHost: n.storage, UUID: n.uuid, GlusterdUp: n.glusterdUp, Peers: peers}
	for _, d := range n.diskOrder {
		st.Disks = append(st.Disks, Disk{Path: d.path, SizeKiB: d.sizeKiB, Symlinks: d.symlinks(), Signature: d.signature})
		if d.pv != nil {
			st.PVs = append(st.PVs, PV{Device: d.path, UUID: d.pv.uuid, VG: d.pv.vg})
		}
	}
	for _, name := range sortedKeys(n.vgs) {
		v := n.vgs[name]
		st.VGs = append(st.VGs, VG{Name: v.name, PV: v.pvPath, ExtentSizeKiB: v.extentKiB, TotalExtents: v.totalExtents,
			FreeExtents: v.freeExtents(), SizeKiB: v.totalExtents * v.extentKiB, FreeKiB: v.freeExtents() * v.extentKiB, LVCount: len(v.lvs)})
		for _, l := range v.lvs {
			x := LV{VG: v.name, Name: l.name, Kind: l.kind.String(), Pool: l.pool, Origin: v.origin(l), SizeKiB: l.sizeKiB,
				MetadataKiB: l.metaKiB, Mounted: n.lvMounted(v, l), Active: l.active}
			if l.kind == lvPool {
				x.ThinCount = v.thinCount(l.name)
			}
			if l.fs != nil {
				x.Filesystem = l.fs.kind.String()
			}
			st.LVs = append(st.LVs, x)
		}
	}
	for _, m := range n.mounts {
		st.Mounts = append(st.Mounts, Mount{Source: m.source(), Target: m.target, FSType: m.fstype()})
	}
	st.Fstab = n.files["/etc/fstab"].Lines()
	st.Dirs = n.visibleDirs()
	for _, p := range sortedKeys(n.bricks) {
		st.RunningBricks = append(st.RunningBricks, p)
	}
	return st
}

// visibleDirs lists directories of the root filesystem and of every mount.
func (n *node) visibleDirs() []Dir {
	seen := map[string]Dir{}
	add := func(prefix string, fs *filesystem) {
		fs.each(func(rel string, m *dirMeta) {
			p := path.Join("/", prefix, rel)
			seen[p] = Dir{Path: p, UID: m.uid, GID: m.gid, Mode: m.mode}
		})
	}
	add("/", n.root)
	mounts := append([]*mount(nil), n.mounts...)
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].target) < len(mounts[j].target) })
	for _, m := range mounts {
		// Directories hidden below the mount point are replaced by its content.
		for p := range seen {
			if strings.HasPrefix(p, m.target+"/") {
				delete(seen, p)
			}
		}
		add(m.target, m.fs)
	}
	out := make([]Dir, 0, len(seen))
	for _, d := range seen {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Dir returns the directory at p, if it exists.
func (h *Node) Dir(p string) (Dir, bool) {
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	m := h.n.dirMeta(p)
	if m == nil {
		return Dir{}, false
	}
	return Dir{Path: path.Clean(p), UID: m.uid, GID: m.gid, Mode: m.mode}, true
}

// Volumes returns every gluster volume of every pool, sorted by name.
func (f *Fake) Volumes() []Volume {
	nodes := f.allNodes()
	f.gmu.Lock()
	defer f.gmu.Unlock()
	var out []Volume
	for _, p := range pools(nodes) {
		var members []string
		for _, m := range p.members {
			members = append(members, m.manage)
		}
		for _, v := range p.sortedVolumes() {
			_, typ := v.typeInfo()
			x := Volume{Name: v.name, ID: v.id.String(), Type: typ, Replica: v.replica, Arbiter: v.arbiter, Disperse: v.disperse,
				Redundancy: v.redundancy, Options: append([]Option(nil), v.options()...), Started: v.started, Pool: members}
			for _, b := range v.bricks {
				x.Bricks = append(x.Bricks, b.name())
			}
			for _, s := range sortedKeys(p.snaps) {
				if p.snaps[s].origin == v.name {
					x.Snapshots = append(x.Snapshots, s)
				}
			}
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Volume returns the volume named name, if any pool has it.
func (f *Fake) Volume(name string) (Volume, bool) {
	for _, v := range f.Volumes() {
		if v.Name == name {
			return v, true
		}
	}
	return Volume{}, false
}

// Snapshots returns every gluster snapshot, sorted by name.
func (f *Fake) Snapshots() []Snapshot {
	nodes := f.allNodes()
	f.gmu.Lock()
	defer f.gmu.Unlock()
	var out []Snapshot
	for _, p := range pools(nodes) {
		for _, s := range p.snaps {
			out = append(out, Snapshot{Name: s.name, UUID: s.uuid, Volume: s.origin, Active: s.active})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// BlockVolumes returns every gluster-block volume, sorted by hosting volume
// and name.
func (f *Fake) BlockVolumes() []BlockVolume {
	nodes := f.allNodes()
	f.gmu.Lock()
	defer f.gmu.Unlock()
	var out []BlockVolume
	for _, p := range pools(nodes) {
		for _, key := range sortedKeys(p.blocks) {
			b := p.blocks[key]
			out = append(out, BlockVolume{Name: b.name, Volume: b.volume, SizeBytes: b.sizeB, HA: b.ha, Hosts: append([]string(nil), b.hosts...)})
		}
	}
	return out
}

// SetHealEntries makes `volume heal <volume> info` report entries (e.g.
// "3" or "-") for brick ("host:path"). An empty entries resets it to "0".
func (f *Fake) SetHealEntries(volume, brick, entries string) error {
	nodes := f.allNodes()
	f.gmu.Lock()
	defer f.gmu.Unlock()
	for _, p := range pools(nodes) {
		if v := p.volumes[volume]; v != nil {
			if v.heal == nil {
				v.heal = map[string]string{}
			}
			if entries == "" {
				delete(v.heal, brick)
			} else {
				v.heal[brick] = entries
			}
			return nil
		}
	}
	return fmt.Errorf("fakeexec: no volume %s", volume)
}

// pools returns the distinct pools of nodes. Callers hold f.gmu.
func pools(nodes []*node) []*pool {
	seen := map[*pool]bool{}
	var out []*pool
	for _, n := range nodes {
		if n.pool != nil && !seen[n.pool] {
			seen[n.pool] = true
			out = append(out, n.pool)
		}
	}
	return out
}

const mountsRoot = "/var/lib/heketi/mounts"

// Leaks reports what brick and volume operations left behind: LVs, mounts
// made by commands, fstab lines beyond the node's initial one, directories
// below /var/lib/heketi/mounts/vg_<id>/ (and vg_<id> directories whose VG is
// gone), brick directories under /run/gluster/snaps/<id>/ and running brick
// processes. With
// host == "" it covers every node and also every gluster volume, snapshot
// and block volume; otherwise only that node. PVs and VGs are not leaks
// here; see DeviceLeaks.
func (f *Fake) Leaks(host string) []string {
	var nodes []*node
	if host == "" {
		nodes = f.allNodes()
	} else if n := f.lookup(host, false); n != nil {
		nodes = []*node{n}
	}
	var out []string
	for _, n := range nodes {
		out = append(out, n.leaks()...)
	}
	if host == "" {
		for _, v := range f.Volumes() {
			out = append(out, "gluster volume "+v.Name)
		}
		for _, s := range f.Snapshots() {
			out = append(out, "gluster snapshot "+s.Name)
		}
		for _, b := range f.BlockVolumes() {
			out = append(out, "gluster-block volume "+b.Volume+"/"+b.Name)
		}
	}
	return out
}

func (n *node) leaks() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, name := range sortedKeys(n.vgs) {
		for _, l := range n.vgs[name].lvs {
			out = append(out, fmt.Sprintf("%s: lv %s/%s", n.manage, name, l.name))
		}
	}
	for _, m := range n.sortedMounts() {
		out = append(out, fmt.Sprintf("%s: mount %s on %s", n.manage, m.source(), m.target))
	}
	for _, l := range n.files["/etc/fstab"].Lines() {
		if l != defaultFstab {
			out = append(out, fmt.Sprintf("%s: fstab line %q", n.manage, l))
		}
	}
	for _, d := range n.visibleDirs() {
		switch {
		case strings.HasPrefix(d.Path, snapsDir+"/"):
			// glusterd itself leaves the empty <id> directory behind.
			if strings.Contains(strings.TrimPrefix(d.Path, snapsDir+"/"), "/") {
				out = append(out, fmt.Sprintf("%s: directory %s", n.manage, d.Path))
			}
		case strings.HasPrefix(d.Path, mountsRoot+"/"):
			rest := strings.TrimPrefix(d.Path, mountsRoot+"/")
			vgName, _, deeper := strings.Cut(rest, "/")
			if deeper || n.vgs[vgName] == nil {
				out = append(out, fmt.Sprintf("%s: directory %s", n.manage, d.Path))
			}
		}
	}
	for _, p := range sortedKeys(n.bricks) {
		out = append(out, fmt.Sprintf("%s: running brick %s", n.manage, p))
	}
	return out
}

// DeviceLeaks reports PVs and VGs left on host ("" = every node).
func (f *Fake) DeviceLeaks(host string) []string {
	var nodes []*node
	if host == "" {
		nodes = f.allNodes()
	} else if n := f.lookup(host, false); n != nil {
		nodes = []*node{n}
	}
	var out []string
	for _, n := range nodes {
		n.mu.Lock()
		for _, name := range sortedKeys(n.vgs) {
			out = append(out, fmt.Sprintf("%s: vg %s", n.manage, name))
		}
		for _, d := range n.diskOrder {
			if d.pv != nil {
				out = append(out, fmt.Sprintf("%s: pv %s (%s)", n.manage, d.path, d.pv.uuid))
			}
		}
		n.mu.Unlock()
	}
	return out
}
