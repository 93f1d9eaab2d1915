package allocator

import (
	"fmt"
	"strings"

	"github.com/basalt-storage/basalt/internal/errs"
)

// Heketi's texts (heketi-facts §1.2, §8.1, §10).
const (
	textNoSpace         = errs.TextNoSpace
	textMaxBricks       = errs.TextMaxBricks
	textMinBrickSize    = errs.TextMinBrickSize
	textNoNodes         = errs.TextNoNodes
	textNoOnlineDevices = errs.TextNoOnlineDevices
	textNoReplacement   = errs.TextNoReplacement
	textAnyCluster      = "Unable to create volume on any cluster:"
)

// Constraints a PlacementError can name.
const (
	ConstraintNodes        = "nodes"          // not enough distinct nodes with room
	ConstraintZones        = "zones"          // not enough distinct zones with room (strict)
	ConstraintDevices      = "devices"        // no online device at all
	ConstraintArbiter      = "arbiter"        // no arbiter-capable (or data-capable) device with room
	ConstraintBrickMinSize = "brick_min_size" // bricks would fall below the minimum brick size
	ConstraintBrickMaxSize = "brick_max_size" // bricks stay above the maximum brick size
	ConstraintMaxBricks    = "max_bricks"     // the volume would exceed the maximum brick count
)

// DeviceCounts classifies the devices of a cluster for an explanation.
type DeviceCounts struct {
	Total        int `json:"total"`
	NodeUnusable int `json:"on_unusable_nodes,omitempty"`
	Offline      int `json:"offline,omitempty"`
	TagExcluded  int `json:"excluded_by_tag_rule,omitempty"`
	// RoleExcluded counts devices whose arbiter tag rules out the brick
	// that failed (arbiter volumes only).
	RoleExcluded int `json:"excluded_by_arbiter_tag,omitempty"`
	// TooSmall counts candidate devices without room for the brick.
	TooSmall int `json:"too_small,omitempty"`
}

// PlacementError explains why a placement failed. Place, PlaceAny and
// PlaceReplacement return it wrapped in an *errs.Error of kind errs.NoSpace
// whose text is Error(); use errors.As to get the fields (for a dry run's
// JSON answer).
type PlacementError struct {
	// Reason is Heketi's text: No space, Maximum number of bricks reached.,
	// Minimum brick size limit reached.  Out of space., No nodes in
	// cluster, No online storage devices in cluster or No Replacement was
	// found for resource requested to be removed.
	Reason    string `json:"reason"`
	ClusterID string `json:"cluster,omitempty"`
	// Constraint names what failed (Constraint* values). After a set count
	// search stopped at a brick size or count limit (Reason Maximum number
	// of bricks reached. or Minimum brick size ...), it is the constraint
	// that failed in the closest attempt, or the limit itself when no count
	// could be tried.
	Constraint string `json:"constraint"`
	// MaxSetCount is the largest set count tried (counts 1..MaxSetCount
	// whose bricks were within the size bounds were tried).
	MaxSetCount int `json:"max_set_count,omitempty"`
	// SetCount is the set count of the attempt that came closest, and
	// SetsPlaced how many of its sets fitted.
	SetCount   int `json:"set_count,omitempty"`
	SetsPlaced int `json:"sets_placed,omitempty"`
	SetSize    int `json:"set_size,omitempty"`
	// BrickSizeKiB and BrickSpaceKiB are the data brick size and the device
	// space it needs (a device must have strictly more free).
	BrickSizeKiB  uint64 `json:"brick_size_kib,omitempty"`
	BrickSpaceKiB uint64 `json:"brick_space_kib,omitempty"`
	// ArbiterSizeKiB and ArbiterSpaceKiB are the same for the arbiter brick.
	ArbiterSizeKiB  uint64 `json:"arbiter_size_kib,omitempty"`
	ArbiterSpaceKiB uint64 `json:"arbiter_space_kib,omitempty"`
	// Need is the number of distinct nodes (zones with strict checking) a
	// set needs; Found how many have a device with room for a data brick
	// (FoundArbiter: for the arbiter brick).
	Need         int `json:"need,omitempty"`
	Found        int `json:"found"`
	FoundArbiter int `json:"found_arbiter,omitempty"`
	// LargestFreeKiB is the largest free space of a candidate device on the
	// nodes (zones) that had no room, 0 if none.
	LargestFreeKiB uint64       `json:"largest_free_kib,omitempty"`
	Devices        DeviceCounts `json:"devices"`
	// Detail is the human explanation that follows Reason in Error().
	Detail string `json:"detail,omitempty"`

	union int // distinct nodes (zones) with room for either role
}

// Error returns Reason followed by the explanation.
func (e *PlacementError) Error() string {
	switch {
	case e.Detail == "":
		return e.Reason
	case strings.HasSuffix(e.Reason, "."):
		return e.Reason + " " + e.Detail
	default:
		return e.Reason + ": " + e.Detail
	}
}

// asError wraps a PlacementError as an errs.NoSpace error.
func (e *PlacementError) asError() error {
	return &errs.Error{Kind: errs.NoSpace, Msg: e.Error(), Err: e}
}

// spaceClass reports whether the failure is one Heketi reports as No space
// when choosing among clusters.
func (e *PlacementError) spaceClass() bool {
	return e.Reason == textNoSpace || e.Reason == textMaxBricks || e.Reason == textMinBrickSize
}

// kib formats a size in KiB for people: GiB or MiB with two decimals.
func kib(v uint64) string {
	switch {
	case v >= 1<<20:
		return fmt.Sprintf("%.2f GiB", float64(v)/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.2f MiB", float64(v)/(1<<10))
	default:
		return fmt.Sprintf("%d KiB", v)
	}
}

// plural returns "n word" with an s when n != 1.
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// exclusions describes the devices ruled out before space was considered.
func (e *PlacementError) exclusions(rule string) string {
	var parts []string
	c := e.Devices
	if c.NodeUnusable > 0 {
		parts = append(parts, fmt.Sprintf("%d on unusable nodes", c.NodeUnusable))
	}
	if c.Offline > 0 {
		parts = append(parts, fmt.Sprintf("%d offline", c.Offline))
	}
	if c.TagExcluded > 0 {
		parts = append(parts, fmt.Sprintf("%d by tag rule %q", c.TagExcluded, rule))
	}
	if c.RoleExcluded > 0 {
		parts = append(parts, fmt.Sprintf("%d by arbiter tag", c.RoleExcluded))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("; of %s, excluded %s", plural(c.Total, "device"), strings.Join(parts, ", "))
}
