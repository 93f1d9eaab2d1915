package allocator

import (
	"fmt"

	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/sizing"
)

const gib = 1024 * 1024 // KiB

// shape is the brick layout of one set.
type shape struct {
	k      int    // bricks per set
	div    uint64 // data bricks per set for disperse, else 1
	arbIdx int    // arbiter position, -1 without
	typ    string // durability type
	red    int    // disperse redundancy
}

// desc names the layout in explanations: "replica-3", "replica-3 arbiter",
// "disperse 4+2" or "distribute".
func (s shape) desc() string {
	switch s.typ {
	case DurabilityReplicate:
		if s.arbIdx >= 0 {
			return fmt.Sprintf("replica-%d arbiter", s.k)
		}
		return fmt.Sprintf("replica-%d", s.k)
	case DurabilityDisperse:
		return fmt.Sprintf("disperse %d+%d", s.div, s.red)
	}
	return "distribute"
}

// shapeOf derives the set shape from the durability and arbiter flag.
func shapeOf(d Durability, arbiter bool) (shape, error) {
	switch d.Type {
	case "", DurabilityNone:
		return shape{k: 1, div: 1, arbIdx: -1}, nil
	case DurabilityReplicate:
		r := d.Replica
		if r == 0 {
			r = DefaultReplica
		}
		if r < 1 {
			return shape{}, errs.New(errs.Invalid, "Invalid replica value")
		}
		s := shape{k: r, div: 1, arbIdx: -1, typ: DurabilityReplicate}
		if arbiter && r >= 3 {
			s.arbIdx = 2
		}
		return s, nil
	case DurabilityDisperse:
		if d.Data < 1 || d.Redundancy < 1 {
			return shape{}, errs.Newf(errs.Invalid, "Invalid dispersion combination: %d+%d", d.Data, d.Redundancy)
		}
		return shape{k: d.Data + d.Redundancy, div: uint64(d.Data), arbIdx: -1, typ: DurabilityDisperse, red: d.Redundancy}, nil
	}
	return shape{}, errs.New(errs.Invalid, "Unknown durability type")
}

// placer holds one Place call's working state.
type placer struct {
	t       *topo
	sh      shape
	factor  float64
	members []member
	picks   []int
	orders  [][]int
}

func newPlacer(t *topo, sh shape, factor float64) *placer {
	p := &placer{t: t, sh: sh, factor: factor, members: make([]member, 0, sh.k), picks: make([]int, sh.k)}
	data := make([]int, 0, sh.k)
	for i := 0; i < sh.k; i++ {
		if i != sh.arbIdx {
			data = append(data, i)
		}
	}
	if sh.arbIdx < 0 {
		p.orders = [][]int{data}
	} else {
		// Data bricks first keeps the largest bricks on the emptiest nodes;
		// if that leaves no node for the arbiter, place the arbiter first.
		p.orders = [][]int{append(data[:len(data):len(data)], sh.arbIdx), append([]int{sh.arbIdx}, data...)}
	}
	return p
}

// placeSet fills one set and reserves its space; it returns false (and
// reserves nothing) when the set does not fit.
func (p *placer) placeSet(data, arb *sizer) bool {
	t := p.t
	for _, order := range p.orders {
		p.members = p.members[:0]
		ok := true
		for _, pos := range order {
			isArb := pos == p.sh.arbIdx
			sz := data
			if isArb {
				sz = arb
			}
			i := t.pick(p.members, isArb, sz)
			if i < 0 {
				ok = false
				break
			}
			d := &t.devs[i]
			t.take(i, sz.need(d.ext))
			p.picks[pos] = i
			p.members = append(p.members, member{node: d.node, zone: d.zone})
		}
		if ok {
			return true
		}
		// Undo the partial set.
		for _, pos := range order[:len(p.members)] {
			i := p.picks[pos]
			sz := data
			if pos == p.sh.arbIdx {
				sz = arb
			}
			t.give(i, sz.need(t.devs[i].ext))
		}
	}
	return false
}

// brick returns the planned brick at device i.
func (p *placer) brick(i int, size uint64, arbiter bool) Brick {
	d := &p.t.devs[i]
	tp := sizing.ThinPoolSizeKiB(size, p.factor, d.ext)
	return Brick{NodeID: p.t.nodes[d.node].id, DeviceID: d.id, SizeKiB: size, TpSizeKiB: tp,
		PoolMetadataKiB: sizing.PoolMetadataSizeKiB(tp, d.ext), Arbiter: arbiter}
}

