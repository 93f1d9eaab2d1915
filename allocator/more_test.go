package allocator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/internal/errs"
)

func TestParseVolumeOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []string
		arbiter bool
		zone    string
		tag     string
		avg     uint64
		err     string
	}{
		{"none", []string{"performance.readdir-ahead off", ""}, false, "", "", 0, ""},
		{"all set", []string{"user.heketi.arbiter true", "user.heketi.zone-checking strict",
			"user.heketi.device-tag-match disk=ssd", "user.heketi.average-file-size 128"}, true, "strict", "disk=ssd", 128, ""},
		{"ParseBool forms", []string{"user.heketi.arbiter T"}, true, "", "", 0, ""},
		{"ParseBool 1", []string{"user.heketi.arbiter 1"}, true, "", "", 0, ""},
		{"unparsable bool is false", []string{"user.heketi.arbiter yes"}, false, "", "", 0, ""},
		{"later duplicates win", []string{"user.heketi.arbiter true", "user.heketi.arbiter false",
			"user.heketi.zone-checking strict", "user.heketi.zone-checking none"}, false, "none", "", 0, ""},
		{"unknown zone checking is none", []string{"user.heketi.zone-checking STRICT"}, false, "none", "", 0, ""},
		{"value split at the first space", []string{"user.heketi.device-tag-match a b"}, false, "", "a b", 0,
			"Invalid tag matching rule: Invalid tag match rule: a b"},
		{"bad average size is ignored", []string{"user.heketi.average-file-size big"}, false, "", "", 0, ""},
		{"negated rule", []string{"user.heketi.device-tag-match zone!=a"}, false, "", "zone!=a", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arb, zone, tag, avg, err := ParseVolumeOptions(tc.opts)
			if arb != tc.arbiter || zone != tc.zone || tag != tc.tag || avg != tc.avg {
				t.Errorf("want %v %q %q %d, got %v %q %q %d", tc.arbiter, tc.zone, tc.tag, tc.avg, arb, zone, tag, avg)
			}
			got := ""
			if err != nil {
				got = err.Error()
				if !errs.Is(err, errs.Invalid) {
					t.Errorf("kind: want invalid, got %v", errs.KindOf(err))
				}
			}
			if got != tc.err {
				t.Errorf("error: want %q, got %q", tc.err, got)
			}
		})
	}
}

func TestTagRuleParsing(t *testing.T) {
	for _, tc := range []struct {
		rule, key, value string
		negate, ok       bool
	}{
		{"disk=ssd", "disk", "ssd", false, true},
		{"disk!=ssd", "disk", "ssd", true, true},
		{"a=b=c", "a=b", "c", false, true}, // '=' is inside the .-_ range
		{"Rack/1=A@2", "Rack/1", "A@2", false, true},
		{"disk=", "", "", false, false},
		{"disk ssd", "", "", false, false},
		{"dísk=ssd", "", "", false, false},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			r, err := parseTagRule(tc.rule)
			if !tc.ok {
				if err == nil {
					t.Fatalf("want an error, got rule %+v", r)
				}
				return
			}
			if err != nil || r.key != tc.key || r.value != tc.value || r.negate != tc.negate {
				t.Errorf("want %q %q negate=%v, got %+v %v", tc.key, tc.value, tc.negate, r, err)
			}
		})
	}
}

