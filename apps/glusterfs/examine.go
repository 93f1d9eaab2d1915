package glusterfs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/db/heketidump"
	"github.com/basalt-storage/basalt/executors"
)

// examineNodeTimeout bounds the examination of one node.
const examineNodeTimeout = 2 * time.Minute

// examineParallel is how many nodes are examined at once.
const examineParallel = 16

// brickMountsDir is the parent of every regular brick mount point
// (/var/lib/heketi/mounts/vg_<device>/brick_<brick>, facts 7.2).
const brickMountsDir = "/var/lib/heketi/mounts/"

// snapshotMountDirs hold the mount points of snapshot and clone bricks,
// which have no fstab line.
var snapshotMountDirs = []string{"/run/gluster/", "/var/run/gluster/"}

// ExamineReport is the comparison of the database with the storage nodes
// (GET /internal/state/examine/gluster). HeketiDB, Clusters and their keys
// are Heketi's; Report lists every difference found, one self-contained
// line each, and is an empty list (never null) when the database and the
// nodes agree. The lines are, with <on> = "on node <id> (<manage host>)":
//
//	node <id> (<host>) is unreachable: <error>
//	node <id> (<host>): command failed: <command>: <error>
//	volume <id> (<name>) is in the database but not in gluster
//	volume <id> (<name>) is <status> in gluster, not Started
//	gluster volume <name> is not in the database
//	brick <id> of volume <id> (<host>:<path>) is missing from gluster volume <name>
//	gluster volume <name> has brick <host>:<path> that is not in the database
//	block volume <id> (<name>) is in the database but not in block-hosting volume <name>
//	block volume <hosting volume>/<name> is not in the database
//	device <id> (<name>) <on>: VG vg_<id> is missing
//	device <id> (<name>) <on>: size in the database is <n> KiB but VG vg_<id> has <m> KiB
//	brick <id> <on>: LV <vg>/<lv> is missing
//	brick <id> <on>: <mount point> is not mounted
//	brick <id> <on>: <mount point> has no fstab line
//	VG <name> <on> belongs to no device in the database
//	LV <vg>/<lv> <on> belongs to no brick in the database
//	mount <path> <on> belongs to no brick in the database
//	fstab line for <path> <on> belongs to no brick in the database
//	operation <id> is pending; the records it changes were not compared
//
// plus a line saying so when no node could list a cluster's gluster volumes
// or a block-hosting volume's block volumes. Records an unfinished operation
// is working on are not checked for presence, but they do own what they
// hold on the nodes, so work in progress is never reported as a leak.
type ExamineReport struct {
	HeketiDB *heketidump.Dump     `json:"heketidb"`
	Report   []string             `json:"report"`
	Clusters []ClusterExamination `json:"clusters"`
}

// ClusterExamination holds what the nodes of one cluster reported.
type ClusterExamination struct {
	ClusterHeketiID string            `json:"ClusterHeketiID"`
	NodesData       []NodeExamination `json:"NodesData"`
}

// NodeExamination holds what one node reported. The first seven keys are
// Heketi's; the others are Basalt additions.
type NodeExamination struct {
	NodeHeketiID string                     `json:"NodeHeketiID"`
	VolumeInfo   []executors.GlusterVolume  `json:"VolumeInfo"`
	LVMPVInfo    []executors.PhysicalVolume `json:"LVMPVInfo"`
	LVMVGInfo    []executors.VolumeGroup    `json:"LVMVGInfo"`
	LVMLVInfo    []executors.LogicalVolume  `json:"LVMLVInfo"`
	// BricksMountStatus lists the mounts of brick file systems (under
	// /var/lib/heketi/mounts or /run/gluster).
	BricksMountStatus []executors.MountPoint `json:"BricksMountStatus"`
	// BlockVolumeNames maps each block-hosting volume of the cluster to the
	// block volumes gluster-block lists in it.
	BlockVolumeNames map[string][]string `json:"BlockVolumeNames"`
	// ManageHostname is the host the commands were sent to.
	ManageHostname string `json:"ManageHostname"`
	// FstabEntries are the lines of the node's fstab file.
	FstabEntries []executors.MountPoint `json:"FstabEntries"`
	// Error says why the node could not be examined ("" when it was).
	Error string `json:"Error,omitempty"`
	// CommandErrors are the examiner commands that ran and failed.
	CommandErrors []string `json:"CommandErrors,omitempty"`
}