// attempt tries to place n sets; on failure it reports how far it got.
func (p *placer) attempt(n int, brick, arbSize uint64) (*Plan, *PlacementError) {
	data := newSizer(brick, p.factor)
	arb := newSizer(arbSize, p.factor)
	k := p.sh.k
	plan := &Plan{ClusterID: p.t.clusterID, BrickSizeKiB: brick, Sets: make([]Set, n)}
	bricks := make([]Brick, n*k)
	for s := 0; s < n; s++ {
		if !p.placeSet(data, arb) {
			pe := p.diagnose(data, arb)
			pe.SetCount, pe.SetsPlaced = n, s
			return nil, pe
		}
		set := bricks[s*k : (s+1)*k : (s+1)*k]
		for pos := range set {
			if pos == p.sh.arbIdx {
				set[pos] = p.brick(p.picks[pos], arbSize, true)
			} else {
				set[pos] = p.brick(p.picks[pos], brick, false)
			}
		}
		plan.Sets[s].Bricks = set
	}
	return plan, nil
}

// diagnose counts why a set of the given sizes does not fit now; headline
// turns the counts into words.
func (p *placer) diagnose(data, arb *sizer) *PlacementError {
	t, sh := p.t, p.sh
	pe := &PlacementError{Reason: textNoSpace, ClusterID: t.clusterID, SetSize: sh.k, Need: sh.k,
		BrickSizeKiB: data.size, Constraint: ConstraintNodes}
	if t.strict {
		pe.Constraint = ConstraintZones
	}
	if len(t.devs) > 0 {
		pe.BrickSpaceKiB = data.need(t.devs[0].ext)
		if sh.arbIdx >= 0 {
			pe.ArbiterSizeKiB, pe.ArbiterSpaceKiB = arb.size, arb.need(t.devs[0].ext)
		}
	}
	pe.Devices = DeviceCounts{Total: len(t.devs), NodeUnusable: t.nodeUnusable, Offline: t.offline, TagExcluded: t.tagExcluded}
	// group is the node, or the zone with strict checking.
	groups := len(t.nodes)
	if t.strict {
		groups = len(t.zoneFree)
	}
	fitData := make([]bool, groups)
	fitArb := make([]bool, groups)
	for i := range t.devs {
		d := &t.devs[i]
		if d.ex != exNone {
			continue
		}
		g := d.node
		if t.strict {
			g = d.zone
		}
		if t.roles && d.role != roleAny {
			pe.Devices.RoleExcluded++
		}
		fits := false
		if (!t.roles || d.canHost(false)) && d.free > data.need(d.ext) {
			fitData[g], fits = true, true
		}
		if sh.arbIdx >= 0 && d.canHost(true) && d.free > arb.need(d.ext) {
			fitArb[g], fits = true, true
		}
		if !fits {
			pe.Devices.TooSmall++
		}
	}
	union := 0
	for g := range fitData {
		if fitData[g] {
			pe.Found++
		}
		if fitArb[g] {
			pe.FoundArbiter++
		}
		if fitData[g] || fitArb[g] {
			union++
		}
	}
	for i := range t.devs {
		d := &t.devs[i]
		g := d.node
		if t.strict {
			g = d.zone
		}
		if d.ex == exNone && !fitData[g] && (!t.roles || d.canHost(false)) && d.free > pe.LargestFreeKiB {
			pe.LargestFreeKiB = d.free
		}
	}
	if sh.arbIdx >= 0 && pe.FoundArbiter == 0 && pe.Found >= sh.k-1 {
		pe.Constraint = ConstraintArbiter
	}
	pe.union = union
	return pe
}

