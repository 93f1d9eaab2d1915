package allocator

import (
	"fmt"
	"testing"
)

const testGiB = uint64(1024 * 1024)

// topology builds a cluster of nodes (ids n1, n2, ...) in zones
// zone(i) (1-based node index), each with devs devices (n1d1, ...) of
// freeGiB each.
func topology(nodes, devs int, freeGiB uint64, zone func(i int) int) Cluster {
	c := Cluster{ID: "c1"}
	for i := 1; i <= nodes; i++ {
		n := Node{ID: fmt.Sprintf("n%d", i), Zone: zone(i), Usable: true}
		for j := 1; j <= devs; j++ {
			n.Devices = append(n.Devices, Device{ID: fmt.Sprintf("n%dd%d", i, j), Usable: true, FreeKiB: freeGiB * testGiB})
		}
		c.Nodes = append(c.Nodes, n)
	}
	return c
}

// oneZone puts every node in zone 1.
func oneZone(int) int { return 1 }

// ownZone puts every node in its own zone.
func ownZone(i int) int { return i }

// replica3 is a replica-3 request of size GiB.
func replica3(size int) Request {
	return Request{SizeGiB: size, Durability: Durability{Type: DurabilityReplicate, Replica: 3}}
}

// mustPlace places req or fails the test.
func mustPlace(t testing.TB, c Cluster, req Request) *Plan {
	t.Helper()
	p, err := Place(c, req)
	if err != nil {
		t.Fatalf("Place: want a plan, got error %v", err)
	}
	return p
}

// checkPlan verifies the invariants every plan must hold: set sizes, one
// brick per node within a set, (strict) one per zone, and no device
// overcommitted across the whole plan.
func checkPlan(t testing.TB, c Cluster, req Request, p *Plan, strict bool) {
	t.Helper()
	free := map[string]uint64{}
	zoneOf := map[string]int{}
	nodeOf := map[string]string{}
	for _, n := range c.Nodes {
		for _, d := range n.Devices {
			free[d.ID] = d.FreeKiB
			nodeOf[d.ID] = n.ID
		}
		zoneOf[n.ID] = n.Zone
	}
	var total uint64
	for s, set := range p.Sets {
		nodes := map[string]bool{}
		zones := map[int]bool{}
		for _, b := range set.Bricks {
			if nodeOf[b.DeviceID] != b.NodeID {
				t.Errorf("set %d: brick on device %s says node %s, want %s", s, b.DeviceID, b.NodeID, nodeOf[b.DeviceID])
			}
			if nodes[b.NodeID] {
				t.Errorf("set %d: two bricks on node %s", s, b.NodeID)
			}
			nodes[b.NodeID] = true
			if strict && zones[zoneOf[b.NodeID]] {
				t.Errorf("set %d: two bricks in zone %d with strict zone checking", s, zoneOf[b.NodeID])
			}
			zones[zoneOf[b.NodeID]] = true
			if free[b.DeviceID] <= b.SpaceKiB() {
				t.Errorf("set %d: device %s has %d KiB free left, brick needs more than %d", s, b.DeviceID, free[b.DeviceID], b.SpaceKiB())
			} else {
				free[b.DeviceID] -= b.SpaceKiB()
			}
			if !b.Arbiter {
				total += b.SizeKiB
			}
		}
	}
	want := uint64(req.SizeGiB) * testGiB
	if req.Durability.Type == DurabilityReplicate {
		r := req.Durability.Replica
		if req.Arbiter && r >= 3 {
			r--
		}
		want *= uint64(r)
	}
	if req.Durability.Type == DurabilityDisperse {
		want = want / uint64(req.Durability.Data) * uint64(req.Durability.Data+req.Durability.Redundancy)
	}
	if total < want {
		t.Errorf("data bricks hold %d KiB, want at least %d", total, want)
	}
}

// apply subtracts a plan's space from the cluster, as the caller's commit would.
func apply(c *Cluster, p *Plan) {
	for i := range c.Nodes {
		for j := range c.Nodes[i].Devices {
			d := &c.Nodes[i].Devices[j]
			for _, s := range p.Sets {
				for _, b := range s.Bricks {
					if b.DeviceID == d.ID {
						d.FreeKiB -= b.SpaceKiB()
					}
				}
			}
		}
	}
}
