package allocator

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/internal/errs"
)

// nodesOf returns the node ids of each set, "n1,n2,n3;n1,..." for messages.
func nodesOf(p *Plan) string {
	var sets []string
	for _, s := range p.Sets {
		var ids []string
		for _, b := range s.Bricks {
			ids = append(ids, b.NodeID)
		}
		sets = append(sets, strings.Join(ids, ","))
	}
	return strings.Join(sets, ";")
}

func devicesOf(p *Plan) string {
	var sets []string
	for _, s := range p.Sets {
		var ids []string
		for _, b := range s.Bricks {
			id := b.DeviceID
			if b.Arbiter {
				id += "(a)"
			}
			ids = append(ids, id)
		}
		sets = append(sets, strings.Join(ids, ","))
	}
	return strings.Join(sets, ";")
}

func TestPlaceSuccess(t *testing.T) {
	zones3of6 := func(i int) int { return (i-1)/2 + 1 } // n1,n2 zone 1; n3,n4 zone 2; n5,n6 zone 3
	strict := func(r Request) Request { r.ZoneChecking = ZoneCheckingStrict; return r }
	withTags := func(c Cluster, tags map[string]map[string]string) Cluster {
		for i := range c.Nodes {
			if tg, ok := tags[c.Nodes[i].ID]; ok {
				c.Nodes[i].Tags = tg
			}
			for j := range c.Nodes[i].Devices {
				if tg, ok := tags[c.Nodes[i].Devices[j].ID]; ok {
					c.Nodes[i].Devices[j].Tags = tg
				}
			}
		}
		return c
	}
	uneven := topology(3, 3, 0, oneZone)
	for i := range uneven.Nodes {
		for j := range uneven.Nodes[i].Devices {
			uneven.Nodes[i].Devices[j].FreeKiB = uint64(10*(i+1)+5*j) * testGiB // n1d1 10 .. n3d3 40
		}
	}
	for _, tc := range []struct {
		name    string
		c       Cluster
		req     Request
		devices string // want devicesOf(plan); "" skips
		sets    int
		brick   uint64
	}{
		{"replica 3 on 3 nodes", topology(3, 1, 100, oneZone), replica3(10), "n1d1,n2d1,n3d1", 1, 10 * testGiB},
		{"replica 0 means 2", topology(3, 1, 100, oneZone),
			Request{SizeGiB: 10, Durability: Durability{Type: DurabilityReplicate}}, "n1d1,n2d1", 1, 10 * testGiB},
		{"none is one brick", topology(3, 1, 100, oneZone), Request{SizeGiB: 3}, "n1d1", 1, 3 * testGiB},
		{"most free device of each node", func() Cluster {
			c := topology(3, 3, 100, oneZone)
			c.Nodes[1].Devices[2].FreeKiB = 200 * testGiB
			return c
		}(), replica3(10), "n2d3,n1d1,n3d1", 1, 10 * testGiB},
		{"uneven devices: emptiest node and device first", uneven, replica3(10), "n3d3,n2d3,n1d3", 1, 10 * testGiB},
		{"uneven devices: fits only as 2 sets", uneven, replica3(20), "n3d3,n2d3,n1d3;n3d2,n2d2,n1d2", 2, 10 * testGiB},
		// Without strict checking zones are spread when nodes are balanced:
		// n2 (zone 1, same free as n1) is passed over for n3 and n5.
		{"zones spread without strict", topology(6, 1, 100, zones3of6), replica3(10), "n1d1,n3d1,n5d1", 1, 10 * testGiB},
		{"strict zones", topology(6, 1, 100, zones3of6), strict(replica3(10)), "n1d1,n3d1,n5d1", 1, 10 * testGiB},
		{"strict zones, 2 sets never share a zone", func() Cluster {
			c := topology(6, 1, 100, zones3of6)
			for i := range c.Nodes {
				c.Nodes[i].Devices[0].FreeKiB = 30 * testGiB
			}
			return c
		}(), strict(replica3(50)), "n1d1,n3d1,n5d1;n2d1,n4d1,n6d1", 2, 25 * testGiB},
		{"tag match =", withTags(topology(4, 2, 100, oneZone), map[string]map[string]string{
			"n1": {"disk": "ssd"}, "n2": {"disk": "ssd"}, "n3d2": {"disk": "ssd"}, "n4": {"disk": "ssd"}, "n4d1": {"disk": "hdd"},
		}), func() Request { r := replica3(10); r.TagMatch = "disk=ssd"; return r }(), "n1d1,n2d1,n3d2", 1, 10 * testGiB},
		{"tag match != (missing tag is empty)", withTags(topology(4, 1, 100, oneZone), map[string]map[string]string{
			"n1": {"disk": "hdd"},
		}), func() Request { r := replica3(10); r.TagMatch = "disk!=hdd"; return r }(), "n2d1,n3d1,n4d1", 1, 10 * testGiB},
		{"tag rule quirk: .-_ is a range", withTags(topology(3, 1, 100, oneZone), map[string]map[string]string{
			"n1": {"rack": "A/1"}, "n2": {"rack": "A/1"}, "n3": {"rack": "A/1"},
		}), func() Request { r := replica3(10); r.TagMatch = "rack=A/1"; return r }(), "n1d1,n2d1,n3d1", 1, 10 * testGiB},
		{"arbiter on the required device", withTags(topology(4, 1, 100, oneZone), map[string]map[string]string{
			"n4": {"arbiter": "required"},
		}), func() Request { r := replica3(10); r.Arbiter = true; return r }(), "n1d1,n2d1,n4d1(a)", 1, 10 * testGiB},
		{"arbiter never on disabled devices", withTags(topology(3, 1, 100, oneZone), map[string]map[string]string{
			"n1d1": {"arbiter": "disabled"}, "n2d1": {"arbiter": "disabled"},
		}), func() Request { r := replica3(10); r.Arbiter = true; return r }(), "n1d1,n2d1,n3d1(a)", 1, 10 * testGiB},
		{"arbiter placed first when data would take its only node", withTags(func() Cluster {
			c := topology(3, 1, 100, oneZone)
			c.Nodes[0].Devices[0].FreeKiB = 200 * testGiB
			return c
		}(), map[string]map[string]string{
			"n2": {"arbiter": "disabled"}, "n3": {"arbiter": "disabled"},
		}), func() Request { r := replica3(10); r.Arbiter = true; return r }(), "n2d1,n3d1,n1d1(a)", 1, 10 * testGiB},
		{"arbiter tags ignored without arbiter", withTags(topology(3, 1, 100, oneZone), map[string]map[string]string{
			"n3": {"arbiter": "required"},
		}), replica3(10), "n1d1,n2d1,n3d1", 1, 10 * testGiB},
		{"disperse 4+2", topology(6, 1, 100, oneZone),
			Request{SizeGiB: 10, Durability: Durability{Type: DurabilityDisperse, Data: 4, Redundancy: 2}}, "", 1, 2621440},
		{"disperse 8+3", topology(11, 1, 100, oneZone),
			Request{SizeGiB: 10, Durability: Durability{Type: DurabilityDisperse, Data: 8, Redundancy: 3}}, "", 1, 1310720},
		{"disperse 2+1 (facts example)", topology(3, 1, 100, oneZone),
			Request{SizeGiB: 4, Durability: Durability{Type: DurabilityDisperse, Data: 2, Redundancy: 1}}, "", 1, 2 * testGiB},
		{"expansion within the brick limit", topology(3, 2, 6, oneZone),
			func() Request { r := replica3(10); r.ExistingBricks = 24; return r }(), "", 2, 5 * testGiB},
		{"snapshot factor scales the thin pool", topology(3, 1, 16, oneZone),
			func() Request { r := replica3(10); r.SnapshotFactor = 1.5; return r }(), "", 1, 10 * testGiB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPlace(t, tc.c, tc.req)
			checkPlan(t, tc.c, tc.req, p, tc.req.ZoneChecking == ZoneCheckingStrict)
			if tc.devices != "" && devicesOf(p) != tc.devices {
				t.Errorf("devices: want %s, got %s", tc.devices, devicesOf(p))
			}
			if len(p.Sets) != tc.sets || p.BrickSizeKiB != tc.brick {
				t.Errorf("want %d sets of %d KiB bricks, got %d of %d", tc.sets, tc.brick, len(p.Sets), p.BrickSizeKiB)
			}
			if p.ClusterID != tc.c.ID {
				t.Errorf("plan cluster: want %s, got %s", tc.c.ID, p.ClusterID)
			}
		})
	}
}