// examineDB is the part of the database the comparison needs, read in one
// snapshot.
type examineDB struct {
	dump     *heketidump.Dump
	clusters []string                     // sorted
	nodes    map[string][]*db.Node        // cluster id -> nodes, sorted by id
	devices  map[string][]*db.Device      // node id -> devices, sorted by id
	bricks   map[string][]*db.Brick       // node id -> bricks, sorted by id
	volumes  map[string][]*db.Volume      // cluster id -> volumes, sorted by id
	vbricks  map[string][]*db.Brick       // volume id -> bricks, sorted by id
	blocks   map[string][]*db.BlockVolume // hosting volume id -> block volumes
	nodeByID map[string]*db.Node
	pending  []*db.PendingOp
}

// ExamineGluster compares the database with what the storage nodes hold,
// without changing either. Nodes are examined in parallel; a node that
// cannot be reached is reported, not fatal. The error is non-nil only when
// the database cannot be read or ctx ends.
func (a *App) ExamineGluster(ctx context.Context) (*ExamineReport, error) {
	d, err := a.readExamineDB()
	if err != nil {
		return nil, err
	}
	states := a.examineNodes(ctx, d)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &ExamineReport{HeketiDB: d.dump, Report: []string{}, Clusters: []ClusterExamination{}}
	for _, op := range d.pending {
		rep.Report = append(rep.Report, fmt.Sprintf("operation %s is pending; the records it changes were not compared", op.ID))
	}
	for _, cid := range d.clusters {
		ce := ClusterExamination{ClusterHeketiID: cid, NodesData: []NodeExamination{}}
		for _, n := range d.nodes[cid] {
			ce.NodesData = append(ce.NodesData, nodeExamination(n, states[n.ID]))
		}
		rep.Clusters = append(rep.Clusters, ce)
		rep.Report = append(rep.Report, compareCluster(d, cid, states)...)
	}
	return rep, nil
}

// nodeResult is the outcome of examining one node.
type nodeResult struct {
	state *executors.NodeState
	err   error
}