func TestPlaceReplacement(t *testing.T) {
	c := topology(4, 2, 100, ownZone)
	tagged := topology(4, 2, 100, oneZone)
	tagged.Nodes[3].Devices[0].Tags = map[string]string{"arbiter": "required"}
	for _, tc := range []struct {
		name   string
		c      Cluster
		r      ReplaceRequest
		device string
		err    string
	}{
		{"another device on the same node", topology(3, 2, 100, oneZone),
			ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 10 * testGiB}, "n3d2", ""},
		{"a node with more free space beats the old node", c,
			ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 10 * testGiB}, "n4d1", ""},
		{"old device excluded", topology(3, 1, 100, oneZone),
			ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 10 * testGiB}, "",
			"No Replacement was found for resource requested to be removed: a 10.00 GiB brick needs a device other than n3d1 on a node not used by the rest of its set with more than 10.05 GiB free; found none (2 devices on the set's nodes or zones)"},
		{"strict zones", func() Cluster {
			c := topology(4, 1, 100, func(i int) int { return min(i, 3) }) // n3, n4 share zone 3
			return c
		}(), ReplaceRequest{OldDeviceID: "n1d1", SetNodeIDs: []string{"n2", "n3"}, SizeKiB: 10 * testGiB, ZoneChecking: ZoneCheckingStrict}, "",
			"No Replacement was found for resource requested to be removed: a 10.00 GiB brick needs a device other than n1d1 on a node in a zone not used by the rest of its set (strict zone checking) with more than 10.05 GiB free; found none (3 devices on the set's nodes or zones)"},
		{"strict zones: the old brick's zone is free again", topology(4, 1, 100, func(i int) int { return min(i, 3) }),
			ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 10 * testGiB, ZoneChecking: ZoneCheckingStrict}, "n4d1", ""},
		{"too small", topology(3, 2, 5, oneZone),
			ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 10 * testGiB}, "",
			"No Replacement was found for resource requested to be removed: a 10.00 GiB brick needs a device other than n3d1 on a node not used by the rest of its set with more than 10.05 GiB free; found none (4 devices on the set's nodes or zones, 1 too small, largest 5.00 GiB free)"},
		{"tag rule", topology(3, 2, 100, oneZone),
			ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 10 * testGiB, TagMatch: "disk=ssd"}, "",
			`No Replacement was found for resource requested to be removed: a 10.00 GiB brick needs a device other than n3d1 on a node not used by the rest of its set with more than 10.05 GiB free; found none; of 6 devices, excluded 5 by tag rule "disk=ssd"`},
		{"arbiter brick prefers arbiter devices", tagged,
			ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 16384, Arbiter: true}, "n4d1", ""},
		{"data brick of an arbiter volume avoids arbiter-only devices", func() Cluster {
			c := topology(4, 1, 100, oneZone)
			c.Nodes[3].Devices[0].Tags = map[string]string{"arbiter": "required"}
			return c
		}(), ReplaceRequest{OldDeviceID: "n3d1", SetNodeIDs: []string{"n1", "n2"}, SizeKiB: 10 * testGiB, ArbiterVolume: true}, "",
			"No Replacement was found for resource requested to be removed: a 10.00 GiB brick needs a device other than n3d1 on a node not used by the rest of its set with more than 10.05 GiB free; found none (2 devices on the set's nodes or zones); of 4 devices, excluded 1 by arbiter tag"},
		{"no online devices", func() Cluster {
			c := topology(3, 1, 100, oneZone)
			for i := range c.Nodes {
				c.Nodes[i].Usable = false
			}
			return c
		}(), ReplaceRequest{OldDeviceID: "n3d1", SizeKiB: testGiB}, "",
			"No Replacement was found for resource requested to be removed: no online storage devices in cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := PlaceReplacement(tc.c, tc.r)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("want error %q, got brick on %s", tc.err, b.DeviceID)
				}
				if err.Error() != tc.err {
					t.Errorf("error:\nwant %s\ngot  %s", tc.err, err)
				}
				if !errs.Is(err, errs.NoSpace) {
					t.Errorf("kind: want no space, got %v", errs.KindOf(err))
				}
				return
			}
			if err != nil {
				t.Fatalf("want device %s, got error %v", tc.device, err)
			}
			if b.DeviceID != tc.device || b.SizeKiB != tc.r.SizeKiB || b.Arbiter != tc.r.Arbiter {
				t.Errorf("want %s size %d arbiter %v, got %s size %d arbiter %v", tc.device, tc.r.SizeKiB, tc.r.Arbiter, b.DeviceID, b.SizeKiB, b.Arbiter)
			}
		})
	}
}