func TestBrickSizes(t *testing.T) {
	p := mustPlace(t, topology(3, 1, 100, oneZone), Request{SizeGiB: 10, SnapshotFactor: 1.5,
		Durability: Durability{Type: DurabilityReplicate, Replica: 3}})
	b := p.Sets[0].Bricks[0]
	if b.SizeKiB != 10485760 || b.TpSizeKiB != 15728640 || b.PoolMetadataKiB != 81920 {
		t.Errorf("10 GiB x1.5 brick: want 10485760/15728640/81920, got %d/%d/%d", b.SizeKiB, b.TpSizeKiB, b.PoolMetadataKiB)
	}
	arb := mustPlace(t, topology(3, 1, 100, oneZone), Request{SizeGiB: 2, Arbiter: true,
		Durability: Durability{Type: DurabilityReplicate, Replica: 3}}).Sets[0].Bricks[2]
	if !arb.Arbiter || arb.SizeKiB != 32768 || arb.TpSizeKiB != 32768 || arb.PoolMetadataKiB != 4096 {
		t.Errorf("arbiter of a 2 GiB brick: want arbiter 32768/32768/4096, got %v %d/%d/%d", arb.Arbiter, arb.SizeKiB, arb.TpSizeKiB, arb.PoolMetadataKiB)
	}
	arb = mustPlace(t, topology(3, 1, 100, oneZone), Request{SizeGiB: 10, Arbiter: true, AverageFileSizeKiB: 1024,
		Durability: Durability{Type: DurabilityReplicate, Replica: 3}}).Sets[0].Bricks[2]
	if arb.SizeKiB != 16384 {
		t.Errorf("arbiter with 1 MiB average files: want the 16 MiB minimum, got %d", arb.SizeKiB)
	}
	// Rounding up keeps the whole volume: 3 x 3495254 >= 10 GiB.
	c := topology(3, 3, 4, oneZone)
	p = mustPlace(t, c, replica3(10))
	if len(p.Sets) != 3 || p.BrickSizeKiB != 3495254 {
		t.Errorf("10 GiB as 3 sets: want 3 x 3495254 KiB, got %d x %d", len(p.Sets), p.BrickSizeKiB)
	}
}

