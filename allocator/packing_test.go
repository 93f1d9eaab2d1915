package allocator

import (
	"testing"
)

// fill places volumes of the given sizes (cycling) until placement fails and
// returns the fraction of the raw space used, thin pool metadata included.
func fill(t *testing.T, c Cluster, base Request, sizes []int) (used float64, volumes int) {
	t.Helper()
	var raw uint64
	for _, n := range c.Nodes {
		for _, d := range n.Devices {
			raw += d.FreeKiB
		}
	}
	strict := base.ZoneChecking == ZoneCheckingStrict
	// A size that fails is skipped; filling ends when every size fails in
	// a row (a large volume failing while small ones fit is not the end).
	for i, failed := 0, 0; failed < len(sizes); i++ {
		req := base
		req.SizeGiB = sizes[i%len(sizes)]
		p, err := Place(c, req)
		if err != nil {
			failed++
			continue
		}
		failed = 0
		checkPlan(t, c, req, p, strict)
		apply(&c, p)
		volumes++
	}
	var free uint64
	for _, n := range c.Nodes {
		for _, d := range n.Devices {
			free += d.FreeKiB
		}
	}
	return float64(raw-free) / float64(raw), volumes
}

func TestPackingUtilisation(t *testing.T) {
	mixed := []int{5, 10, 1, 20, 3, 7, 50, 2}
	uneven := func(zone func(int) int) Cluster {
		c := topology(5, 3, 100, zone)
		for i := range c.Nodes {
			for j := range c.Nodes[i].Devices {
				c.Nodes[i].Devices[j].FreeKiB = uint64(50+37*i+23*j) * testGiB
			}
		}
		return c
	}
	for _, tc := range []struct {
		name    string
		c       Cluster
		req     Request
		sizes   []int
		ceiling float64 // the best any placement can do
	}{
		{"replica-3 5 GiB on 3x4x100 GiB", topology(3, 4, 100, oneZone), replica3(0), []int{5}, 1},
		{"replica-3 10 GiB on 3x4x100 GiB", topology(3, 4, 100, oneZone), replica3(0), []int{10}, 1},
		{"replica-3 mixed on 3x4x100 GiB", topology(3, 4, 100, oneZone), replica3(0), mixed, 1},
		{"replica-3 mixed snapshots 1.5 on 3x4x100 GiB", topology(3, 4, 100, oneZone),
			Request{Durability: Durability{Type: DurabilityReplicate, Replica: 3}, SnapshotFactor: 1.5}, mixed, 1},
		{"replica-3 mixed on 6 nodes in 3 zones", topology(6, 4, 100, func(i int) int { return i%3 + 1 }), replica3(0), mixed, 1},
		{"replica-3 mixed on uneven devices", uneven(oneZone), replica3(0), mixed, 1},
		{"disperse 4+2 mixed on 6x4x100 GiB", topology(6, 4, 100, oneZone),
			Request{Durability: Durability{Type: DurabilityDisperse, Data: 4, Redundancy: 2}}, []int{8, 4, 20, 12}, 1},
		// 4 nodes in 3 zones (two share zone 1): without strict checking
		// every node can fill.
		{"replica-3 mixed, 3 uneven zones, no strict", topology(4, 4, 100, func(i int) int { return max(1, i-1) }), replica3(0), mixed, 1},
		// With strict checking every set uses each zone once, so at most
		// 3 x the smallest zone (400 GiB) of the 1600 GiB can be used.
		{"replica-3 mixed, 3 uneven zones, strict", topology(4, 4, 100, func(i int) int { return max(1, i-1) }),
			Request{Durability: Durability{Type: DurabilityReplicate, Replica: 3}, ZoneChecking: ZoneCheckingStrict}, mixed, 3 * 400.0 / 1600},
		{"replica-3 mixed, 3 equal zones, strict", topology(3, 4, 100, ownZone),
			Request{Durability: Durability{Type: DurabilityReplicate, Replica: 3}, ZoneChecking: ZoneCheckingStrict}, mixed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			used, n := fill(t, tc.c, tc.req, tc.sizes)
			t.Logf("%d volumes, %.2f%% of raw space used (ceiling %.2f%%)", n, used*100, tc.ceiling*100)
			if want := 0.97 * tc.ceiling; used < want {
				t.Errorf("used %.4f of raw space, want at least %.4f (97%% of the %.4f ceiling)", used, want, tc.ceiling)
			}
		})
	}
}
