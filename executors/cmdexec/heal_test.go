package cmdexec

import "testing"

func TestHealQuorum(t *testing.T) {
	for _, tc := range []struct {
		d    Durability
		want int
	}{
		{Durability{Type: DurabilityReplicate, Replica: 2}, 1},
		{Durability{Type: DurabilityReplicate}, 1},
		{Durability{Type: DurabilityReplicate, Replica: 3}, 2},
		{Durability{Type: DurabilityReplicate, Replica: 3, Arbiter: true}, 2},
		{Durability{Type: DurabilityDisperse, Data: 4, Redundancy: 2}, 4},
		{Durability{Type: DurabilityNone}, 1},
	} {
		if got := HealQuorum(tc.d); got != tc.want {
			t.Errorf("%+v: quorum %d, want %d", tc.d, got, tc.want)
		}
	}
}

func TestCheckReplaceBrick(t *testing.T) {
	// Captured heal info of the replica 2 volume vol_test.
	heal, err := ParseHealInfo(loadCapture(t, "30-volume-heal-info-xml.txt").Stdout)
	if err != nil {
		t.Fatal(err)
	}
	a, b := heal[0].Name, heal[1].Name
	r2 := Durability{Type: DurabilityReplicate, Replica: 2}
	if err := CheckReplaceBrick(heal, "aaaa", a, []string{b}, r2); err != nil {
		t.Errorf("healthy replica 2: %v", err)
	}
	// The peer is missing from heal info.
	err = CheckReplaceBrick(heal[:1], "aaaa", a, []string{b}, r2)
	if err == nil || err.Error() != "Cannot replace brick aaaa as only 0 of 1 required peer bricks are online" {
		t.Errorf("missing peer: %v", err)
	}
	// Synthetic variants of the captured entries.
	src := append([]HealBrick(nil), heal...)
	src[0].NumberOfEntries = "3"
	err = CheckReplaceBrick(src, "aaaa", a, []string{b}, r2)
	if err == nil || err.Error() != "Cannot replace brick aaaa as it is source brick for data to be healed" {
		t.Errorf("heal source: %v", err)
	}
	down := append([]HealBrick(nil), heal...)
	down[0] = HealBrick{Name: HealInfoNotAvailable, NumberOfEntries: "-"}
	if err := CheckReplaceBrick(down, "aaaa", a, []string{b}, r2); err != nil {
		t.Errorf("old brick down (not available) must be replaceable: %v", err)
	}
	r3 := Durability{Type: DurabilityReplicate, Replica: 3}
	err = CheckReplaceBrick(heal, "aaaa", a, []string{b, "gnode2:/x/brick"}, r3)
	if err == nil || err.Error() != "Cannot replace brick aaaa as only 1 of 2 required peer bricks are online" {
		t.Errorf("replica 3 with one peer: %v", err)
	}
}