// TestAnySetCount builds clusters where only 3 (or 5) sets fit: Heketi,
// trying 1, 2, 4, 8, ... sets, fails or splits further.
func TestAnySetCount(t *testing.T) {
	for _, tc := range []struct {
		name       string
		c          Cluster
		sets       int
		heketiFits bool // whether a power-of-two count would fit at all
	}{
		// 3 devices of 4 GiB per node: 10 GiB fits as 3 x 3.34 GiB; 2 sets
		// need 5 GiB bricks, 4 sets need 4 bricks per node.
		{"3 sets", topology(3, 3, 4, oneZone), 3, true},
		// 5 devices of 2.1 GiB per node: only 5 x 2 GiB fits; 8 sets of
		// 1.25 GiB need 8 bricks per node and 16 sets fall below 1 GiB.
		{"5 sets", func() Cluster {
			c := topology(3, 5, 0, oneZone)
			for i := range c.Nodes {
				for j := range c.Nodes[i].Devices {
					c.Nodes[i].Devices[j].FreeKiB = 2202009 // 2.1 GiB
				}
			}
			return c
		}(), 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := replica3(10)
			p := mustPlace(t, tc.c, req)
			checkPlan(t, tc.c, req, p, false)
			if len(p.Sets) != tc.sets {
				t.Fatalf("want %d sets, got %d (%s)", tc.sets, len(p.Sets), devicesOf(p))
			}
			// Every power of two below and above fails in this cluster
			// (checked by forcing the brick size through the limits).
			for _, n := range []int{1, 2, 4, 8, 16} {
				brick := ceilDiv(10*testGiB, uint64(n))
				if brick < DefaultBrickMinKiB {
					continue
				}
				r := req
				r.BrickMinKiB, r.BrickMaxKiB = brick, brick
				_, err := Place(tc.c, r)
				if err == nil && n != tc.sets && !tc.heketiFits {
					t.Errorf("%d sets: want no fit, got a plan", n)
				}
				if n < tc.sets && err == nil {
					t.Errorf("%d sets: want no fit (fewer sets than the %d placed), got a plan", n, tc.sets)
				}
			}
		})
	}
}