// examineNodes runs NodeState on every node of every cluster, at most
// examineParallel at once, each bounded by examineNodeTimeout.
func (a *App) examineNodes(ctx context.Context, d *examineDB) map[string]nodeResult {
	var mu sync.Mutex
	out := map[string]nodeResult{}
	sem := make(chan struct{}, examineParallel)
	var wg sync.WaitGroup
	for _, cid := range d.clusters {
		var hosting []string
		for _, v := range d.volumes[cid] {
			if v.Block && v.PendingOpID == "" {
				hosting = append(hosting, v.Name)
			}
		}
		for _, n := range d.nodes[cid] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				nctx, cancel := context.WithTimeout(ctx, examineNodeTimeout)
				defer cancel()
				st, err := a.exec.NodeState(nctx, n.ManageHost(), hosting)
				mu.Lock()
				out[n.ID] = nodeResult{state: st, err: err}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return out
}

// readExamineDB reads the dump and the records in one snapshot.
func (a *App) readExamineDB() (*examineDB, error) {
	d := &examineDB{
		nodes: map[string][]*db.Node{}, devices: map[string][]*db.Device{}, bricks: map[string][]*db.Brick{},
		volumes: map[string][]*db.Volume{}, vbricks: map[string][]*db.Brick{}, blocks: map[string][]*db.BlockVolume{},
		nodeByID: map[string]*db.Node{},
	}
	err := a.store.View(func(r db.Reader) error {
		var err error
		if d.dump, err = heketidump.Export(r); err != nil {
			return err
		}
		if d.clusters, err = r.ClusterIDs(); err != nil {
			return err
		}
		slices.Sort(d.clusters)
		for _, cid := range d.clusters {
			if err := d.readCluster(r, cid); err != nil {
				return err
			}
		}
		ops, err := r.PendingOpIDs()
		if err != nil {
			return err
		}
		slices.Sort(ops)
		for _, id := range ops {
			op, err := r.PendingOp(id)
			if err != nil {
				return err
			}
			d.pending = append(d.pending, op)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("examine: reading the database: %w", err)
	}
	return d, nil
}

// readCluster reads one cluster's nodes, devices, bricks, volumes and block
// volumes.
func (d *examineDB) readCluster(r db.Reader, cid string) error {
	nids, err := r.ClusterNodeIDs(cid)
	if err != nil {
		return err
	}
	slices.Sort(nids)
	for _, nid := range nids {
		n, err := r.Node(nid)
		if err != nil {
			return err
		}
		d.nodes[cid] = append(d.nodes[cid], n)
		d.nodeByID[nid] = n
		dids, err := r.NodeDeviceIDs(nid)
		if err != nil {
			return err
		}
		slices.Sort(dids)
		for _, did := range dids {
			dev, err := r.Device(did)
			if err != nil {
				return err
			}
			d.devices[nid] = append(d.devices[nid], dev)
			bids, err := r.DeviceBrickIDs(did)
			if err != nil {
				return err
			}
			slices.Sort(bids)
			for _, bid := range bids {
				b, err := r.Brick(bid)
				if err != nil {
					return err
				}
				d.bricks[nid] = append(d.bricks[nid], b)
			}
		}
	}
	vids, err := r.ClusterVolumeIDs(cid)
	if err != nil {
		return err
	}
	slices.Sort(vids)
	for _, vid := range vids {
		v, err := r.Volume(vid)
		if err != nil {
			return err
		}
		d.volumes[cid] = append(d.volumes[cid], v)
		bids, err := r.VolumeBrickIDs(vid)
		if err != nil {
			return err
		}
		slices.Sort(bids)
		for _, bid := range bids {
			b, err := r.Brick(bid)
			if err != nil {
				return err
			}
			d.vbricks[vid] = append(d.vbricks[vid], b)
		}
		bvids, err := r.VolumeBlockVolumeIDs(vid)
		if err != nil {
			return err
		}
		slices.Sort(bvids)
		for _, bvid := range bvids {
			bv, err := r.BlockVolume(bvid)
			if err != nil {
				return err
			}
			d.blocks[vid] = append(d.blocks[vid], bv)
		}
	}
	return nil
}

// nodeExamination shapes one node's state into Heketi's NodesData entry.
func nodeExamination(n *db.Node, res nodeResult) NodeExamination {
	ne := NodeExamination{
		NodeHeketiID: n.ID, ManageHostname: n.ManageHost(),
		VolumeInfo: []executors.GlusterVolume{}, LVMPVInfo: []executors.PhysicalVolume{}, LVMVGInfo: []executors.VolumeGroup{},
		LVMLVInfo: []executors.LogicalVolume{}, BricksMountStatus: []executors.MountPoint{}, FstabEntries: []executors.MountPoint{},
		BlockVolumeNames: map[string][]string{},
	}
	if res.err != nil || res.state == nil {
		if res.err != nil {
			ne.Error = res.err.Error()
		}
		return ne
	}
	st := res.state
	ne.VolumeInfo = append(ne.VolumeInfo, st.Volumes...)
	ne.LVMPVInfo = append(ne.LVMPVInfo, st.PVs...)
	ne.LVMVGInfo = append(ne.LVMVGInfo, st.VGs...)
	ne.LVMLVInfo = append(ne.LVMLVInfo, st.LVs...)
	ne.FstabEntries = append(ne.FstabEntries, st.Fstab...)
	for _, m := range st.Mounts {
		if isBrickMount(m.Path) {
			ne.BricksMountStatus = append(ne.BricksMountStatus, m)
		}
	}
	for k, v := range st.BlockVolumes {
		ne.BlockVolumeNames[k] = v
	}
	ne.CommandErrors = st.Errors
	return ne
}

// isBrickMount reports whether path is where Basalt mounts bricks.
func isBrickMount(path string) bool {
	if strings.HasPrefix(path, brickMountsDir) {
		return true
	}
	for _, dir := range snapshotMountDirs {
		if strings.HasPrefix(path, dir) {
			return true
		}
	}
	return false
}

// brickLV returns the brick's LV name: the recorded one, or brick_<id>.
func brickLV(b *db.Brick) string {
	if b.LV != "" {
		return b.LV
	}
	return "brick_" + b.ID
}

// brickMount returns the brick's mount point: its path without "/brick".
func brickMount(b *db.Brick) string { return strings.TrimSuffix(b.Path, "/brick") }

// compareCluster returns the report lines for one cluster.
func compareCluster(d *examineDB, cid string, states map[string]nodeResult) []string {
	var lines []string
	// Gluster volumes are pool-wide: take the union of what reachable nodes list.
	gluster := map[string]executors.GlusterVolume{}
	volumesRead := false
	blockLists := map[string]map[string]bool{} // hosting volume name -> block names
	for _, n := range d.nodes[cid] {
		res := states[n.ID]
		if res.err != nil {
			var unreachable string
			if errors.Is(res.err, context.DeadlineExceeded) {
				unreachable = "did not answer within " + examineNodeTimeout.String()
			} else {
				unreachable = res.err.Error()
			}
			lines = append(lines, fmt.Sprintf("node %s (%s) is unreachable: %s", n.ID, n.ManageHost(), unreachable))
			continue
		}
		for _, e := range res.state.Errors {
			lines = append(lines, fmt.Sprintf("node %s (%s): command failed: %s", n.ID, n.ManageHost(), e))
		}
		if res.state.VolumesRead {
			volumesRead = true
			for _, v := range res.state.Volumes {
				if _, ok := gluster[v.Name]; !ok {
					gluster[v.Name] = v
				}
			}
		}
		for hv, names := range res.state.BlockVolumes {
			if blockLists[hv] == nil {
				blockLists[hv] = map[string]bool{}
			}
			for _, name := range names {
				blockLists[hv][name] = true
			}
		}
	}

	if volumesRead {
		lines = append(lines, compareVolumes(d, cid, gluster)...)
	} else if len(d.nodes[cid]) > 0 {
		lines = append(lines, fmt.Sprintf("cluster %s: no node listed its gluster volumes; volumes were not compared", cid))
	}
	lines = append(lines, compareBlockVolumes(d, cid, gluster, blockLists)...)
	for _, n := range d.nodes[cid] {
		if res := states[n.ID]; res.err == nil {
			lines = append(lines, compareNode(d, n, res.state)...)
		}
	}
	return lines
}

// compareVolumes compares the cluster's volumes and their bricks with gluster.
func compareVolumes(d *examineDB, cid string, gluster map[string]executors.GlusterVolume) []string {
	var lines []string
	known := map[string]bool{}
	for _, v := range d.volumes[cid] {
		known[v.Name] = true
		if v.PendingOpID != "" {
			continue
		}
		gv, ok := gluster[v.Name]
		if !ok {
			lines = append(lines, fmt.Sprintf("volume %s (%s) is in the database but not in gluster", v.ID, v.Name))
			continue
		}
		if gv.Status != "Started" {
			lines = append(lines, fmt.Sprintf("volume %s (%s) is %s in gluster, not Started", v.ID, v.Name, gv.Status))
		}
		inGluster := map[string]bool{}
		for _, b := range gv.Bricks {
			inGluster[b.Name] = true
		}
		inDB := map[string]bool{}
		for _, b := range d.vbricks[v.ID] {
			name := brickName(d, b)
			inDB[name] = true
			if b.PendingOpID == "" && !inGluster[name] {
				lines = append(lines, fmt.Sprintf("brick %s of volume %s (%s) is missing from gluster volume %s", b.ID, v.ID, name, v.Name))
			}
		}
		for _, b := range gv.Bricks {
			if !inDB[b.Name] {
				lines = append(lines, fmt.Sprintf("gluster volume %s has brick %s that is not in the database", v.Name, b.Name))
			}
		}
	}
	names := make([]string, 0, len(gluster))
	for name := range gluster {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !known[name] {
			lines = append(lines, fmt.Sprintf("gluster volume %s is not in the database", name))
		}
	}
	return lines
}

// brickName returns "<storage host>:<path>", how gluster names the brick.
func brickName(d *examineDB, b *db.Brick) string {
	host := ""
	if n := d.nodeByID[b.NodeID]; n != nil {
		host = n.StorageHost()
	}
	return host + ":" + b.Path
}

// compareBlockVolumes compares the block volumes of the cluster's
// block-hosting volumes with gluster-block's listings.
func compareBlockVolumes(d *examineDB, cid string, gluster map[string]executors.GlusterVolume, lists map[string]map[string]bool) []string {
	var lines []string
	for _, v := range d.volumes[cid] {
		if !v.Block || v.PendingOpID != "" {
			continue
		}
		listed, ok := lists[v.Name]
		if !ok {
			if _, exists := gluster[v.Name]; exists {
				lines = append(lines, fmt.Sprintf("block-hosting volume %s (%s): no node listed its block volumes; they were not compared", v.ID, v.Name))
			}
			continue
		}
		known := map[string]bool{}
		for _, bv := range d.blocks[v.ID] {
			known[bv.Name] = true
			if bv.PendingOpID == "" && !listed[bv.Name] {
				lines = append(lines, fmt.Sprintf("block volume %s (%s) is in the database but not in block-hosting volume %s", bv.ID, bv.Name, v.Name))
			}
		}
		names := make([]string, 0, len(listed))
		for name := range listed {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if !known[name] {
				lines = append(lines, fmt.Sprintf("block volume %s/%s is not in the database", v.Name, name))
			}
		}
	}
	return lines
}

// compareNode compares one reachable node's devices and bricks with its VGs,
// LVs, mounts and fstab, in both directions.
func compareNode(d *examineDB, n *db.Node, st *executors.NodeState) []string {
	var lines []string
	at := fmt.Sprintf("on node %s (%s)", n.ID, n.ManageHost())

	vgs := map[string]executors.VolumeGroup{}
	for _, vg := range st.VGs {
		vgs[vg.Name] = vg
	}
	lvs := map[string]bool{}
	for _, lv := range st.LVs {
		lvs[lv.VGName+"/"+lv.Name] = true
	}
	mounted := map[string]bool{}
	for _, m := range st.Mounts {
		mounted[m.Path] = true
	}
	inFstab := map[string]bool{}
	for _, f := range st.Fstab {
		inFstab[f.Path] = true
	}

	// What the database says this node holds (pending records included, so
	// that work in progress is not reported as a leak).
	ownVG := map[string]bool{}
	ownLV := map[string]bool{}
	ownMount := map[string]bool{}
	for _, dev := range d.devices[n.ID] {
		vg := "vg_" + dev.ID
		ownVG[vg] = true
		if !st.LVMRead || dev.PendingOpID != "" {
			continue
		}
		got, ok := vgs[vg]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("device %s (%s) %s: VG %s is missing", dev.ID, dev.Name, at, vg))
		case got.SizeKiB != dev.TotalKiB:
			lines = append(lines, fmt.Sprintf("device %s (%s) %s: size in the database is %d KiB but VG %s has %d KiB",
				dev.ID, dev.Name, at, dev.TotalKiB, vg, got.SizeKiB))
		}
	}
	for _, b := range d.bricks[n.ID] {
		vg := "vg_" + b.DeviceID
		lv := vg + "/" + brickLV(b)
		ownLV[lv] = true
		if b.ThinPool != "" {
			ownLV[vg+"/"+b.ThinPool] = true
		}
		mnt := brickMount(b)
		ownMount[mnt] = true
		if b.PendingOpID != "" {
			continue
		}
		if st.LVMRead && !lvs[lv] {
			lines = append(lines, fmt.Sprintf("brick %s %s: LV %s is missing", b.ID, at, lv))
		}
		if st.MountsRead && !mounted[mnt] {
			lines = append(lines, fmt.Sprintf("brick %s %s: %s is not mounted", b.ID, at, mnt))
		}
		if st.FstabRead && strings.HasPrefix(mnt, brickMountsDir) && !inFstab[mnt] {
			lines = append(lines, fmt.Sprintf("brick %s %s: %s has no fstab line", b.ID, at, mnt))
		}
	}

	if st.LVMRead {
		for _, vg := range st.VGs {
			if strings.HasPrefix(vg.Name, "vg_") && !ownVG[vg.Name] {
				lines = append(lines, fmt.Sprintf("VG %s %s belongs to no device in the database", vg.Name, at))
			}
		}
		for _, lv := range st.LVs {
			key := lv.VGName + "/" + lv.Name
			if ownVG[lv.VGName] && !ownLV[key] {
				lines = append(lines, fmt.Sprintf("LV %s %s belongs to no brick in the database", key, at))
			}
		}
	}
	if st.MountsRead {
		for _, m := range st.Mounts {
			if strings.HasPrefix(m.Path, brickMountsDir) && !ownMount[m.Path] {
				lines = append(lines, fmt.Sprintf("mount %s %s belongs to no brick in the database", m.Path, at))
			}
		}
	}
	if st.FstabRead {
		for _, f := range st.Fstab {
			if strings.HasPrefix(f.Path, brickMountsDir) && !ownMount[f.Path] {
				lines = append(lines, fmt.Sprintf("fstab line for %s %s belongs to no brick in the database", f.Path, at))
			}
		}
	}
	return lines
}
