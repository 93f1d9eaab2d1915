package allocator

import (
	"github.com/basalt-storage/basalt/internal/sizing"
)

// Why a device is not a candidate at all (before space and set constraints).
const (
	exNone         = iota
	exNodeUnusable // the device's node is offline or unhealthy
	exOffline      // the device is offline
	exTag          // the device tag rule rejects it
	exOld          // the device a replacement brick leaves
)

// Arbiter roles of a device, from the merged arbiter tag.
const (
	roleAny         = iota // supported (or missing/unknown): data and arbiter
	roleArbiterOnly        // required
	roleDataOnly           // disabled
)

// tdev is a device of the working topology.
type tdev struct {
	id   string
	node int // index into topo.nodes
	zone int // index into topo.zoneFree
	ext  uint64
	free uint64
	role int
	ex   int
}

// canHost reports whether the device's arbiter role allows a brick.
func (d *tdev) canHost(arbiter bool) bool {
	if arbiter {
		return d.role != roleDataOnly
	}
	return d.role != roleArbiterOnly
}

// tnode is a node of the working topology.
type tnode struct {
	id   string
	zone int // index into topo.zoneFree
	free uint64
}

// topo is the mutable working copy of a cluster snapshot for one placement.
// Node and zone free space sum the candidate devices only.
type topo struct {
	clusterID string
	strict    bool
	rule      *tagRule
	// roles is true for arbiter volumes: only then do arbiter tags matter.
	roles    bool
	devs     []tdev
	nodes    []tnode
	zoneVals []int // zone value of each zone index
	zoneFree []uint64
	// counts of devices excluded before placement, by reason.
	nodeUnusable, offline, tagExcluded, candidates int
}

// newTopo builds the working topology. It returns the Heketi errors for a
// cluster without nodes or without online devices.
func newTopo(c Cluster, strict bool, rule *tagRule, oldDevice string) (*topo, error) {
	if len(c.Nodes) == 0 {
		return nil, &PlacementError{Reason: textNoNodes, ClusterID: c.ID, Constraint: ConstraintNodes}
	}
	t := &topo{clusterID: c.ID, strict: strict, rule: rule, nodes: make([]tnode, 0, len(c.Nodes))}
	ndev := 0
	for i := range c.Nodes {
		ndev += len(c.Nodes[i].Devices)
	}
	t.devs = make([]tdev, 0, ndev)
	online := 0
	for i := range c.Nodes {
		n := &c.Nodes[i]
		zi := -1
		for j, z := range t.zoneVals {
			if z == n.Zone {
				zi = j
				break
			}
		}
		if zi < 0 {
			zi = len(t.zoneVals)
			t.zoneVals = append(t.zoneVals, n.Zone)
			t.zoneFree = append(t.zoneFree, 0)
		}
		ni := len(t.nodes)
		t.nodes = append(t.nodes, tnode{id: n.ID, zone: zi})
		for j := range n.Devices {
			d := &n.Devices[j]
			td := tdev{id: d.ID, node: ni, zone: zi, ext: d.ExtentSizeKiB, free: d.FreeKiB}
			if td.ext == 0 {
				td.ext = sizing.DefaultExtentSizeKiB
			}
			switch mergedTag(n.Tags, d.Tags, ArbiterTag) {
			case ArbiterRequired:
				td.role = roleArbiterOnly
			case ArbiterDisabled:
				td.role = roleDataOnly
			}
			switch {
			case !n.Usable:
				td.ex = exNodeUnusable
				t.nodeUnusable++
			case !d.Usable:
				td.ex = exOffline
				t.offline++
			case d.ID == oldDevice && oldDevice != "":
				td.ex = exOld
				online++
			case rule != nil && !rule.match(n.Tags, d.Tags):
				td.ex = exTag
				t.tagExcluded++
				online++
			default:
				online++
				t.candidates++
				t.nodes[ni].free += td.free
				t.zoneFree[zi] += td.free
			}
			t.devs = append(t.devs, td)
		}
	}
	if online == 0 {
		return nil, &PlacementError{Reason: textNoOnlineDevices, ClusterID: c.ID, Constraint: ConstraintDevices,
			Devices: DeviceCounts{Total: len(t.devs), NodeUnusable: t.nodeUnusable, Offline: t.offline}}
	}
	return t, nil
}

// take reserves space on device i.
func (t *topo) take(i int, space uint64) {
	d := &t.devs[i]
	d.free -= space
	t.nodes[d.node].free -= space
	t.zoneFree[d.zone] -= space
}