func TestPlanFeasibleAcrossSets(t *testing.T) {
	// 2 devices of 11 GiB per node and bricks of at most 5 GiB: 20 GiB is
	// 4 sets and every device holds two bricks (2 x 5.03 GiB < 11 GiB);
	// 25 GiB would need 5 bricks per node, 3 on one device (15.08 GiB) and
	// must not be planned by forgetting the bricks of earlier sets.
	c := topology(3, 2, 11, oneZone)
	req := replica3(20)
	req.BrickMaxKiB = 5 * testGiB
	p := mustPlace(t, c, req)
	checkPlan(t, c, req, p, false)
	perDevice := map[string]int{}
	for _, s := range p.Sets {
		for _, b := range s.Bricks {
			perDevice[b.DeviceID]++
		}
	}
	if len(p.Sets) != 4 || len(perDevice) != 6 {
		t.Errorf("want 4 sets over all 6 devices, got %d sets on %v", len(p.Sets), perDevice)
	}
	for id, n := range perDevice {
		if n != 2 {
			t.Errorf("device %s: want 2 bricks, got %d", id, n)
		}
	}
	req.SizeGiB = 25
	if p, err := Place(c, req); err == nil {
		checkPlan(t, c, req, p, false)
		t.Errorf("25 GiB in 5 GiB bricks: want no space, got %s", devicesOf(p))
	}
	// The snapshot is not modified.
	if c.Nodes[0].Devices[0].FreeKiB != 11*testGiB {
		t.Errorf("Place modified its input: free %d, want %d", c.Nodes[0].Devices[0].FreeKiB, 11*testGiB)
	}
}

// failText places and returns the error text and the PlacementError.
func failText(t *testing.T, c Cluster, req Request) (string, *PlacementError) {
	t.Helper()
	p, err := Place(c, req)
	if err == nil {
		t.Fatalf("want an error, got plan %s", devicesOf(p))
	}
	var pe *PlacementError
	errors.As(err, &pe)
	return err.Error(), pe
}

