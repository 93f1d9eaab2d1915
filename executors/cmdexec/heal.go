package cmdexec

import "fmt"

// HealQuorum returns how many peer bricks of a set heal info must list before
// a brick of the set may be replaced: 1 for replica < 3, replica/2+1 for
// replica >= 3, the data count for disperse (heketi-facts §7.8).
func HealQuorum(d Durability) int {
	switch d.Type {
	case DurabilityDisperse:
		return d.Data
	case DurabilityReplicate:
		n := d.SetSize()
		if n < 3 {
			return 1
		}
		return n/2 + 1
	default:
		return 1
	}
}

// CheckReplaceBrick applies Heketi's heal check before a brick replacement.
// heal is the parsed `volume heal <vol> info --xml`; oldBrick is the
// replaced brick's BrickArg (host:path) and brickID its Basalt id (used in
// the error texts); peers are the BrickArgs of the other bricks of its set.
// Entries named "information not available" are skipped. It fails with
//
//	Cannot replace brick <id> as it is source brick for data to be healed
//
// when the old brick has entries to heal (neither "-" nor "0"), and with
//
//	Cannot replace brick <id> as only <k> of <q> required peer bricks are online
//
// when fewer than HealQuorum(d) peers are listed.
func CheckReplaceBrick(heal []HealBrick, brickID, oldBrick string, peers []string, d Durability) error {
	isPeer := make(map[string]bool, len(peers))
	for _, p := range peers {
		isPeer[p] = true
	}
	online := 0
	for _, b := range heal {
		if !b.Available() {
			continue
		}
		switch {
		case b.Name == oldBrick:
			if b.IsHealSource() {
				return fmt.Errorf("Cannot replace brick %s as it is source brick for data to be healed", brickID)
			}
		case isPeer[b.Name]:
			online++
			delete(isPeer, b.Name) // count each peer once
		}
	}
	if q := HealQuorum(d); online < q {
		return fmt.Errorf("Cannot replace brick %s as only %d of %d required peer bricks are online", brickID, online, q)
	}
	return nil
}