// headline states what one set needs and what was found.
func (p *placer) headline(pe *PlacementError, union int) string {
	t, sh := p.t, p.sh
	unit := "node"
	where := plural(sh.k, "node")
	if t.strict {
		unit = "zone"
		where += fmt.Sprintf(" in %d zones (strict zone checking)", sh.k)
	}
	var s string
	sized := pe.BrickSizeKiB > 0
	switch {
	case sh.k == 1 && sized:
		s = fmt.Sprintf("a %s brick of %s needs a device with more than %s free; found none", sh.desc(), kib(pe.BrickSizeKiB), kib(pe.BrickSpaceKiB))
	case sh.k == 1:
		s = fmt.Sprintf("a %s brick needs a device with free space; found none", sh.desc())
	case sh.arbIdx >= 0 && sized:
		s = fmt.Sprintf("a %s set of %s bricks needs %s: %d with a device of more than %s free for data and another with an arbiter-capable device of more than %s free; found %d and %d such %ss",
			sh.desc(), kib(pe.BrickSizeKiB), where, sh.k-1, kib(pe.BrickSpaceKiB), kib(pe.ArbiterSpaceKiB), pe.Found, pe.FoundArbiter, unit)
	case sh.arbIdx >= 0:
		s = fmt.Sprintf("a %s set needs %s: %d with a data-capable device with free space and another with an arbiter-capable device (arbiter tag required or supported); found %d and %d such %ss",
			sh.desc(), where, sh.k-1, pe.Found, pe.FoundArbiter, unit)
	case sized:
		s = fmt.Sprintf("a %s set of %s bricks needs %s, each with a device of more than %s free; found %d such %ss",
			sh.desc(), kib(pe.BrickSizeKiB), where, kib(pe.BrickSpaceKiB), pe.Found, unit)
	default:
		s = fmt.Sprintf("a %s set needs %s, each with a candidate device with free space; found %d such %ss", sh.desc(), where, pe.Found, unit)
	}
	if sh.arbIdx >= 0 && pe.Found >= sh.k-1 && pe.FoundArbiter >= 1 && union < sh.k {
		s += fmt.Sprintf(", only %d distinct", union)
	}
	if pe.LargestFreeKiB > 0 && sized {
		s += fmt.Sprintf(" (largest free device elsewhere: %s)", kib(pe.LargestFreeKiB))
	}
	return s + pe.exclusions(p.ruleText())
}

func (p *placer) ruleText() string {
	if p.t.rule == nil {
		return ""
	}
	return p.t.rule.raw
}

// ceilDiv returns ⌈a/b⌉.
func ceilDiv(a, b uint64) uint64 { return (a + b - 1) / b }

// Place plans the bricks of req in cluster c. It returns a *Plan whose sets
// all fit together, or an error: errs.Invalid for a bad request or tag rule,
// otherwise errs.NoSpace wrapping a *PlacementError whose text starts with
// Heketi's reason (No space, Maximum number of bricks reached., Minimum
// brick size limit reached.  Out of space., No nodes in cluster, No online
// storage devices in cluster) followed by the explanation. Place does not
// check cluster flags, volume names or volume limits; callers filter
// clusters first. Calling Place without committing the plan is a dry run.
func Place(c Cluster, req Request) (*Plan, error) {
	sh, err := shapeOf(req.Durability, req.Arbiter)
	if err != nil {
		return nil, err
	}
	if req.SizeGiB < 1 {
		return nil, errs.Newf(errs.Invalid, "invalid volume size %d GiB: must be at least 1", req.SizeGiB)
	}
	rule, err := parseTagRule(req.TagMatch)
	if err != nil {
		return nil, err
	}
	t, err := newTopo(c, req.ZoneChecking == ZoneCheckingStrict, rule, "")
	if err != nil {
		return nil, err.(*PlacementError).asError()
	}
	t.roles = sh.arbIdx >= 0
	factor := req.SnapshotFactor
	if factor <= 0 {
		factor = 1
	}
	minKiB, maxKiB, maxBricks := req.BrickMinKiB, req.BrickMaxKiB, req.MaxBricksPerVolume
	if minKiB == 0 {
		minKiB = DefaultBrickMinKiB
	}
	if maxKiB == 0 {
		maxKiB = DefaultBrickMaxKiB
	}
	if maxBricks == 0 {
		maxBricks = DefaultMaxBricksPerVolume
	}
	avg := req.AverageFileSizeKiB
	if avg == 0 {
		avg = sizing.DefaultAverageFileSizeKiB
	}
	p := newPlacer(t, sh, factor)

	// A set that cannot be formed even with the smallest brick fails for
	// every set count: say so directly.
	if pe := p.diagnose(newSizer(0, factor), newSizer(0, factor)); !p.formable(pe) {
		pe.Detail = p.headline(pe, pe.union)
		return nil, pe.asError()
	}

	size := uint64(req.SizeGiB) * gib
	var fs freeState
	t.save(&fs)
	var best *PlacementError
	bestScore := -1.0
	first, tried, smallest := 0, 0, uint64(0)
	for n := 1; ; n++ {
		brick := ceilDiv(size, uint64(n)*sh.div)
		if brick < minKiB {
			return nil, p.stop(&PlacementError{Reason: textMinBrickSize, Constraint: ConstraintBrickMinSize},
				best, first, tried, fmt.Sprintf("%s would make %s bricks, below the minimum brick size %s", plural(n, "set"), kib(brick), kib(minKiB)))
		}
		if n*sh.k+req.ExistingBricks > maxBricks {
			why := fmt.Sprintf("%s of %d bricks would exceed the limit of %d bricks per volume", plural(n, "set"), sh.k, maxBricks)
			if req.ExistingBricks > 0 {
				why += fmt.Sprintf(" (%d existing)", req.ExistingBricks)
			}
			if tried == 0 && smallest > maxKiB {
				why += fmt.Sprintf("; fewer sets make bricks larger than the maximum brick size %s (smallest %s)", kib(maxKiB), kib(smallest))
				return nil, p.stop(&PlacementError{Reason: textMaxBricks, Constraint: ConstraintBrickMaxSize}, best, first, tried, why)
			}
			return nil, p.stop(&PlacementError{Reason: textMaxBricks, Constraint: ConstraintMaxBricks}, best, first, tried, why)
		}
		if brick > maxKiB {
			smallest = brick
			continue
		}
		var arbSize uint64
		if sh.arbIdx >= 0 {
			if arbSize, err = sizing.ArbiterBrickSizeKiB(brick, avg); err != nil {
				return nil, errs.Wrap(errs.Invalid, err)
			}
		}
		if first == 0 {
			first = n
		}
		tried = n
		plan, pe := p.attempt(n, brick, arbSize)
		if plan != nil {
			return plan, nil
		}
		t.restore(&fs)
		placed := float64(pe.SetsPlaced) / float64(n)
		// Ties go to the later attempt: its smaller bricks came closer.
		if placed >= bestScore {
			best, bestScore = pe, placed
		}
	}
}