func TestPlaceFailures(t *testing.T) {
	tagged := func(c Cluster, key, value string, nodes ...int) Cluster {
		for _, i := range nodes {
			c.Nodes[i].Tags = map[string]string{key: value}
		}
		return c
	}
	withReq := func(f func(*Request)) Request { r := replica3(10); f(&r); return r }
	for _, tc := range []struct {
		name       string
		c          Cluster
		req        Request
		kind       errs.Kind
		want       string
		constraint string
	}{
		{"no nodes", Cluster{ID: "c1"}, replica3(10), errs.NoSpace, "No nodes in cluster", ConstraintNodes},
		{"no online devices", func() Cluster {
			c := topology(3, 1, 100, oneZone)
			c.Nodes[0].Usable = false
			c.Nodes[1].Devices[0].Usable = false
			c.Nodes[2].Devices = nil
			return c
		}(), replica3(10), errs.NoSpace, "No online storage devices in cluster", ConstraintDevices},
		{"distinct nodes", topology(2, 4, 100, oneZone), replica3(10), errs.NoSpace,
			"No space: a replica-3 set needs 3 nodes, each with a candidate device with free space; found 2 such nodes", ConstraintNodes},
		{"unusable node and offline device", func() Cluster {
			c := topology(4, 1, 100, oneZone)
			c.Nodes[0].Usable = false
			c.Nodes[1].Devices[0].Usable = false
			return c
		}(), replica3(10), errs.NoSpace,
			"No space: a replica-3 set needs 3 nodes, each with a candidate device with free space; found 2 such nodes; of 4 devices, excluded 1 on unusable nodes, 1 offline", ConstraintNodes},
		{"strict zones: too few zones", topology(4, 1, 100, func(i int) int { return (i-1)/2 + 1 }),
			withReq(func(r *Request) { r.ZoneChecking = ZoneCheckingStrict }), errs.NoSpace,
			"No space: a replica-3 set needs 3 nodes in 3 zones (strict zone checking), each with a candidate device with free space; found 2 such zones", ConstraintZones},
		{"strict zones: third zone too small", func() Cluster {
			c := topology(3, 1, 100, ownZone)
			c.Nodes[2].Devices[0].FreeKiB = testGiB
			return c
		}(), withReq(func(r *Request) { r.ZoneChecking = ZoneCheckingStrict }), errs.NoSpace,
			"Minimum brick size limit reached.  Out of space. No set count from 1 to 10 fits (11 sets would make 930.91 MiB bricks, below the minimum brick size 1.00 GiB); closest: as 10 sets, 0 fitted; a replica-3 set of 1.00 GiB bricks needs 3 nodes in 3 zones (strict zone checking), each with a device of more than 1.01 GiB free; found 2 such zones (largest free device elsewhere: 1.00 GiB)", ConstraintZones},
		{"tag rule excludes a node", tagged(topology(3, 2, 100, oneZone), "disk", "ssd", 0, 1),
			withReq(func(r *Request) { r.TagMatch = "disk=ssd" }), errs.NoSpace,
			`No space: a replica-3 set needs 3 nodes, each with a candidate device with free space; found 2 such nodes; of 6 devices, excluded 2 by tag rule "disk=ssd"`, ConstraintNodes},
		{"malformed tag rule", topology(3, 1, 100, oneZone), withReq(func(r *Request) { r.TagMatch = "disk~ssd" }), errs.Invalid,
			"Invalid tag matching rule: Invalid tag match rule: disk~ssd", ""},
		{"arbiter: no arbiter-capable device", tagged(topology(3, 1, 100, oneZone), "arbiter", "disabled", 0, 1, 2),
			withReq(func(r *Request) { r.Arbiter = true }), errs.NoSpace,
			"No space: a replica-3 arbiter set needs 3 nodes: 2 with a data-capable device with free space and another with an arbiter-capable device (arbiter tag required or supported); found 3 and 0 such nodes; of 3 devices, excluded 3 by arbiter tag", ConstraintArbiter},
		{"arbiter: only arbiter devices", tagged(topology(3, 1, 100, oneZone), "arbiter", "required", 0, 1),
			withReq(func(r *Request) { r.Arbiter = true }), errs.NoSpace,
			"No space: a replica-3 arbiter set needs 3 nodes: 2 with a data-capable device with free space and another with an arbiter-capable device (arbiter tag required or supported); found 1 and 3 such nodes; of 3 devices, excluded 2 by arbiter tag", ConstraintNodes},
		{"minimum brick size", topology(3, 1, 100, oneZone), withReq(func(r *Request) { r.SizeGiB = 1; r.BrickMinKiB = 2 * testGiB }), errs.NoSpace,
			"Minimum brick size limit reached.  Out of space. 1 set would make 1.00 GiB bricks, below the minimum brick size 2.00 GiB", ConstraintBrickMinSize},
		{"maximum brick size", topology(3, 1, 100, oneZone), withReq(func(r *Request) { r.BrickMaxKiB = testGiB; r.MaxBricksPerVolume = 9 }), errs.NoSpace,
			"Maximum number of bricks reached. 4 sets of 3 bricks would exceed the limit of 9 bricks per volume; fewer sets make bricks larger than the maximum brick size 1.00 GiB (smallest 3.33 GiB)", ConstraintBrickMaxSize},
		{"maximum bricks with existing bricks", topology(3, 1, 100, oneZone), withReq(func(r *Request) { r.ExistingBricks = 30 }), errs.NoSpace,
			"Maximum number of bricks reached. 1 set of 3 bricks would exceed the limit of 32 bricks per volume (30 existing)", ConstraintMaxBricks},
		{"maximum bricks after tries", topology(3, 2, 6, oneZone), withReq(func(r *Request) { r.ExistingBricks = 27 }), errs.NoSpace,
			"Maximum number of bricks reached. 1 set does not fit (2 sets of 3 bricks would exceed the limit of 32 bricks per volume (27 existing)); closest: a replica-3 set of 10.00 GiB bricks needs 3 nodes, each with a device of more than 10.05 GiB free; found 0 such nodes (largest free device elsewhere: 6.00 GiB)", ConstraintNodes},
		{"too small everywhere", topology(3, 1, 2, oneZone), withReq(func(r *Request) { r.MaxBricksPerVolume = 100 }), errs.NoSpace,
			"Minimum brick size limit reached.  Out of space. No set count from 1 to 10 fits (11 sets would make 930.91 MiB bricks, below the minimum brick size 1.00 GiB); closest: as 6 sets, 1 fitted; a replica-3 set of 1.67 GiB bricks needs 3 nodes, each with a device of more than 1.68 GiB free; found 0 such nodes (largest free device elsewhere: 328.00 MiB)", ConstraintNodes},
		{"distribute too small", topology(1, 1, 2, oneZone), Request{SizeGiB: 3}, errs.NoSpace,
			"Minimum brick size limit reached.  Out of space. No set count from 1 to 3 fits (4 sets would make 768.00 MiB bricks, below the minimum brick size 1.00 GiB); closest: as 2 sets, 1 fitted; a distribute brick of 1.50 GiB needs a device with more than 1.51 GiB free; found none (largest free device elsewhere: 504.00 MiB)", ConstraintNodes},
		{"unknown durability", topology(3, 1, 100, oneZone), Request{SizeGiB: 1, Durability: Durability{Type: "mirror"}}, errs.Invalid,
			"Unknown durability type", ""},
		{"bad disperse", topology(3, 1, 100, oneZone), Request{SizeGiB: 1, Durability: Durability{Type: DurabilityDisperse}}, errs.Invalid,
			"Invalid dispersion combination: 0+0", ""},
		{"arbiter larger than brick", topology(3, 1, 100, oneZone),
			withReq(func(r *Request) { r.Arbiter = true; r.AverageFileSizeKiB = 20 * testGiB }), errs.Invalid,
			"Average file size (20971520) is greater than Brick size (10485760)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, pe := failText(t, tc.c, tc.req)
			_, err := Place(tc.c, tc.req)
			if k := errs.KindOf(err); k != tc.kind {
				t.Errorf("kind: want %v, got %v", tc.kind, k)
			}
			if got != tc.want {
				t.Errorf("error text:\nwant %s\ngot  %s", tc.want, got)
			}
			if tc.constraint != "" {
				if pe == nil {
					t.Fatalf("want a *PlacementError in the chain, got %T", err)
				}
				if pe.Constraint != tc.constraint {
					t.Errorf("constraint: want %s, got %s", tc.constraint, pe.Constraint)
				}
			}
		})
	}
}

func TestPlacementErrorFields(t *testing.T) {
	c := topology(3, 1, 100, ownZone)
	c.Nodes[2].Devices[0].FreeKiB = 4 * testGiB
	req := replica3(10)
	req.ZoneChecking = ZoneCheckingStrict
	req.BrickMinKiB = 5 * testGiB
	_, pe := failText(t, c, req)
	want := PlacementError{Reason: errs.TextMinBrickSize, ClusterID: "c1", Constraint: ConstraintZones, MaxSetCount: 2,
		SetCount: 2, SetSize: 3, BrickSizeKiB: 5 * testGiB, BrickSpaceKiB: 5*testGiB + 28672, Need: 3, Found: 2,
		LargestFreeKiB: 4 * testGiB, Devices: DeviceCounts{Total: 3, TooSmall: 1}}
	got := *pe
	got.Detail = ""
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("fields:\nwant %+v\ngot  %+v", want, got)
	}
}