func TestPlaceAny(t *testing.T) {
	small := topology(3, 1, 2, oneZone)
	small.ID = "small"
	big := topology(3, 1, 100, oneZone)
	big.ID = "big"
	two := topology(2, 1, 100, oneZone)
	two.ID = "two"
	empty := Cluster{ID: "empty"}
	offline := topology(3, 1, 100, oneZone)
	offline.ID = "offline"
	for i := range offline.Nodes {
		offline.Nodes[i].Devices[0].Usable = false
	}
	const smallWhy = "no set count from 1 to 10 fits (11 sets would make 930.91 MiB bricks, below the minimum brick size 1.00 GiB); closest: as 6 sets, 1 fitted; a replica-3 set of 1.67 GiB bricks needs 3 nodes, each with a device of more than 1.68 GiB free; found 0 such nodes (largest free device elsewhere: 328.00 MiB)"
	for _, tc := range []struct {
		name     string
		clusters []Cluster
		req      Request
		cluster  string
		err      string
		kind     errs.Kind
	}{
		{"first that fits, in order", []Cluster{small, big, two}, replica3(10), "big", "", 0},
		{"single cluster: its error alone, as No space", []Cluster{small}, replica3(10), "", "No space: " + smallWhy, errs.NoSpace},
		{"single cluster without nodes", []Cluster{empty}, replica3(10), "", "No nodes in cluster", errs.NoSpace},
		{"aggregated", []Cluster{small, two, empty, offline}, replica3(10), "",
			"Unable to create volume on any cluster:\n" +
				"Cluster small: No space: " + smallWhy + "\n" +
				"Cluster two: No space: a replica-3 set needs 3 nodes, each with a candidate device with free space; found 2 such nodes\n" +
				"Cluster empty: No nodes in cluster\n" +
				"Cluster offline: No online storage devices in cluster", errs.NoSpace},
		{"other errors abort", []Cluster{small, big}, func() Request { r := replica3(10); r.TagMatch = "?"; return r }(), "",
			"Invalid tag matching rule: Invalid tag match rule: ?", errs.Invalid},
		{"no clusters", nil, replica3(10), "", "No clusters configured", errs.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := PlaceAny(tc.clusters, tc.req)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("want a plan in %s, got %v", tc.cluster, err)
				}
				if p.ClusterID != tc.cluster {
					t.Errorf("cluster: want %s, got %s", tc.cluster, p.ClusterID)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error %q, got a plan in %s", tc.err, p.ClusterID)
			}
			if err.Error() != tc.err {
				t.Errorf("error:\nwant %s\ngot  %s", tc.err, err)
			}
			if k := errs.KindOf(err); k != tc.kind {
				t.Errorf("kind: want %v, got %v", tc.kind, k)
			}
			var pe *PlacementError
			if tc.kind == errs.NoSpace && !errors.As(err, &pe) {
				t.Errorf("want a *PlacementError in the chain of %T", err)
			}
			if pe != nil && tc.kind == errs.NoSpace && errs.Prefix("Failed to allocate new volume: ", err).Error()[:30] != "Failed to allocate new volume:" {
				t.Errorf("prefix lost")
			}
		})
	}
}

// benchCluster is 3 zones x 3 nodes x 4 devices of 1 TiB.
func benchCluster() Cluster {
	return topology(9, 4, 1024, func(i int) int { return (i-1)/3 + 1 })
}

func BenchmarkPlace(b *testing.B) {
	for _, bc := range []struct {
		name string
		req  Request
	}{
		{"replica3", replica3(10)},
		{"replica3-strict", func() Request { r := replica3(10); r.ZoneChecking = ZoneCheckingStrict; return r }()},
		{"arbiter", func() Request { r := replica3(10); r.Arbiter = true; return r }()},
		{"disperse4+2", Request{SizeGiB: 10, Durability: Durability{Type: DurabilityDisperse, Data: 4, Redundancy: 2}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchCluster()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Place(c, bc.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("replica3-split-in-5", func(b *testing.B) {
		// Devices of 2.1 GiB: 10 GiB only fits as 5 sets after 4 failed counts.
		c := benchCluster()
		for i := range c.Nodes {
			for j := range c.Nodes[i].Devices {
				c.Nodes[i].Devices[j].FreeKiB = 2202009
			}
		}
		c.Nodes = c.Nodes[:3]
		c.Nodes[0].Devices = append(c.Nodes[0].Devices, Device{ID: "x", Usable: true, FreeKiB: 2202009})
		for i := range c.Nodes {
			c.Nodes[i].Devices = append(c.Nodes[i].Devices, Device{ID: fmt.Sprintf("y%d", i), Usable: true, FreeKiB: 2202009})
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Place(c, replica3(10)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no-space", func(b *testing.B) {
		c := benchCluster()
		for i := range c.Nodes {
			for j := range c.Nodes[i].Devices {
				c.Nodes[i].Devices[j].FreeKiB = testGiB
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Place(c, replica3(10)); err == nil {
				b.Fatal("want no space")
			}
		}
	})
}

func TestDeterministicAndJSON(t *testing.T) {
	c := topology(6, 3, 50, func(i int) int { return i%3 + 1 })
	req := replica3(120)
	first := devicesOf(mustPlace(t, c, req))
	for i := 0; i < 20; i++ {
		if got := devicesOf(mustPlace(t, c, req)); got != first {
			t.Fatalf("run %d: want the same plan %s, got %s", i, first, got)
		}
	}
	// A dry run's failure serialises to JSON with the numbers.
	small := topology(3, 1, 100, ownZone)
	small.Nodes[2].Devices[0].FreeKiB = 4 * testGiB
	req = replica3(10)
	req.ZoneChecking = ZoneCheckingStrict
	req.BrickMinKiB = 5 * testGiB
	_, err := Place(small, req)
	var pe *PlacementError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *PlacementError, got %T %v", err, err)
	}
	b, jerr := json.Marshal(pe)
	if jerr != nil {
		t.Fatal(jerr)
	}
	for _, want := range []string{`"reason":"Minimum brick size limit reached.  Out of space."`, `"constraint":"zones"`,
		`"need":3`, `"found":2`, `"largest_free_kib":4194304`, `"brick_size_kib":5242880`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON: want %s in %s", want, b)
		}
	}
}