// give returns space to device i (undoing take).
func (t *topo) give(i int, space uint64) {
	d := &t.devs[i]
	d.free += space
	t.nodes[d.node].free += space
	t.zoneFree[d.zone] += space
}

// freeState is a saved copy of the free space, to undo a failed attempt.
type freeState struct {
	devs, nodes, zones []uint64
}

func (t *topo) save(s *freeState) {
	s.devs = s.devs[:0]
	for i := range t.devs {
		s.devs = append(s.devs, t.devs[i].free)
	}
	s.nodes = s.nodes[:0]
	for i := range t.nodes {
		s.nodes = append(s.nodes, t.nodes[i].free)
	}
	s.zones = append(s.zones[:0], t.zoneFree...)
}

func (t *topo) restore(s *freeState) {
	for i := range t.devs {
		t.devs[i].free = s.devs[i]
	}
	for i := range t.nodes {
		t.nodes[i].free = s.nodes[i]
	}
	copy(t.zoneFree, s.zones)
}

// member is a brick already placed in the set being filled.
type member struct{ node, zone int }

// usedBy reports whether the set already uses device d's node, or (strict)
// its zone; zoneOnly is true when only the zone is shared.
func usedBy(set []member, d *tdev) (nodeUsed, zoneUsed bool) {
	for _, m := range set {
		if m.node == d.node {
			nodeUsed = true
		}
		if m.zone == d.zone {
			zoneUsed = true
		}
	}
	return nodeUsed, zoneUsed
}

// spaceFn returns the device space a brick needs on a device of extent ext.
type spaceFn func(ext uint64) uint64

// sizer caches BrickSpaceKiB per extent size (devices mostly share one).
type sizer struct {
	size   uint64
	factor float64
	ext    [2]uint64
	space  [2]uint64
}

func newSizer(size uint64, factor float64) *sizer { return &sizer{size: size, factor: factor} }

func (s *sizer) need(ext uint64) uint64 {
	for i := range s.ext {
		if s.ext[i] == ext {
			return s.space[i]
		}
	}
	v := sizing.BrickSpaceKiB(s.size, s.factor, ext)
	s.ext[1], s.space[1] = s.ext[0], s.space[0]
	s.ext[0], s.space[0] = ext, v
	return v
}

// pick returns the best device for a brick joining set, or -1.
func (t *topo) pick(set []member, arbiter bool, sz *sizer) int {
	best := -1
	bestZoneUsed := false
	for i := range t.devs {
		d := &t.devs[i]
		if d.ex != exNone || (t.roles && !d.canHost(arbiter)) {
			continue
		}
		nodeUsed, zoneUsed := usedBy(set, d)
		if nodeUsed || (zoneUsed && t.strict) {
			continue
		}
		if d.free <= sz.need(d.ext) {
			continue
		}
		if best < 0 || t.better(d, zoneUsed, &t.devs[best], bestZoneUsed, arbiter) {
			best, bestZoneUsed = i, zoneUsed
		}
	}
	return best
}

// better orders candidate devices. For arbiter volumes, devices reserved
// for the brick's role come first. Then a node in a zone new to the set comes
// first unless a node in a zone the set already uses has over 25% more free
// space: zones spread while that costs little, and the nodes of small zones
// do not fill up first and strand the space of big zones (once nodes differ
// by a factor sets cannot drain faster, that space is lost). Then the zone,
// node and device with the most free space, then the device id.
func (t *topo) better(a *tdev, aZoneUsed bool, b *tdev, bZoneUsed bool, arbiter bool) bool {
	if t.roles && a.role != b.role {
		// As Heketi's arbiter feeds: devices reserved for the brick's role
		// (arbiter=required for arbiter bricks, arbiter=disabled for data
		// bricks) before devices that take either.
		want := roleDataOnly
		if arbiter {
			want = roleArbiterOnly
		}
		if a.role == want || b.role == want {
			return a.role == want
		}
	}
	if aZoneUsed != bZoneUsed {
		na, nb := t.nodes[a.node].free, t.nodes[b.node].free
		if aZoneUsed {
			return na/4 > nb/5
		}
		return nb/5 <= na/4
	}
	if za, zb := t.zoneFree[a.zone], t.zoneFree[b.zone]; za != zb {
		return za > zb
	}
	if na, nb := t.nodes[a.node].free, t.nodes[b.node].free; na != nb {
		return na > nb
	}
	if a.free != b.free {
		return a.free > b.free
	}
	return a.id < b.id
}