// formable reports whether diagnose found enough distinct nodes (zones)
// for one set.
func (p *placer) formable(pe *PlacementError) bool {
	if p.sh.arbIdx < 0 {
		return pe.Found >= p.sh.k
	}
	return pe.Found >= p.sh.k-1 && pe.FoundArbiter >= 1 && pe.union >= p.sh.k
}

// stop finishes the explanation of a generator stop.
func (p *placer) stop(pe, best *PlacementError, first, tried int, why string) error {
	pe.ClusterID = p.t.clusterID
	pe.SetSize = p.sh.k
	pe.MaxSetCount = tried
	if best == nil {
		pe.Detail = capitalize(why)
		pe.Devices = DeviceCounts{Total: len(p.t.devs), NodeUnusable: p.t.nodeUnusable, Offline: p.t.offline, TagExcluded: p.t.tagExcluded}
		return pe.asError()
	}
	pe.SetCount, pe.SetsPlaced = best.SetCount, best.SetsPlaced
	pe.BrickSizeKiB, pe.BrickSpaceKiB = best.BrickSizeKiB, best.BrickSpaceKiB
	pe.ArbiterSizeKiB, pe.ArbiterSpaceKiB = best.ArbiterSizeKiB, best.ArbiterSpaceKiB
	pe.Need, pe.Found, pe.FoundArbiter, pe.LargestFreeKiB, pe.Devices = best.Need, best.Found, best.FoundArbiter, best.LargestFreeKiB, best.Devices
	pe.Constraint = best.Constraint
	closest := p.headline(best, best.union)
	if best.SetCount > 1 {
		closest = fmt.Sprintf("as %d sets, %d fitted; %s", best.SetCount, best.SetsPlaced, closest)
	}
	counts := fmt.Sprintf("No set count from %d to %d fits", first, tried)
	if first == tried {
		counts = fmt.Sprintf("%s do not fit", plural(first, "set"))
		if first == 1 {
			counts = "1 set does not fit"
		}
	}
	pe.Detail = fmt.Sprintf("%s (%s); closest: %s", counts, why, closest)
	return pe.asError()
}

// capitalize upper-cases the first letter of an ASCII sentence.
func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
