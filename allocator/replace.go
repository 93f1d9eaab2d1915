package allocator

import (
	"fmt"

	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/sizing"
)

// PlaceReplacement chooses the device for a brick that replaces one being
// evicted (device or node removal, heketi-facts §10). Only the old device is
// excluded: another device of the same node is acceptable when no other
// brick of the set is on that node. The new brick must be on a node not in
// r.SetNodeIDs and, with strict zone checking, in a zone none of them uses;
// the tag rule and (for an arbiter brick) the arbiter tags apply as in
// Place. When nothing fits the error (kind errs.NoSpace, wrapping a
// *PlacementError) reads "No Replacement was found for resource requested
// to be removed: <explanation>".
func PlaceReplacement(c Cluster, r ReplaceRequest) (*Brick, error) {
	rule, err := parseTagRule(r.TagMatch)
	if err != nil {
		return nil, err
	}
	if r.SizeKiB == 0 {
		return nil, errs.New(errs.Invalid, "invalid replacement brick size 0")
	}
	t, err := newTopo(c, r.ZoneChecking == ZoneCheckingStrict, rule, r.OldDeviceID)
	if err != nil {
		pe := err.(*PlacementError)
		pe.Detail, pe.Reason = lowerFirst(pe.Reason), textNoReplacement
		return nil, pe.asError()
	}
	t.roles = r.Arbiter || r.ArbiterVolume
	factor := r.SnapshotFactor
	if factor <= 0 {
		factor = 1
	}
	set := make([]member, 0, len(r.SetNodeIDs))
	for _, id := range r.SetNodeIDs {
		for i := range t.nodes {
			if t.nodes[i].id == id {
				set = append(set, member{node: i, zone: t.nodes[i].zone})
				break
			}
		}
	}
	sz := newSizer(r.SizeKiB, factor)
	i := t.pick(set, r.Arbiter, sz)
	if i < 0 {
		return nil, t.explainReplacement(set, r, sz).asError()
	}
	d := &t.devs[i]
	tp := sizing.ThinPoolSizeKiB(r.SizeKiB, factor, d.ext)
	return &Brick{NodeID: t.nodes[d.node].id, DeviceID: d.id, SizeKiB: r.SizeKiB, TpSizeKiB: tp,
		PoolMetadataKiB: sizing.PoolMetadataSizeKiB(tp, d.ext), Arbiter: r.Arbiter}, nil
}

// explainReplacement classifies every device for a failed replacement.
func (t *topo) explainReplacement(set []member, r ReplaceRequest, sz *sizer) *PlacementError {
	pe := &PlacementError{Reason: textNoReplacement, ClusterID: t.clusterID, Constraint: ConstraintNodes,
		BrickSizeKiB: r.SizeKiB, Need: 1, SetSize: len(set) + 1,
		Devices: DeviceCounts{Total: len(t.devs), NodeUnusable: t.nodeUnusable, Offline: t.offline, TagExcluded: t.tagExcluded}}
	if len(t.devs) > 0 {
		pe.BrickSpaceKiB = sz.need(t.devs[0].ext)
	}
	inSet := 0
	for i := range t.devs {
		d := &t.devs[i]
		if d.ex != exNone {
			continue
		}
		if t.roles && !d.canHost(r.Arbiter) {
			pe.Devices.RoleExcluded++
			continue
		}
		nodeUsed, zoneUsed := usedBy(set, d)
		if nodeUsed || (zoneUsed && t.strict) {
			inSet++
			continue
		}
		if d.free <= sz.need(d.ext) {
			pe.Devices.TooSmall++
			if d.free > pe.LargestFreeKiB {
				pe.LargestFreeKiB = d.free
			}
			continue
		}
		pe.Found++
	}
	what := "brick"
	if r.Arbiter {
		what = "arbiter brick"
		pe.Constraint = ConstraintArbiter
	}
	where := "a node not used by the rest of its set"
	if t.strict {
		where = "a node in a zone not used by the rest of its set (strict zone checking)"
		pe.Constraint = ConstraintZones
	}
	s := fmt.Sprintf("a %s %s needs a device other than %s on %s with more than %s free; found none",
		kib(r.SizeKiB), what, r.OldDeviceID, where, kib(pe.BrickSpaceKiB))
	if inSet > 0 {
		s += fmt.Sprintf(" (%s on the set's nodes or zones", plural(inSet, "device"))
		if pe.Devices.TooSmall > 0 {
			s += fmt.Sprintf(", %d too small, largest %s free", pe.Devices.TooSmall, kib(pe.LargestFreeKiB))
		}
		s += ")"
	} else if pe.Devices.TooSmall > 0 {
		s += fmt.Sprintf(" (%d too small, largest %s free)", pe.Devices.TooSmall, kib(pe.LargestFreeKiB))
	}
	rule := ""
	if t.rule != nil {
		rule = t.rule.raw
	}
	pe.Detail = s + pe.exclusions(rule)
	return pe
}
